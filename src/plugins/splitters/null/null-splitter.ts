/** NullSplitter: every chunk of bytes read is one record (logstreamer.md §7.3). */
import type { Splitter } from '../../../plugin-api/index.js';

export class NullSplitter implements Splitter {
  record: Buffer | null = null;

  findRecord(buf: Buffer, start: number, end: number): number {
    this.record = buf.subarray(start, end);
    return end - start;
  }
}
