/**
 * Fake plugin contexts for unit tests (Vector's `SourceContext::new_test`, Telegraf's
 * testutil.Accumulator): an InputContext whose deliver() records messages and lets the test decide
 * when they are acknowledged and when downstream is full.
 */
import type { Capability } from '../../src/plugin-api/index.js';
import type { Clock } from '../../src/core/clock.js';
import { systemClock } from '../../src/core/clock.js';
import type { Message } from '../../src/core/message.js';
import type { GlobalConfig, Input, InputContext, Splitter, SplitterCommonOptions } from '../../src/plugin-api/index.js';
import { Logger, type LogSink } from '../../src/log/logger.js';
import { RecordStream } from '../../src/runners/input-stream.js';

export const defaultGlobals: GlobalConfig = {
  maxprocs: 1,
  poolsize: 100,
  plugin_chansize: 30,
  max_message_loops: 4,
  max_process_inject: 1,
  max_process_duration: 100000,
  max_timer_inject: 10,
  max_pack_idle: 120,
  base_dir: '/var/cache/hekad',
  share_dir: '/usr/share/heka',
  sample_denominator: 1000,
  pid_file: '',
  hostname: 'test-host',
  max_message_size: 64 * 1024,
  log_flags: 0,
  full_buffer_max_retries: 10,
};

/** A log sink that keeps every line. */
export class MemorySink implements LogSink {
  lines: string[] = [];
  out(line: string): void {
    this.lines.push(line);
  }
  err(line: string): void {
    this.lines.push(line);
  }
}

export interface FakeInputOptions {
  name?: string;
  typeName?: string;
  baseDir?: string;
  hostname?: string;
  clock?: Clock;
  globals?: Partial<GlobalConfig>;
  splitter?: () => Splitter;
  splitterOptions?: Partial<SplitterCommonOptions>;
  /** 'immediate' (default): settle inside deliver(); 'manual': the test calls ack()/ackAll(). */
  ackMode?: 'immediate' | 'manual';
  /** deliver() returns false once this many messages are held un-drained (default: unlimited). */
  capacity?: number;
  /** Keep delivered messages in `messages` (default true; benchmarks turn it off). */
  keep?: boolean;
  /** Other inputs reachable through lookupInput(). */
  inputs?: Record<string, Input>;
  tickerInterval?: number;
}

export interface FakeInputContext extends InputContext {
  readonly messages: Message[];
  readonly errors: Array<{ err: unknown; stage: string }>;
  readonly logSink: MemorySink;
  /** Messages delivered but not yet acknowledged (manual mode). */
  readonly unacked: Message[];
  deliveredCount: number;
  /** Acknowledge one message (manual mode). */
  ack(msg: Message): void;
  /** Acknowledge every pending message, oldest first. */
  ackAll(): void;
  /** Free downstream room: resets the in-flight counter and resolves drained() waiters. */
  drain(): void;
  /** Abort the signal. */
  abort(): void;
  /** Resolves once `n` messages in total were delivered. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
}

export function fakeInputContext(opts: FakeInputOptions = {}): FakeInputContext {
  const ac = new AbortController();
  const logSink = new MemorySink();
  const messages: Message[] = [];
  const errors: Array<{ err: unknown; stage: string }> = [];
  const unacked: Message[] = [];
  const keep = opts.keep ?? true;
  const capacity = opts.capacity ?? Infinity;
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  let countWaiters: Array<{ n: number; resolve: () => void }> = [];
  const globals = { ...defaultGlobals, ...opts.globals };
  const maxRecordSize = 3 + 255 + globals.max_message_size;

  const ctx: FakeInputContext = {
    name: opts.name ?? 'test_input',
    typeName: opts.typeName ?? 'TestInput',
    log: new Logger(logSink, 0, `Input '${opts.name ?? 'test_input'}'`),
    clock: opts.clock ?? systemClock,
    globals,
    signal: ac.signal,
    hostname: opts.hostname ?? globals.hostname,
    baseDir: opts.baseDir ?? globals.base_dir,
    messages,
    errors,
    logSink,
    unacked,
    deliveredCount: 0,
    tickerInterval: opts.tickerInterval ?? 0,
    lookupInput: <T,>(name: string, capability: Capability<T>): T => {
      const found = opts.inputs?.[name];
      if (found === undefined) throw new Error(`No Input named '${name}`);
      if (!capability.is(found)) throw new Error(`Input '${name}' is not a ${capability.name}`);
      return found;
    },
    splitterOptions: {
      keep_truncated: false,
      use_message_bytes: false,
      min_buffer_size: 8192,
      deliver_incomplete_final: false,
      maxRecordSize,
      ...opts.splitterOptions,
    },
    reportError(err: unknown, stage: string) {
      errors.push({ err, stage });
    },
    newSplitter() {
      if (!opts.splitter) throw new Error('fakeInputContext: no splitter factory given');
      return opts.splitter();
    },
    openStream(origin) {
      // The real stream class; its records go to deliver() one by one (no decoder here).
      return new RecordStream({
        origin,
        splitter: origin.splitter ?? ctx.newSplitter(),
        splitterOptions: ctx.splitterOptions,
        clock: ctx.clock,
        log: ctx.log,
        logger: ctx.name,
        hostname: ctx.hostname,
        sink: {
          deliver: (m) => ctx.deliver(m),
          batchSize: 1,
          deliverBatch: (ms) => ms.map((m) => ctx.deliver(m)).every(Boolean),
        },
      });
    },
    get blocked() {
      return inFlight >= capacity;
    },
    deliver(msg: Message): boolean {
      ctx.deliveredCount++;
      if (keep) messages.push(msg);
      inFlight++;
      if (opts.ackMode === 'manual') unacked.push(msg);
      else msg.ackTarget?.settle(msg.ackSeq);
      if (countWaiters.length) {
        const ready = countWaiters.filter((w) => ctx.deliveredCount >= w.n);
        countWaiters = countWaiters.filter((w) => ctx.deliveredCount < w.n);
        for (const w of ready) w.resolve();
      }
      return inFlight < capacity;
    },
    drained(): Promise<void> {
      if (inFlight < capacity) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    ack(msg: Message) {
      const i = unacked.indexOf(msg);
      if (i >= 0) unacked.splice(i, 1);
      msg.ackTarget?.settle(msg.ackSeq);
    },
    ackAll() {
      const all = unacked.splice(0);
      for (const m of all) m.ackTarget?.settle(m.ackSeq);
    },
    drain() {
      inFlight = 0;
      const w = waiters;
      waiters = [];
      for (const r of w) r();
    },
    abort() {
      ac.abort();
    },
    waitFor(n: number, timeoutMs = 5000): Promise<void> {
      if (ctx.deliveredCount >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`timed out waiting for ${n} messages (got ${ctx.deliveredCount})`)),
          timeoutMs,
        );
        countWaiters.push({
          n,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
      });
    },
  };
  return ctx;
}
