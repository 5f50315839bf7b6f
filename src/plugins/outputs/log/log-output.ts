/**
 * LogOutput: writes each encoded message to stdout the way Go's log package prints a line
 * (spec/outputs.md §8): the [hekad] log_flags prefix, the bytes, and "\n" only when the bytes do
 * not already end with one. The prefix goes only in front of the first line of a multi-line record.
 *
 * The output runner hands over what is queued as one batch (lines of one event-loop turn), which
 * goes out in one stream write; the batch is done when that write's callback reports success, so
 * only lines that reached stdout are acknowledged. A failed write makes the batch a retry (the
 * runner's backoff); encode errors are rejected by the runner, which counts and logs them.
 */
import { LOG_MICROSECONDS, logPrefix } from '../../../log/logger.js';
import { RetryableError, type Batch, type BatchSettings, type Output, type OutputContext } from '../../../plugin-api/index.js';

/** What LogOutput writes to: process.stdout, or a test's stream. */
export interface LineStream {
  write(chunk: Buffer, cb: (err?: Error | null) => void): boolean;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

const NEWLINE = Buffer.from('\n');

export class LogOutput implements Output {
  /** Lines of one turn in one write, at most 256 KiB (a write per message costs a syscall each). */
  readonly batch: Partial<BatchSettings> = { maxBytes: 256 * 1024, maxRecords: 4096, whenIdle: true };
  private prefixSec = NaN;
  private prefixBuf = Buffer.alloc(0);
  writeErrors = 0;

  constructor(private readonly stream: LineStream = process.stdout as unknown as LineStream) {
    // An EPIPE on stdout must not crash the daemon; it is reported per failed write instead.
    stream.on('error', () => {});
  }

  writeBatch(batch: Batch, ctx: OutputContext): Promise<void> {
    const parts: Buffer[] = [];
    let size = 0;
    const prefix = this.prefix(ctx);
    for (const rec of batch.records) {
      const bytes = rec.bytes!;
      if (prefix.length > 0) parts.push(prefix);
      parts.push(bytes);
      size += prefix.length + bytes.length;
      if (bytes.length === 0 || bytes[bytes.length - 1] !== 0x0a) {
        parts.push(NEWLINE);
        size++;
      }
    }
    const chunk = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    return new Promise((resolve, reject) => {
      this.stream.write(chunk, (err) => {
        if (!err) return resolve();
        this.writeErrors++;
        reject(new RetryableError(`Error writing to stdout: ${err.message}`));
      });
    });
  }

  /** Go's log prefix for now; cached per second unless microseconds are shown. */
  private prefix(ctx: OutputContext): Buffer {
    const flags = ctx.globals.log_flags;
    const ms = ctx.clock.nowMs();
    if (flags & LOG_MICROSECONDS) return Buffer.from(logPrefix(flags, new Date(ms)));
    const sec = Math.floor(ms / 1000);
    if (sec !== this.prefixSec) {
      this.prefixSec = sec;
      this.prefixBuf = Buffer.from(logPrefix(flags, new Date(ms)));
    }
    return this.prefixBuf;
  }
}
