/**
 * THE plugin contract. A plugin module exports one definition built with definePlugin(); the
 * runners own queues, matching, tickers, acknowledgements and counters, so plugin code is domain
 * logic only (STYLE.md §2.3).
 */
import type { Clock } from '../core/clock.js';
import type { Message } from '../core/message.js';
import type { Logger } from '../log/logger.js';
import type { OptionSchema } from './options.js';

export * from './options.js';
export * from './capabilities.js';
import type { Capability } from './capabilities.js';

export type PluginKind = 'input' | 'splitter' | 'decoder' | 'filter' | 'encoder' | 'output';

/** The [hekad] section after validation (spec/config.md §4). */
export interface GlobalConfig {
  maxprocs: number;
  poolsize: number;
  plugin_chansize: number;
  max_message_loops: number;
  max_process_inject: number;
  max_process_duration: number;
  max_timer_inject: number;
  max_pack_idle: number;
  base_dir: string;
  share_dir: string;
  sample_denominator: number;
  pid_file: string;
  hostname: string;
  max_message_size: number;
  log_flags: number;
  full_buffer_max_retries: number;
}

/** A report field shown in heka.all-report and on the dashboard. */
export interface ReportField {
  name: string;
  value: number | string | boolean;
  representation?: string;
}

/** The self-report's categories (Heka's `key`), as they appear in `heka.all-report` (dashboard.md §3.1). */
export type ReportCategory = 'decoders' | 'encoders' | 'filters' | 'globals' | 'inputs' | 'outputs' | 'splitters';

/** One component's record in the self-report: its category, instance name and fields, read at that moment. */
export interface ReportRecord {
  readonly category: ReportCategory;
  readonly name: string;
  readonly fields: readonly ReportField[];
}

/** What every plugin instance can reach of the daemon. */
export interface PluginContext {
  /** Instance name (the TOML section name, or `<input>-<decoder>` for per-user instances). */
  readonly name: string;
  readonly typeName: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly globals: GlobalConfig;
  /** Count and log (rate limited) a per-record failure; processing continues. */
  reportError(err: unknown, stage: string): void;
}

// ---------------------------------------------------------------------------------------------
// Splitter

/**
 * Finds record boundaries in a byte stream. Called synchronously on the hot path.
 * `findRecord` scans buf[start, end) and returns how many bytes it consumed (0 = no complete
 * record yet); when the consumed bytes carry a record it is left in `record` (often a subarray of
 * buf, valid only until the next call), otherwise `record` is null.
 */
export interface Splitter {
  findRecord(buf: Buffer, start: number, end: number): number;
  record: Buffer | null;
  /** At end of stream: the trailing incomplete record to deliver, if the splitter has a notion of one. */
  finalRecord?(buf: Buffer, start: number, end: number): Buffer | null;
  /** Forget carried state (e.g. a regex capture held for the next record) when a stream restarts. */
  reset?(): void;
  /** The read buffer was compacted or grown: drop anything cached about its previous contents. */
  bufferMoved?(): void;
}

// ---------------------------------------------------------------------------------------------
// Decoder

/**
 * What decoding one record gave: the message(s) to route (null or [] = dropped), or the Error that
 * decode() would have thrown for it.
 */
export type DecodeResult = Message | Message[] | null | Error;

/**
 * Turns one message (Payload or rawBytes) into zero or more messages; throws on a decode error.
 *
 * Instances: a decoder is shared by every stream of its input (one `<input>-<decoder>` instance,
 * Heka's report name, one preservation file). A decoder that keeps state per byte stream (e.g. a
 * multi-line joiner) sets `perStream` on its definition and then gets one instance per stream
 * opened with InputContext.openStream(); no built-in decoder needs that yet.
 */
