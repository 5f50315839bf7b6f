/**
 * The in-memory pipeline: a whole hekad built from a configuration, run on a VirtualClock with no
 * sockets, files of its inputs or child processes (STYLE.md §1.5: fastify's `inject`, Vector's
 * `new_test`). Inputs are fed by section name; each output is replaced by a capture that records
 * what the output would send (its encoded bytes) and answers as the test scripts it. Matching,
 * queues, decoders, encoders, filters, tickers, retries and acknowledgements are the real runners'.
 * It is the seam that `hekad -test` builds on.
 */
import { untilAborted } from '../core/abort.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../core/clock.js';
import { Message, newUuid } from '../core/message.js';
import { formatConfigIssue, loadConfig, validateSections, type LoadedConfig, type PluginSection } from '../config/index.js';
import { Logger, type LogSink } from '../log/logger.js';
import { matcherCheck } from './checks.js';
import type { BatchSettings, Input, InputContext, InputDefinition, InputStream, Output, OutputContext } from '../plugin-api/index.js';
import { RetryableError } from '../plugin-api/index.js';
import { registry } from '../plugins/index.js';
import { Pipeline, formatIssue } from './pipeline.js';

export interface InMemoryOptions {
  /** The clock the whole pipeline runs on; a new VirtualClock at 2014-02-10T16:46:41Z by default. */
  clock?: VirtualClock;
  /** Environment for %ENV[...] in the config. */
  env?: NodeJS.ProcessEnv;
  /** How long shutdown waits (virtual ms) for an output before leaving its messages unacknowledged. */
  stopTimeoutMs?: number;
  /**
   * Batch settings of the captures, by output name (the runner's defaults otherwise), e.g. a
   * small `maxHeldBytes` to reach backpressure quickly.
   */
  captureBatch?: Record<string, Partial<BatchSettings>>;
}

/** Where a configuration comes from: TOML text, a file or directory, or an already loaded one. */
export type ConfigSource = { toml: string } | { path: string } | LoadedConfig;

/** The default virtual start: the instant of the guide's sample output (2014/02/10 16:46:41). */
export const DEFAULT_START_MS = Date.UTC(2014, 1, 10, 16, 46, 41);

/** A record an output was handed, with what it would have sent. */
export interface CapturedRecord {
  message: Message;
  /** The encoded (and framed) bytes, or null when the output has no encoder. */
  bytes: Buffer | null;
  /** Virtual time of the hand-over (ms). */
  atMs: number;
}

type Answer = 'ok' | 'retry' | 'reject';

/** Stands in for an output: records what it is handed and answers as scripted. */
export class CaptureOutput implements Output {
  readonly records: CapturedRecord[] = [];
  /** Attempts that were answered with a retry or a rejection. */
  readonly refused: Array<{ message: Message; answer: Answer; atMs: number }> = [];
  private script: Answer[] = [];

  constructor(
    private readonly clock: VirtualClock,
    /** Read by the output runner when it is built. */
    readonly batch?: Partial<BatchSettings>,
  ) {}

  /** The next `n` hand-overs fail with a retryable error (connection refused, 5xx). */
  failNext(n: number): this {
    for (let i = 0; i < n; i++) this.script.push('retry');
    return this;
  }

  /** The next `n` hand-overs fail permanently (a 4xx, a record the server cannot take). */
  rejectNext(n: number): this {
    for (let i = 0; i < n; i++) this.script.push('reject');
    return this;
  }

  process(msg: Message, ctx: OutputContext): void {
    const answer = this.script.shift() ?? 'ok';
    if (answer !== 'ok') {
      this.refused.push({ message: msg, answer, atMs: this.clock.nowMs() });
      if (answer === 'retry') throw new RetryableError('capture: scripted retryable failure');
      throw new Error('capture: scripted permanent failure');
    }
    this.records.push({ message: msg, bytes: ctx.encode(msg), atMs: this.clock.nowMs() });
  }

  /** The payloads handed over, in order. */
  payloads(): string[] {
    return this.records.map((r) => r.message.payload ?? '');
  }

  /** Everything the output would have written, concatenated as text. */
  text(): string {
    return this.records.map((r) => (r.bytes === null ? '' : r.bytes.toString('utf8'))).join('');
  }
}

/** Stands in for an input: holds its context so tests can feed it. */
class FeedInput implements Input {
  ctx: InputContext | null = null;
  private stream: InputStream | null = null;
  private waiting = false;

  constructor(
    readonly name: string,
    /** The Type of messages the real input builds from records. */
    private readonly recordType: string | undefined,
    /** The real plugin, kept when it can be fed directly (it has a feed hook). */
    readonly inner: Input | null,
  ) {}

  async run(ctx: InputContext): Promise<void> {
    this.ctx = ctx;
    await untilAborted(ctx.signal);
    this.stream?.close();
  }

  report() {
    return this.inner?.report?.() ?? [];
  }

  feed(data: Buffer | Message | readonly Message[]): boolean {
    const ctx = this.ctx;
    if (ctx === null) throw new Error(`input '${this.name}' is not running (call start() first)`);
    if (data instanceof Message) return this.deliver(ctx, data);
    if (!Buffer.isBuffer(data)) {
      let room = true;
      for (const m of data) room = this.deliver(ctx, m) && room;
      return room;
    }
    if (this.inner?.feed) return this.inner.feed(data, ctx);
    return this.feedStream(ctx, data);
  }

