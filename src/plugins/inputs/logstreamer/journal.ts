/**
 * Heka's seek journal (logstreamer.md §5): one JSON object per stream, no trailing newline,
 * `{"seek":N,"file_name":"...","last_hash":"<sha1 of the 500-byte window before seek>"}`,
 * and the hash-based search that finds a position again after a rotation (§6.1).
 */
import { closeSync, openSync, readFileSync, readSync, renameSync, writeFileSync, fsyncSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { HISTORY_BYTES, hashWindow } from '../../../runners/splitter-runner.js';

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
  const want = Math.min(HISTORY_BYTES, seek);
  const tail = Buffer.alloc(HISTORY_BYTES);
  let pos = 0;
  const src = createReadStream(path);
  const gz = createGunzip();
  src.pipe(gz);
  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      const take = Math.min(chunk.length, seek - pos);
      const piece = chunk.subarray(0, take);
      // Keep the last 500 bytes before `pos + take`.
      if (piece.length >= HISTORY_BYTES) piece.copy(tail, 0, piece.length - HISTORY_BYTES);
      else {
        tail.copyWithin(0, piece.length);
        piece.copy(tail, HISTORY_BYTES - piece.length);
      }
      pos += take;
      if (pos >= seek) break;
    }
  } catch {
    // A corrupt or truncated gzip file: whatever decompressed is all there is.
  } finally {
    src.destroy();
    gz.destroy();
  }
  if (pos < seek) return null;
  return tail.subarray(HISTORY_BYTES - want);
}

export interface FileProbe {
  gzip: boolean;
  size: number;
}

/**
 * Hash of the window before `seek` in the file at `path`, or null when the file is too short.
 * Throws the OS error (ENOENT, EACCES...) so callers can keep the position and retry.
 */
export async function hashAt(path: string, seek: number): Promise<{ hash: string; gzip: boolean } | null> {
  const fh = await open(path, 'r');
  let gzip = false;
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    gzip = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    if (!gzip) {
      const st = await fh.stat();
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
      return { hash: hashWindow(buf), gzip };
    }
  } finally {
    await fh.close();
  }
  const w = await gzipWindow(path, seek);
  return w === null ? null : { hash: hashWindow(w), gzip };
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
