/**
 * TokenSplitter: a record runs from the current position through the `count`-th delimiter byte,
 * delimiter included (logstreamer.md §7.1).
 */
import type { Splitter } from '../../../plugin-api/index.js';
import type { TokenSplitterConfig } from './config.js';

export class TokenSplitter implements Splitter {
  record: Buffer | null = null;
  private readonly delim: number;
  private readonly count: number;

  constructor(config: Partial<TokenSplitterConfig> = {}) {
    const d = Buffer.from(config.delimiter ?? '\n');
    if (d.length !== 1) throw new Error('TokenSplitter delimiter must be a single character.');
    this.delim = d[0]!;
    this.count = Math.max(1, config.count ?? 1);
  }

  findRecord(buf: Buffer, start: number, end: number): number {
    // indexOf on a number is a native memchr; the search is bounded by `end` through the slice
    // only when the delimiter may lie beyond it (the buffer past `end` is stale data).
    let pos = start;
    for (let i = 0; i < this.count; i++) {
      const at = buf.indexOf(this.delim, pos);
      if (at < 0 || at >= end) {
        this.record = null;
        return 0;
      }
      pos = at + 1;
    }
    this.record = buf.subarray(start, pos);
    return pos - start;
  }
}
