/**
 * Runs one output and owns its delivery policy (DESIGN.md §3), the one place where batching,
 * retries, backoff and acknowledgements of outputs live:
 *
 * - Matched messages are taken from the queue (or the disk queue with `use_buffering`), encoded
 *   and framed here, and gathered into batches by count, bytes and time (batch-policy.ts).
 * - A batch goes to `writeBatch` (outputs that only have `process` are adapted); the plugin says
 *   per record: done, retry or rejected.
 * - Done records are acknowledged (released towards their input or the disk queue cursor), and
 *   only those. Rejected records are counted (RejectedCount), logged with their reason, then
 *   released: this is the single place where a later dead-letter queue plugs in.
 * - Records to retry go out again, before anything newer, after an exponential backoff with
 *   jitter: the section's `retries` settings without buffering (giving up after `max_retries` > 0
 *   attempts, which then counts the records as rejected), forever at 10 ms doubling to 1 s with
 *   buffering (transport.md §10.4).
 * - Memory is bounded in records and bytes: past `maxHeldBytes` (or the record bound) the runner
 *   stops taking from its queue, the queue fills and the router pushes back on the inputs. With
 *   buffering the disk queue absorbs it and `full_action` applies there.
 * - Stop hands over the last partial batch and waits for it to settle (a stuck output is given up
 *   after the stop timeout; what it held stays unacknowledged, so a journal re-delivers it).
 */
import type { Timer } from '../core/clock.js';
import type { Message } from '../core/message.js';
import {
  BatchResult,
  RetryableError,
  type Batch,
  type BatchRecord,
  type Encoder,
  type Output,
  type OutputContext,
  type ReportField,
} from '../plugin-api/index.js';
import { release } from './ack.js';
import { BUFFERED_STOP_DRAIN_MS, ConsumerRunner, type ConsumerOptions } from './consumer-runner.js';
import { backoffDelay, resolveBatchSettings, type RetrySettings, type ResolvedBatchSettings } from './batch-policy.js';
import type { RunnerEnv } from './runner-env.js';

export interface OutputRunnerOptions extends ConsumerOptions {
  encoder: Encoder | null;
  /** Wraps encoded bytes in Heka stream framing. */
  frame: ((bytes: Buffer) => Buffer) | null;
  retries: RetrySettings;
  /** Upper bound of records held by the runner (pending, in flight, waiting for a retry). */
  maxInFlight: number;
  /** How long stop() waits for a stuck output before giving up (its messages stay unacknowledged). */
  stopTimeoutMs: number;
  /** Source of jitter (tests pass a fixed one); Math.random by default. */
  random?: () => number;
}

/** Buffered outputs retry a record forever, 10 ms doubling to 1 s (transport.md §10.4). */
export const BUFFERED_RETRY: RetrySettings = { delay: 10, max_delay: 1000, max_jitter: 0, max_retries: -1 };

/** Records taken from the queue in one turn before yielding to the event loop. */
const SLICE = 2048;

class Rec implements BatchRecord {
  /** Failed attempts so far: `max_retries` applies to each record, whatever batch it rides in. */
  failures = 0;
  constructor(
    readonly msg: Message,
    readonly bytes: Buffer | null,
    readonly size: number,
    readonly seq: number,
  ) {}
}

class RunBatch implements Batch {
  constructor(
    readonly records: Rec[],
    readonly bytes: number,
    readonly attempt: number,
  ) {}
}

export class OutputRunner extends ConsumerRunner {
  readonly ctx: OutputContext;
  readonly batch: ResolvedBatchSettings;
  // counters (report)
  retried = 0;
  rejected = 0;
  batches = 0;
  private recordsInBatches = 0;

  private pending: Rec[] = [];
  private pendingBytes = 0;
  /** Records waiting for their retry (ordered by seq), the attempt they failed and the timer. */
  private retryRecs: Rec[] = [];
  private retryAttempt = 0;
  private retryTimer: Timer | null = null;
  private retryDue = false;
  private inFlightBatches = 0;
  private inFlightRecs = 0;
  private heldBytes = 0;
  private seq = 0;
  private lastHandOverMs: number;
  private tickDue = false;
  private flushRequested = false;
  private intervalTimer: Timer | null = null;
  private pumping = false;
  private yieldScheduled = false;
  private started = false;
  private abandon = false;
  private drainDeadline = Infinity;
  private idleWaiters: Array<() => void> = [];
  private readonly encodeInRunner: boolean;
  private readonly random: () => number;

