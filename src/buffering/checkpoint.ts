/**
 * The queue's `checkpoint.txt`: ASCII `<file id> <offset>` without a newline (transport.md §10.2),
 * the position just past the last acknowledged record.
 *
 * Written in place through a descriptor kept open: one pwrite per save while the text does not
 * get shorter (offsets only grow within a file), truncate-then-write when it does (a new file id
 * with a small offset). A kill -9 between the truncate and the write leaves an empty file, which
 * reads as "no checkpoint": the queue then replays from its oldest file (duplicates, never loss).
 * A rename per save would be safe too but costs four more syscalls, and with the generic
 * `cursor_update_count` of 1 the checkpoint is saved once per delivered record.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';

export interface Cursor {
  id: number;
  offset: number;
}

/** Parses checkpoint text; null when it is not `<uint> <uint>`. */
export function parseCheckpoint(text: string): Cursor | null {
  const m = /^(\d{1,15}) (\d{1,15})$/.exec(text);
  if (m === null) return null;
  return { id: Number(m[1]), offset: Number(m[2]) };
}

/** Reads a checkpoint file: the cursor, null when absent, or a string saying why it is unusable. */
export function readCheckpoint(path: string): Cursor | null | string {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return `can't read ${path}: ${(err as Error).message}`;
  }
  return parseCheckpoint(text) ?? `${path} holds ${JSON.stringify(text.slice(0, 40))}, not "<id> <offset>"`;
}

export class CheckpointFile {
  private fd: number;
  private lastLen = -1;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a+');
    closeSync(this.fd);
    this.fd = openSync(path, 'r+');
  }

  write(c: Cursor): void {
    const text = `${c.id} ${c.offset}`;
    if (this.lastLen < 0 || text.length < this.lastLen) ftruncateSync(this.fd, 0);
    writeSync(this.fd, text, 0, 'latin1');
    this.lastLen = text.length;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
