/**
 * One plugin's disk queue (spec/transport.md §10): segment files `<n>.log` of unsigned Heka
 * frames, each wrapping a message's protobuf bytes, and `checkpoint.txt` naming the position just
 * past the last acknowledged record. File-compatible with Heka 0.10; its accounting traps are not
 * reproduced:
 *
 * - The queue's size is the bytes not yet acknowledged, not the bytes of the files, so a queue
 *   whose reader has caught up is never "full" (Heka's wedge, §10.3).
 * - Space is reclaimed as records are acknowledged: a file is deleted as soon as the cursor has
 *   passed its end, and once everything written is acknowledged the writer starts a new file when
 *   the current one has grown past `reclaimBytes`, so the fully consumed one can go.
 * - The checkpoint is written every `cursorUpdateCount` acknowledgements (Heka: one more), at
 *   every move into a later file and exactly at close.
 * - Damaged data (a torn tail after a crash, garbage, an undecodable record) is reported and
 *   skipped; it never stops the reader (Heka stops the plugin and, after a restart, stops on the
 *   same record again).
 *
 * Reader and writer live in one process, so the reader is told about new data instead of polling
 * (Heka polls every 10 ms..1 s). Records are read in chunks into fresh buffers: a record's message
 * keeps `rawBytes` as a view of its chunk, so a ProtobufEncoder downstream forwards it unchanged.
 *
 * Durability: writes reach the page cache before the records are acknowledged upstream, which
 * survives kill -9 (not a power cut: like Heka, nothing is fsynced).
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  ftruncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { findFrame, newFrameResult } from '../core/framing.js';
import { Message, type AckTarget } from '../core/message.js';
import { decodeMessage } from '../core/protobuf.js';
import { CheckpointFile, readCheckpoint, type Cursor } from './checkpoint.js';
import { SettledPrefix } from '../core/settled-prefix.js';

export interface DiskQueueOptions {
  /** `<base_dir>/output_queue/<name>` (see queueDir). */
  dir: string;
  /** Roll to a new file when the next record would make the current one larger than this. */
  maxFileSize: number;
  /** Unacknowledged bytes allowed (0 = unlimited); see fits(). */
  maxBufferSize: number;
  /** Save the checkpoint after this many acknowledged records (>= 1). */
  cursorUpdateCount: number;
  /** Largest message (protobuf bytes) a frame may carry; bigger frames read back as corrupt. */
  maxMessageSize: number;
  clock: Clock;
  /** Told about damaged data and I/O trouble; the queue carries on. */
  report(err: Error, stage: string): void;
}

/** Bytes read per refill; a record larger than this gets a bigger read. */
const CHUNK = 1 << 20;
/** Time granularity of BufferOldestAge. */
const MARK_EVERY_MS = 100;

const EMPTY = Buffer.alloc(0);

/** Directory name for a plugin: every character outside [0-9A-Za-z_] becomes '_' (transport.md §10.2). */
export function queueDirName(pluginName: string): string {
  return pluginName.replace(/[^0-9A-Za-z_]/g, '_');
}

export function queueDir(baseDir: string, pluginName: string): string {
  return join(baseDir, 'output_queue', queueDirName(pluginName));
}

interface Mark {
  id: number;
  offset: number;
  timeMs: number;
}

export class DiskQueue implements AckTarget {
  readonly dir: string;
  // ---- files
  /** Ids of the existing segment files, ascending; the last one is the write file. */
  private segments: number[] = [];
  private sizes = new Map<number, number>();
  /** Sum of the sizes of the existing files (flushed bytes only). */
  private diskBytes = 0;
  // ---- writer
  private writeId = 0;
  private writeFd = -1;
  private writeSize = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingRecords = 0;
  private pendingSinceMs = 0;
  // ---- reader
  private readId = 0;
  private readFd = -1;
  private readFdId = -1;
  private chunk: Buffer = EMPTY;
  private chunkStart = 0;
  private chunkLen = 0;
  private chunkPos = 0;
  private readonly fr = newFrameResult();
  private skipFrom = -1;
  private skipBytes = 0;
  private skipReason = '';
  // ---- acknowledgements: one entry (file id, end offset) per record handed out
  private readonly acks = new SettledPrefix();
  // ---- cursor
  private cursorId = 0;
  private cursorOffset = 0;
  private sinceSave = 0;
  private checkpoint: CheckpointFile | null = null;
  private marks: Mark[] = [];
  /** Unacknowledged records (flushed ones; pending ones are added in `records`). */
  private unacked = 0;
  private opened = false;
  private closed = false;
  /** Fully consumed write file size after which the writer moves on so the file can be deleted. */
  readonly reclaimBytes: number;

