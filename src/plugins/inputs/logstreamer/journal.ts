/**
 * Heka's seek journal (logstreamer.md §5): one JSON object per stream, no trailing newline,
 * `{"seek":N,"file_name":"...","last_hash":"<sha1 of the 500-byte window before seek>"}`,
 * and the hash-based search that finds a position again after a rotation (§6.1).
 */
import { closeSync, openSync, readFileSync, readSync, renameSync, writeFileSync, fsyncSync, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { HISTORY_BYTES, hashWindow } from '../../../core/stream-window.js';

export interface JournalPosition {
  seek: number;
  file_name: string;
  last_hash: string;
}

/** SHA-1 of 500 zero bytes: the hash of position 0. */
export const ZERO_HASH = 'fc56d4b3c72a8bfe593373c740d558ec1340ac73';

/** Go's encoding/json string escaping (it also escapes <, > and & and U+2028/9). */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** The journal text exactly as Heka writes it. */
export function formatJournal(p: JournalPosition): string {
  return `{"seek":${p.seek},"file_name":${goJsonString(p.file_name)},"last_hash":${goJsonString(p.last_hash)}}`;
}

/**
 * Read a journal: null when absent or empty (whitespace only); throws on anything else that is
 * not a valid journal, with the path in the message.
 */
export function readJournal(path: string): JournalPosition | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`Error reading journal '${path}': ${(e as Error).message}`);
  }
  if (text === '') return null;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`Invalid journal '${path}': ${(e as Error).message}`);
  }
  const o = obj as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) throw new Error(`Invalid journal '${path}': not a JSON object`);
  const seek = o.seek ?? 0;
  const fileName = o.file_name ?? '';
  const hash = o.last_hash ?? '';
  if (typeof seek !== 'number' || !Number.isInteger(seek) || seek < 0 || typeof fileName !== 'string' || typeof hash !== 'string') {
    throw new Error(`Invalid journal '${path}': unexpected field types`);
  }
  return { seek, file_name: fileName, last_hash: hash };
}

/**
 * Replace the journal atomically (temp file + rename), so a crash at any moment leaves either
 * the old or the new journal, never a torn one. `durable` also fsyncs (used at shutdown).
 */
