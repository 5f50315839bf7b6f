/**
 * The framework-owned options of each plugin kind (spec/config.md §5-§8): their schemas, and how a
 * validated section table is split into CommonOptions and the plugin's own config.
 *
 * A plugin may change the *default* of a common option by declaring an option of the same name in
 * its own schema (TcpOutput: `use_buffering` default true, StatAccumInput: `ticker_interval` 10).
 * Only `default` (and `doc`) are taken from the plugin's declaration; type and checks stay the
 * framework's. Such an option is also passed to the plugin in `config`.
 */
import type { OptionSchema, OptionSpec, PluginDefinition, PluginKind } from '../plugin-api/index.js';
import { defineOptions } from '../plugin-api/options.js';

/** `retries` sub-table (§8). Durations are milliseconds after validation. */
export interface RetryOptions {
  delay: number;
  max_delay: number;
  max_jitter: number;
  /** -1 = forever, 0 = never restart, N = give up after N attempts. */
  max_retries: number;
}

/** `buffering` sub-table (§6.1). */
export interface BufferingOptions {
  max_file_size: number;
  max_buffer_size: number;
  full_action: 'shutdown' | 'drop' | 'block';
  cursor_update_count: number;
}

/** The framework-owned options; only the ones that apply to the section's kind are meaningful. */
export interface CommonOptions {
  message_matcher?: string;
  message_signer?: string;
  /** Seconds; 0 = no ticker. */
  ticker_interval: number;
  can_exit?: boolean;
  encoder?: string;
  /** Undefined when not set: TcpOutput/FileOutput then frame iff the encoder is ProtobufEncoder. */
  use_framing?: boolean;
  use_buffering?: boolean;
  buffering: BufferingOptions;
  /** Whether the section had a `buffering` table (plugin-specific buffering defaults apply only when not). */
  buffering_set: boolean;
  retries: RetryOptions;
  decoder?: string;
  splitter?: string;
  synchronous_decode: boolean;
  send_decode_failures: boolean;
  log_decode_failures: boolean;
  keep_truncated: boolean;
  use_message_bytes?: boolean;
  min_buffer_size?: number;
  deliver_incomplete_final: boolean;
}

export const DEFAULT_MAX_FILE_SIZE = 512 * 1024 * 1024;

export const RETRIES_SCHEMA = defineOptions({
  delay: { type: 'duration', doc: 'First wait before a restart.', default: '250ms' },
  max_delay: { type: 'duration', doc: 'Cap of the doubling delay.', default: '30s' },
  max_jitter: { type: 'duration', doc: 'Uniformly random extra in [0, max_jitter) added to every wait.', default: '500ms' },
  max_retries: {
    type: 'int',
    doc: '-1 = retry forever, 0 = never restart, N = give up after N attempts.',
    default: -1,
    check: (v) => ((v as number) < -1 ? 'must be -1 (forever) or greater' : undefined),
  },
});

export const BUFFERING_SCHEMA = defineOptions({
  max_file_size: {
    type: 'uint',
    doc: 'Roll to a new queue file when the next record would exceed this many bytes (0 = default).',
    default: DEFAULT_MAX_FILE_SIZE,
  },
  max_buffer_size: { type: 'uint', doc: 'Total queue bytes allowed (0 = unlimited).', default: 0 },
  full_action: {
    type: 'string',
    doc: 'What to do when the queue is full: shutdown, drop the new message, or block.',
    default: 'shutdown',
    enum: ['shutdown', 'drop', 'block'],
  },
  cursor_update_count: {
    type: 'uint',
    doc: 'Persist the read cursor after this many acknowledgements (0 = 1).',
    default: 1,
  },
});

const TICKER: OptionSpec = {
  type: 'uint',
  doc: 'Seconds between timer events (0 = none).',
  default: 0,
};
const CAN_EXIT: OptionSpec = { type: 'bool', doc: 'Whether the plugin may stop without stopping hekad.', default: false };
const RETRIES: OptionSpec = { type: 'table', doc: 'Restart policy.', schema: RETRIES_SCHEMA };

const INPUT_COMMON = defineOptions({
  decoder: { type: 'string', doc: 'Name of the decoder section applied to records.' },
  splitter: { type: 'string', doc: 'Name of the splitter section that cuts the stream into records.' },
  synchronous_decode: { type: 'bool', doc: "Decode inside the input's own task.", default: false },
  send_decode_failures: { type: 'bool', doc: 'Deliver the original message, flagged, when decoding fails.', default: false },
  log_decode_failures: { type: 'bool', doc: 'Log decode errors.', default: false },
  can_exit: CAN_EXIT,
  ticker_interval: TICKER,
  retries: RETRIES,
});

const FILTER_COMMON = defineOptions({
  message_matcher: { type: 'string', doc: 'Which messages the plugin receives.' },
  message_signer: { type: 'string', doc: 'Only accept messages signed by this signer.' },
  ticker_interval: TICKER,
  can_exit: CAN_EXIT,
  use_buffering: { type: 'bool', doc: 'Queue matched messages on disk before the plugin reads them.', default: false },
  buffering: { type: 'table', doc: 'Disk queue settings.', schema: BUFFERING_SCHEMA },
  retries: RETRIES,
});

