/**
 * One logstream: reads its files oldest -> newest, follows the newest one, notices rotation and
 * truncation (logstreamer.md §6) and journals the ACKNOWLEDGED position (DESIGN.md §3): the end of
 * the last record that, with every earlier record of the stream, was settled by all consumers.
 * This file is file following only: splitting, building messages, decoding and tracking which
 * records are settled belong to the InputStream it reads into (ctx.openStream), whose entries are
 * tagged with the id of the file they came from.
 */
import { LOGFILE_TYPE } from './config.js';
import { closeSync, fstatSync, openSync, read as fsRead, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { InputContext, InputStream, ReportField } from '../../../plugin-api/index.js';
import { HISTORY_BYTES, hashWindow } from '../../../core/stream-window.js';
import {
  ZERO_HASH,
  formatJournal,
  hashAt,
  isGzipFd,
  locateByHash,
  locateEnd,
  positionalReadable,
  readWindowSync,
  writeJournal,
  type JournalPosition,
  type Located,
} from './journal.js';

const readAsync = promisify(fsRead);

// Files are read in chunks of at least this size whatever min_buffer_size says: one syscall per
// 8 KiB (Heka's default) costs about a third of the throughput of 128 KiB chunks.
const FILE_READ_BUFFER = 128 * 1024;

/** What a stream needs from its input. */
export interface StreamHost {
  readonly ctx: InputContext;
  readonly hostname: string;
  readonly pollMs: number;
  readonly initialTail: boolean;
  readonly counters: StreamCounters;
  /** Rescan the directory now (force) or unless one ran very recently. */
  rescan(force: boolean): void;
  /** Report an error once per key until clearError(key). */
  reportOnce(key: string, err: unknown, what: string): void;
  clearError(key: string): void;
}

export interface StreamCounters {
  errors: number;
}

/** A file the stream has read from; kept open while its records are unsettled (for the hash window). */
interface FileRef {
  id: number;
  /** Its current name (updated when we learn it was renamed). */
  path: string;
  fd: number;
  gzip: boolean;
  /** Sequence number of the last stream entry (record or marker) referring to this file. */
  lastSeq: number;
  /** gzip only: hash windows captured while reading (we cannot pread decompressed data later). */
  snapshots: Array<{ seq: number; offset: number; hash: string }>;
}

interface GzipSource {
  file: Readable;
  gunzip: Gunzip;
  iter: AsyncIterator<Buffer>;
  chunk: Buffer | null;
  pos: number;
  ended: boolean;
}

/** The file being read. */
interface Reading {
  ref: FileRef;
  dev: number;
  ino: number;
  /** Plain files: the next pread position. */
  readOffset: number;
  gz: GzipSource | null;
  /** A rescan was already forced for this file's identity change. */
  rescanned: boolean;
  /** We followed this file to a new name: poll the directory (rate-limited) for its successor. */
  followedRename: boolean;
  /** Gone (deleted) and read to its end, but its successor not found yet: attempts so far. */
  orphanTries: number;
}

/** How to make sure a file switch is not fooled by a rotation happening at the same moment. */
interface SwitchCheck {
  /** The new file must be the one right after this file (still at its path) in a fresh scan. */
  after?: Located;
  /** The window before the start position must hash to this. */
  hash?: string;
}

// A deleted file whose end is nowhere to be found: how many polls to look again before falling back.
const ORPHAN_TRIES = 2;

type Identity = 'same' | 'truncated' | 'changed' | 'error';

export class LogStream {
  files: string[] = [];
  private readonly stream: InputStream;
  private readonly refs = new Map<number, FileRef>();
  private nextRefId = 0;
  private cur: Reading | null = null;
  /** Where to (re)open when nothing is open: the journal at first, later a failed switch target. */
  private want: JournalPosition | null;
  private lastJournal = '';
  /** The last file read (for report() after close). */
  private lastPath = '';
  private lastJournalKey = '';
  /**
   * After a switch to the next file, its start "offset 0" names no content: while nothing of the
   * new file is acknowledged the journal keeps naming the end of the previous file, which §6.1's
   * hash search finds again however often that file is renamed or compressed before a restart
   * (a journal at 0 of `access.log` would skip a file rotated in between).
   */
  private prevEnd: { refId: number; pos: JournalPosition } | null = null;
  private readonly ctx: InputContext;

  constructor(
    readonly name: string,
    readonly journalPath: string,
    private readonly host: StreamHost,
    journal: JournalPosition | null,
  ) {
    this.ctx = host.ctx;
    this.want = journal !== null && journal.file_name !== '' ? journal : null;
    this.stream = this.ctx.openStream({
      name,
      type: LOGFILE_TYPE,
      logger: name,
      hostname: host.hostname,
      initialBufferSize: FILE_READ_BUFFER,
      onSettled: () => this.releaseRefs(),
    });
  }

  setFiles(files: string[]): void {
    this.files = files;
  }

  // ----------------------------------------------------------------------------------------------
  // Acknowledgements

  /** Close files that are neither being read nor needed for the acknowledged position. */
  private releaseRefs(): void {
    if (this.refs.size <= 1) return;
    const st = this.stream;
    for (const ref of this.refs.values()) {
      if (ref === this.cur?.ref || ref.id === st.settledTag) continue;
      if (ref.lastSeq < st.settledHead) this.closeRef(ref);
    }
  }

  private closeRef(ref: FileRef): void {
    this.refs.delete(ref.id);
    if (ref.fd >= 0) {
      try {
        closeSync(ref.fd);
      } catch {
        /* already closed */
      }
      ref.fd = -1;
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Journal

  /** The acknowledged position, or null when nothing has been opened yet. */
  ackedPosition(): JournalPosition | null {
    const st = this.stream;
    const prev = this.prevEnd;
    if (prev !== null) {
      if (st.settledTag === prev.refId && st.settledOffset === 0) return prev.pos;
      else if (st.settledTag >= prev.refId) this.prevEnd = null; // ref ids only grow
    }
    const ref = this.refs.get(st.settledTag);
    if (ref === undefined) return st.settledTag < 0 && this.want !== null && this.want.last_hash !== '' ? this.want : null;
    if (ref.gzip) {
      // The newest snapshot at or before the acknowledged entry (coarser than a record: chunk ends).
      const snaps = ref.snapshots;
      let k = -1;
      for (let i = snaps.length - 1; i >= 0; i--) {
        if (snaps[i]!.seq <= st.settledSeq) {
          k = i;
          break;
        }
      }
      if (k < 0) return null;
      if (k > 0) snaps.splice(0, k);
      return { seek: snaps[0]!.offset, file_name: ref.path, last_hash: snaps[0]!.hash };
    }
    if (ref.fd < 0) return null;
    const seek = st.settledOffset;
    const w = readWindowSync(ref.fd, seek);
    // The file shrank below the position (truncated since): keep the previous journal.
    if (w.length < Math.min(HISTORY_BYTES, seek)) return null;
    return { seek, file_name: ref.path, last_hash: hashWindow(w) };
  }

  /** Write the journal when the acknowledged position changed (always when `durable`). */
  writeJournal(durable = false): void {
    const key = `${this.stream.settledSeq}\0${this.refs.get(this.stream.settledTag)?.path ?? ''}`;
    if (!durable && key === this.lastJournalKey) return;
    let pos: JournalPosition | null;
    try {
      pos = this.ackedPosition();
    } catch (e) {
      this.host.reportOnce(`journal-read:${this.name}`, e, `Failed to compute the journal position of stream '${this.name}'.`);
      return;
    }
    if (pos === null) return;
    const text = formatJournal(pos);
    if (text === this.lastJournal && !durable) {
      this.lastJournalKey = key;
      return;
    }
    try {
      writeJournal(this.journalPath, text, durable);
      this.lastJournal = text;
      this.lastJournalKey = key;
      this.host.clearError(`journal:${this.name}`);
    } catch (e) {
      this.host.reportOnce(`journal:${this.name}`, e, `Failed to write journal '${this.journalPath}'.`);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Reading loop

  async run(): Promise<void> {
    const signal = this.ctx.signal;
    while (!signal.aborted) {
      try {
        await this.pass();
        this.host.clearError(`pass:${this.name}`);
      } catch (e) {
        this.host.reportOnce(`pass:${this.name}`, e, `Stream '${this.name}' failed; retrying.`);
      }
      this.writeJournal();
      if (signal.aborted) break;
      await this.ctx.clock.sleep(this.host.pollMs, signal);
    }
  }

  /** Read and deliver until EOF (and no next file), backpressure ends with abort, or an error. */
  async pass(): Promise<void> {
    const signal = this.ctx.signal;
    if (this.cur === null && !(await this.openStart())) return;
    for (;;) {
      if (signal.aborted) return;
      if (!this.deliverPending()) {
        await waitDrained(this.ctx);
        continue;
      }
      const n = await this.readChunk();
      if (n > 0) continue;
      if (n < 0) return;
      if (!(await this.handleEof())) return;
    }
  }

  /** Deliver every complete record in the buffer; false when downstream is full. */
  private deliverPending(): boolean {
    const st = this.stream;
    const room = st.flush();
    const cur = this.cur;
    if (cur === null) return room;
    // The stream's entries since the file was opened are this file's (its tag).
    cur.ref.lastSeq = st.lastSeq;
    if (room && cur.ref.gzip) {
      const snaps = cur.ref.snapshots;
      if (snaps.length === 0 || snaps[snaps.length - 1]!.seq < cur.ref.lastSeq) {
        snaps.push({ seq: cur.ref.lastSeq, offset: st.offset, hash: st.windowHash() });
      }
    }
    return room;
  }

  /** Bytes read into the splitter buffer: > 0 data, 0 EOF, -1 error (reported). */
  private async readChunk(): Promise<number> {
    const cur = this.cur!;
    const r = this.stream;
    try {
      if (cur.gz !== null) return await this.readGzip(cur.gz);
      const free = r.prepareRead();
      const { bytesRead } = await readAsync(cur.ref.fd, r.buf, r.readPos, free, cur.readOffset);
      r.commitRead(bytesRead);
      cur.readOffset += bytesRead;
      return bytesRead;
    } catch (e) {
      this.host.reportOnce(`read:${cur.ref.path}`, e, `Failed to read '${cur.ref.path}'.`);
      return -1;
    }
  }

  private async readGzip(gz: GzipSource): Promise<number> {
    if (gz.ended) return 0;
    if (gz.chunk === null || gz.pos >= gz.chunk.length) {
      let next: IteratorResult<Buffer>;
      try {
        next = await gz.iter.next();
      } catch (e) {
        // Corrupt or truncated gzip data: what was decompressed is all there is.
        gz.ended = true;
        this.host.reportOnce(`gzip:${this.cur!.ref.path}`, e, `Failed to decompress '${this.cur!.ref.path}'.`);
        return 0;
      }
      if (next.done) {
        gz.ended = true;
        return 0;
      }
      gz.chunk = next.value;
      gz.pos = 0;
    }
    const r = this.stream;
    const free = r.prepareRead();
    const n = Math.min(free, gz.chunk.length - gz.pos);
    gz.chunk.copy(r.buf, r.readPos, gz.pos, gz.pos + n);
    gz.pos += n;
    r.commitRead(n);
    return n;
  }

  // ----------------------------------------------------------------------------------------------
  // Where to start (§6.1)

  /** Open the stream at its journal position (or the start). False: nothing to read yet / retry later. */
  private async openStart(): Promise<boolean> {
    // The list may be old (Init scanned before the pipeline started, or a rotation since): a file
    // opened from a stale list can be a newer file that took an older one's name.
    this.host.rescan(true);
    const files = this.files;
    if (files.length === 0) return false;
    const want = this.want;
    let path: string | null = null;
    let seek = 0;
    let hash: string | undefined;
    if (want !== null) {
      let osError = false;
      const onError = (p: string, e: unknown): void => {
        osError = true;
        this.host.reportOnce(`open:${p}`, e, `Failed to open '${p}'; will retry.`);
      };
      if (want.seek === 0 && want.last_hash === ZERO_HASH && files.includes(want.file_name)) {
        // Offset 0 names no content. This reader journals it only when it started without a
        // position (at the oldest file) and nothing was acknowledged since (after a file switch the
        // previous file's end is journaled instead), so it starts at the oldest file again: the
        // file it named may have been renamed to an older name (or its name reused by a newer file)
        // by a rotation before this restart. Heka 0.10 takes `file_name` as it is.
        path = this.host.initialTail ? want.file_name : files[0]!;
      } else {
        if (files.includes(want.file_name)) {
          try {
            const h = await hashAt(want.file_name, want.seek);
            if (h !== null && h.hash === want.last_hash) path = want.file_name;
          } catch (e) {
            onError(want.file_name, e);
          }
        }
        if (path === null) path = await locateByHash(files, want.seek, want.last_hash, onError);
      }
      if (path !== null) {
        seek = want.seek;
        hash = want.last_hash;
      } else if (osError) return false; // keep the position; an unreadable file may hold it
      else {
        this.ctx.log.info(`Stream '${this.name}': journal position ${want.seek} of '${want.file_name}' not found; starting at the oldest file.`);
        path = files[0]!;
      }
    } else if (this.host.initialTail) {
      path = files[files.length - 1]!;
      seek = -1; // the end
    } else {
      path = files[0]!;
    }
    try {
      if (!this.openAt(path, seek, hash)) return false;
      this.host.clearError(`open:${path}`);
    } catch (e) {
      this.host.reportOnce(`open:${path}`, e, `Failed to open '${path}'; will retry.`);
      return false;
    }
    if (this.cur!.gz !== null && seek !== 0) {
      await this.skipGzip(seek);
      if (hash !== undefined && this.stream.windowHash() !== hash) return this.abandon();
    }
    if (hash === undefined && !this.stillFirst()) return this.abandon();
    this.want = null;
    return true;
  }

  /**
   * Starting without a position at the oldest file: true when, in a scan made after the open, the
   * oldest file still is the one open (no rotation renamed it away between scan and open).
   */
  private stillFirst(): boolean {
    const cur = this.cur!;
    this.host.rescan(true);
    const first = this.host.initialTail ? this.files[this.files.length - 1] : this.files[0];
    if (first === undefined) return false;
    try {
      const st = statSync(first);
      if (st.ino !== cur.ino || st.dev !== cur.dev) return false;
    } catch {
      return false;
    }
    cur.ref.path = first;
    this.lastPath = first;
    return true;
  }

  /** Drop the file just opened (it was not the one wanted); the next poll starts over. */
  private abandon(): false {
    const cur = this.cur!;
    if (cur.gz !== null) {
      cur.gz.file.destroy();
      cur.gz.gunzip.destroy();
    }
    this.cur = null;
    this.closeRef(cur.ref);
    this.stream.clearSettled();
    return false;
  }

  /**
   * Open `path` for reading at `seek` (-1: at its end) and record the position as a settled marker.
   * With `hash` (plain files), false when the window before `seek` does not hash to it: the name
   * no longer holds the content looked for (a rotation since it was located).
   */
  private openAt(path: string, seek: number, hash?: string): boolean {
    const fd = openSync(path, 'r');
    return this.openFd(path, fd, seek, hash);
  }

  private openFd(path: string, fd: number, seek: number, hash?: string): boolean {
    let st;
    let gzip;
    let window: Buffer | undefined;
    try {
      st = fstatSync(fd);
      gzip = isGzipFd(fd);
      if (!gzip) {
        if (seek < 0 || seek > st.size) seek = st.size;
        window = readWindowSync(fd, seek);
        if (hash !== undefined && hashWindow(window) !== hash) {
          closeSync(fd);
          return false;
        }
      }
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    const ref: FileRef = { id: this.nextRefId++, path, fd, gzip, lastSeq: -1, snapshots: [] };
    this.refs.set(ref.id, ref);
    let gz: GzipSource | null = null;
    if (gzip) {
      // Decompress from the descriptor already open: reopening by name could get another file
      // (the name may have been rotated meanwhile). The stream never closes the descriptor
      // (closeRef does, when the file is released); a read still in flight then fails or reads
      // into a buffer nobody looks at (positional reads move no file offset).
      const file = positionalReadable((buf, position) => readAsync(fd, buf, 0, buf.length, position).then((r) => r.bytesRead));
      const gunzip = createGunzip();
      file.on('error', (e) => gunzip.destroy(e));
      file.pipe(gunzip);
      gz = { file, gunzip, iter: gunzip[Symbol.asyncIterator](), chunk: null, pos: 0, ended: false };
      this.stream.reset(0);
    } else {
      this.stream.reset(seek, window);
    }
    // Records read from now on are this file's.
    this.stream.tag = ref.id;
    this.cur = {
      ref,
      dev: st.dev,
      ino: st.ino,
      readOffset: gzip ? 0 : seek,
      gz,
      rescanned: false,
      followedRename: false,
      orphanTries: 0,
    };
    this.lastPath = path;
    if (!gzip) this.mark(ref);
    else if (seek === 0) this.mark(ref);
    return true;
  }

  /** A settled marker entry at the stream's current offset: the acknowledged position moves to this file. */
  private mark(ref: FileRef): void {
    const st = this.stream;
    // The snapshot exists before the marker settles (the journal may be computed on settle).
    if (ref.gzip) ref.snapshots.push({ seq: st.lastSeq + 1, offset: st.offset, hash: st.windowHash() });
    ref.lastSeq = st.mark();
  }

  /** Decompress and discard up to `seek` (-1: everything), keeping the hash window. */
  private async skipGzip(seek: number): Promise<void> {
    const gz = this.cur!.gz!;
    const tail = Buffer.alloc(HISTORY_BYTES);
    let pos = 0;
    let have = 0;
    while (seek < 0 || pos < seek) {
      let next: IteratorResult<Buffer>;
      try {
        next = await gz.iter.next();
      } catch (e) {
        this.host.reportOnce(`gzip:${this.cur!.ref.path}`, e, `Failed to decompress '${this.cur!.ref.path}'.`);
        gz.ended = true;
        break;
      }
      if (next.done) {
        gz.ended = true;
        break;
      }
      const chunk = next.value;
      const take = seek < 0 ? chunk.length : Math.min(chunk.length, seek - pos);
      const piece = chunk.subarray(0, take);
      if (piece.length >= HISTORY_BYTES) piece.copy(tail, 0, piece.length - HISTORY_BYTES);
      else {
        tail.copyWithin(0, piece.length);
        piece.copy(tail, HISTORY_BYTES - piece.length);
      }
      have = Math.min(HISTORY_BYTES, have + take);
      pos += take;
      if (take < chunk.length) {
        gz.chunk = chunk;
        gz.pos = take;
      }
    }
    this.stream.reset(pos, tail.subarray(HISTORY_BYTES - have));
    this.mark(this.cur!.ref);
  }

  // ----------------------------------------------------------------------------------------------
  // End of file, rotation, truncation (§6.3)

  /** True: keep reading now (more data, or switched to the next file). False: wait for the next poll. */
  private async handleEof(): Promise<boolean> {
    const cur = this.cur!;
    const id = await this.identity(cur);
    if (id === 'error') return false;
    if (id === 'truncated') return this.handleTruncation();
    if (id === 'same') {
      const next = this.nextAfter(cur.ref.path);
      if (next === null) {
        // Renamed away and no successor listed yet (e.g. the scan ran between logrotate's rename
        // and create): look again at most once a second instead of waiting for rescan_interval.
        if (cur.followedRename) this.host.rescan(false);
        return false;
      }
      // Heka switches only when a second read still finds nothing new.
      if ((await this.readChunk()) !== 0) return true;
      return this.switchTo(next, 0, { after: this.located(cur) });
    }
    // Identity changed: the file at our path was renamed, replaced or deleted. Improvement over
    // Heka 0.10 (as in 0.11): rescan now, so a rotation is noticed within one poll.
    this.host.rescan(!cur.rescanned);
    cur.rescanned = true;
    const renamed = await this.findByIdentity(cur);
    if (renamed !== null) {
      cur.ref.path = renamed;
      this.lastPath = renamed;
      cur.rescanned = false;
      cur.followedRename = true;
      if ((await this.readChunk()) !== 0) return true;
      const next = this.nextAfter(renamed);
      return next === null ? false : this.switchTo(next, 0, { after: this.located(cur) });
    }
    // Deleted (or renamed out of the pattern): the open descriptor is read to its end first.
    if ((await this.readChunk()) !== 0) return true;
    return this.afterDeleted(cur);
  }

  private located(cur: Reading): Located {
    return { path: cur.ref.path, dev: cur.dev, ino: cur.ino };
  }

  /**
   * The file being read is gone and was read to its end. logrotate may have renamed it more than
   * once and then compressed and deleted it, so "the file now at our old name" can be several
   * rotations newer. Its end is located by hash among the stream's files (oldest -> newest, gzip
   * included, as §6.1 does for a journal) and reading continues with the file after the match.
   * Nothing matches (deleted outright): after ORPHAN_TRIES polls, the oldest file modified at or
   * after our file's last write follows (a duplicate is preferred to a loss).
   */
  private async afterDeleted(cur: Reading): Promise<boolean> {
    // The list must be current: the copy and its successor were created after our last scan.
    this.host.rescan(cur.orphanTries === 0);
    cur.orphanTries++;
    const r = this.stream;
    const seek = r.offset;
    const total = r.offset + r.pending;
    let mtimeMs: number;
    try {
      mtimeMs = fstatSync(cur.ref.fd).mtimeMs;
    } catch {
      mtimeMs = 0;
    }
    const found = await locateEnd(this.files, seek, r.windowHash(), total, mtimeMs);
    if (found !== null) {
      const next = this.nextAfter(found.path);
      if (next !== null) return this.switchTo(next, 0, { after: found });
      // The newest file is a copy of ours: go on reading it after our position.
      r.discardPending();
      return this.switchTo(found.path, seek, { hash: r.windowHash() });
    }
    if (cur.orphanTries < ORPHAN_TRIES) return false;
    for (const f of this.files) {
      let st;
      try {
        st = await stat(f);
      } catch {
        continue;
      }
      if (st.mtimeMs < mtimeMs) continue;
      this.ctx.log.info(`Stream '${this.name}': '${cur.ref.path}' was deleted and its content is not among the files; continuing with '${f}'.`);
      return this.switchTo(f, 0, { identity: { path: f, dev: st.dev, ino: st.ino } });
    }
    return false;
  }

  private async identity(cur: Reading): Promise<Identity> {
    try {
      const st = await stat(cur.ref.path);
      this.host.clearError(`stat:${cur.ref.path}`);
      if (st.ino !== cur.ino || st.dev !== cur.dev) return 'changed';
      if (cur.gz === null && st.size < cur.readOffset) return 'truncated';
      return 'same';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return 'changed';
      this.host.reportOnce(`stat:${cur.ref.path}`, e, `Failed to check '${cur.ref.path}'.`);
      return 'error';
    }
  }

  private async findByIdentity(cur: Reading): Promise<string | null> {
    for (const f of this.files) {
      try {
        const st = await stat(f);
        if (st.ino === cur.ino && st.dev === cur.dev) return f;
      } catch {
        /* gone meanwhile */
      }
    }
    return null;
  }

  /**
   * copytruncate: our file shrank below what we read. The copy (e.g. access.log.1) holds our
   * position; find it by hash and finish it, else start the truncated file over at 0.
   */
  private async handleTruncation(): Promise<boolean> {
    const cur = this.cur!;
    this.host.rescan(true);
    const seek = this.stream.offset;
    const hash = this.stream.windowHash();
    const others = this.files.filter((f) => f !== cur.ref.path);
    const found = await locateByHash(others, seek, hash);
    this.ctx.log.info(
      found !== null
        ? `Stream '${this.name}': '${cur.ref.path}' was truncated; continuing in '${found}' at ${seek}.`
        : `Stream '${this.name}': '${cur.ref.path}' was truncated; reading it from the start.`,
    );
    // Pending partial data belongs to the old content; it is re-read from the copy when found.
    if (found !== null) this.stream.discardPending();
    return this.switchTo(found ?? cur.ref.path, found !== null ? seek : 0);
  }

  private nextAfter(path: string): string | null {
    const i = this.files.indexOf(path);
    return i >= 0 && i < this.files.length - 1 ? this.files[i + 1]! : null;
  }

  /**
   * Flush the current file's trailing data, stop reading it and open `path` at `seek`. The new
   * file is opened first and checked (`check`): when a rotation at this very moment makes it the
   * wrong file, or it cannot be opened, nothing changes and false is returned (retry next poll).
   */
  private async switchTo(path: string, seek = 0, check: SwitchCheck & { identity?: Located } = {}): Promise<boolean> {
    const old = this.cur!;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      this.host.reportOnce(`open:${path}`, e, `Failed to open '${path}'; will retry.`);
      return false;
    }
    if (!this.switchCheck(path, fd, seek, check)) {
      closeSync(fd);
      return false;
    }
    // The trailing partial record: delivered (deliver_incomplete_final) or dropped and logged.
    this.stream.end(old.ref.path);
    old.ref.lastSeq = this.stream.lastSeq;
    const end: JournalPosition = { seek: this.stream.offset, file_name: old.ref.path, last_hash: this.stream.windowHash() };
    if (old.gz !== null) {
      old.gz.file.destroy();
      old.gz.gunzip.destroy();
    }
    this.cur = null;
    this.releaseRefs();
    try {
      this.openFd(path, fd, seek);
      this.prevEnd = seek === 0 && path !== old.ref.path ? { refId: this.cur!.ref.id, pos: end } : null;
      if (this.cur!.gz !== null && seek > 0) await this.skipGzip(seek);
      this.host.clearError(`open:${path}`);
    } catch (e) {
      this.host.reportOnce(`open:${path}`, e, `Failed to open '${path}'; will retry.`);
      this.want = { seek, file_name: path, last_hash: seek === 0 ? ZERO_HASH : '' };
      return false;
    }
    this.releaseRefs();
    return true;
  }

  /**
   * A file switch is safe when, after `fd` was opened at `path`: a fresh scan lists `path` right
   * after `after` and `after` is still at its name, and `path` is still the file open as `fd`
   * (logrotate renames older files first, so then the name held the successor when it was opened).
   */
  private switchCheck(path: string, fd: number, seek: number, check: SwitchCheck & { identity?: Located }): boolean {
    try {
      if (check.hash !== undefined && !isGzipFd(fd) && hashWindow(readWindowSync(fd, seek)) !== check.hash) return false;
      const anchor = check.after ?? check.identity;
      if (anchor === undefined) return true;
      const st = fstatSync(fd);
      if (check.identity !== undefined) return st.ino === anchor.ino && st.dev === anchor.dev;
      this.host.rescan(true);
      if (this.nextAfter(anchor.path) !== path) return false;
      const a = statSync(anchor.path);
      if (a.ino !== anchor.ino || a.dev !== anchor.dev) return false;
      const p = statSync(path);
      return p.ino === st.ino && p.dev === st.dev;
    } catch {
      return false;
    }
  }

  // ----------------------------------------------------------------------------------------------

  report(): ReportField[] {
    return [
      { name: `${this.name}-filename`, value: this.cur?.ref.path ?? (this.lastPath || this.want?.file_name) ?? '', representation: '' },
      { name: `${this.name}-bytes`, value: this.stream.offset, representation: 'count' },
    ];
  }

  /** Close every file (after the final journal). */
  close(): void {
    if (this.cur?.gz) {
      this.cur.gz.file.destroy();
      this.cur.gz.gunzip.destroy();
    }
    this.cur = null;
    for (const ref of [...this.refs.values()]) this.closeRef(ref);
    this.stream.close();
  }

  /** The stream's counters: records and bytes delivered, records truncated or dropped. */
  get counts(): { records: number; bytes: number; truncated: number; dropped: number } {
    const st = this.stream;
    return { records: st.records, bytes: st.bytes, truncated: st.truncated, dropped: st.dropped };
  }
}


/** ctx.drained(), or earlier when the input is aborted. */
function waitDrained(ctx: InputContext): Promise<void> {
  const signal = ctx.signal;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    ctx.drained().then(done, done);
  });
}
