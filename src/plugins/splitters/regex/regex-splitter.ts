/**
 * RegexSplitter (logstreamer.md §7.2). Go matches its regexp against bytes; we match against a
 * latin1 view of the buffer, in which one character is one byte, so match indices are byte offsets.
 * The pattern is converted the same way (its UTF-8 bytes as latin1 characters), so non-ASCII
 * literals still match; a non-ASCII character inside a character class matches any of its bytes.
 */
import { compileGoRegex } from '../../../core/go-regex.js';
import type { Splitter } from '../../../plugin-api/index.js';
import type { RegexSplitterConfig } from './config.js';

export class RegexSplitter implements Splitter {
  record: Buffer | null = null;
  private readonly re: RegExp;
  private readonly eol: boolean;
  private readonly hasCapture: boolean;
  /** Length of the previous boundary's capture, kept at the start of the unconsumed data (eol = false). */
  private captureLen = 0;
  // Decoding the unconsumed bytes to a string is O(n); the runner calls findRecord repeatedly on the
  // same [start, end) window, so the string is decoded once per window and reused.
  private cacheBuf: Buffer | null = null;
  private cacheStart = 0;
  private cacheEnd = 0;
  private cacheStr = '';

  constructor(config: Partial<RegexSplitterConfig> = {}) {
    const pattern = config.delimiter ?? '\\n';
    const compiled = compileGoRegex(Buffer.from(pattern, 'utf8').toString('latin1'));
    const groups = new RegExp(`${compiled.source}|`, compiled.flags).exec('')!.length - 1;
    if (groups > 1) throw new Error(`regex must not contain more than one capture group: ${pattern}`);
    this.hasCapture = groups === 1;
    this.re = new RegExp(compiled.source, compiled.flags.replace(/[gyd]/g, '') + 'gd');
    this.eol = config.delimiter_eol ?? true;
  }

  bufferMoved(): void {
    this.cacheBuf = null;
  }

  reset(): void {
    this.captureLen = 0;
    this.cacheBuf = null;
  }

  findRecord(buf: Buffer, start: number, end: number): number {
    if (this.cacheBuf !== buf || start < this.cacheStart || end !== this.cacheEnd) {
      this.cacheBuf = buf;
      this.cacheStart = start;
      this.cacheEnd = end;
      this.cacheStr = buf.toString('latin1', start, end);
    }
    const base = start - this.cacheStart;
    const re = this.re;
    let from = base + this.captureLen;
    let m: RegExpExecArray | null;
    for (;;) {
      re.lastIndex = from;
      m = re.exec(this.cacheStr);
      if (m === null) {
        this.record = null;
        return 0;
      }
      // An empty match at the search start would consume nothing forever; look further.
      if (m[0].length === 0 && m.index === base + this.captureLen) {
        from = m.index + 1;
        if (from > this.cacheStr.length) {
          this.record = null;
          return 0;
        }
        continue;
      }
      break;
    }
    const mStart = m.index - base;
    const mEnd = mStart + m[0].length;
    const cap = this.hasCapture ? m.indices![1] : undefined;
    let consumed: number;
    if (cap === undefined) {
      // No capture (or it did not participate): the delimiter is discarded.
      this.record = buf.subarray(start, start + mStart);
      consumed = mEnd;
      this.captureLen = 0;
    } else if (this.eol) {
      this.record = buf.subarray(start, start + cap[1] - base);
      consumed = mEnd;
    } else {
      const capStart = cap[0] - base;
      this.record = buf.subarray(start, start + mStart);
      consumed = capStart;
      this.captureLen = cap[1] - cap[0];
    }
    if (consumed === 0) {
      this.record = null;
      return 0;
    }
    return consumed;
  }
}