export interface Decoder {
  /**
   * Called for each record when the decoder has no decodeBatch, or for a single record. Returns the
   * decoded message(s) (the input message itself when unchanged), null to drop it; throws an
   * Error on a decode error (counted, honouring log_decode_failures / send_decode_failures) or a
   * DecoderStoppedError when it can decode no more.
   */
  decode(msg: Message): Message | Message[] | null;
  /**
   * Optional: decode several records in one go, where a per-call cost is worth sharing (a user
   * JS decoder crosses its worker boundary once per batch). Called by the input runner when a read
   * yields many records, with the records in stream order. Returns one result per record, in
   * order, each exactly what decode() would have returned or thrown for it; an error affects only
   * its own record. When the decoder stops, the result at that record is the DecoderStoppedError
   * and the array ends there: later records were not decoded (and will not be acknowledged).
   */
  decodeBatch?(msgs: readonly Message[]): DecodeResult[];
  /** Called once when its input stops (e.g. to save preserved state). */
  stop?(): void | Promise<void>;
  /**
   * Plugin fields for this instance's self-report record (Heka `ReportingPlugin`), after the
   * runner's own fields. Called whenever the report is read (SIGUSR1, a dashboard tick,
   * `currentReport()`), from the main thread: read counters, do no I/O. A field the plugin cannot
   * measure is left out rather than reported as 0. If it throws, the record shows only an `Error`
   * field with the message (dashboard.md §3.1).
   */
  report?(): ReportField[];
}

/**
 * Thrown by a decoder that can no longer decode (a terminated SandboxDecoder). The input runner
 * does not acknowledge the message and pauses the input: deliver() returns false and drained()
 * resolves only at shutdown, so a journal never moves past the message (nothing is lost).
 */
export class DecoderStoppedError extends Error {
  override name = 'DecoderStoppedError';
  readonly code = 'HEKA_ERR_DECODER_STOPPED';
}

// ---------------------------------------------------------------------------------------------
// Encoder

/** Message -> bytes. `null` means the message is swallowed (nothing is written). */
export interface Encoder {
  encode(msg: Message): Buffer | string | null;
  /** Called once after its output stopped (e.g. to save preserved state). */
  stop?(): void | Promise<void>;
  /**
   * Plugin fields for this instance's self-report record (Heka `ReportingPlugin`), after the
   * runner's own fields. Called whenever the report is read (SIGUSR1, a dashboard tick,
   * `currentReport()`), from the main thread: read counters, do no I/O. A field the plugin cannot
   * measure is left out rather than reported as 0. If it throws, the record shows only an `Error`
   * field with the message (dashboard.md §3.1).
   */
  report?(): ReportField[];
}

// ---------------------------------------------------------------------------------------------
// Input

export interface InputContext extends PluginContext {
  readonly signal: AbortSignal;
  readonly hostname: string;
  /**
   * Hand a finished message to the pipeline (decoder, then router). Returns at once: true while
   * there is room downstream, false when a queue is full; then pause until drained() resolves.
   */
  deliver(msg: Message): boolean;
  /** Resolves when downstream has room again (immediately if it has room now). */
  drained(): Promise<void>;
  /** Whether downstream is currently backpressured. */
  readonly blocked: boolean;
  /** A fresh splitter instance of the input's configured splitter (per stream/connection). */
  newSplitter(): Splitter;
  /**
   * Open a byte stream (a file stream, a connection, a channel): it owns the splitting (its own
   * splitter instance, the common splitter options), building one message per record, decoding
   * (in batches where the decoder can, with its own decoder instance when the decoder is
   * per-stream) and routing, and the acknowledgement tracking of its records. Call it from run();
   * close() the stream when it ends.
   */
  openStream(origin: StreamOrigin): InputStream;
  /** Splitter options common to all splitters (spec/config.md §7), already validated. */
  readonly splitterOptions: SplitterCommonOptions;
  /** Base directory for data the daemon writes (journals). */
  readonly baseDir: string;
  /**
   * Another input instance by section name, checked against what the caller needs of it (e.g.
   * StatsdInput -> its StatAccumInput as a StatAccumulator). Throws, naming the section and the
   * capability, when there is no such input or it lacks the capability.
   */
  lookupInput<T>(name: string, capability: Capability<T>): T;
  /** Seconds between ticks from the section's ticker_interval (0 = none); inputs run their own timers. */
  readonly tickerInterval: number;
}

/** What an input says about a stream it opens (InputContext.openStream). */
export interface StreamOrigin {
  /** Names the stream in logs (e.g. a logstream name or a peer address). */
  name: string;
  /** Header values of the messages built from records (use_message_bytes = false). Defaults: Type unset, Logger = the input's name, Hostname = the input's hostname. */
  type?: string;
  logger?: string;
  hostname?: string;
  /** A splitter instance to use instead of a fresh one of the configured splitter (legacy options). */
  splitter?: Splitter;
  /** Initial read buffer size (at least min_buffer_size; capped at the max record size). */
  initialBufferSize?: number;
  /** Called when the settled position moved (after acknowledgements). */
  onSettled?(): void;
}

