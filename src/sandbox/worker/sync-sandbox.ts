/**
 * Main-thread side of a user SandboxDecoder / SandboxEncoder: a worker thread driven
 * synchronously through a SharedArrayBuffer (sync-protocol.ts), because Decoder.decode and
 * Encoder.encode are synchronous.
 *
 * Isolation: a call that overruns its CPU budget (`instruction_limit / 10_000` ms) is abandoned
 * when Atomics.wait times out and the worker is terminated; the main thread is held for at most
 * one budget. memory_limit is the worker's V8 heap limit: a worker killed for it is noticed at the
 * same timeout (it can no longer answer) and the reason is corrected to `memory_limit exceeded`
 * when the worker's error event arrives. Nothing a script does can throw into, block beyond the
 * budget, or exhaust the heap of the main thread.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { budgetMs } from './worker-sandbox.js';
import {
  C_BATCH_AREA,
  C_BATCH_DONE,
  C_FLAGS,
  C_HEAP,
  C_LEN,
  C_OP,
  C_READY,
  C_REQ,
  C_RESP,
  DATA_OFFSET,
  F_SAVE,
  F_VIA_PORT,
  OP_BATCH,
  OP_PROCESS,
  OP_STOP,
  R_FATAL,
  R_STATE,
  type SyncInit,
} from './sync-protocol.js';

export interface SyncSandboxOptions {
  kind: 'decoder' | 'encoder';
  code: string;
  filename: string;
  config: Record<string, unknown>;
  outputLimit: number;
  moduleDirectories: string[];
  memoryLimit: number;
  instructionLimit: number;
  preserved: { version: number; state: Record<string, unknown> } | null;
  /** Bytes of the shared data area (requests/responses beyond it go over a MessagePort). */
  dataBytes?: number;
  /** Called once when the sandbox dies, with the final reason (may come after the call that noticed it). */
  onTerminated?(reason: string): void;
}

/** A decoded response: its kind (R_*) and records. */
export interface SyncResponse {
  kind: number;
  records: Uint8Array[];
}

const WORKER_URL = new URL('./sync-worker.js', import.meta.url);
const RUNTIME_HEAP_MB = 16;
/** instruction_limit = 0 still may not hang hekad: a call is given up after this long. */
const UNLIMITED_CAP_MS = 10_000;
/** Main-thread spin before parking (tens of µs): most calls return within it, and a futex wake-up costs more. Measured on 2 busy cores: worker 2k / main 20k spins gave 180k calls/s, the reverse 30k-180k. */
const SPIN = 20_000;

const NO_RECORDS: Uint8Array[] = [];

export class SyncSandboxError extends Error {
  override name = 'SyncSandboxError';
}

export class SyncSandbox {
  private readonly worker: Worker;
  private readonly ctrl: Int32Array;
  private readonly data: Buffer;
  private readonly port: MessagePort;
  private readonly budget: number;
  private seq = 0;
  dead = false;
  deathReason = '';
  /** _PRESERVATION_VERSION reported at stop; 0 until then. */
  version = 0;
  /** Outcome of restoring preserved data: 'none', 'ok', 'version' or an error text. */
  readonly restoreResult: string;
  calls = 0;

  /**
   * Starts the worker and waits (synchronously) until the script is loaded. Throws
   * SyncSandboxError when the script fails to load or its top level overruns the load budget.
   */
  constructor(private readonly o: SyncSandboxOptions) {
    const bytes = o.dataBytes ?? 1 << 20;
    const shared = new SharedArrayBuffer(DATA_OFFSET + bytes);
    this.ctrl = new Int32Array(shared, 0, DATA_OFFSET / 4);
    this.data = Buffer.from(shared, DATA_OFFSET);
    const ch = new MessageChannel();
    this.port = ch.port1;
    this.budget = budgetMs(o.instructionLimit);
    const heapMb = Math.ceil(o.memoryLimit / 1048576) + RUNTIME_HEAP_MB;
    const init: SyncInit = {
      kind: o.kind,
      code: o.code,
      filename: o.filename,
      config: o.config,
      outputLimit: o.outputLimit,
      moduleDirectories: o.moduleDirectories,
      shared,
      port: ch.port2,
      preserved: o.preserved,
    };
    this.worker = new Worker(WORKER_URL, {
      workerData: init,
      transferList: [ch.port2],
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(16, Math.max(2, heapMb >> 2)), stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    this.worker.unref();
    this.port.unref();
    this.worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') this.deathReason = 'memory_limit exceeded';
      else if (!this.dead) this.deathReason = `worker error: ${err.message}`;
    });
    this.worker.on('exit', () => {
      const wasDead = this.dead;
      this.dead = true;
      if (this.deathReason === '') this.deathReason = 'sandbox worker exited';
      if (this.deathReason !== 'stopped' || !wasDead) this.o.onTerminated?.(this.deathReason);
    });
    // Loading may compile a large script: allow 10 budgets, at least 5 s (worker start-up included).
    const loadMs = Math.max(5000, Math.min(this.budget, UNLIMITED_CAP_MS) * 10);
    const r = Atomics.wait(this.ctrl, C_READY, 0, loadMs);
    const ready = Atomics.load(this.ctrl, C_READY);
    if (ready === 1) {
      this.restoreResult = new TextDecoder().decode(this.readResponse().records[0] ?? new Uint8Array(0));
      return;
    }
    const reason = ready === 2 ? this.reasonOf(this.readResponse()) : r === 'timed-out' ? 'script load instruction_limit exceeded' : 'sandbox worker failed to start';
    this.dead = true;
    this.deathReason = reason;
    void this.worker.terminate();
    throw new SyncSandboxError(reason);
  }