  // ---- statistics
  corruptBytes = 0;
  corruptRecords = 0;
  checkpointWrites = 0;
  filesDeleted = 0;

  /** Called after acknowledgements freed space (for blocked writers). */
  onSpace: (() => void) | null = null;

  constructor(private readonly o: DiskQueueOptions) {
    this.dir = o.dir;
    const cap = o.maxBufferSize > 0 ? Math.max(64 * 1024, o.maxBufferSize >> 1) : 8 * 1024 * 1024;
    this.reclaimBytes = Math.min(o.maxFileSize, cap, 8 * 1024 * 1024);
  }

  // -------------------------------------------------------------------------------------------
  // Opening

  /** Scans the directory, resumes at the checkpoint and starts a new write file (Heka: one per start). */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    mkdirSync(this.dir, { recursive: true, mode: 0o766 });
    const ids: number[] = [];
    for (const f of readdirSync(this.dir)) {
      const m = /^(\d{1,15})\.log$/.exec(f);
      if (m) ids.push(Number(m[1]));
    }
    ids.sort((a, b) => a - b);
    const birth = new Map<number, number>();
    for (const id of ids) {
      const st = statSync(this.path(id));
      this.sizes.set(id, st.size);
      birth.set(id, st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs);
    }
    this.segments = ids;
    this.writeId = ids.length ? ids[ids.length - 1]! + 1 : 0;

    let cp = readCheckpoint(join(this.dir, 'checkpoint.txt'));
    if (typeof cp === 'string') {
      this.o.report(new Error(`unusable checkpoint, replaying the queue from its oldest file: ${cp}`), 'buffer');
      cp = null;
    }
    let cursor: Cursor;
    if (cp === null) {
      cursor = { id: ids.length ? ids[0]! : this.writeId, offset: 0 };
    } else if (this.sizes.has(cp.id)) {
      const size = this.sizes.get(cp.id)!;
      cursor = cp;
      if (cp.offset > size) {
        this.o.report(new Error(`checkpoint ${cp.id} ${cp.offset} lies beyond the end of ${cp.id}.log (${size} bytes); continuing after it`), 'buffer');
        cursor = { id: cp.id, offset: size };
      }
    } else {
      const later = ids.find((id) => id > cp.id);
      cursor = { id: later ?? this.writeId, offset: 0 };
    }
    // Files before the cursor were consumed (a crash after the checkpoint moved, before the delete).
    for (const id of ids) this.diskBytes += this.sizes.get(id)!;
    for (const id of ids) if (id < cursor.id) this.unlink(id);
    this.segments = ids.filter((id) => id >= cursor.id);

    this.writeFd = openSync(this.path(this.writeId), 'a');
    this.segments.push(this.writeId);
    this.sizes.set(this.writeId, 0);
    this.writeSize = 0;