  constructor(
    env: RunnerEnv,
    private readonly o: OutputRunnerOptions,
    readonly plugin: Output,
  ) {
    super(env, o, 'Plugin');
    if (typeof plugin.writeBatch !== 'function' && typeof plugin.process !== 'function') {
      throw new Error(`output '${o.name}' has neither writeBatch nor process`);
    }
    this.encodeInRunner = typeof plugin.writeBatch === 'function';
    this.batch = resolveBatchSettings(plugin.batch);
    this.random = o.random ?? Math.random;
    this.lastHandOverMs = env.clock.nowMs();
    this.ctx = {
      ...this.baseCtx,
      encode: (m) => this.encode(m),
      requestFlush: () => {
        this.flushRequested = true;
        this.pump();
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

  /** Records held: pending, in flight and waiting for a retry. */
  get inFlight(): number {
    return this.pending.length + this.inFlightRecs + this.retryRecs.length;
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
    if (this.batch.intervalMs > 0) {
      this.intervalTimer = this.env.clock.interval(() => {
        this.tickDue = true;
        this.pump();
      }, this.batch.intervalMs, { keepAlive: false });
    }
    this.plugin.start?.(this.ctx);
    this.started = true;
    this.pump();
  }

  /**
   * New messages: pump in a microtask, so the messages a producer delivers in one synchronous
   * burst (a read chunk, a flush) form one batch instead of the first going out alone.
   */
  protected wake(): void {
    if (!this.started || this.wakeScheduled) return;
    this.wakeScheduled = true;
    queueMicrotask(this.wakeNow);
  }

  private wakeScheduled = false;
  private readonly wakeNow = (): void => {
    this.wakeScheduled = false;
    this.pump();
  };

  // -------------------------------------------------------------------------------------------
  // Taking records

  private get buffered(): boolean {
    return this.buffer !== null;
  }

  /** Whether the runner may take another message from its queue. */
  private hasRoom(): boolean {
    const b = this.batch;
    return (
      this.heldBytes < b.maxHeldBytes &&
      this.inFlight < this.o.maxInFlight &&
      this.pending.length < b.maxRecords &&
      this.pendingBytes < b.maxBytes
    );
  }

  private nextMessage(): Message | null {
    if (this.abandon) return null;
    const b = this.buffer;
    if (b !== null) {
      if (this.stopping && this.env.clock.nowMs() > this.drainDeadline) return null;
      return b.queue.next();
    }
    return this.queue.shift() ?? null;
  }

  /** Whether the runner's source has nothing more right now. */
  private sourceEmpty(): boolean {
    const b = this.buffer;
    if (b !== null) return !b.queue.readable || (this.stopping && this.env.clock.nowMs() > this.drainDeadline);
    return this.queue.length === 0;
  }

  /** Encodes a message into a pending record; swallowed messages are done at once, encode errors rejected. */
  private take(msg: Message): void {
    this.processed++;
    let bytes: Buffer | null = null;
    let size: number;
    if (this.encodeInRunner && this.o.encoder !== null) {
      try {
        bytes = this.encode(msg);
      } catch (err) {
        this.reject(msg, `Error encoding message: ${(err as Error)?.message ?? String(err)}`);
        return;
      }
      if (bytes === null) {
        release(msg); // swallowed by the encoder: nothing to deliver
        return;
      }
      size = bytes.length;
    } else {
      size = msg.rawBytes?.length ?? msg.payload?.length ?? 0;
    }
    this.pending.push(new Rec(msg, bytes, size, this.seq++));
    this.pendingBytes += size;
    this.heldBytes += size;
  }

  // -------------------------------------------------------------------------------------------
  // The pump: fill the pending batch, hand batches over when due

  private pump(): void {
    if (this.pumping || !this.started) return;
    this.pumping = true;
    try {
      let taken = 0;
      for (;;) {
        while (taken < SLICE && this.hasRoom()) {
          // A batch that is due by its count is cut there (Heka flushes at every flush_count) when
          // it can go out now; while the batch slots are busy, records keep joining the next batch
          // (group commit: with flush_count = 1, one fsync per record would cap a FileOutput at
          // the disk's fsync rate).
          if (this.pending.length >= this.batch.count && this.countDue() && this.inFlightBatches < this.batch.maxInFlight) break;
          const msg = this.nextMessage();
          if (msg === null) break;
          this.take(msg);
          taken++;
        }
        if (this.inFlightBatches >= this.batch.maxInFlight || this.abandon) break;
        if (this.retryRecs.length > 0) {
          // Head of line: nothing newer goes out before the records waiting for a retry.
          if (!this.retryDue) break;
          this.handOverRetry();
          continue;
        }
        if (this.pending.length === 0 || !this.due()) break;
        this.handOverPending();
        if (taken >= SLICE) break;
      }
      if (taken >= SLICE && !this.yieldScheduled) {
        this.yieldScheduled = true;
        setImmediate(() => {
          this.yieldScheduled = false;
          this.pump();
        });
      }
    } finally {
      this.pumping = false;
    }
    this.checkIdle();
  }

  private due(): boolean {
    const b = this.batch;
    const n = this.pending.length;
    if (n >= b.maxRecords || this.pendingBytes >= b.maxBytes) return true;
    if (this.stopping || this.flushRequested) return true;
    if (this.tickDue) {
      this.tickDue = false;
      if (b.operator === 'OR' || n >= b.count) return true;
    }
    if (n >= b.count && this.countDue()) return true;
    if (b.whenIdle && this.sourceEmpty()) return true;
    // Nothing more can be taken (bounds reached): hand over rather than stall.
    return !this.hasRoom() && this.inFlightBatches === 0;
  }

  /** Whether reaching `count` is enough now (OR, or AND once the interval has passed). */
  private countDue(): boolean {
    const b = this.batch;
    return b.operator === 'OR' || b.intervalMs === 0 || this.env.clock.nowMs() - this.lastHandOverMs >= b.intervalMs;
  }

  private handOverPending(): void {
    const recs = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.flushRequested = false;
    this.tickDue = false;
    this.lastHandOverMs = this.env.clock.nowMs();
    this.handOver(new RunBatch(recs, bytes, 0));
  }

  private handOverRetry(): void {
    const recs = this.retryRecs;
    this.retryRecs = [];
    this.retryDue = false;
    let bytes = 0;
    for (let i = 0; i < recs.length; i++) bytes += recs[i]!.size;
    this.handOver(new RunBatch(recs, bytes, this.retryAttempt));
  }

  private handOver(batch: RunBatch): void {
    this.batches++;
    this.recordsInBatches += batch.records.length;
    this.inFlightBatches++;
    this.inFlightRecs += batch.records.length;
    let r: void | BatchResult | Promise<void | BatchResult>;
    try {
      r = this.callPlugin(batch);
    } catch (err) {
      this.settle(batch, failAll(batch, err));
      return;
    }
    if (r instanceof Promise) {
      r.then(
        (res) => this.settle(batch, res),
        (err: unknown) => this.settle(batch, failAll(batch, err)),
      );
    } else this.settle(batch, r);
  }

  private callPlugin(batch: RunBatch): void | BatchResult | Promise<void | BatchResult> {
    if (this.plugin.writeBatch) return this.plugin.writeBatch(batch, this.ctx);
    return this.processEach(batch, 0);
  }

  /** The adapter for outputs with process() only: one message at a time, in order. */
  private processEach(batch: RunBatch, from: number): void | BatchResult | Promise<void | BatchResult> {
    const recs = batch.records;
    let result: BatchResult | undefined;
    for (let i = from; i < recs.length; i++) {
      let r: void | Promise<void>;
      try {
        r = this.plugin.process!(recs[i]!.msg, this.ctx);
      } catch (err) {
        result = adapterFailure(result, recs.length, i, err);
        if (err instanceof RetryableError) return result;
        continue;
      }
      if (r instanceof Promise) {
        const acc = result;
        return r.then(
          () => merge(acc, this.processEach(batch, i + 1)),
          (err: unknown) => {
            const res = adapterFailure(acc, recs.length, i, err);
            return err instanceof RetryableError ? res : merge(res, this.processEach(batch, i + 1));
          },
        );
      }
    }
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // Results

  private settle(batch: RunBatch, result: void | BatchResult): void {
    this.inFlightBatches--;
    this.inFlightRecs -= batch.records.length;
    const recs = batch.records;
    const retry: Rec[] = [];
    let firstErr: Error | null = null;
    for (let i = 0; i < recs.length; i++) {
      const rec = recs[i]!;
      const reason = result?.rejections.get(i);
      if (reason !== undefined) {
        this.heldBytes -= rec.size;
        // After stop gave up on this output, a failure may be the shutdown itself (a socket
        // closed under the write): leave the record unacknowledged, its source delivers it again.
        if (!this.abandon) this.reject(rec.msg, reason);
        continue;
      }
      const err = result?.retries.get(i);
      if (err !== undefined) {
        retry.push(rec);
        firstErr ??= err;
        continue;
      }
      this.heldBytes -= rec.size;
      release(rec.msg);
    }
    if (retry.length > 0) this.scheduleRetry(retry, batch.attempt, firstErr!);
    this.pump();
  }

  private scheduleRetry(failed: Rec[], attempt: number, err: Error): void {
    let recs = failed;
    if (this.abandon || (this.buffered && this.stopping)) {
      // Left unacknowledged: the disk queue (or the input's journal) delivers them again.
      this.heldBytes -= sumSizes(recs);
      return;
    }
    const policy = this.buffered ? BUFFERED_RETRY : this.o.retries;
    if (!this.buffered && policy.max_retries > 0) {
      const keep: Rec[] = [];
      for (const r of recs) {
        if (++r.failures <= policy.max_retries) keep.push(r);
        else {
          this.heldBytes -= r.size;
          this.reject(r.msg, `giving up after ${r.failures - 1} retries: ${err.message}`);
        }
      }
      if (keep.length === 0) return;
      recs = keep;
    }
    if (attempt === 0) {
      this.errors.report(err, this.buffered ? "can't send record (will retry)" : 'process_message (will retry)');
    }
    this.retried += recs.length;
    this.retryRecs = mergeBySeq(this.retryRecs, recs);
    // Records that fail together share one backoff; a batch that failed again waits longer. A
    // retry that is already due (waiting for a free slot) is not pushed back by newer failures.
    if (this.retryDue || (this.retryTimer !== null && attempt + 1 <= this.retryAttempt)) return;
    this.retryTimer?.cancel();
    this.retryAttempt = attempt + 1;
    this.retryDue = false;
    const wait = backoffDelay(policy, attempt, this.random);
    this.retryTimer = this.env.clock.timeout(() => {
      this.retryTimer = null;
      this.retryDue = true;
      this.pump();
    }, wait);
  }

  /** The one place where a record is given up for good (a dead-letter queue will hook in here). */
  private reject(msg: Message, reason: string): void {
    this.rejected++;
    this.errors.report(new Error(reason), 'rejected');
    release(msg);
  }

  // -------------------------------------------------------------------------------------------
  // Stop

  private isIdle(): boolean {
    return (
      this.pending.length === 0 &&
      this.inFlightBatches === 0 &&
      this.retryRecs.length === 0 &&
      (this.abandon || this.sourceEmpty())
    );
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of w) resolve();
  }

  private idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.intervalTimer?.cancel();
    this.intervalTimer = null;
    if (this.buffer !== null) {
      this.drainDeadline = this.env.clock.nowMs() + Math.min(this.o.stopTimeoutMs, BUFFERED_STOP_DRAIN_MS);
      this.buffer.flush();
      // A record waiting for a retry at stop stays in the queue (transport.md §10.4).
      if (this.retryRecs.length > 0) this.dropRetries();
    }
    const limit = Math.min(this.o.stopTimeoutMs, this.plugin.stopTimeoutMs ?? Infinity);
    let timer: Timer | null = null;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = this.env.clock.timeout(() => resolve('timeout'), limit, { keepAlive: false });
    });
    this.pump();
    const outcome = await Promise.race([this.idle(), timeout]);
    (timer as Timer | null)?.cancel();
    if (outcome === 'timeout') {
      this.abandon = true;
      const left = this.queue.length + this.inFlight;
      this.dropRetries();
      this.baseCtx.log.error(
        `Still ${left} messages undelivered after ${limit} ms; ` +
          'they stay unacknowledged and will be read again after restart.',
      );
    }
    this.stopTicker();
    // The plugin's and encoder's own stop hooks get a bounded time too: shutdown never hangs on them.
    await this.bounded('stop', limit, async () => {
      await this.plugin.stop?.(this.ctx);
      await this.o.encoder?.stop?.();
    });
    if (this.buffer !== null) {
      const left = this.buffer.queue.records;
      this.buffer.close();
      if (left > 0) this.baseCtx.log.info(`${left} buffered records left in the queue for the next start.`);
    }
  }

