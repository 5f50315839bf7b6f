/**
 * loadConfig: file or directory -> %ENV expansion -> lenient TOML -> merge -> [hekad] globals ->
 * per-section validation -> default plugin instances -> cross-section checks
 * (spec/config.md §2-§8). Every problem is collected; nothing here throws on bad input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, ConfigWarning } from '../errors/errors.js';
import type { ConfigErrorCode, ConfigIssue } from '../errors/errors.js';
import type { GlobalConfig, PluginDefinition, PluginKind } from '../plugin-api/index.js';
import { expandEnv } from './env.js';
import { parseGlobals } from './globals.js';
import { buildSection } from './section.js';
import type { PluginSection } from './section.js';
import { didYouMean } from './suggest.js';
import { parseToml } from './toml.js';
import { findKey, isTable, IssueSink } from './validate.js';
import type { RawTable } from './validate.js';

/** The result of loading a configuration. Run it only when `errors` is empty. */
export interface LoadedConfig {
  /** [hekad] from the last file that has one, defaults applied, validated. */
  globals: GlobalConfig;
  /** Plugin sections in file order after merging, then the default instances (file '<default>'). */
  sections: PluginSection[];
  warnings: ConfigIssue[];
  /** All errors, not only the first. */
  errors: ConfigIssue[];
  /** The files read, in order. */
  files: string[];
}

export interface LoadOptions {
  /** Environment for %ENV[NAME] (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Instances hekad registers with default settings unless the user defines a section of that name. */
export const DEFAULT_PLUGIN_NAMES: readonly string[] = [
  'ProtobufDecoder',
  'ProtobufEncoder',
  'TokenSplitter',
  'PatternGroupingSplitter',
  'HekaFramingSplitter',
  'NullSplitter',
];

export const DEFAULT_FILE = '<default>';

interface RawSection {
  raw: RawTable;
  file: string;
}

function readError(file: string, err: unknown): ConfigError {
  const e = err as NodeJS.ErrnoException;
  const what = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EISDIR' ? 'is a directory' : e.message;
  return new ConfigError('HEKA_ERR_CONFIG_READ', { file, reason: `Error reading config: ${what}` });
}

/** The files a -config path stands for: itself, or a directory's *.toml entries sorted by name. */
function configFiles(p: string, errors: ConfigError[]): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (err) {
    errors.push(readError(p, err));
    return [];
  }
  if (!st.isDirectory()) return [p];
  let names: string[];
  try {
    names = fs.readdirSync(p);
  } catch (err) {
    errors.push(readError(p, err));
    return [];
  }
  // Byte order, as Go's sort.Strings (code-unit order is the same for the BMP names people use).
  return names
    .filter((n) => n.endsWith('.toml'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((n) => path.join(p, n));
}

/** Reads, expands and parses one file; null after recording an error. */
function readToml(file: string, env: NodeJS.ProcessEnv, errors: ConfigError[]): RawTable | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    errors.push(readError(file, err));
    return null;
  }
  try {
    return parseToml(expandEnv(text, env), file);
  } catch (err) {
    if (err instanceof ConfigError) errors.push(err.file === '' ? err.withFile(file) : err);
    else errors.push(new ConfigError('HEKA_ERR_CONFIG_TOML_PARSE', { file, reason: String(err) }));
    return null;
  }
}

/**
 * Loads and validates the configuration at `configPath` (a file, or a directory of *.toml files)
 * against the plugin registry.
 */