  private deliver(ctx: InputContext, m: Message): boolean {
    if (m.uuid === undefined) m.uuid = newUuid();
    if (m.timestamp === undefined) m.timestamp = ctx.clock.nowNs();
    if (m.hostname === undefined) m.hostname = ctx.hostname;
    return ctx.deliver(m);
  }

  /**
   * Bytes of one stream, as if appended to the input's file or connection: split by the input's
   * splitter (or the one its own options choose), decoded and routed like the real input's. A
   * trailing partial record waits for more bytes. Records that meet a full queue stay buffered and
   * go on once downstream drains.
   */
  private feedStream(ctx: InputContext, data: Buffer): boolean {
    if (this.stream === null) this.stream = ctx.openStream({ name: this.name, type: this.recordType });
    const room = this.stream.write(data);
    if (!room) this.resumeWhenDrained(ctx);
    return room;
  }

  private resumeWhenDrained(ctx: InputContext): void {
    if (this.waiting) return;
    this.waiting = true;
    void ctx.drained().then(() => {
      this.waiting = false;
      if (!ctx.signal.aborted && this.stream !== null && !this.stream.flush()) this.resumeWhenDrained(ctx);
    });
  }
}

export class InMemoryPipeline {
  /** Everything the daemon logged, one line each. */
  readonly logs: string[] = [];
  readonly pipeline: Pipeline;
  private readonly feeds = new Map<string, FeedInput>();
  private readonly captures = new Map<string, CaptureOutput>();
  private started = false;

  private constructor(
    config: LoadedConfig,
    readonly clock: VirtualClock,
    opts: InMemoryOptions,
  ) {
    const lines = this.logs;
    const sink: LogSink = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
    const { pipeline, issues } = Pipeline.build(config, {
      clock,
      log: new Logger(sink, 0),
      stopTimeoutMs: opts.stopTimeoutMs,
      substitute: {
        input: (s: PluginSection, real) => {
          // Inputs that read no source of their own (StatAccumInput) run as they are.
          if ((s.def as InputDefinition).internal) return real();
          const inner = (s.def as InputDefinition).feedable ? real() : null;
          const feed = new FeedInput(s.name, (s.def as InputDefinition).recordType, inner);
          this.feeds.set(s.name, feed);
          return feed;
        },
        output: (s: PluginSection, real) => {
          const capture = new CaptureOutput(clock, opts.captureBatch?.[s.name]);
          this.captures.set(s.name, capture);
          return capture;
        },
      },
    });
    if (pipeline === null) throw new Error(`pipeline not built:\n${issues.map(formatIssue).join('\n')}`);
    this.pipeline = pipeline;
  }

  /** Builds (but does not start) a pipeline; throws listing every config or build error. */
  static build(source: ConfigSource, opts: InMemoryOptions = {}): InMemoryPipeline {
    const config = load(source, opts.env);
    return new InMemoryPipeline(config, opts.clock ?? new VirtualClock(DEFAULT_START_MS), opts);
  }

  /** Starts the runners; fed inputs are ready once this resolves. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.pipeline.start();
    await this.clock.run(0);
  }

  /**
   * Feeds an input by section name: messages go to its decoder (if any) and the router; bytes
   * are what its source would have produced (a datagram for StatsdInput, a chunk of a stream
   * split by its splitter otherwise). Returns the backpressure flag (false: downstream is full).
   */
  feed(input: string, data: string | Buffer | Message | readonly Message[]): boolean {
    const f = this.feeds.get(input);
    if (f === undefined) {
      throw new Error(`no fed input named '${input}' (fed: ${[...this.feeds.keys()].join(', ') || 'none'})`);
    }
    return f.feed(typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** The capture standing in for an output section. */
  output(name: string): CaptureOutput {
    const c = this.captures.get(name);
    if (c === undefined) {
      throw new Error(`no captured output named '${name}' (captured: ${[...this.captures.keys()].join(', ') || 'none'})`);
    }
    return c;
  }

  /** Moves virtual time forward, firing tickers, flush timers and retries on the way. */
  advance(ms: number): Promise<void> {
    return this.clock.run(ms);
  }

  /** Lets queued work (output queues, async hand-overs) finish without moving time. */
  settle(): Promise<void> {
    return this.clock.run(0);
  }

  /** Runs the real shutdown (inputs, filters, outputs, journals); resolves with the exit code. */
  async stop(): Promise<number> {
    const done = this.pipeline.stop();
    // Shutdown may wait on timers (a retry, a stop timeout): keep virtual time moving until it ends.
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      const next = this.clock.nextDue();
      await this.clock.run(next === null ? 0 : Math.max(0, next - this.clock.nowMs()));
      if (next === null) await new Promise((r) => setImmediate(r));
    }
    return done;
  }
}

/** Builds an in-memory pipeline (see InMemoryPipeline). */
export function buildPipeline(source: ConfigSource, opts: InMemoryOptions = {}): InMemoryPipeline {
  return InMemoryPipeline.build(source, opts);
}

function load(source: ConfigSource, env: NodeJS.ProcessEnv | undefined): LoadedConfig {
  let config: LoadedConfig;
  if ('toml' in source) {
    const dir = mkdtempSync(join(tmpdir(), 'hekad-inmem-'));
    try {
      const file = join(dir, 'hekad.toml');
      writeFileSync(file, source.toml);
      config = loadConfig(file, registry, { env });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else if ('path' in source) {
    config = loadConfig(source.path, registry, { env });
  } else {
    config = source;
  }
  config = validateSections(config, [matcherCheck]);
  if (config.errors.length > 0) throw new Error(`bad config:\n${config.errors.map(formatConfigIssue).join('\n')}`);
  return config;
}
