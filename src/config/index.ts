/**
 * Configuration loading and validation (spec/config.md). Callers: the CLI (-config, -check) and
 * the pipeline builder. Matcher compilation is not done here: add such checks with
 * validateSections(cfg, [check]).
 */
export { parseGoDuration, formatGoDuration } from './duration.js';
export { expandEnv } from './env.js';
export { quoteTableHeaders, parseToml } from './toml.js';
export { levenshtein, closest, didYouMean } from './suggest.js';
export { HEKAD_SCHEMA, defaultGlobals, parseGlobals, maxRecordSize } from './globals.js';
export {
  COMMON_SCHEMAS,
  RETRIES_SCHEMA,
  BUFFERING_SCHEMA,
  DEFAULT_MAX_FILE_SIZE,
  sectionSchema,
  defaultRetries,
  defaultBuffering,
} from './common.js';
export type { CommonOptions, RetryOptions, BufferingOptions } from './common.js';
export { categoryOf } from './section.js';
export type { PluginSection } from './section.js';
export { loadConfig, validateSections, DEFAULT_PLUGIN_NAMES, DEFAULT_FILE } from './load.js';
export type { LoadedConfig, LoadOptions, SectionCheck } from './load.js';
export { resolveSharePath, resolveBasePath, isAbsolutePath } from './paths.js';
export { ConfigError, ConfigWarning, ConfigErrors, formatConfigIssue } from '../errors/errors.js';
export type { ConfigIssue } from '../errors/errors.js';

import { ConfigErrors } from '../errors/errors.js';
import type { LoadedConfig } from './load.js';

/** Throws ConfigErrors (listing every error) when the loaded configuration has any. */
export function assertValidConfig(cfg: LoadedConfig): void {
  if (cfg.errors.length > 0) throw new ConfigErrors(cfg.errors);
}