/**
 * One byte stream of an input (see InputContext.openStream). Bytes go in by a pull read
 * (prepareRead / buf / commitRead, then flush()) or a push (write()); records come out as messages
 * to the decoder and router. Every record is an entry of the stream's settled-prefix tracker,
 * tagged with `tag` and the stream offset at its end; `settled*` is the highest position below
 * which every record is acknowledged by all consumers.
 */
export interface InputStream {
  readonly name: string;
  /** The read buffer; valid data is buf[.., readPos). Replaced when it grows: re-read after prepareRead(). */
  readonly buf: Buffer;
  readonly readPos: number;
  /** Make room for a read at buf[readPos]; returns how many bytes may be written (> 0 after flush() returned true). */
  prepareRead(): number;
  /** Account for `n` bytes written at buf[readPos]. */
  commitRead(n: number): void;
  /**
   * Deliver every complete record in the buffer. Returns false when downstream is full (or the
   * input is paused): the caller waits for ctx.drained() and calls flush() again; undelivered
   * records stay buffered. A batch handed to a batch decoder is delivered whole (the overshoot
   * past a full queue is at most one batch).
   */
  flush(): boolean;
  /** Push reading: copy `chunk` in and flush; false when downstream is full (pause the source). */
  write(chunk: Uint8Array): boolean;
  /**
   * End of the byte stream (or of one file of it): deliver the trailing partial record when
   * deliver_incomplete_final is set, otherwise discard it (counted in `dropped`, logged).
   * `what` names the data in that log line (e.g. a file path). Returns false when downstream is full.
   */
  end(what?: string): boolean;
  /** Stream offset of the end of the consumed data (the end of the last record). */
  readonly offset: number;
  /** Bytes buffered but not yet part of a record. */
  readonly pending: number;
  /** Start over at `offset`, forgetting buffered bytes and splitter state; `history` are the bytes before it (for window()). */
  reset(offset?: number, history?: Uint8Array): void;
  /** Consume and discard the buffered partial data; returns how many bytes. */
  discardPending(): number;
  /** The 500 consumed bytes before `offset`, zero-padded on the left (Heka's journal window), and its SHA-1 hex. */
  window(): Buffer;
  windowHash(): string;
  // ---- acknowledgements
  /** Tag stamped on the entries of the records delivered from now on (e.g. a file id). */
  tag: number;
  /** A settled entry at the current offset and tag (e.g. "reading this file from here"); returns its sequence number. */
  mark(): number;
  /** Sequence number of the newest entry (-1: none). */
  readonly lastSeq: number;
  /** Lowest sequence number not settled yet (entries below it are all settled). */
  readonly settledHead: number;
  /** The settled position: its tag (-1: nothing settled), offset and entry sequence number. */
  readonly settledTag: number;
  readonly settledOffset: number;
  readonly settledSeq: number;
  /** Forget the settled position (the stream gave up the file it named). */
  clearSettled(): void;
  // ---- counters
  /** Records delivered and their bytes; records over the max record size truncated / dropped, and partial records dropped. */
  readonly records: number;
  readonly bytes: number;
  readonly truncated: number;
  readonly dropped: number;
  /** The stream is finished: a per-stream decoder is stopped. Acknowledgements still arrive and are tracked. */
  close(): void;
}

export interface SplitterCommonOptions {
  keep_truncated: boolean;
  use_message_bytes: boolean;
  min_buffer_size: number;
  deliver_incomplete_final: boolean;
  /** 3 + 255 + max_message_size. */
  maxRecordSize: number;
}

export interface Input {
  /** Runs until ctx.signal aborts (then settles), or rejects on a fatal error. */
  run(ctx: InputContext): Promise<void>;
  /**
   * Handle `data` as if the input had read it from its source (one datagram, or a chunk of a
   * connection or file). An in-memory pipeline (tests, `hekad -test`) calls it instead of run(),
   * so the input binds no socket and opens no file. Returns false when downstream is full (a
   * source that can pause should wait for ctx.drained()). Inputs without
   * it are fed through their splitter and decoder as a byte stream.
   */
  feed?(data: Buffer, ctx: InputContext): boolean;
  /**
   * Called once at shutdown after every output has flushed (so all it delivered is acknowledged
   * or will never be): persist positions (journals). run() has settled before this is called.
   */
  finalize?(): void | Promise<void>;
  /**
   * Plugin fields for this instance's self-report record (Heka `ReportingPlugin`), after the
   * runner's own fields. Called whenever the report is read (SIGUSR1, a dashboard tick,
   * `currentReport()`), from the main thread: read counters, do no I/O. A field the plugin cannot
   * measure is left out rather than reported as 0. If it throws, the record shows only an `Error`
   * field with the message (dashboard.md §3.1).
   */
  report?(): ReportField[];
}

