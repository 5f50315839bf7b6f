/**
 * The splitter mechanics every byte-stream input shares (spec/config.md §7, logstreamer.md §6.2):
 * a growable read buffer, the max-record-size rule with keep_truncated, the trailing partial record
 * at end of stream, and byte accounting so the caller knows the stream offset at the end of every
 * record (LogstreamerInput journals it).
 *
 * Usage from a pull-based reader (files):
 *   const free = sr.prepareRead(); n = read(sr.buf, sr.readPos, free); sr.commitRead(n);
 *   for (let r = sr.next(); r !== null; r = sr.next()) deliver(r, sr.offset);
 * From a push-based reader (sockets): sr.feed(chunk, onRecord).
 */
import { HISTORY_BYTES, hashWindow } from '../core/stream-window.js';
import type { Splitter, SplitterCommonOptions } from '../plugin-api/index.js';

// Below this much free space the buffer is compacted or grown before a read (Heka uses 4 KiB).
const MIN_FREE = 4096;

export interface SplitterRunnerOptions extends SplitterCommonOptions {
  /** Initial buffer size; defaults to min_buffer_size. Inputs reading files may ask for more. */
  initialSize?: number;
  /** Called once per oversized record ("record exceeded MAX_RECORD_SIZE <n> and was truncated|dropped"). */
  onOversize?: (message: string) => void;
}

export class SplitterRunner {
  buf: Buffer;
  /** End of the valid data in buf. */
  readPos = 0;
  /** Start of the unconsumed data in buf. */
  scanPos = 0;
  /** Absolute stream offset of buf[scanPos]: bytes consumed so far, i.e. the end of the last record. */
  offset = 0;
  /** Records longer than the max record size, delivered truncated / dropped. */
  truncated = 0;
  dropped = 0;

  private readonly splitter: Splitter;
  private readonly maxRecord: number;
  private readonly cap: number;
  private readonly keepTruncated: boolean;
  private readonly incompleteFinal: boolean;
  private readonly onOversize: ((message: string) => void) | undefined;
  /** Discarding the rest of an oversized record until the splitter finds its end. */
  private discarding = false;