    this.cursorId = cursor.id;
    this.cursorOffset = cursor.offset;
    this.readId = cursor.id;
    this.chunkStart = cursor.offset;
    for (const id of this.segments) {
      if (id === this.writeId) break;
      const from = id === cursor.id ? cursor.offset : 0;
      const n = this.countFrames(id, from);
      if (n > 0) {
        this.unacked += n;
        this.marks.push({ id, offset: from, timeMs: birth.get(id)! });
      }
    }
    this.checkpoint = new CheckpointFile(join(this.dir, 'checkpoint.txt'));
    this.normalizeAndSave(true);
  }

  private path(id: number): string {
    return join(this.dir, `${id}.log`);
  }

  /** Valid frames in file `id` from `from` on (the backlog left by a previous run). */
  private countFrames(id: number, from: number): number {
    const size = this.sizes.get(id)!;
    if (from >= size) return 0;
    const fd = openSync(this.path(id), 'r');
    const fr = newFrameResult();
    const buf = Buffer.allocUnsafe(Math.min(size - from, Math.max(CHUNK, 2 * (this.o.maxMessageSize + 258))));
    let n = 0;
    let pos = from;
    try {
      while (pos < size) {
        const len = readFull(fd, buf, Math.min(buf.length, size - pos), pos);
        if (len === 0) break;
        let p = 0;
        while (p < len) {
          findFrame(buf, p, len, this.o.maxMessageSize, fr);
          if (fr.record !== null) n++;
          else if (fr.consumed === 0) break;
          p += fr.consumed;
        }
        if (p === 0) {
          if (pos + len >= size) break; // a torn record at the end
          p = 1;
        }
        pos += p;
      }
    } finally {
      closeSync(fd);
    }
    return n;
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  /** Unacknowledged bytes, including appended records not yet written (the size max_buffer_size limits). */
  get size(): number {
    return this.diskBytes + this.pendingBytes - this.cursorOffset;
  }

  /** Unacknowledged records. */
  get records(): number {
    return this.unacked + this.pendingRecords;
  }

  /** Bytes of the queue files on disk. */
  get bytesOnDisk(): number {
    return this.diskBytes;
  }

  get fileCount(): number {
    return this.segments.length;
  }

  /** Whether a record of `len` bytes fits under max_buffer_size. */
  fits(len: number): boolean {
    const max = this.o.maxBufferSize;
    return max === 0 || this.size + len <= max;
  }

  /** Queue a framed record; it is written by the next flush(). */
  append(frame: Buffer): void {
    if (this.closed) throw new Error('queue is closed');
    const fileLen = this.writeSize + this.pendingBytes;
    if (fileLen > 0 && fileLen + frame.length > this.o.maxFileSize) {
      this.flush();
      this.roll();
    }
    if (this.pendingRecords === 0) this.pendingSinceMs = this.o.clock.nowMs();
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    this.pendingRecords++;
  }

  /** Appended records not yet written. */
  get pendingCount(): number {
    return this.pendingRecords;
  }

  get pendingSize(): number {
    return this.pendingBytes;
  }

  /**
   * Write the appended records with one write. Throws when the write fails; the records are then
   * not in the queue (a partial write is truncated away again).
   */
  flush(): void {
    if (this.pendingBytes === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const records = this.pendingRecords;
    const since = this.pendingSinceMs;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingRecords = 0;
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.writeFd, data, off, data.length - off);
    } catch (err) {
      try {
        ftruncateSync(this.writeFd, this.writeSize);
      } catch {
        this.o.report(new Error(`Queue is corrupt: can't truncate a partial write in ${this.writeId}.log`), 'buffer');
      }
      throw new Error(`can't write to queue: ${(err as Error).message}`);
    }
    const last = this.marks[this.marks.length - 1];
    if (last === undefined || since - last.timeMs >= MARK_EVERY_MS) {
      this.marks.push({ id: this.writeId, offset: this.writeSize, timeMs: since });
    }
    this.writeSize += data.length;
    this.sizes.set(this.writeId, this.writeSize);
    this.diskBytes += data.length;
    this.unacked += records;
  }

  private roll(): void {
    closeSync(this.writeFd);
    this.writeId++;
    this.writeFd = openSync(this.path(this.writeId), 'a');
    this.writeSize = 0;
    this.segments.push(this.writeId);
    this.sizes.set(this.writeId, 0);
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** Whether next() may have a record (flushed bytes beyond the read position). */
  get readable(): boolean {
    return this.readId !== this.writeId || this.chunkStart + this.chunkPos < this.writeSize;
  }

  /**
   * The next record as a message (refs = 1, acknowledged through this queue when released), or
   * null when the reader has caught up with the flushed data.
   */
  next(): Message | null {
    const fr = this.fr;
    for (;;) {
      if (this.chunkPos < this.chunkLen) {
        findFrame(this.chunk, this.chunkPos, this.chunkLen, this.o.maxMessageSize, fr);
        const rec = fr.record;
        if (rec !== null) {
          const garbage = fr.consumed - rec.length;
          if (garbage > 0) this.skip(garbage, 'garbage between records');
          const begin = this.chunkStart + this.chunkPos + garbage;
          const bytes = rec.subarray(fr.messageOffset);
          let m: Message;
          try {
            m = decodeMessage(bytes);
          } catch (err) {
            // Skip only the separator: a damaged length may have swallowed good records behind it.
            this.chunkPos += garbage;
            this.skipAt(begin, 1, `undecodable record: ${(err as Error).message}`);
            this.chunkPos += 1;
            this.corruptRecords++;
            if (this.unacked > 0) this.unacked--;
            continue;
          }
          this.chunkPos += fr.consumed;
          this.endSkip();
          m.rawBytes = bytes;
          m.ackTarget = this;
          m.ackSeq = this.acks.push(this.readId, this.chunkStart + this.chunkPos);
          m.refs = 1;
          return m;
        }
        if (fr.consumed > 0) {
          this.skip(fr.consumed, fr.error ?? 'garbage between records');
          this.chunkPos += fr.consumed;
          continue;
        }
      }
      // More bytes are needed.
      const pos = this.chunkStart + this.chunkPos;
      const end = this.readId === this.writeId ? this.writeSize : this.sizes.get(this.readId) ?? 0;
      const held = this.chunkLen - this.chunkPos;
      if (pos + held >= end) {
        if (this.readId === this.writeId) return null;
        if (held > 0) {
          // An incomplete frame at the end of a finished file (a torn write): drop its separator
          // and look for records behind it.
          this.skip(1, 'incomplete record at the end of the file');
          this.chunkPos += 1;
          continue;
        }
        this.endSkip();
        this.nextFile();
        continue;
      }
      this.refill(pos, end);
    }
  }

  private refill(pos: number, end: number): void {
    if (this.readFdId !== this.readId) {
      if (this.readFd >= 0) closeSync(this.readFd);
      this.readFd = openSync(this.path(this.readId), 'r');
      this.readFdId = this.readId;
    }
    const want = Math.min(end - pos, Math.max(CHUNK, 2 * (this.o.maxMessageSize + 258)));
    // A fresh buffer per refill: messages handed out keep views of the previous one.
    const buf = Buffer.allocUnsafe(want);
    const n = readFull(this.readFd, buf, want, pos);
    this.chunk = buf;
    this.chunkStart = pos;
    this.chunkLen = n;
    this.chunkPos = 0;
    if (n === 0) {
      // The file is shorter than recorded (truncated behind our back): treat it as finished.
      this.sizes.set(this.readId, pos);
    }
  }

  private nextFile(): void {
    const next = this.segments.find((id) => id > this.readId);
    if (this.readFd >= 0) closeSync(this.readFd);
    this.readFd = -1;
    this.readFdId = -1;
    this.readId = next ?? this.writeId;
    this.chunk = EMPTY;
    this.chunkStart = 0;
    this.chunkLen = 0;
    this.chunkPos = 0;
  }

  private skip(n: number, reason: string): void {
    this.skipAt(this.chunkStart + this.chunkPos, n, reason);
  }

  private skipAt(at: number, n: number, reason: string): void {
    if (this.skipFrom < 0) {
      this.skipFrom = at;
      this.skipReason = reason;
    }
    this.skipBytes += n;
    this.corruptBytes += n;
  }

  /** Report a finished run of skipped bytes (one line per damaged region). */
  private endSkip(): void {
    if (this.skipFrom < 0) return;
    this.o.report(
      new Error(`damaged buffer data in ${this.readId}.log at offset ${this.skipFrom}: skipped ${this.skipBytes} bytes (${this.skipReason})`),
      'buffer',
    );
    this.skipFrom = -1;
    this.skipBytes = 0;
  }

  // -------------------------------------------------------------------------------------------
  // Acknowledgement

  /** Records handed out by next() and not yet acknowledged. */
  get inFlight(): number {
    return this.acks.outstanding;
  }

  /** AckTarget: the record `seq` was delivered. The cursor moves over the acknowledged prefix. */
  settle(seq: number): void {
    if (this.closed) return;
    const acks = this.acks;
    const n = acks.settle(seq);
    if (n === 0) return;
    this.unacked = Math.max(0, this.unacked - n);
    const id = acks.settledTag;
    const fileChanged = id !== this.cursorId;
    this.cursorId = id;
    this.cursorOffset = acks.settledPos;
    this.sinceSave += n;
    this.normalizeAndSave(fileChanged);
    this.onSpace?.();
  }

  /**
   * Move a cursor that sits at the end of a finished file to the next file, start a new write
   * file when everything is acknowledged and the current one is big, save the checkpoint when due,
   * then delete the files before the cursor (after the save, so a crash cannot lose records).
   */
  private normalizeAndSave(force: boolean): void {
    let changed = force;
    for (;;) {
      if (this.cursorId !== this.writeId && this.cursorOffset >= (this.sizes.get(this.cursorId) ?? 0)) {
        this.cursorId = this.segments.find((id) => id > this.cursorId) ?? this.writeId;
        this.cursorOffset = 0;
        changed = true;
        continue;
      }
      if (
        this.cursorId === this.writeId &&
        this.cursorOffset === this.writeSize &&
        this.pendingBytes === 0 &&
        this.writeSize >= this.reclaimBytes &&
        this.readId === this.writeId &&
        this.inFlight === 0
      ) {
        this.roll();
        continue;
      }
      break;
    }
    if (changed || this.sinceSave >= this.o.cursorUpdateCount) this.saveCheckpoint();
    if (changed) {
      while (this.segments.length > 0 && this.segments[0]! < this.cursorId) this.unlink(this.segments.shift()!);
      if (this.readId < this.cursorId) this.nextFile();
    }
    const marks = this.marks;
    while (marks.length > 1 && !before(this.cursorId, this.cursorOffset, marks[1]!.id, marks[1]!.offset)) marks.shift();
    if (marks.length === 1 && this.unacked === 0) marks.length = 0;
  }

  private unlink(id: number): void {
    try {
      unlinkSync(this.path(id));
      this.filesDeleted++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.o.report(err as Error, 'buffer');
    }
    const size = this.sizes.get(id);
    if (size !== undefined && this.opened) this.diskBytes -= size;
    this.sizes.delete(id);
  }

  private saveCheckpoint(): void {
    if (this.checkpoint === null) return;
    try {
      this.checkpoint.write({ id: this.cursorId, offset: this.cursorOffset });
      this.checkpointWrites++;
    } catch (err) {
      this.o.report(new Error(`can't write the checkpoint: ${(err as Error).message}`), 'buffer');
    }
    this.sinceSave = 0;
  }

  /** The acknowledged position (what checkpoint.txt says after close()). */
  get cursor(): Cursor {
    return { id: this.cursorId, offset: this.cursorOffset };
  }

  /** Age of the oldest unacknowledged record in ms (0 when there is none). */
  oldestAgeMs(nowMs = this.o.clock.nowMs()): number {
    if (this.records === 0) return 0;
    const m = this.marks[0];
    const t = m !== undefined ? m.timeMs : this.pendingSinceMs;
    return Math.max(0, nowMs - t);
  }

  /**
   * Flush what is appended, save the exact cursor and close the files. Records handed out and not
   * acknowledged stay in the queue and are read again by the next run.
   */
  close(): void {
    if (this.closed || !this.opened) return;
    try {
      this.flush();
    } finally {
      this.saveCheckpoint();
      this.closed = true;
      this.checkpoint?.close();
      if (this.writeFd >= 0) closeSync(this.writeFd);
      if (this.readFd >= 0) closeSync(this.readFd);
      this.writeFd = -1;
      this.readFd = -1;
    }
  }
}

/** (a, ao) strictly before (b, bo). */
function before(a: number, ao: number, b: number, bo: number): boolean {
  return a < b || (a === b && ao < bo);
}

function readFull(fd: number, buf: Buffer, len: number, pos: number): number {
  let n = 0;
  while (n < len) {
    const r = readSync(fd, buf, n, len - n, pos + n);
    if (r === 0) break;
    n += r;
  }
  return n;
}