export function loadConfig(
  configPath: string,
  registry: ReadonlyMap<string, PluginDefinition>,
  opts: LoadOptions = {},
): LoadedConfig {
  const env = opts.env ?? process.env;
  const errors: ConfigError[] = [];
  const warnings: ConfigWarning[] = [];
  const files = configFiles(configPath, errors);

  let hekad: RawSection | undefined;
  const merged = new Map<string, RawSection>();
  let unreadable = errors.length > 0;
  for (const file of files) {
    const doc = readToml(file, env, errors);
    if (doc === null) {
      unreadable = true;
      continue;
    }
    for (const name of Object.keys(doc)) {
      const value = doc[name];
      if (!isTable(value)) {
        errors.push(
          new ConfigError('HEKA_ERR_CONFIG_NOT_A_TABLE', {
            file,
            option: name,
            reason: `top-level key is not a [section] (got ${Array.isArray(value) ? 'an array' : 'a value'})`,
          }),
        );
        continue;
      }
      if (name === 'hekad') {
        hekad = { raw: value, file }; // the last file wins as a whole
        continue;
      }
      const earlier = merged.get(name);
      if (earlier !== undefined) {
        warnings.push(
          new ConfigWarning('HEKAWRN001', {
            file,
            section: name,
            reason: `replaces the section of the same name in ${earlier.file}`,
          }),
        );
        merged.delete(name); // the later definition takes the later position
      }
      merged.set(name, { raw: value, file });
    }
  }

  const sink = new IssueSink(configPath, errors, warnings);
  const globals = parseGlobals(hekad?.raw, sink.forFile(hekad?.file ?? configPath));

  if (merged.size === 0 && !unreadable) {
    errors.push(new ConfigError('HEKA_ERR_CONFIG_EMPTY', { file: configPath, reason: 'Empty configuration, exiting.' }));
  }

  const sections: PluginSection[] = [];
  for (const [name, s] of merged) {
    const sec = buildSection(name, s.raw, s.file, registry, globals, sink.forFile(s.file));
    if (sec !== null) sections.push(sec);
  }
  for (const name of DEFAULT_PLUGIN_NAMES) {
    if (merged.has(name) || !registry.has(name)) continue;
    const sec = buildSection(name, {}, DEFAULT_FILE, registry, globals, sink.forFile(DEFAULT_FILE));
    if (sec !== null) sections.push(sec);
  }

  checkReferences(sections, merged, sink);
  return { globals, sections, warnings, errors, files };
}

const REFERENCES: ReadonlyArray<{ from: PluginKind; option: 'decoder' | 'splitter' | 'encoder'; to: PluginKind }> = [
  { from: 'input', option: 'decoder', to: 'decoder' },
  { from: 'input', option: 'splitter', to: 'splitter' },
  { from: 'output', option: 'encoder', to: 'encoder' },
];

/**
 * decoder / splitter / encoder options the user wrote must name a section of that kind. Defaults
 * that the user did not write are left to the pipeline builder.
 */
function checkReferences(sections: PluginSection[], merged: Map<string, RawSection>, sink: IssueSink): void {
  const kindOf = new Map<string, PluginKind>();
  for (const s of sections) kindOf.set(s.name, s.kind);
  for (const s of sections) {
    const raw = merged.get(s.name)?.raw;
    if (raw === undefined) continue;
    for (const ref of REFERENCES) {
      if (s.kind !== ref.from || findKey(raw, ref.option) === undefined) continue;
      const target = s.common[ref.option];
      if (target === undefined || kindOf.get(target) === ref.to) continue;
      const sameKind = sections.filter((x) => x.kind === ref.to).map((x) => x.name);
      const found = kindOf.get(target);
      const reason =
        found === undefined
          ? `no ${ref.to} section named '${target}'${didYouMean(target, sameKind)}`
          : `'${target}' is a ${found}, not a ${ref.to}`;
      sink.forFile(s.file).error('HEKA_ERR_CONFIG_UNKNOWN_REFERENCE', s.name, ref.option, reason);
    }
  }
}

/** A check a caller adds after loading (e.g. compiling matchers); returns problems, or nothing. */
export type SectionCheck = (
  section: PluginSection,
  cfg: LoadedConfig,
) => Array<{ option: string; reason: string; code?: ConfigErrorCode }> | void;

/**
 * The hook for checks that live outside src/config (the runner compiles message_matcher; a regex
 * option may need the Go-regex translator): runs each check on every section and appends its
 * problems to cfg.errors with the section's file and name. A check that throws is reported as an
 * error of that section. Returns cfg.
 */
export function validateSections(cfg: LoadedConfig, checks: readonly SectionCheck[]): LoadedConfig {
  for (const s of cfg.sections) {
    for (const check of checks) {
      let problems: ReturnType<SectionCheck>;
      try {
        problems = check(s, cfg);
      } catch (err) {
        problems = [{ option: '', reason: err instanceof Error ? err.message : String(err) }];
      }
      for (const p of problems ?? []) {
        cfg.errors.push(
          new ConfigError(p.code ?? 'HEKA_ERR_CONFIG_INVALID_VALUE', {
            file: s.file,
            section: s.name,
            option: p.option,
            reason: p.reason,
          }),
        );
      }
    }
  }
  return cfg;
}
