/**
 * FileOutput: appends encoded records to a file; each batch is written and fsynced before it is
 * reported done, so the runner acknowledges only durable records (spec/outputs.md §9). That is
 * what lets a LogstreamerInput journal advance safely.
 *
 * Batching is the output runner's: Heka's flush policy maps onto the runner's batch settings
 * (flush_count -> count, flush_interval -> intervalMs, flush_operator -> operator):
 * OR hands a batch over when flush_count records are pending or on each flush_interval tick when
 * anything is pending; AND when flush_count records are pending and at least flush_interval ms
 * passed since the last hand-over (or the interval is 0), and on a tick when flush_count records
 * are pending. On top of that a batch never holds more than MAX_PENDING_BYTES or
 * MAX_PENDING_RECORDS: flushing earlier only makes data safer and bounds memory.
 *
 * Write errors (ENOSPC, EACCES...) make the batch a retry (the runner's backoff); the runner keeps
 * it in order and stops taking records while it waits, so the inputs are pushed back.
 */
import type { Timer } from '../../../core/clock.js';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Strftime, localZone } from '../../../core/strftime.js';
import {
  RetryableError,
  type Batch,
  type BatchSettings,
  type Output,
  type OutputContext,
  type PluginContext,
  type ReportField,
} from '../../../plugin-api/index.js';
import type { FileOutputConfig } from './config.js';

export const MAX_PENDING_BYTES = 4 * 1024 * 1024;
export const MAX_PENDING_RECORDS = 10_000;

export class FileOutput implements Output {
  readonly batch: Partial<BatchSettings>;
  private fh: FileHandle | null = null;
  private openPath = '';
  private rotationTimer: Timer | null = null;
  private ctx: OutputContext | null = null;
  private readonly pathFormat: Strftime | null;
  private readonly perm: number;
  private readonly folderPerm: number;
  private reopenRequested = false;
  private closingInterval = false;
  private stopped = false;
  // report fields
  private written = 0;
  private writeErrors = 0;

  constructor(
    private readonly config: FileOutputConfig,
    private readonly pctx: PluginContext,
  ) {
    this.perm = parseInt(config.perm, 8);
    this.folderPerm = parseInt(config.folder_perm, 8);
    this.pathFormat = config.rotation_interval > 0 ? new Strftime(config.path, localZone()) : null;
    this.batch = {
      count: config.flush_count,
      operator: config.flush_operator.toUpperCase() === 'OR' ? 'OR' : 'AND',
      intervalMs: config.flush_interval,
      whenIdle: false,
      maxRecords: MAX_PENDING_RECORDS,
      maxBytes: MAX_PENDING_BYTES,
      maxInFlight: 1,
      // One batch being written while the next one fills (fsync overlaps with reading).
      maxHeldBytes: 2 * MAX_PENDING_BYTES,
    };
  }

  start(ctx: OutputContext): void {
    this.ctx = ctx;
    this.scheduleRotation();
  }

  async writeBatch(batch: Batch, ctx: OutputContext): Promise<void> {
    this.ctx = ctx;
    const recs = batch.records;
    try {
      const fh = await this.file();
      const chunk = recs.length === 1 ? recs[0]!.bytes! : Buffer.concat(recs.map((r) => r.bytes!), batch.bytes);
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
        off += bytesWritten;
      }
      await fh.sync();
    } catch (err) {
      this.writeErrors++;
      const path = this.openPath || this.currentPath();
      await this.closeFile(); // a partial write leaves the offset unknown; reopen in append mode
      throw new RetryableError(`Failed to write to '${path}', will retry: ${(err as Error).message ?? String(err)}`);
    }
    this.written += recs.length;
  }

  /** Re-open the file at the next write (SIGHUP, e.g. after logrotate moved it). */
  reopen(): void {
    this.reopenRequested = true;
  }

  report(): ReportField[] {
    return [
      { name: 'WrittenRecords', value: this.written },
      { name: 'WriteErrors', value: this.writeErrors },
    ];
  }

  /** Close the file (the runner has handed over and settled the last batch). */
  async stop(ctx?: OutputContext): Promise<void> {
    if (ctx) this.ctx = ctx;
    this.stopped = true;
    this.rotationTimer?.cancel();
    this.rotationTimer = null;
    await this.closeFile();
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
    const nowSec = Math.floor((this.pctx.clock.nowMs() - (this.closingInterval ? 1 : 0)) / 1000);
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

  /** At each rotation boundary: what is pending goes into the old file; the next write opens the new one. */
  private scheduleRotation(): void {
    if (this.pathFormat === null || this.stopped || this.ctx === null) return;
    const intervalMs = this.config.rotation_interval * 3600_000;
    const now = this.pctx.clock.nowMs();
    const next = (Math.floor(now / intervalMs) + 1) * intervalMs;
    this.rotationTimer = this.pctx.clock.timeout(() => {
      this.rotationTimer = null;
      // A batch handed over right now (synchronously) holds records of the interval that ended.
      this.closingInterval = true;
      this.ctx?.requestFlush();
      this.closingInterval = false;
      this.scheduleRotation();
    }, Math.max(1, next - now), { keepAlive: false });
  }
}
