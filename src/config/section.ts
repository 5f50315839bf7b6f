/**
 * One plugin section: resolve its type and category, validate common and plugin options, run the
 * plugin's cross-option checks (spec/config.md §3, §5-§8).
 */
import type { GlobalConfig, PluginDefinition, PluginKind } from '../plugin-api/index.js';
import { extractCommon, sectionSchema } from './common.js';
import type { CommonOptions } from './common.js';
import { maxRecordSize } from './globals.js';
import { didYouMean } from './suggest.js';
import { findKey, isTable, IssueSink } from './validate.js';
import type { RawTable } from './validate.js';
import { validateTable } from './validate.js';

/** A validated plugin section, ready for the pipeline builder. */
export interface PluginSection {
  /** Instance name (the TOML table name). */
  name: string;
  /** Plugin type name (the `type` key, or the section name when absent). */
  type: string;
  kind: PluginKind;
  /** File the section came from; '<default>' for built-in default instances. */
  file: string;
  def: PluginDefinition;
  /** Framework-owned options, validated, defaults applied. */
  common: CommonOptions;
  /**
   * The plugin's own options in the schema's spelling, defaults applied, durations in ms, nested
   * tables included.
   */
  config: Record<string, unknown>;
}

const SUFFIX_KIND: ReadonlyArray<[string, PluginKind]> = [
  ['Input', 'input'],
  ['Splitter', 'splitter'],
  ['Decoder', 'decoder'],
  ['Filter', 'filter'],
  ['Encoder', 'encoder'],
  ['Output', 'output'],
];

/** The plugin category from a type name's suffix (Heka's rule), or undefined. */
export function categoryOf(typeName: string): PluginKind | undefined {
  for (const [suffix, kind] of SUFFIX_KIND) if (typeName.endsWith(suffix)) return kind;
  return undefined;
}

const IGNORE_TYPE: ReadonlySet<string> = new Set(['type']);

/**
 * Validates one section. Returns null when its type cannot be resolved (the error is recorded);
 * otherwise the section, even if some options were invalid (those errors are recorded too, and a
 * configuration with errors must not be run).
 */
export function buildSection(
  name: string,
  raw: RawTable,
  file: string,
  registry: ReadonlyMap<string, PluginDefinition>,
  globals: GlobalConfig,
  sink: IssueSink,
): PluginSection | null {
  const typeKey = findKey(raw, 'type');
  let typeName = name;
  if (typeKey !== undefined) {
    const t = raw[typeKey];
    if (typeof t !== 'string') {
      sink.error('HEKA_ERR_CONFIG_TYPE_MISMATCH', name, 'type', 'expected a string naming the plugin type');
      return null;
    }
    typeName = t;
  }
  const def = registry.get(typeName);
  if (def === undefined) {
    sink.error(
      'HEKA_ERR_CONFIG_UNKNOWN_TYPE',
      name,
      typeKey === undefined ? '' : 'type',
      `No registered plugin type: ${typeName}${didYouMean(typeName, registry.keys())}`,
    );
    return null;
  }
  const category = categoryOf(typeName);
  if (category === undefined) {
    sink.error('HEKA_ERR_CONFIG_BAD_CATEGORY', name, typeKey === undefined ? '' : 'type', `Unrecognized plugin category: ${typeName}`);
    return null;
  }
  if (category !== def.kind) {
    sink.error(
      'HEKA_ERR_CONFIG_BAD_CATEGORY',
      name,
      typeKey === undefined ? '' : 'type',
      `type ${typeName} names a ${category} but the registered plugin is a ${def.kind}`,
    );
    return null;
  }

  const errorsBefore = sink.errors.length;
  const schema = sectionSchema(def);
  const v = validateTable(schema, raw, sink, name, { ignore: IGNORE_TYPE });
  const bufferingSet = findKey(raw, 'buffering') !== undefined;
  const common = extractCommon(def, v, bufferingSet);
  const config: Record<string, unknown> = {};
  for (const k of Object.keys(def.options)) if (Object.hasOwn(v, k)) config[k] = v[k];

  // Size limits are checked only where the user set the value (as Heka, whose config defaults are
  // 0 = "use the built-in size"); a built-in default larger than the record limit is clamped.
  const maxRecord = maxRecordSize(globals);
  const rawBuffering = raw[findKey(raw, 'buffering') ?? ''];
  const fileSizeSet = isTable(rawBuffering) && findKey(rawBuffering, 'max_file_size') !== undefined;
  if (fileSizeSet && common.use_buffering === true && common.buffering.max_file_size < maxRecord) {
    sink.error(
      'HEKA_ERR_CONFIG_INVALID_VALUE',
      `${name}.buffering`,
      'max_file_size',
      `must be at least the maximum record size (${maxRecord} bytes with max_message_size ${globals.max_message_size})`,
    );
  }
  if (def.kind === 'splitter' && common.min_buffer_size !== undefined && common.min_buffer_size > maxRecord) {
    if (findKey(raw, 'min_buffer_size') !== undefined) {
      sink.error(
        'HEKA_ERR_CONFIG_INVALID_VALUE',
        name,
        'min_buffer_size',
        `must not exceed the maximum record size (${maxRecord} bytes with max_message_size ${globals.max_message_size})`,
      );
    } else {
      common.min_buffer_size = maxRecord;
    }
  }

  if (def.kind === 'filter' || def.kind === 'output') {
    if (common.message_matcher === undefined || common.message_matcher.trim() === '') {
      sink.error('HEKA_ERR_CONFIG_MISSING_MATCHER', name, 'message_matcher', `'${name}' missing message matcher`);
    }
  }
  if (def.kind === 'output' && def.encoderRequired && common.encoder === undefined) {
    sink.error('HEKA_ERR_CONFIG_ENCODER_REQUIRED', name, 'encoder', `'${name}' requires an encoder (${def.type} cannot write without one)`);
  }

  // Cross-option checks only make sense on a section whose options all passed.
  if (def.validate && sink.errors.length === errorsBefore) {
    let problems: Array<{ option: string; reason: string }>;
    try {
      problems = def.validate(config, globals) ?? [];
    } catch (err) {
      problems = [{ option: '', reason: `validation failed: ${err instanceof Error ? err.message : String(err)}` }];
    }
    for (const p of problems) sink.error('HEKA_ERR_CONFIG_INVALID_VALUE', name, p.option, p.reason);
  }

  return { name, type: typeName, kind: def.kind, file: sink.file, def, common, config };
}