export function writeJournal(path: string, text: string, durable = false): void {
  const tmp = `${path}.tmp`;
  if (durable) {
    const fd = openSync(tmp, 'w', 0o660);
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } else {
    writeFileSync(tmp, text, { mode: 0o660 });
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
}

/** The (up to 500) bytes before `seek` of a plain file open as `fd`; fewer when the file is shorter. */
export function readWindowSync(fd: number, seek: number): Buffer {
  const len = Math.min(HISTORY_BYTES, seek);
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, seek - len + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Whether the first two bytes are the gzip magic 1F 8B (the name does not matter). */
export function isGzipFd(fd: number): boolean {
  const b = Buffer.alloc(2);
  const n = readSync(fd, b, 0, 2, 0);
  return n === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * The window before `seek` in the decompressed content of a gzip file, or null when the content
 * is shorter than `seek`. Decompresses (and discards) everything up to seek.
 */
export async function gzipWindow(path: string, seek: number): Promise<Buffer | null> {
  const fh = await open(path, 'r');
  try {
    return (await gzipProbe(fh, seek, false))?.window ?? null;
  } finally {
    await fh.close();
  }
}

/**
 * A readable stream of a file's bytes from offset 0, by positional reads through `read`. Unlike
 * fs.ReadStream, destroying it never closes the descriptor (fs.ReadStream.destroy() does even with
 * autoClose: false, which made the owner's later close hit a reused descriptor number), and it
 * never moves a file offset.
 */
export function positionalReadable(read: (buf: Buffer, position: number) => Promise<number>, chunkSize = 64 * 1024): Readable {
  let position = 0;
  return new Readable({
    highWaterMark: chunkSize,
    read() {
      const buf = Buffer.allocUnsafe(chunkSize);
      read(buf, position).then(
        (n) => {
          if (this.destroyed) return;
          if (n === 0) {
            this.push(null);
            return;
          }
          position += n;
          this.push(n === buf.length ? buf : buf.subarray(0, n));
        },
        (e: unknown) => this.destroy(e as Error),
      );
    },
  });
}

/**
 * Decompress the gzip data of an open file: the window before `seek` and, when `wantTotal`, the
 * length of the whole decompressed content (-1 otherwise). Null when the content is shorter than
 * `seek`. Reads through the given handle, never by path again: the name may meanwhile belong to
 * another file (rotation). A read error or corrupt / truncated data ends the content there;
 * errors of the file stream reach the decompressor, so nothing can wait forever.
 */
async function gzipProbe(fh: FileHandle, seek: number, wantTotal: boolean): Promise<{ window: Buffer; total: number } | null> {
  const want = Math.min(HISTORY_BYTES, seek);
  const tail = Buffer.alloc(HISTORY_BYTES);
  let pos = 0;
  let total = 0;
  const src = positionalReadable(async (buf, position) => (await fh.read(buf, 0, buf.length, position)).bytesRead);
  const gz = createGunzip();
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (pos < seek) {
        const take = Math.min(chunk.length, seek - pos);
        const piece = chunk.subarray(0, take);
        // Keep the last 500 bytes before `pos + take`.
        if (piece.length >= HISTORY_BYTES) piece.copy(tail, 0, piece.length - HISTORY_BYTES);
        else {
          tail.copyWithin(0, piece.length);
          piece.copy(tail, HISTORY_BYTES - piece.length);
        }
        pos += take;
      }
      if (pos >= seek && !wantTotal) break;
    }
  } catch {
    // A corrupt or truncated gzip file (or one still being written): what decompressed is all there is.
    if (wantTotal) total = -2; // unknown: never equal to a real length
  } finally {
    src.destroy();
    gz.destroy();
  }
  if (pos < seek) return null;
  return { window: tail.subarray(HISTORY_BYTES - want), total: wantTotal ? total : -1 };
}

export interface FileProbe {
  gzip: boolean;
  size: number;
}

/** What probeAt() learns about one file. */
export interface Probe {
  hash: string;
  gzip: boolean;
  dev: number;
  ino: number;
  mtimeMs: number;
  /** Length of the (decompressed) content when asked for, else -1. */
  total: number;
}

/**
 * Hash of the window before `seek` in the file at `path`, or null when the file is too short.
 * Throws the OS error (ENOENT, EACCES...) so callers can keep the position and retry.
 */
export async function hashAt(path: string, seek: number): Promise<{ hash: string; gzip: boolean } | null> {
  const p = await probeAt(path, seek, false);
  return p === null ? null : { hash: p.hash, gzip: p.gzip };
}

/**
 * hashAt() plus the file's identity and (with `wantTotal`) its content length; everything from
 * one open descriptor. Null when the content is shorter than `seek`.
 */
export async function probeAt(path: string, seek: number, wantTotal: boolean): Promise<Probe | null> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    const gzip = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    if (gzip) {
      const g = await gzipProbe(fh, seek, wantTotal);
      return g === null ? null : { hash: hashWindow(g.window), gzip, dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, total: g.total };
    }
    if (st.size < seek) return null;
    const len = Math.min(HISTORY_BYTES, seek);
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const r = await fh.read(buf, got, len - got, seek - len + got);
      if (r.bytesRead === 0) break;
      got += r.bytesRead;
    }
    if (got < len) return null;
    return { hash: hashWindow(buf), gzip, dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, total: wantTotal ? st.size : -1 };
  } finally {
    await fh.close();
  }
}

export interface Located {
  path: string;
  dev: number;
  ino: number;
}

/**
 * Where a file that is gone (deleted after a rename, e.g. compressed by logrotate) ended: a file of
 * `files` (oldest first) whose content is exactly `total` bytes long and whose window before `seek`
 * hashes to `hash`. Several files can match only when their content is (nearly) identical, e.g.
 * empty: the oldest one modified at or after `mtimeMs` (the gone file's last write; its copy was
 * made after that) is preferred, else the oldest match: re-reading a file is better than skipping
 * one. Unreadable files are skipped.
 */
export async function locateEnd(files: readonly string[], seek: number, hash: string, total: number, mtimeMs: number): Promise<Located | null> {
  let first: Located | null = null;
  for (const f of files) {
    try {
      const r = await probeAt(f, seek, false);
      if (r === null || r.hash !== hash) continue;
      // The window matches; only now pay for the length (a gzip file is decompressed to its end).
      const full = await probeAt(f, seek, true);
      if (full === null || full.hash !== hash || full.total !== total) continue;
      const at = { path: f, dev: full.dev, ino: full.ino };
      if (full.mtimeMs >= mtimeMs) return at;
      first ??= at;
    } catch {
      /* gone or unreadable: not this one */
    }
  }
  return first;
}

/**
 * Find the file of `files` (in the order given) whose window before `seek` hashes to `hash`.
 * Non-gzip files shorter than seek are skipped; unreadable files are skipped (their errors are
 * passed to onError). Returns the path or null.
 */
export async function locateByHash(
  files: readonly string[],
  seek: number,
  hash: string,
  onError?: (path: string, err: unknown) => void,
): Promise<string | null> {
  for (const f of files) {
    try {
      const r = await hashAt(f, seek);
      if (r !== null && r.hash === hash) return f;
    } catch (e) {
      onError?.(f, e);
    }
  }
  return null;
}
