/**
 * Runs one output and owns its delivery policy (DESIGN.md §3): messages are handed to the plugin
 * in order; a RetryableError is retried with exponential backoff and jitter (the section's
 * `retries` delays) until it succeeds or the daemon stops; any other error is a permanent failure
 * of that message, counted and logged, never silent. A message is acknowledged when process()
 * returns (or resolves) or, for manualAck outputs, when the plugin calls ctx.ack after making it
 * durable. The number of messages in flight (handed over, not yet acknowledged) is bounded.
 */
import type { Timer } from '../core/clock.js';
import type { Message } from '../core/message.js';
import type { Encoder, Output, OutputContext, ReportField } from '../plugin-api/index.js';
import { RetryableError } from '../plugin-api/index.js';
import { release } from './ack.js';
import { BUFFERED_STOP_DRAIN_MS, ConsumerRunner, type ConsumerOptions } from './consumer-runner.js';
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

/** Buffered outputs retry a record forever, 10 ms doubling to 1 s (transport.md §10.4). */
const BUFFERED_RETRY = { delay: 10, max_delay: 1000, max_jitter: 0, max_retries: -1 };

/** deliver() outcome: handled (acknowledge), failed for good (acknowledge, counted), abandoned at stop (leave unacknowledged). */
const OK = 0;
const FAILED = 1;
const ABANDONED = 2;

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
      currentReport: () => env.telemetry.collect(),
    };
    env.telemetry.register('outputs', this.name, () => this.report());
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
    this.openBuffer();
    this.startTicker((now) => {
      if (!this.plugin.onTick) return;
      try {
        const r = this.plugin.onTick(now, this.ctx);
        if (r) r.catch((err) => this.errors.report(err, 'timer_event'));
      } catch (err) {
        this.errors.report(err, 'timer_event');
      }
    });
    this.loop = this.buffer !== null ? this.runBuffered() : this.run();
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
      const d = this.deliver(msg);
      const r = typeof d === 'number' ? d : await d;
      if (r !== OK && manual) this.inFlight--;
      // An abandoned message stays unacknowledged: its input re-reads it after the restart.
      if ((!manual && r !== ABANDONED) || r === FAILED) release(msg);
      if (this.abandon) return;
      if (++n >= SLICE) {
        n = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  /**
   * The buffered loop: records come from the disk queue, each with an acknowledgement that moves
   * the queue's cursor (auto-ack when process() returns, ctx.ack for manualAck outputs). At stop the
   * backlog keeps flowing while the output accepts it, for at most BUFFERED_STOP_DRAIN_MS; a record
   * that needs a retry then is abandoned and, like everything behind it, stays on disk.
   */
  private async runBuffered(): Promise<void> {
    const q = this.buffer!.queue;
    const manual = this.plugin.manualAck === true;
    let n = 0;
    for (;;) {
      if (this.abandon) return;
      if (manual && this.inFlight >= this.o.maxInFlight) {
        await this.sleep();
        continue;
      }
      if (this.stopping && this.env.clock.nowMs() > this.drainDeadline) return;
      const msg = q.next();
      if (msg === null) {
        this.notifyIdle();
        if (this.stopping) return;
        await this.sleep();
        continue;
      }
      this.processed++;
      if (manual) this.inFlight++;
      const d = this.deliver(msg);
      const r = typeof d === 'number' ? d : await d;
      if (r !== OK && manual) this.inFlight--;
      if ((!manual && r !== ABANDONED) || r === FAILED) release(msg);
      if (r === ABANDONED || this.abandon) return;
      if (++n >= SLICE) {
        n = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  private drainDeadline = Infinity;

  /** Hand one message to the plugin, retrying transient failures. */
  /**
   * Hand one message to the plugin: OK, FAILED (permanent, counted) or ABANDONED (left
   * unacknowledged at stop). Synchronous when the plugin is, so the hot path awaits nothing.
   */
  private deliver(msg: Message): number | Promise<number> {
    let r: void | Promise<void>;
    try {
      r = this.plugin.process(msg, this.ctx);
    } catch (err) {
      return this.recover(msg, err);
    }
    if (r === undefined) return OK;
    return r.then(
      () => OK,
      (err: unknown) => this.recover(msg, err),
    );
  }

  /** After a failed attempt: a permanent error is counted; a RetryableError is retried with backoff. */
  private async recover(msg: Message, firstError: unknown): Promise<number> {
    let err = firstError;
    let attempt = 0;
    const buffered = this.buffer !== null;
    for (;;) {
      if (this.abandon || (buffered && this.stopping && err instanceof RetryableError)) return ABANDONED;
      if (!(err instanceof RetryableError)) {
        this.errors.report(err, 'process_message');
        return FAILED;
      }
      const { delay, max_delay, max_jitter, max_retries } = buffered ? BUFFERED_RETRY : this.o.retries;
      if (max_retries >= 0 && attempt >= max_retries && max_retries !== 0) {
        this.errors.report(new Error(`giving up after ${attempt} retries: ${err.message}`), 'process_message');
        return FAILED;
      }
      this.retried++;
      if (attempt === 0) this.errors.report(err, buffered ? "can't send record (will retry)" : 'process_message (will retry)');
      const wait = Math.min(max_delay, delay * 2 ** Math.min(attempt, 30)) + Math.random() * max_jitter;
      attempt++;
      await this.pause(wait);
      if (this.abandon) return ABANDONED;
      try {
        const r = this.plugin.process(msg, this.ctx);
        if (r !== undefined) await r;
        return OK;
      } catch (e) {
        err = e;
      }
    }
  }

  /** A retry wait that stop() can cut short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        t.cancel();
        this.retryWake = null;
        resolve();
      };
      const t = this.env.clock.setTimeout(done, ms);
      this.retryWake = done;
    });
  }

  private retryWake: (() => void) | null = null;

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of w) resolve();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.buffer !== null) {
      this.drainDeadline = this.env.clock.nowMs() + Math.min(this.o.stopTimeoutMs, BUFFERED_STOP_DRAIN_MS);
      // A record being retried at stop stays in the queue (transport.md §10.4).
      this.retryWake?.();
      this.buffer.flush();
    }
    this.signal();
    let timer: Timer | null = null;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = this.env.clock.setTimeout(() => resolve('timeout'), this.o.stopTimeoutMs, { keepAlive: false });
    });
    const done = this.loop ?? Promise.resolve();
    const outcome = await Promise.race([done, timeout]);
    (timer as Timer | null)?.cancel();
    if (outcome === 'timeout') {
      this.abandon = true;
      this.signal();
      this.retryWake?.();
      this.baseCtx.log.error(
        `Still ${this.queue.length + this.inFlight} messages undelivered after ${this.o.stopTimeoutMs} ms; ` +
          'they stay unacknowledged and will be read again after restart.',
      );
    }
    this.stopTicker();
    try {
      await this.plugin.stop?.(this.ctx);
      await this.o.encoder?.stop?.();
    } catch (err) {
      this.errors.report(err, 'stop');
    }
    if (this.buffer !== null) {
      const left = this.buffer.queue.records;
      this.buffer.close();
      if (left > 0) this.baseCtx.log.info(`${left} buffered records left in the queue for the next start.`);
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
