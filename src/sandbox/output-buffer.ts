/**
 * The sandbox output buffer shared by add_to_payload and inject_payload (spec/sandbox.md §1.3),
 * bounded by output_limit.
 */
import { CircularBuffer } from './circular-buffer.js';
import { SandboxTermination } from './errors.js';
import { formatSandboxNumber } from './number-format.js';

export class OutputBuffer {
  private parts: string[] = [];
  /** UTF-16 length so far: a lower bound of the byte size, exact for ASCII. */
  private length = 0;

  constructor(readonly limit: number) {}

  /** Bytes of the largest payload produced so far (report: MaxOutput). */
  maxOutput = 0;

  append(fn: string, args: ArrayLike<unknown>, from = 0): void {
    for (let i = from; i < args.length; i++) {
      const a = args[i];
      let s: string;
      switch (typeof a) {
        case 'string':
          s = a;
          break;
        case 'number':
          s = formatSandboxNumber(a);
          break;
        case 'boolean':
          s = a ? 'true' : 'false';
          break;
        case 'undefined':
          s = 'nil';
          break;
        case 'object':
          if (a === null) s = 'nil';
          else if (a instanceof CircularBuffer) s = a.output();
          else if (a instanceof Uint8Array) s = Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('latin1');
          else throw new SandboxTermination(`${fn}() unsupported type: ${Object.prototype.toString.call(a)}`);
          break;
        default:
          throw new SandboxTermination(`${fn}() unsupported type: ${typeof a}`);
      }
      this.length += s.length;
      if (this.limit > 0 && this.length > this.limit) {
        this.clear();
        throw new SandboxTermination(`${fn}() output_limit exceeded`);
      }
      this.parts.push(s);
    }
  }

  get empty(): boolean {
    return this.length === 0;
  }

  /** The buffered text; the buffer is cleared. Throws when it exceeds the limit in bytes. */
  take(fn: string): string {
    const s = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.clear();
    const bytes = Buffer.byteLength(s, 'utf8');
    if (this.limit > 0 && bytes > this.limit) throw new SandboxTermination(`${fn}() output_limit exceeded`);
    if (bytes > this.maxOutput) this.maxOutput = bytes;
    return s;
  }

  clear(): void {
    this.parts = [];
    this.length = 0;
  }
}
