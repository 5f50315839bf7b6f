/**
 * Main-thread side of a user sandbox running in a worker thread. Messages are encoded into
 * batches and posted asynchronously (never an await or a wait per message on the main thread);
 * results come back per batch. Limits:
 *
 * - instruction_limit is a time budget per call: `instruction_limit / 10_000` ms (the default
 *   1,000,000 allows 100 ms). A watchdog on the main thread reads the worker's heartbeat (a
 *   SharedArrayBuffer) and terminates a worker whose current call overruns the budget, so a
 *   script stuck in a loop is stopped within about 1.25 x budget without blocking anything.
 * - memory_limit becomes the worker's V8 heap limit (resourceLimits); exceeding it kills the
 *   worker with ERR_WORKER_OUT_OF_MEMORY.
 * - output_limit and the inject counts are enforced inside the worker (fatal -> terminated).
 *
 * Back-pressure: `busy` turns true once `highWater` messages are posted but not yet processed;
 * the FilterRunner then stops feeding the filter (its queue fills and the router back-pressures the
 * inputs) until `drained()` resolves at half of that. A call that overruns the CPU budget is still
 * terminated by the watchdog, so a slow sandbox holds the pipeline back by at most its budget per
 * call. As a last resort (a caller that ignores `busy`), more than `maxBacklog` unprocessed
 * messages are dropped and counted (DropMessageCount), so memory stays bounded.
 */
import { Worker } from 'node:worker_threads';
import { encodeMessage, decodeMessage } from '../../core/protobuf.js';
import type { Message } from '../../core/message.js';
import { HB_BUSY, HB_CALLS, HB_FN, HB_SIZE, FN_NAMES, type FromWorker, type InitRequest, type ToWorker, type WireInjection } from './protocol.js';

export interface WorkerSandboxOptions extends Omit<InitRequest, 'op' | 'heartbeat' | 'preserved'> {
  memoryLimit: number;
  instructionLimit: number;
  /** Messages per posted batch. */
  batchSize?: number;
  /** Messages posted but unprocessed before new ones are dropped. */
  maxBacklog?: number;
  /** Unprocessed messages at which `busy` turns true (default 4 batches). */
  highWater?: number;
  /** A payload or message the script injected. */
  onInjection(inj: WireInjection, fromTimer: boolean): void;
  /** Per-message failures (status < 0) with sample error texts. */
  onFailures(count: number, errors: string[]): void;
  /** The sandbox died; called once. */
  onTerminated(reason: string): void;
}

const WORKER_URL = new URL('./sandbox-worker.js', import.meta.url);
/** Extra heap beyond memory_limit for the runtime itself (the API, the modules, batch buffers). */
const RUNTIME_HEAP_MB = 16;

export function budgetMs(instructionLimit: number): number {
  return instructionLimit <= 0 ? Infinity : Math.max(10, instructionLimit / 10_000);
}

export class WorkerSandbox {
  private readonly worker: Worker;
  private readonly hb: Int32Array;
  private readonly batchSize: number;
  private readonly maxBacklog: number;
  private readonly highWater: number;
  private drainWaiters: Array<() => void> = [];
  private buf: Buffer;
  private pos = 0;
  private count = 0;
  private flushScheduled = false;
  private watchdog: NodeJS.Timeout | null = null;
  private lastCalls = -1;
  private stuckMs = 0;
  private readonly budget: number;
  private stateWaiter: ((m: Extract<FromWorker, { op: 'state' }>) => void) | null = null;
  private readyResolve!: () => void;
  /** Resolves when the script is loaded (or the sandbox died trying). */
  readonly ready: Promise<void>;
  dead = false;
  deathReason = '';
  /** Posted to the worker and not yet reported done. */
  backlog = 0;
  processed = 0;
  failures = 0;
  dropped = 0;
  heapUsed = 0;
  maxHeapUsed = 0;
  version = 0;
  hasTimer = true;
  restoreResult = 'none';

  constructor(
    private readonly o: WorkerSandboxOptions,
    preserved: InitRequest['preserved'],
  ) {
    this.batchSize = o.batchSize ?? 4096;
    this.maxBacklog = o.maxBacklog ?? 262_144;
    this.highWater = o.highWater ?? this.batchSize * 4;
    this.buf = Buffer.allocUnsafe(256 * 1024);
    this.budget = budgetMs(o.instructionLimit);
    const sab = new SharedArrayBuffer(HB_SIZE * 4);
    this.hb = new Int32Array(sab);
    const heapMb = Math.ceil(o.memoryLimit / 1048576) + RUNTIME_HEAP_MB;
    this.worker = new Worker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(16, Math.max(2, heapMb >> 2)), stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    this.worker.unref();
    this.ready = new Promise((r) => (this.readyResolve = r));
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (err: Error & { code?: string }) => {
      this.die(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory_limit exceeded' : `worker error: ${err.message}`);
    });
    this.worker.on('exit', (code) => this.die(`sandbox worker exited (code ${code})`));
    const init: InitRequest = {
      op: 'init',
      kind: o.kind,
      code: o.code,
      filename: o.filename,
      config: o.config,
      outputLimit: o.outputLimit,
      maxProcessInject: o.maxProcessInject,
      maxTimerInject: o.maxTimerInject,
      moduleDirectories: o.moduleDirectories,
      heartbeat: sab,
      preserved,
    };
    this.worker.postMessage(init satisfies ToWorker);
    if (this.budget !== Infinity) {
      const period = Math.max(5, Math.min(250, this.budget / 4));
      this.watchdog = setInterval(() => this.check(period), period);
      this.watchdog.unref();
    }
  }