// ---------------------------------------------------------------------------------------------
// Filter

export interface FilterContext extends PluginContext {
  /** Put a new message into the router. False when it was refused (loop, self-match) or downstream is full. */
  inject(msg: Message): boolean;
  /**
   * The plugin gives up (e.g. a terminated sandbox): the runner unregisters it, reports a
   * `heka.terminated` message unless `reported` says the plugin already injected its own, and shuts
   * the daemon down when the plugin may not exit (can_exit = false).
   */
  exit(reason: string, reported?: boolean): void;
}

export interface Filter {
  process(msg: Message, ctx: FilterContext): void;
  /** Called every ticker_interval seconds. */
  onTick?(nowNs: number, ctx: FilterContext): void;
  /** Called once at shutdown after the last message. */
  stop?(ctx: FilterContext): void | Promise<void>;
  /**
   * Plugin fields for this instance's self-report record (Heka `ReportingPlugin`), after the
   * runner's own fields. Called whenever the report is read (SIGUSR1, a dashboard tick,
   * `currentReport()`), from the main thread: read counters, do no I/O. A field the plugin cannot
   * measure is left out rather than reported as 0. If it throws, the record shows only an `Error`
   * field with the message (dashboard.md §3.1).
   */
  report?(): ReportField[];
  /**
   * A filter that works asynchronously (a user sandbox in a worker) says it is behind: the runner
   * stops handing it messages until drained() resolves, so its queue fills and the router
   * back-pressures the inputs instead of the filter dropping anything.
   */
  readonly busy?: boolean;
  drained?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Output

export interface OutputContext extends PluginContext {
  /**
   * Apply the configured encoder (and framing). Null when the encoder swallowed the message.
   * Outputs with writeBatch get their records already encoded and need not call it.
   */
  encode(msg: Message): Buffer | null;
  /**
   * The self-report as it stands now: one record per registered component (globals, inputs,
   * decoders, splitters, encoders, filters, outputs, in that order; within a category in
   * registration order), every field read at the time of the call. The same source feeds
   * `heka.all-report`, the SIGUSR1 text and a DashboardOutput. Cheap enough for a ticker (it reads
   * counters, it does no I/O); do not call it per message.
   */
  currentReport(): ReportRecord[];
  /**
   * Ask the runner to hand the pending partial batch over now, whatever the batch policy says
   * (e.g. a file rotation boundary: records received before it belong in the old file).
   */
  requestFlush(): void;
}

/** An error that the output runner retries with backoff (connection refused, 5xx, 429...). */
export class RetryableError extends Error {
  override name = 'RetryableError';
}

/** One record of a batch: a matched message and what the runner encoded for it. */
export interface BatchRecord {
  readonly msg: Message;
  /** The encoded (and, with use_framing, framed) bytes; null when the output has no encoder. */
  readonly bytes: Buffer | null;
}

/** What writeBatch receives: records in the order they were matched. */
export interface Batch {
  readonly records: readonly BatchRecord[];
  /** Sum of the records' sizes: encoded bytes, or the payload length for outputs without encoder. */
  readonly bytes: number;
  /** 0 the first time these records are handed over, n for their n-th retry. */
  readonly attempt: number;
}

/**
 * The exceptions of a batch: every record not named here is done. Indexes refer to
 * `batch.records`. A record named both ways counts as rejected.
 */
export class BatchResult {
  /** index -> why the record must be sent again (connection lost, 5xx, 429...). */
  readonly retries = new Map<number, Error>();
  /** index -> why the record can never be delivered (4xx, a line the server refuses...). */
  readonly rejections = new Map<number, string>();

  /** Record `index` must be sent again. */
  retry(index: number, err: Error): this {
    this.retries.set(index, err);
    return this;
  }