  constructor(splitter: Splitter, opts: SplitterRunnerOptions) {
    this.splitter = splitter;
    this.maxRecord = Math.max(1, opts.maxRecordSize);
    this.cap = this.maxRecord + HISTORY_BYTES;
    this.keepTruncated = opts.keep_truncated;
    this.incompleteFinal = opts.deliver_incomplete_final;
    this.onOversize = opts.onOversize;
    const initial = Math.min(this.cap, Math.max(opts.initialSize ?? opts.min_buffer_size, 64));
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Unconsumed (pending) bytes. */
  get pending(): number {
    return this.readPos - this.scanPos;
  }

  /**
   * Start over at stream offset `offset`, forgetting buffered data and splitter state. `history`
   * are the bytes just before `offset` (at most HISTORY_BYTES), for windowHash().
   */
  reset(offset = 0, history?: Uint8Array): void {
    let h = 0;
    if (history !== undefined) {
      h = Math.min(history.length, HISTORY_BYTES, this.buf.length - 1);
      this.buf.set(history.subarray(history.length - h), 0);
    }
    this.scanPos = h;
    this.readPos = h;
    this.offset = offset;
    this.discarding = false;
    this.splitter.reset?.();
    this.splitter.bufferMoved?.();
  }

  /**
   * Make room for a read and return how many bytes may be written at buf[readPos]. Compacts the
   * buffer (keeping the history window) or doubles it up to max record size + history.
   * Always > 0 when next() last returned null.
   */
  prepareRead(): number {
    let free = this.buf.length - this.readPos;
    if (free >= MIN_FREE) return free;
    // Everything before scanPos is consumed stream data; keep the last 500 bytes of it.
    const keep = Math.min(HISTORY_BYTES, this.scanPos);
    const from = this.scanPos - keep;
    if (from > 0) {
      this.buf.copyWithin(0, from, this.readPos);
      this.readPos -= from;
      this.scanPos -= from;
      this.splitter.bufferMoved?.();
      free = this.buf.length - this.readPos;
      // Compaction alone is enough when it freed a useful amount.
      if (free >= MIN_FREE || free * 2 >= this.buf.length) return free;
    }
    if (this.buf.length < this.cap) {
      const size = Math.min(this.cap, this.buf.length * 2);
      const nb = Buffer.allocUnsafe(size);
      this.buf.copy(nb, 0, 0, this.readPos);
      this.buf = nb;
      this.splitter.bufferMoved?.();
      free = size - this.readPos;
    }
    return free;
  }

  /** Account for `n` bytes written at buf[readPos]. */
  commitRead(n: number): void {
    this.readPos += n;
  }

  /** Copy `chunk` into the buffer, calling `onRecord` for every record found (push-based readers). */
  feed(chunk: Uint8Array, onRecord: (record: Buffer, endOffset: number) => void): void {
    let pos = 0;
    while (pos < chunk.length) {
      const free = this.prepareRead();
      const n = Math.min(free, chunk.length - pos);
      this.buf.set(chunk.subarray(pos, pos + n), this.readPos);
      this.readPos += n;
      pos += n;
      for (let r = this.next(); r !== null; r = this.next()) onRecord(r, this.offset);
    }
  }

  /**
   * The next record (a view into buf, valid until the next call that changes the buffer), or null
   * when more data is needed. After a record, `offset` is the stream offset of its end.
   */
  next(): Buffer | null {
    const sp = this.splitter;
    for (;;) {
      const start = this.scanPos;
      const end = this.readPos;
      if (start === end) return null;
      const n = sp.findRecord(this.buf, start, end);
      if (n > 0) {
        this.scanPos = start + n;
        this.offset += n;
        const rec = sp.record;
        if (this.discarding) {
          // The tail of an oversized record, up to its delimiter: always discarded.
          this.discarding = false;
          continue;
        }
        if (rec === null || rec.length === 0) continue;
        if (rec.length > this.maxRecord) {
          // Only splitters that see more than the buffer (none built in) can get here.
          if (this.oversize()) return rec.subarray(0, this.maxRecord);
          continue;
        }
        return rec;
      }
      if (end - start < this.maxRecord) return null;
      // A full buffer without a record boundary: the record exceeds the max record size.
      const wasDiscarding = this.discarding;
      const rec = this.buf.subarray(start, start + this.maxRecord);
      this.scanPos = start + this.maxRecord;
      this.offset += this.maxRecord;
      this.discarding = true;
      sp.reset?.();
      if (!wasDiscarding && this.oversize()) return rec;
    }
  }

  /** Count and report an oversized record; true when it is to be delivered truncated. */
  private oversize(): boolean {
    const keep = this.keepTruncated;
    if (keep) this.truncated++;
    else this.dropped++;
    this.onOversize?.(`record exceeded MAX_RECORD_SIZE ${this.maxRecord} and was ${keep ? 'truncated' : 'dropped'}`);
    return keep;
  }

  /**
   * At end of stream: the trailing partial record when deliver_incomplete_final is set (it is then
   * consumed), otherwise null. Use takeRemaining() to drop the partial data explicitly.
   */
  finalRecord(): Buffer | null {
    if (!this.incompleteFinal || this.pending === 0) return null;
    if (this.discarding) {
      this.takeRemaining();
      return null;
    }
    const sp = this.splitter;
    const rec = sp.finalRecord ? sp.finalRecord(this.buf, this.scanPos, this.readPos) : this.buf.subarray(this.scanPos, this.readPos);
    this.offset += this.readPos - this.scanPos;
    this.scanPos = this.readPos;
    if (rec === null || rec.length === 0) return null;
    if (rec.length > this.maxRecord) return this.oversize() ? rec.subarray(0, this.maxRecord) : null;
    return rec;
  }

  /** Consume and return the unconsumed bytes (empty when none). */
  takeRemaining(): Buffer {
    const rec = this.buf.subarray(this.scanPos, this.readPos);
    this.offset += rec.length;
    this.scanPos = this.readPos;
    this.discarding = false;
    return rec;
  }

  /**
   * The `min(500, offset)` consumed bytes before `offset`, left-padded with zeros to 500 bytes:
   * Heka's journal hash window (logstreamer.md §5). Valid when the history is complete, which
   * reset(offset, history) and compaction guarantee.
   */
  window(): Buffer {
    const have = Math.min(this.scanPos, HISTORY_BYTES, this.offset);
    if (have === HISTORY_BYTES) return this.buf.subarray(this.scanPos - HISTORY_BYTES, this.scanPos);
    const w = Buffer.alloc(HISTORY_BYTES);
    this.buf.copy(w, HISTORY_BYTES - have, this.scanPos - have, this.scanPos);
    return w;
  }

  /** SHA-1 (hex) of window(). */
  windowHash(): string {
    return hashWindow(this.window());
  }
}

export { HISTORY_BYTES, hashWindow };
