/**
 * FileOutput: appends encoded records to a file in batches, each batch written and fsynced before
 * its messages are acknowledged (spec/outputs.md §9). Acknowledging only durable records is what
 * lets a LogstreamerInput journal advance safely.
 *
 * Flush policy (Heka's): OR flushes when flush_count records are pending or on each
 * flush_interval tick when anything is pending; AND flushes when flush_count records are pending
 * and at least flush_interval ms passed since the last flush (or the interval is 0), and on a tick
 * when flush_count records are pending. On top of that a batch never holds more than
 * MAX_PENDING_BYTES or MAX_PENDING_RECORDS: flushing earlier only makes data safer and bounds
 * memory.
 *
 * Write errors (ENOSPC, EACCES...) are reported through ctx.reportError and the batch is kept and
 * retried (next tick, or after RETRY_MS); once the bounds are reached process() returns a promise
 * that settles when a flush succeeds, so the runner stops feeding the output instead of buffering
 * without limit.
 */
import type { Timer } from '../../../core/clock.js';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Message } from '../../../core/message.js';
import { Strftime, localZone } from '../../../core/strftime.js';
import type { Output, OutputContext, PluginContext, ReportField } from '../../../plugin-api/index.js';
import type { FileOutputConfig } from './config.js';

export const MAX_PENDING_BYTES = 4 * 1024 * 1024;
export const MAX_PENDING_RECORDS = 10_000;
const RETRY_MS = 1000;

export class FileOutput implements Output {
  readonly manualAck = true;

  private pending: Buffer[] = [];
  private pendingMsgs: Message[] = [];
  private pendingBytes = 0;
  private fh: FileHandle | null = null;
  private openPath = '';
  private flushing: Promise<void> | null = null;
  private lastFlushMs: number;
  private timer: Timer | null = null;
  private retryTimer: Timer | null = null;
  private rotationTimer: Timer | null = null;
  private ctx: OutputContext | null = null;
  private readonly pathFormat: Strftime | null;
  private readonly perm: number;
  private readonly folderPerm: number;
  private readonly useAnd: boolean;
  private reopenRequested = false;
  private stopped = false;
  /** Resolvers of process() calls waiting for room (bounds reached while flushes fail). */
  private roomWaiters: Array<() => void> = [];
  // report fields
  private written = 0;
  private writeErrors = 0;

  constructor(
    private readonly config: FileOutputConfig,
    private readonly pctx: PluginContext,
  ) {
    this.perm = parseInt(config.perm, 8);
    this.folderPerm = parseInt(config.folder_perm, 8);
    this.useAnd = config.flush_operator.toUpperCase() !== 'OR';
    this.pathFormat = config.rotation_interval > 0 ? new Strftime(config.path, localZone()) : null;
    this.lastFlushMs = pctx.clock.nowMs();
    if (config.flush_interval > 0) {
      this.timer = pctx.clock.setInterval(() => this.onInterval(), config.flush_interval, { keepAlive: false });
    }
    this.scheduleRotation();
  }

  process(msg: Message, ctx: OutputContext): void | Promise<void> {
    this.ctx = ctx;
    const bytes = ctx.encode(msg);
    if (bytes === null) {
      // Swallowed by the encoder: nothing to make durable.
      ctx.ack(msg);
      return;
    }
    this.pending.push(bytes);
    this.pendingMsgs.push(msg);
    this.pendingBytes += bytes.length;
    const n = this.pendingMsgs.length;
    const full = n >= MAX_PENDING_RECORDS || this.pendingBytes >= MAX_PENDING_BYTES;
    if (n >= this.config.flush_count) {
      if (!this.useAnd || this.config.flush_interval === 0 ||
          ctx.clock.nowMs() - this.lastFlushMs >= this.config.flush_interval) {
        this.requestFlush();
      }
    }
    if (full) {
      this.requestFlush();
      // Keep accepting while a flush is merely in progress; block only when the data piles up
      // beyond twice the bound (the disk is failing or much slower than the input).
      if (n >= 2 * MAX_PENDING_RECORDS || this.pendingBytes >= 2 * MAX_PENDING_BYTES) {
        return new Promise((resolve) => this.roomWaiters.push(resolve));
      }
    }
  }

  /** Re-open the file at the next write (SIGHUP, e.g. after logrotate moved it). */
  reopen(): void {
    this.reopenRequested = true;
  }

  report(): ReportField[] {
    return [
      { name: 'WrittenRecords', value: this.written },
      { name: 'WriteErrors', value: this.writeErrors },
      { name: 'PendingRecords', value: this.pendingMsgs.length },
    ];
  }

