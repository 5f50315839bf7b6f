/**
 * Numbered test lines and the ledger that checks them: every line carries a unique sequence
 * number, so what arrives can be counted as lost, duplicated or out of order.
 */
import { readFileSync } from 'node:fs';

export function numberedLine(n: number, pad = 40): string {
  return `line ${String(n).padStart(7, '0')} ${'x'.repeat(pad)}\n`;
}

export function numberedLines(from: number, to: number, pad = 40): string {
  let s = '';
  for (let n = from; n < to; n++) s += numberedLine(n, pad);
  return s;
}

export interface Ledger {
  received: number;
  unique: number;
  lost: number[];
  duplicates: number;
  /** Positions where a line's number is lower than the previous distinct line's number. */
  outOfOrder: number;
  /** Lines that are not numbered test lines (corruption). */
  foreign: number;
}

/** Reads an output file of numbered lines and compares it with the expected range [0, expected). */
export function ledger(path: string, expected: number): Ledger {
  let text = '';
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    /* not written yet */
  }
  const seen = new Uint8Array(expected);
  let received = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let foreign = 0;
  let maxSeen = -1;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^line (\d{7}) /.exec(line);
    if (!m) {
      foreign++;
      continue;
    }
    received++;
    const n = Number(m[1]);
    if (n >= expected) {
      foreign++;
      continue;
    }
    if (seen[n]) duplicates++;
    else {
      seen[n] = 1;
      // A replay after a crash repeats a window; only a never-seen line arriving below the highest
      // seen one is disorder.
      if (n < maxSeen) outOfOrder++;
    }
    if (n > maxSeen) maxSeen = n;
  }
  const lost: number[] = [];
  for (let i = 0; i < expected; i++) if (!seen[i]) lost.push(i);
  return { received, unique: expected - lost.length, lost, duplicates, outOfOrder, foreign };
}

export function countLines(path: string): number {
  try {
    const b = readFileSync(path);
    let n = 0;
    for (let i = 0; i < b.length; i++) if (b[i] === 10) n++;
    return n;
  } catch {
    return 0;
  }
}
