/**
 * Runs an output plugin in a real OutputRunner behind a real Router, on the clock the test gives
 * (a VirtualClock for anything time-driven). Messages made with `msg()` record their
 * acknowledgement, so a test sees exactly what the runner acknowledged and when.
 */
import { TelemetryRegistry } from '../../src/telemetry/registry.js';
import { VirtualClock, type Clock } from '../../src/core/clock.js';
import { frameRecord } from '../../src/core/framing.js';
import { Message } from '../../src/core/message.js';
import { Logger } from '../../src/log/logger.js';
import type { Encoder, GlobalConfig, Output, ReportField } from '../../src/plugin-api/index.js';
import { Router } from '../../src/pipeline/router.js';
import { OutputRunner } from '../../src/runners/output-runner.js';
import type { RetrySettings } from '../../src/runners/batch-policy.js';
import type { BufferSettings } from '../../src/buffering/message-buffer.js';
import { MemorySink, defaultGlobals } from './fake-context.js';

export interface OutputHarnessOptions {
  clock?: Clock;
  encoder?: Encoder | null;
  useFraming?: boolean;
  retries?: Partial<RetrySettings>;
  buffering?: BufferSettings | null;
  globals?: Partial<GlobalConfig>;
  queueCapacity?: number;
  maxInFlight?: number;
  stopTimeoutMs?: number;
  random?: () => number;
  name?: string;
}

export interface OutputHarness {
  readonly runner: OutputRunner;
  readonly router: Router;
  readonly clock: Clock;
  readonly logSink: MemorySink;
  /** Sequence numbers of acknowledged messages, in acknowledgement order. */
  readonly acked: number[];
  /** A message whose acknowledgement is recorded under `seq` (default: the next number). */
  msg(payload: string, seq?: number): Message;
  /** Routes a message (as an input would); returns the router's backpressure signal. */
  send(m: Message | string): boolean;
  /** The runner's report as a name -> value map. */
  report(): Record<string, ReportField['value']>;
  stop(): Promise<void>;
}

export function runOutput(plugin: Output, opts: OutputHarnessOptions = {}): OutputHarness {
  const clock = opts.clock ?? new VirtualClock(1_000_000);
  const router = new Router();
  const logSink = new MemorySink();
  const globals = { ...defaultGlobals, ...opts.globals };
  const acked: number[] = [];
  let next = 0;
  const runner = new OutputRunner(
    {
      router,
      globals,
      log: new Logger(logSink, 0, ''),
      clock,
      telemetry: new TelemetryRegistry(),
      fatal: (reason) => logSink.err(`FATAL ${reason}`),
    },
    {
      name: opts.name ?? 'out',
      typeName: 'TestOutput',
      matcher: () => true,
      tickerInterval: 0,
      queueCapacity: opts.queueCapacity ?? 64,
      canExit: false,
      buffering: opts.buffering ?? null,
      encoder: opts.encoder ?? null,
      frame: opts.useFraming ? (b) => frameRecord(b, undefined, globals.max_message_size) : null,
      retries: { delay: 250, max_delay: 30_000, max_jitter: 0, max_retries: -1, ...opts.retries },
      maxInFlight: opts.maxInFlight ?? 25_000,
      stopTimeoutMs: opts.stopTimeoutMs ?? 30_000,
      random: opts.random,
    },
    plugin,
  );
  runner.start();
  router.add(runner);
  const msg = (payload: string, seq?: number): Message => {
    const m = new Message();
    m.payload = payload;
    const s = seq ?? next++;
    m.ackTarget = { settle: () => acked.push(s) };
    m.ackSeq = s;
    return m;
  };
  return {
    runner,
    router,
    clock,
    logSink,
    acked,
    msg,
    send: (m) => router.route(typeof m === 'string' ? msg(m) : m),
    report: () => Object.fromEntries(runner.report().map((f) => [f.name, f.value])),
    stop: async () => {
      await runner.stop();
      router.remove(runner);
    },
  };
}