const OUTPUT_COMMON = defineOptions({
  ...FILTER_COMMON,
  encoder: { type: 'string', doc: 'Name of the encoder section that serialises messages.' },
  use_framing: { type: 'bool', doc: 'Wrap each encoded record in Heka stream framing.' },
});

const SPLITTER_COMMON = defineOptions({
  keep_truncated: { type: 'bool', doc: 'Deliver (true) or drop (false) records longer than the max record size.', default: false },
  use_message_bytes: { type: 'bool', doc: 'Put the record into the raw message bytes instead of Payload.', default: false },
  min_buffer_size: { type: 'uint', doc: 'Initial read buffer size in bytes.', default: 8192 },
  deliver_incomplete_final: { type: 'bool', doc: 'At end of stream, deliver a trailing partial record.', default: false },
  ticker_interval: TICKER,
});

const BARE_COMMON = defineOptions({ ticker_interval: TICKER });

/** The common options each kind accepts, with the framework's defaults. */
export const COMMON_SCHEMAS: Readonly<Record<PluginKind, OptionSchema>> = {
  input: INPUT_COMMON,
  splitter: SPLITTER_COMMON,
  decoder: BARE_COMMON,
  encoder: BARE_COMMON,
  filter: FILTER_COMMON,
  output: OUTPUT_COMMON,
};

/**
 * The schema a section of this definition is validated against: the kind's common options (with
 * defaults adjusted by the definition) plus the plugin's own options.
 */
export function sectionSchema(def: PluginDefinition): OptionSchema {
  const common = COMMON_SCHEMAS[def.kind];
  const merged: OptionSchema = { ...def.options };
  for (const key of Object.keys(common)) {
    const base = common[key]!;
    const own = def.options[key];
    let dflt = own?.default ?? base.default;
    if (def.kind === 'filter' && key === 'can_exit' && own === undefined && def.defaultCanExit !== undefined) {
      dflt = def.defaultCanExit;
    }
    if (def.kind === 'splitter' && def.commonDefaults && own === undefined && key in def.commonDefaults) {
      dflt = def.commonDefaults[key as 'use_message_bytes' | 'min_buffer_size'];
    }
    merged[key] = own ? { ...base, doc: own.doc, default: dflt } : { ...base, default: dflt };
  }
  return merged;
}

/** Builds CommonOptions from a validated section (every key already converted and defaulted). */
export function extractCommon(
  def: PluginDefinition,
  v: Record<string, unknown>,
  bufferingSet: boolean,
): CommonOptions {
  const str = (k: string): string | undefined => {
    const s = v[k];
    return typeof s === 'string' && s !== '' ? s : undefined;
  };
  const bool = (k: string, d: boolean): boolean => (typeof v[k] === 'boolean' ? (v[k] as boolean) : d);
  const buffering = { ...(v['buffering'] as BufferingOptions | undefined ?? defaultBuffering()) };
  if (buffering.max_file_size === 0) buffering.max_file_size = DEFAULT_MAX_FILE_SIZE;
  if (buffering.cursor_update_count === 0) buffering.cursor_update_count = 1;
  const retries = (v['retries'] as RetryOptions | undefined) ?? defaultRetries();
  const kind = def.kind;
  const common: CommonOptions = {
    ticker_interval: typeof v['ticker_interval'] === 'number' ? (v['ticker_interval'] as number) : 0,
    buffering,
    buffering_set: bufferingSet,
    retries: { ...retries },
    synchronous_decode: bool('synchronous_decode', false),
    send_decode_failures: bool('send_decode_failures', false),
    log_decode_failures: bool('log_decode_failures', false),
    keep_truncated: bool('keep_truncated', false),
    deliver_incomplete_final: bool('deliver_incomplete_final', false),
  };
  if (kind === 'filter' || kind === 'output') {
    const m = v['message_matcher'];
    if (typeof m === 'string') common.message_matcher = m;
    else if (def.defaultMatcher !== undefined) common.message_matcher = def.defaultMatcher;
    const signer = str('message_signer');
    if (signer !== undefined) common.message_signer = signer;
    common.use_buffering = bool('use_buffering', false);
  }
  if (kind === 'input' || kind === 'filter' || kind === 'output') common.can_exit = bool('can_exit', false);
  if (kind === 'output') {
    const enc = str('encoder');
    if (enc !== undefined) common.encoder = enc;
    if (typeof v['use_framing'] === 'boolean') common.use_framing = v['use_framing'] as boolean;
  }
  if (kind === 'input') {
    const dec = str('decoder');
    if (dec !== undefined) common.decoder = dec;
    common.splitter = str('splitter') ?? def.defaultSplitter ?? 'NullSplitter';
  }
  if (kind === 'splitter') {
    common.use_message_bytes = bool('use_message_bytes', false);
    common.min_buffer_size = typeof v['min_buffer_size'] === 'number' ? (v['min_buffer_size'] as number) : 8192;
  }
  return common;
}

export function defaultRetries(): RetryOptions {
  return { delay: 250, max_delay: 30000, max_jitter: 500, max_retries: -1 };
}

export function defaultBuffering(): BufferingOptions {
  return { max_file_size: DEFAULT_MAX_FILE_SIZE, max_buffer_size: 0, full_action: 'shutdown', cursor_update_count: 1 };
}