  /** Runs a stop hook, reporting a failure, and gives up waiting after `ms`. */
  private async bounded(stage: string, ms: number, fn: () => Promise<void>): Promise<void> {
    let timer: Timer | null = null;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = this.env.clock.timeout(() => resolve('timeout'), ms, { keepAlive: false });
    });
    const run = fn().then(
      () => 'done' as const,
      (err: unknown) => {
        this.errors.report(err, stage);
        return 'done' as const;
      },
    );
    const outcome = await Promise.race([run, timeout]);
    (timer as Timer | null)?.cancel();
    if (outcome === 'timeout') this.baseCtx.log.error(`Gave up waiting for ${stage} after ${ms} ms.`);
  }

  /** Forget the records waiting for a retry; they stay unacknowledged. */
  private dropRetries(): void {
    this.retryTimer?.cancel();
    this.retryTimer = null;
    this.heldBytes -= sumSizes(this.retryRecs);
    this.retryRecs = [];
    this.retryDue = false;
    this.checkIdle();
  }

  report(): ReportField[] {
    return [
      ...this.runnerReport(),
      { name: 'InFlight', value: this.inFlight, representation: 'count' },
      { name: 'HeldBytes', value: this.heldBytes, representation: 'B' },
      { name: 'RetryCount', value: this.retried, representation: 'count' },
      { name: 'RejectedCount', value: this.rejected, representation: 'count' },
      { name: 'BatchCount', value: this.batches, representation: 'count' },
      {
        name: 'BatchAvgRecords',
        value: this.batches > 0 ? Math.round((this.recordsInBatches / this.batches) * 10) / 10 : 0,
        representation: 'count',
      },
      ...(this.plugin.report?.() ?? []),
    ];
  }
}