  /** Flush everything pending (one final attempt), close the file. */
  async stop(ctx?: OutputContext): Promise<void> {
    if (ctx) this.ctx = ctx;
    this.stopped = true;
    for (const t of [this.timer, this.retryTimer, this.rotationTimer]) t?.cancel();
    this.timer = this.retryTimer = this.rotationTimer = null;
    while (this.flushing) await this.flushing;
    if (this.pendingMsgs.length > 0) await this.flushNow();
    await this.closeFile();
    // Anything left failed to write: it stays unacknowledged, so a resumable input re-reads it.
    for (const r of this.roomWaiters.splice(0)) r();
  }

  private onInterval(): void {
    const n = this.pendingMsgs.length;
    if (n === 0) return;
    if (!this.useAnd || n >= this.config.flush_count) this.requestFlush();
  }

  private requestFlush(): void {
    if (this.flushing !== null) return; // the running flush re-checks when it finishes
    this.flushing = this.flushNow().finally(() => {
      this.flushing = null;
      if (this.stopped) return;
      // More piled up during the write: flush again if the policy (or the bounds) say so.
      const n = this.pendingMsgs.length;
      if (n >= MAX_PENDING_RECORDS || this.pendingBytes >= MAX_PENDING_BYTES ||
          (n >= this.config.flush_count && (!this.useAnd || this.config.flush_interval === 0))) {
        if (this.retryTimer === null) this.requestFlush();
      }
    });
  }

  private async flushNow(): Promise<void> {
    const ctx = this.ctx;
    if (ctx === null || this.pendingMsgs.length === 0) return;
    const bufs = this.pending;
    const msgs = this.pendingMsgs;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingMsgs = [];
    this.pendingBytes = 0;
    try {
      const fh = await this.file();
      const chunk = bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs, bytes);
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
        off += bytesWritten;
      }
      await fh.sync();
    } catch (err) {
      // Put the batch back in front (order kept) and retry later.
      this.pending = bufs.concat(this.pending);
      this.pendingMsgs = msgs.concat(this.pendingMsgs);
      this.pendingBytes += bytes;
      this.writeErrors++;
      const path = this.openPath || this.currentPath();
      await this.closeFile(); // a partial write leaves the offset unknown; reopen in append mode
      ctx.reportError(new Error(`Failed to write to '${path}', will retry: ${(err as Error).message ?? String(err)}`), 'write');
      if (!this.stopped && this.retryTimer === null) {
        this.retryTimer = this.pctx.clock.setTimeout(() => {
          this.retryTimer = null;
          this.requestFlush();
        }, RETRY_MS, { keepAlive: false });
      }
      return;
    }
    this.lastFlushMs = ctx.clock.nowMs();
    this.written += msgs.length;
    for (let i = 0; i < msgs.length; i++) ctx.ack(msgs[i]!);
    if (this.roomWaiters.length > 0 &&
        this.pendingMsgs.length < 2 * MAX_PENDING_RECORDS && this.pendingBytes < 2 * MAX_PENDING_BYTES) {
      for (const r of this.roomWaiters.splice(0)) r();
    }
  }

  /** The open handle for the current path, (re)opening as rotation or reopen() require. */
  private async file(): Promise<FileHandle> {
    const path = this.currentPath();
    if (this.fh !== null && (this.reopenRequested || path !== this.openPath)) await this.closeFile();
    this.reopenRequested = false;
    if (this.fh === null) {
      await mkdir(dirname(path), { recursive: true, mode: this.folderPerm });
      this.fh = await open(path, 'a', this.perm);
      this.openPath = path;
    }
    return this.fh;
  }

  private currentPath(): string {
    if (this.pathFormat === null) return this.config.path;
    const nowSec = Math.floor(this.pctx.clock.nowMs() / 1000);
    const interval = this.config.rotation_interval * 3600;
    return this.pathFormat.format(Math.floor(nowSec / interval) * interval);
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh !== null) {
      try {
        await fh.close();
      } catch (err) {
        this.ctx?.reportError(err, 'close');
      }
    }
  }

  /** At each rotation boundary: flush what is pending into the old file; the next write opens the new one. */
  private scheduleRotation(): void {
    if (this.pathFormat === null || this.stopped) return;
    const intervalMs = this.config.rotation_interval * 3600_000;
    const now = this.pctx.clock.nowMs();
    const next = (Math.floor(now / intervalMs) + 1) * intervalMs;
    this.rotationTimer = this.pctx.clock.setTimeout(() => {
      this.rotationTimer = null;
      this.requestFlush();
      this.scheduleRotation();
    }, Math.max(1, next - now), { keepAlive: false });
  }
}
