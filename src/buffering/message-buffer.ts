/**
 * The writing side of a buffered filter or output (transport.md §10.3): what the router's enqueue
 * does with a matched message when `use_buffering` is on.
 *
 * The message is encoded (canonical protobuf), framed and appended to the disk queue. Appends are
 * written in batches (one write per event-loop turn, or sooner past FLUSH_BYTES), and a message is
 * released, i.e. acknowledged towards its input, right after the write that carries it: that is the
 * "safely in the buffer" point that lets a LogstreamerInput journal move on. A kill -9 before the
 * write loses nothing, because the journal has not moved yet.
 *
 * When the queue is full (`max_buffer_size`):
 * - `shutdown`: hekad is shut down (once); the message is not acknowledged, so its input re-reads
 *   it after the restart (Heka drops it);
 * - `drop`: the message is dropped (acknowledged) and counted in `dropped`;
 * - `block`: the message waits in memory, unacknowledged, and the consumer is reported full to the
 *   router so inputs pause; the waiting messages are appended as acknowledgements free space, and
 *   the router is told the consumer drained once the queue is back under LOW_WATER of its limit.
 *   Memory stays bounded: only what producers deliver after their first "full" waits.
 */
import { frameRecord } from '../core/framing.js';
import type { Message } from '../core/message.js';
import { encodeMessage } from '../core/protobuf.js';
import { release } from '../runners/ack.js';
import type { ReportField } from '../plugin-api/index.js';
import { DiskQueue, queueDir, type DiskQueueOptions } from './disk-queue.js';

export type FullAction = 'shutdown' | 'drop' | 'block';

/** Resolved buffering settings of one plugin (config.md §6.1 after the 0 -> default rules). */
export interface BufferSettings {
  max_file_size: number;
  max_buffer_size: number;
  full_action: FullAction;
  cursor_update_count: number;
}

export interface BufferHooks {
  /** The queue is full and `block` is set: inputs must pause (router.markFull). */
  full(): void;
  /** Room again (router.markDrained). */
  drained(): void;
  /** New records were written: wake the reader. */
  readable(): void;
  /** `shutdown` full action. */
  fatal(reason: string): void;
  /** Count and log (rate limited). */
  report(err: Error, stage: string): void;
}

/** Pending appends larger than this are written at once instead of at the end of the turn. */
const FLUSH_BYTES = 256 * 1024;
/** `block`: the consumer counts as drained again below this fraction of max_buffer_size. */
const LOW_WATER = 0.75;

/** The largest record a queue file must be able to hold (frame header + message). */
export function maxRecordSize(maxMessageSize: number): number {
  return 3 + 255 + maxMessageSize;
}

/** Why these settings cannot work, or null. */
export function checkBufferSettings(s: BufferSettings, maxMessageSize: number): string | null {
  const rec = maxRecordSize(maxMessageSize);
  if (s.max_file_size < rec) return `\`max_file_size\` must be greater than maximum record size of ${rec}`;
  return null;
}

export class MessageBuffer {
  readonly queue: DiskQueue;
  /** Records dropped: full queue with `drop`, too big to frame, failed writes. */
  dropped = 0;
  /** Times the queue became full. */
  fullCount = 0;
  private held: Message[] = [];
  private waiting: Message[] = [];
  private waitingFrames: Buffer[] = [];
  private flushScheduled = false;
  private blocked = false;
  private shutdownTriggered = false;
  private closed = false;
  private readonly flushNow = () => this.flush();
  private readonly maxMessageSize: number;

  constructor(
    readonly settings: BufferSettings,
    queueOpts: Omit<DiskQueueOptions, 'maxFileSize' | 'maxBufferSize' | 'cursorUpdateCount'>,
    private readonly hooks: BufferHooks,
  ) {
    this.maxMessageSize = queueOpts.maxMessageSize;
    this.queue = new DiskQueue({
      ...queueOpts,
      maxFileSize: settings.max_file_size,
      maxBufferSize: settings.max_buffer_size,
      cursorUpdateCount: Math.max(1, settings.cursor_update_count),
    });
    this.queue.onSpace = () => this.onSpace();
  }

  static forPlugin(
    baseDir: string,
    pluginName: string,
    settings: BufferSettings,
    rest: Omit<DiskQueueOptions, 'dir' | 'maxFileSize' | 'maxBufferSize' | 'cursorUpdateCount'>,
    hooks: BufferHooks,
  ): MessageBuffer {
    return new MessageBuffer(settings, { ...rest, dir: queueDir(baseDir, pluginName) }, hooks);
  }