/** A thrown error: RetryableError retries every record, anything else rejects them all. */
function failAll(batch: Batch, err: unknown): BatchResult {
  const res = new BatchResult();
  const n = batch.records.length;
  if (err instanceof RetryableError) return res.retryRange(0, n, err);
  const reason = err instanceof Error ? err.message : String(err);
  for (let i = 0; i < n; i++) res.reject(i, reason);
  return res;
}

/** process() failed on record i: a RetryableError retries it and everything behind it. */
function adapterFailure(acc: BatchResult | undefined, n: number, i: number, err: unknown): BatchResult {
  const res = acc ?? new BatchResult();
  if (err instanceof RetryableError) return res.retryRange(i, n, err);
  return res.reject(i, err instanceof Error ? err.message : String(err));
}

function merge(
  a: BatchResult | undefined,
  b: void | BatchResult | Promise<void | BatchResult>,
): void | BatchResult | Promise<void | BatchResult> {
  if (b instanceof Promise) return b.then((r) => merge(a, r) as void | BatchResult);
  if (a === undefined) return b;
  if (b === undefined) return a;
  for (const [i, e] of b.retries) a.retries.set(i, e);
  for (const [i, r] of b.rejections) a.rejections.set(i, r);
  return a;
}

function mergeBySeq(a: Rec[], b: Rec[]): Rec[] {
  if (a.length === 0) return b;
  const out: Rec[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]!.seq <= b[j]!.seq ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

function sumSizes(recs: Rec[]): number {
  let s = 0;
  for (let i = 0; i < recs.length; i++) s += recs[i]!.size;
  return s;
}

export { RetryableError };