  private check(period: number): void {
    const hb = this.hb;
    const calls = hb[HB_CALLS]!;
    if (hb[HB_BUSY] === 1 && calls === this.lastCalls) {
      this.stuckMs += period;
      const fn = hb[HB_FN]!;
      // Loading the script may take longer than one call (compilation): allow 10 budgets.
      const limit = fn === 3 ? Math.max(1000, this.budget * 10) : this.budget;
      if (this.stuckMs >= limit) this.die(`${FN_NAMES[fn] ?? ''} instruction_limit exceeded`.trim());
    } else {
      this.stuckMs = 0;
    }
    this.lastCalls = calls;
  }

  private onMessage(m: FromWorker): void {
    if (this.dead) return;
    switch (m.op) {
      case 'ready':
        this.version = m.version;
        this.hasTimer = m.hasTimer;
        this.restoreResult = m.restore;
        this.readyResolve();
        break;
      case 'done':
        this.backlog -= m.count;
        this.processed += m.count;
        this.heapUsed = m.heap;
        if (m.heap > this.maxHeapUsed) this.maxHeapUsed = m.heap;
        for (const i of m.inj) this.o.onInjection(i, m.timer);
        if (m.failures) {
          this.failures += m.failures;
          this.o.onFailures(m.failures, m.errors);
        }
        if (this.drainWaiters.length > 0 && this.backlog + this.count <= this.highWater >> 1) this.wakeDrained();
        break;
      case 'fatal':
        for (const i of m.inj) this.o.onInjection(i, false);
        this.die(m.reason);
        break;
      case 'state':
        for (const i of m.inj) this.o.onInjection(i, true);
        this.stateWaiter?.(m);
        break;
    }
  }

  private wakeDrained(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of w) resolve();
  }

  /** Too many messages are waiting for the worker: stop feeding it until drained(). */
  get busy(): boolean {
    return !this.dead && this.backlog + this.count >= this.highWater;
  }

  /** Resolves when the worker has caught up to half the high-water mark (or died). */
  drained(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    this.flush();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.deathReason = reason;
    this.wakeDrained();
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    void this.worker.terminate();
    this.readyResolve();
    this.stateWaiter?.({ op: 'state', version: this.version, state: null, error: reason, inj: [] });
    this.o.onTerminated(reason);
  }

  /** Queue one message for process_message (no per-message await; batches post asynchronously). */
  push(msg: Message): boolean {
    if (this.dead) return false;
    if (this.backlog + this.count >= this.maxBacklog) {
      this.dropped++;
      return false;
    }
    const bytes = msg.rawBytes ?? encodeMessage(msg);
    const need = this.pos + 4 + bytes.length;
    if (need > this.buf.length) {
      const nb = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(nb, 0, 0, this.pos);
      this.buf = nb;
    }
    this.buf.writeUInt32LE(bytes.length, this.pos);
    this.buf.set(bytes, this.pos + 4);
    this.pos = need;
    if (++this.count >= this.batchSize) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    return true;
  }

  /** Post the pending batch now. */
  flush(): void {
    if (this.count === 0 || this.dead) return;
    // Copy into an exact-size ArrayBuffer that is transferred (the fill buffer is reused).
    const ab = new ArrayBuffer(this.pos);
    new Uint8Array(ab).set(this.buf.subarray(0, this.pos));
    this.backlog += this.count;
    this.worker.postMessage({ op: 'batch', buf: ab, count: this.count } satisfies ToWorker, [ab]);
    this.pos = 0;
    this.count = 0;
  }

  /** timer_event(ns), after everything queued before it. */
  timer(ns: number): void {
    if (this.dead) return;
    this.flush();
    this.worker.postMessage({ op: 'timer', ns } satisfies ToWorker);
  }

  /** Resolves when every posted message has been processed (or the sandbox died). */
  async idle(timeoutMs = 30_000): Promise<void> {
    this.flush();
    const t0 = Date.now();
    while (!this.dead && this.backlog > 0 && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 2));
  }

  /**
   * Normal stop: optional last timer_event, then the state for preserve_data (null when the
   * sandbox is dead or saving failed), and the worker ends.
   */
  async stop(timerNs: number | null, save: boolean): Promise<{ version: number; state: Record<string, unknown> | null; error?: string }> {
    if (this.dead) return { version: this.version, state: null, error: this.deathReason };
    this.flush();
    const reply = await new Promise<Extract<FromWorker, { op: 'state' }>>((resolve) => {
      this.stateWaiter = resolve;
      this.worker.postMessage({ op: 'stop', timerNs, save } satisfies ToWorker);
    });
    this.stateWaiter = null;
    if (!this.dead) {
      this.dead = true;
      this.deathReason = 'stopped';
      if (this.watchdog) clearInterval(this.watchdog);
      this.worker.removeAllListeners('exit');
      this.worker.removeAllListeners('error');
      await this.worker.terminate();
    }
    return { version: reply.version, state: reply.state, error: reply.error };
  }

  /** Kill without saving (used when the plugin is discarded). */
  async kill(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.dead = true;
    this.wakeDrained();
    this.worker.removeAllListeners('exit');
    this.worker.removeAllListeners('error');
    await this.worker.terminate();
  }
}

export function wireToMessage(i: { m: Uint8Array }): Message {
  return decodeMessage(i.m);
}