  /** Opens the queue (throws when the directory or files cannot be used). */
  open(): void {
    this.queue.open();
  }

  /** The router's enqueue: the buffer takes over the message's reference. */
  push(msg: Message): void {
    if (this.closed) return; // not acknowledged: its input re-reads it after the restart
    let frame: Buffer;
    try {
      frame = frameRecord(encodeMessage(msg), undefined, this.maxMessageSize);
    } catch (err) {
      this.drop(msg, `message framing error: ${(err as Error).message}`);
      return;
    }
    if (this.waiting.length > 0 || !this.queue.fits(frame.length)) {
      this.full(msg, frame);
      return;
    }
    this.queue.append(frame);
    this.held.push(msg);
    if (this.queue.pendingSize >= FLUSH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
  }

  private drop(msg: Message, why: string): void {
    this.dropped++;
    this.hooks.report(new Error(`can't deliver matched message: ${why}`), 'buffer');
    release(msg);
  }

  private full(msg: Message, frame: Buffer): void {
    const max = this.settings.max_buffer_size;
    if (frame.length > max) {
      this.drop(msg, `record of ${frame.length} bytes is larger than max_buffer_size ${max}`);
      return;
    }
    switch (this.settings.full_action) {
      case 'drop':
        this.drop(msg, 'Queue is full');
        return;
      case 'shutdown':
        if (!this.shutdownTriggered) {
          this.shutdownTriggered = true;
          this.fullCount++;
          this.hooks.fatal(`can't deliver matched message: Queue is full (max_buffer_size ${max}); full_action = "shutdown"`);
        }
        return; // not acknowledged: replayed by its input after the restart
      case 'block':
        this.waiting.push(msg);
        this.waitingFrames.push(frame);
        if (!this.blocked) {
          this.blocked = true;
          this.fullCount++;
          this.hooks.full();
        }
        return;
    }
  }

  /** Acknowledgements freed space: append waiting messages, report drained under the low-water mark. */
  private onSpace(): void {
    if (!this.blocked || this.closed) return;
    const q = this.queue;
    let moved = 0;
    while (moved < this.waiting.length && q.fits(this.waitingFrames[moved]!.length)) {
      q.append(this.waitingFrames[moved]!);
      this.held.push(this.waiting[moved]!);
      moved++;
    }
    if (moved > 0) {
      this.waiting.splice(0, moved);
      this.waitingFrames.splice(0, moved);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushNow);
      }
    }
    if (this.waiting.length === 0 && q.size <= this.settings.max_buffer_size * LOW_WATER) {
      this.blocked = false;
      this.hooks.drained();
    }
  }

  /** Messages waiting for room (`block`). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Write the appended records and acknowledge their messages upstream. */
  flush(): void {
    this.flushScheduled = false;
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    try {
      this.queue.flush();
    } catch (err) {
      this.dropped += held.length;
      this.hooks.report(new Error(`can't deliver matched message: ${(err as Error).message} (${held.length} records dropped)`), 'buffer');
    }
    for (let i = 0; i < held.length; i++) release(held[i]!);
    this.hooks.readable();
  }

  /** Flush, save the exact cursor, close the files. Waiting (`block`) messages stay unacknowledged. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.queue.close();
  }

  report(nowMs: number): ReportField[] {
    const q = this.queue;
    const c = q.cursor;
    return [
      { name: 'BufferSize', value: q.size, representation: 'B' },
      { name: 'BufferRecords', value: q.records, representation: 'count' },
      { name: 'BufferOldestAge', value: Math.round(q.oldestAgeMs(nowMs)), representation: 'ms' },
      { name: 'BufferDiskSize', value: q.bytesOnDisk, representation: 'B' },
      { name: 'BufferFiles', value: q.fileCount, representation: 'count' },
      { name: 'BufferMaxSize', value: this.settings.max_buffer_size, representation: 'B' },
      { name: 'BufferCursor', value: `${c.id} ${c.offset}`, representation: '' },
      { name: 'BufferFullCount', value: this.fullCount, representation: 'count' },
      { name: 'BufferWaiting', value: this.waiting.length, representation: 'count' },
      { name: 'BufferCorruptBytes', value: q.corruptBytes, representation: 'B' },
      { name: 'DropCount', value: this.dropped, representation: 'count' },
    ];
  }
}