  /** Records `from` .. `to - 1` must be sent again (e.g. everything after a broken connection). */
  retryRange(from: number, to: number, err: Error): this {
    for (let i = from; i < to; i++) this.retries.set(i, err);
    return this;
  }

  /** Record `index` is refused for good: the runner counts and logs it with `reason`, then releases it. */
  reject(index: number, reason: string): this {
    this.rejections.set(index, reason);
    return this;
  }
}

/**
 * How the output runner forms batches for one output (all optional on `Output.batch`; the
 * runner's defaults fill the rest). A batch is handed over when it is "due":
 * - it holds `count` records and, with `operator` AND and `intervalMs` > 0, at least `intervalMs`
 *   passed since the last hand-over; or
 * - a tick of `intervalMs` finds records pending (OR) or at least `count` pending (AND); or
 * - `whenIdle` is set and the runner's queue is empty (hand over what there is, no waiting); or
 * - it reached `maxRecords` or `maxBytes` (memory bounds override the operator); or
 * - the output is stopping, or the plugin called ctx.requestFlush().
 */
export interface BatchSettings {
  /** Records that make a batch due (FileOutput's flush_count). Default: maxRecords. */
  count: number;
  /** How `count` and `intervalMs` combine (FileOutput's flush_operator). Default 'OR'. */
  operator: 'AND' | 'OR';
  /** Milliseconds between timed hand-overs (FileOutput's flush_interval); 0 = no timer. Default 0. */
  intervalMs: number;
  /** Hand over a partial batch as soon as the queue runs dry. Default true. */
  whenIdle: boolean;
  /** Most records in one batch. Default 2048. */
  maxRecords: number;
  /** A batch of this many bytes is due at once (one record may exceed it). Default 4 MiB. */
  maxBytes: number;
  /** Batches handed over and not yet settled at the same time. Default 1. */
  maxInFlight: number;
  /**
   * Bytes the runner holds (pending + in flight + waiting for a retry) before it stops taking
   * messages from its queue, so the router pushes back on the inputs. Default 16 MiB.
   */
  maxHeldBytes: number;
}

export interface Output {
  /**
   * Deliver a batch of matched, already encoded records. Called with at most `batch.maxInFlight`
   * batches unsettled at a time, in match order (a retry goes before newer records).
   *
   * Return (or resolve) nothing when every record is done (durably written, flushed, accepted
   * by the server), or a BatchResult naming the records to retry and those rejected. Throwing a
   * RetryableError retries the whole batch; any other error rejects the whole batch. A record is
   * acknowledged towards its input only when done; retries follow the section's `retries`
   * backoff (forever, 10 ms doubling to 1 s, with use_buffering); rejected records are counted
   * (RejectedCount), logged with the reason and released. The batch and its records belong to
   * the runner again once the call settles (records are reused): keep no reference to them.
   */
  writeBatch?(batch: Batch, ctx: OutputContext): void | BatchResult | Promise<void | BatchResult>;
  /**
   * For outputs without writeBatch: handle one matched message (call ctx.encode yourself). The
   * runner adapts it: returning (or resolving) means done, a thrown RetryableError retries the
   * message (and those behind it), any other error rejects it.
   */
  process?(msg: Message, ctx: OutputContext): void | Promise<void>;
  /** Batch policy of this instance (e.g. derived from its options); see BatchSettings. */
  readonly batch?: Partial<BatchSettings>;
  /**
   * How long the runner keeps delivering (and retrying) at shutdown before it gives up and leaves
   * the rest unacknowledged; the daemon's own stop timeout still applies when it is shorter.
   */
  readonly stopTimeoutMs?: number;
  /** Called once when the runner starts, before the first batch (e.g. to arm a rotation timer). */
  start?(ctx: OutputContext): void;
  /** Called every ticker_interval seconds (if configured) */
  onTick?(nowNs: number, ctx: OutputContext): void | Promise<void>;
  /** Release resources; called once at shutdown after the last batch settled (or was abandoned). */
  stop?(ctx: OutputContext): void | Promise<void>;
  /**
   * SIGHUP: reopen files at the next write (logrotate moved them). Called on the main thread
   * between messages; must not block.
   */
  reopen?(): void;
  /**
   * Plugin fields for this instance's self-report record (Heka `ReportingPlugin`), after the
   * runner's own fields. Called whenever the report is read (SIGUSR1, a dashboard tick,
   * `currentReport()`), from the main thread: read counters, do no I/O. A field the plugin cannot
   * measure is left out rather than reported as 0. If it throws, the record shows only an `Error`
   * field with the message (dashboard.md §3.1).
   */
  report?(): ReportField[];
}

// ---------------------------------------------------------------------------------------------
// Definitions

interface DefinitionBase<S extends OptionSchema> {
  /** The type name users write in TOML (`type = "LogstreamerInput"`). */
  type: string;
  summary: string;
  options: S;
  /**
   * Cross-option validation after per-option checks; return reasons keyed by option name
   * (use '' for the section as a whole).
   */
  validate?(config: Record<string, unknown>, globals: GlobalConfig): Array<{ option: string; reason: string }>;
}

export interface InputDefinition<S extends OptionSchema = OptionSchema> extends DefinitionBase<S> {
  kind: 'input';
  /** Default splitter instance name when the section sets none. */
  defaultSplitter?: string;
  /**
   * The input reads no socket, file or process: it only works on what other plugins hand it (a
   * StatAccumInput). An in-memory pipeline runs it as it is instead of feeding it.
   */
  internal?: boolean;
  /**
   * The plugin implements Input.feed: an in-memory pipeline creates it and feeds it instead of
   * running it (without this, the pipeline feeds the input's splitter and decoder and never creates
   * the plugin, so its files and sockets are never touched).
   */
  feedable?: boolean;
  /**
   * Options of the input's own that choose its splitter instead of the `splitter` setting (Heka
   * 0.9's LogstreamerInput `parser_type` / `delimiter`): the splitter type name and its options, or
   * null to use the configured splitter. The pipeline checks and creates it from the registry (an
   * error is reported on `option`), and ctx.newSplitter() returns it, so the input imports no
   * splitter's folder.
   */
  splitterFromOptions?(config: Record<string, unknown>): SplitterChoice | null;
  /**
   * The Type of the messages it builds from raw records (LogstreamerInput: `logfile`), so that
   * bytes fed to it in memory become the same messages.
   */
  recordType?: string;
  create(config: any, ctx: PluginContext): Input;
}
/** A splitter chosen by an input's own options (InputDefinition.splitterFromOptions). */
export interface SplitterChoice {
  /** The splitter's type name (`TokenSplitter`, `RegexSplitter`). */
  type: string;
  /** Its options; absent ones take the splitter's defaults. */
  config: Record<string, unknown>;
  /** The input option an invalid choice is reported on. */
  option: string;
}

export interface SplitterDefinition<S extends OptionSchema = OptionSchema> extends DefinitionBase<S> {
  kind: 'splitter';
  /** Defaults for the common splitter options that differ for this type. */
  commonDefaults?: Partial<Record<'use_message_bytes' | 'min_buffer_size', unknown>>;
  create(config: any, ctx: PluginContext): Splitter;
}
export interface DecoderDefinition<S extends OptionSchema = OptionSchema> extends DefinitionBase<S> {
  kind: 'decoder';
  /** One instance per input stream (the decoder keeps per-stream state) instead of one per input. */
  perStream?: boolean;
  create(config: any, ctx: PluginContext): Decoder;
}
export interface EncoderDefinition<S extends OptionSchema = OptionSchema> extends DefinitionBase<S> {
  kind: 'encoder';
  create(config: any, ctx: PluginContext): Encoder;
}
export interface FilterDefinition<S extends OptionSchema = OptionSchema> extends DefinitionBase<S> {
  kind: 'filter';
  /** Whether this type may stop without stopping the daemon, unless the section says otherwise. */
  defaultCanExit?: boolean;
  defaultMatcher?: string;
  create(config: any, ctx: PluginContext): Filter;
}
export interface OutputDefinition<S extends OptionSchema = OptionSchema> extends DefinitionBase<S> {
  kind: 'output';
  defaultMatcher?: string;
  /** The output cannot work without an encoder (LogOutput, FileOutput...). */
  encoderRequired?: boolean;
  create(config: any, ctx: PluginContext): Output;
}

export type PluginDefinition =
  | InputDefinition
  | SplitterDefinition
  | DecoderDefinition
  | EncoderDefinition
  | FilterDefinition
  | OutputDefinition;

export function definePlugin<D extends PluginDefinition>(def: D): D {
  return def;
}
