/**
 * Runs one output and owns its delivery policy (DESIGN.md §3): messages are handed to the plugin
 * in order; a RetryableError is retried with exponential backoff and jitter (the section's
 * `retries` delays) until it succeeds or the daemon stops; any other error is a permanent failure
 * of that message, counted and logged, never silent. A message is acknowledged when process()
 * returns (or resolves) or, for manualAck outputs, when the plugin calls ctx.ack after making it
 * durable. The number of messages in flight (handed over, not yet acknowledged) is bounded.
 */
import type { Message } from '../core/message.js';
import type { Encoder, Output, OutputContext, ReportField } from '../plugin-api/index.js';
import { RetryableError } from '../plugin-api/index.js';
import { release } from './ack.js';
import { ConsumerRunner, type ConsumerOptions } from './consumer-runner.js';
import type { RunnerEnv } from './runner-env.js';

export interface OutputRunnerOptions extends ConsumerOptions {
  encoder: Encoder | null;
  /** Wraps encoded bytes in Heka stream framing. */
  frame: ((bytes: Buffer) => Buffer) | null;
  retries: { delay: number; max_delay: number; max_jitter: number; max_retries: number };
  /** Upper bound of messages handed to a manualAck plugin and not yet acknowledged. */
  maxInFlight: number;
  /** How long stop() waits for a stuck output before giving up (its messages stay unacknowledged). */
  stopTimeoutMs: number;
}

/** Messages handled before yielding to the event loop. */
const SLICE = 2048;

export class OutputRunner extends ConsumerRunner {
  readonly ctx: OutputContext;
  inFlight = 0;
  retried = 0;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private abandon = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    env: RunnerEnv,
    private readonly o: OutputRunnerOptions,
    readonly plugin: Output,
  ) {
    super(env, o, 'Plugin');
    this.ctx = {
      ...this.baseCtx,
      encode: (m) => this.encode(m),
      ack: (m) => {
        this.inFlight--;
        release(m);
        if (this.wakeUp !== null && this.inFlight < this.o.maxInFlight) this.signal();
      },
    };
  }

  private encode(msg: Message): Buffer | null {
    const enc = this.o.encoder;
    if (enc === null) return null;
    const out = enc.encode(msg);
    if (out === null) return null;
    const bytes = typeof out === 'string' ? Buffer.from(out) : out;
    return this.o.frame !== null ? this.o.frame(bytes) : bytes;
  }

  start(): void {
    this.startTicker((now) => {
      if (!this.plugin.onTick) return;
      try {
        const r = this.plugin.onTick(now, this.ctx);
        if (r) r.catch((err) => this.errors.report(err, 'timer_event'));
      } catch (err) {
        this.errors.report(err, 'timer_event');
      }
    });
    this.loop = this.run();
  }

  protected wake(): void {
    if (this.wakeUp !== null && !(this.plugin.manualAck && this.inFlight >= this.o.maxInFlight)) this.signal();
  }

  private signal(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => (this.wakeUp = resolve));
  }

  private async run(): Promise<void> {
    const q = this.queue;
    const manual = this.plugin.manualAck === true;
    let n = 0;
    for (;;) {
      if (q.length === 0 || (manual && this.inFlight >= this.o.maxInFlight)) {
        if (q.length === 0) this.notifyIdle();
        if (this.stopping && q.length === 0) return;
        if (this.abandon) return;
        await this.sleep();
        continue;
      }
      const msg = q.shift()!;
      this.processed++;
      if (manual) this.inFlight++;
      const ok = await this.deliver(msg);
      if (!ok && manual) this.inFlight--;
      if (!manual || !ok) release(msg);
      if (this.abandon) return;
      if (++n >= SLICE) {
        n = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  /** Hand one message to the plugin, retrying transient failures. False: permanent failure. */
  private async deliver(msg: Message): Promise<boolean> {
    let attempt = 0;
    for (;;) {
      try {
        const r = this.plugin.process(msg, this.ctx);
        if (r !== undefined) await r;
        return true;
      } catch (err) {
        if (!(err instanceof RetryableError) || this.abandon) {
          this.errors.report(err, 'process_message');
          return false;
        }
        const { delay, max_delay, max_jitter, max_retries } = this.o.retries;
        if (max_retries >= 0 && attempt >= max_retries && max_retries !== 0) {
          this.errors.report(new Error(`giving up after ${attempt} retries: ${err.message}`), 'process_message');
          return false;
        }
        this.retried++;
        if (attempt === 0) this.errors.report(err, 'process_message (will retry)');
        const wait = Math.min(max_delay, delay * 2 ** Math.min(attempt, 30)) + Math.random() * max_jitter;
        attempt++;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of w) resolve();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.signal();
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), this.o.stopTimeoutMs).unref());
    const done = this.loop ?? Promise.resolve();
    if ((await Promise.race([done, timeout])) === 'timeout') {
      this.abandon = true;
      this.signal();
      this.baseCtx.log.error(
        `Still ${this.queue.length + this.inFlight} messages undelivered after ${this.o.stopTimeoutMs} ms; ` +
          'they stay unacknowledged and will be read again after restart.',
      );
    }
    this.stopTicker();
    try {
      await this.plugin.stop?.(this.ctx);
    } catch (err) {
      this.errors.report(err, 'stop');
    }
  }

  report(): ReportField[] {
    return [
      ...this.runnerReport(),
      { name: 'InFlight', value: this.inFlight, representation: 'count' },
      { name: 'RetryCount', value: this.retried, representation: 'count' },
      ...(this.plugin.report?.() ?? []),
    ];
  }
}

export { RetryableError };