  private reasonOf(r: SyncResponse): string {
    return Buffer.from(r.records[0] ?? new Uint8Array(0)).toString('utf8');
  }

  /** Worker heap in bytes, as last reported. */
  get heapUsed(): number {
    return Atomics.load(this.ctrl, C_HEAP) * 1024;
  }

  /**
   * One process_message call on `request` (protobuf bytes). Returns the response, or a response of
   * kind R_FATAL when the sandbox died (the worker is then terminated).
   */
  call(request: Uint8Array): SyncResponse {
    if (this.dead) return { kind: R_FATAL, records: [Buffer.from(this.deathReason)] };
    return this.exchange(OP_PROCESS, 0, request, this.budget === Infinity ? UNLIMITED_CAP_MS : this.budget, 'process_message()');
  }

  /** Bytes a batch request may take (it travels in the shared data area). */
  get batchBytes(): number {
    return this.data.length;
  }

  /**
   * process_message on each of `requests` in one round trip (sync-protocol.ts OP_BATCH); the
   * caller keeps `4 + sum(4 + length)` within batchBytes. Returns one response per request, in
   * order, ending early with an R_FATAL response when the sandbox died on a request (the worker is
   * then terminated and later requests were not processed). Each request has its own CPU budget.
   */
  callBatch(requests: readonly Uint8Array[]): SyncResponse[] {
    if (this.dead) return [{ kind: R_FATAL, records: [Buffer.from(this.deathReason)] }];
    const ctrl = this.ctrl;
    const data = this.data;
    data.writeUInt32LE(requests.length, 0);
    let pos = 4;
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i]!;
      data.writeUInt32LE(r.length, pos);
      data.set(r, pos + 4);
      pos += 4 + r.length;
    }
    const seq = (this.seq = (this.seq + 1) | 0);
    this.calls += requests.length;
    Atomics.store(ctrl, C_BATCH_AREA, 0);
    Atomics.store(ctrl, C_BATCH_DONE, 0);
    Atomics.store(ctrl, C_OP, OP_BATCH);
    Atomics.store(ctrl, C_LEN, pos);
    Atomics.store(ctrl, C_FLAGS, 0);
    Atomics.store(ctrl, C_REQ, seq);
    Atomics.notify(ctrl, C_REQ);
    const budget = this.budget === Infinity ? UNLIMITED_CAP_MS : this.budget;
    let got = Atomics.load(ctrl, C_RESP);
    for (let i = 0; i < SPIN && got !== seq; i++) got = Atomics.load(ctrl, C_RESP);
    if (got !== seq) {
      // Each record gets its own budget: the deadline moves on while the worker makes progress.
      let done = Atomics.load(ctrl, C_BATCH_DONE);
      let deadline = performance.now() + budget;
      while (got !== seq) {
        const left = deadline - performance.now();
        if (left <= 0) {
          const now = Atomics.load(ctrl, C_BATCH_DONE);
          if (now === done) break;
          done = now;
          deadline = performance.now() + budget;
          continue;
        }
        Atomics.wait(ctrl, C_RESP, got, Math.min(left, budget));
        got = Atomics.load(ctrl, C_RESP);
      }
    }
    if (got !== seq) {
      // Keep the results the worker completed before the record that overran its budget.
      const complete = Atomics.load(ctrl, C_BATCH_AREA);
      const out = this.parseResults(data, complete);
      this.kill('process_message() instruction_limit exceeded');
      out.push({ kind: R_FATAL, records: [Buffer.from(this.deathReason)] });
      return out;
    }
    let buf: Buffer = data;
    if ((Atomics.load(ctrl, C_FLAGS) & F_VIA_PORT) !== 0) {
      const m = receiveMessageOnPort(this.port);
      if (m === undefined) {
        this.kill('lost a response from the sandbox worker');
        return [{ kind: R_FATAL, records: [Buffer.from(this.deathReason)] }];
      }
      const u = m.message as Uint8Array;
      buf = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    }
    const out = this.parseResults(buf, buf.readUInt32LE(0));
    const last = out[out.length - 1];
    if (last !== undefined && last.kind === R_FATAL) this.kill(this.reasonOf(last));
    return out;
  }

  /** `n` results of a batch response starting at buf[4]; records are copied out of the shared area. */
  private parseResults(buf: Buffer, n: number): SyncResponse[] {
    const out: SyncResponse[] = [];
    let pos = 4;
    for (let i = 0; i < n; i++) {
      const kind = buf[pos]!;
      const k = buf.readUInt32LE(pos + 1);
      pos += 5;
      const records: Uint8Array[] = k === 0 ? NO_RECORDS : [];
      for (let j = 0; j < k; j++) {
        const len = buf.readUInt32LE(pos);
        records.push(Uint8Array.prototype.slice.call(buf, pos + 4, pos + 4 + len));
        pos += 4 + len;
      }
      out.push({ kind, records });
    }
    return out;
  }

  private exchange(op: number, flags: number, request: Uint8Array, timeoutMs: number, fn: string): SyncResponse {
    const ctrl = this.ctrl;
    if (request.length <= this.data.length) {
      this.data.set(request, 0);
    } else {
      this.port.postMessage(request);
      flags |= F_VIA_PORT;
    }
    const seq = (this.seq = (this.seq + 1) | 0);
    this.calls++;
    Atomics.store(ctrl, C_OP, op);
    Atomics.store(ctrl, C_LEN, request.length);
    Atomics.store(ctrl, C_FLAGS, flags);
    Atomics.store(ctrl, C_REQ, seq);
    Atomics.notify(ctrl, C_REQ);
    let got = Atomics.load(ctrl, C_RESP);
    for (let i = 0; i < SPIN && got !== seq; i++) got = Atomics.load(ctrl, C_RESP);
    if (got !== seq) {
      const deadline = performance.now() + timeoutMs;
      while (got !== seq) {
        const left = deadline - performance.now();
        if (left <= 0) break;
        Atomics.wait(ctrl, C_RESP, got, left);
        got = Atomics.load(ctrl, C_RESP);
      }
    }
    if (got !== seq) {
      this.kill(`${fn} instruction_limit exceeded`);
      return { kind: R_FATAL, records: [Buffer.from(this.deathReason)] };
    }
    const r = this.readResponse();
    if (r.kind === R_FATAL) this.kill(this.reasonOf(r));
    return r;
  }

  private readResponse(): SyncResponse {
    let buf: Buffer = this.data;
    if ((Atomics.load(this.ctrl, C_FLAGS) & F_VIA_PORT) !== 0) {
      const m = receiveMessageOnPort(this.port);
      if (m === undefined) return { kind: R_FATAL, records: [Buffer.from('lost a response from the sandbox worker')] };
      const u = m.message as Uint8Array;
      buf = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    }
    const kind = buf[0]!;
    const n = buf.readUInt32LE(1);
    const records: Uint8Array[] = [];
    let pos = 5;
    for (let i = 0; i < n; i++) {
      const len = buf.readUInt32LE(pos);
      // Copied out of the shared area: the next call overwrites it.
      records.push(Uint8Array.prototype.slice.call(buf, pos + 4, pos + 4 + len));
      pos += 4 + len;
    }
    return { kind, records };
  }

  /** Terminate the worker with `reason` (idempotent; onTerminated follows from the exit event). */
  kill(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.deathReason = reason;
    void this.worker.terminate();
  }

  /**
   * Normal stop: the preserved state when `save` (null when not saved or the sandbox is dead),
   * then the worker ends. Synchronous, bounded by the load budget.
   */
  stop(save: boolean): { version: number; state: Record<string, unknown> | null; error?: string } {
    if (this.dead) return { version: 0, state: null, error: this.deathReason };
    const r = this.exchange(OP_STOP, save ? F_SAVE : 0, new Uint8Array(0), Math.max(1000, Math.min(this.budget, UNLIMITED_CAP_MS) * 10), 'stop');
    if (r.kind !== R_STATE) return { version: 0, state: null, error: this.deathReason };
    this.dead = true;
    this.deathReason = 'stopped';
    void this.worker.terminate();
    try {
      const o = JSON.parse(Buffer.from(r.records[0]!).toString('utf8')) as { version: number; state: Record<string, unknown> | null; error?: string };
      this.version = o.version;
      return o;
    } catch (err) {
      return { version: 0, state: null, error: (err as Error).message };
    }
  }
}
