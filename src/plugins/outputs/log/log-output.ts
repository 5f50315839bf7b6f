/**
 * LogOutput: writes each encoded message to stdout the way Go's log package prints a line
 * (spec/outputs.md §8): the [hekad] log_flags prefix, the bytes, and "\n" only when the bytes do
 * not already end with one. The prefix goes only in front of the first line of a multi-line record.
 *
 * Lines are coalesced per event-loop turn into one stream write (a write per message costs a
 * syscall each), and acknowledged from that write's callback. When the stream reports
 * backpressure, process() returns a promise that settles on 'drain', so the runner stops feeding.
 */
import { LOG_MICROSECONDS, logPrefix } from '../../../log/logger.js';
import type { Message } from '../../../core/message.js';
import type { Output, OutputContext } from '../../../plugin-api/index.js';

/** What LogOutput writes to: process.stdout, or a test's stream. */
export interface LineStream {
  write(chunk: Buffer, cb: (err?: Error | null) => void): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  readonly writableNeedDrain?: boolean;
}

/** Flush the coalesced chunk early when it grows past this many bytes. */
const MAX_CHUNK_BYTES = 256 * 1024;
const NEWLINE = Buffer.from('\n');

export class LogOutput implements Output {
  readonly manualAck = true;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private batch: Message[] = [];
  private scheduled = false;
  private ctx: OutputContext | null = null;
  private drainWait: Promise<void> | null = null;
  private prefixSec = NaN;
  private prefixBuf = Buffer.alloc(0);
  private writesInFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly stream: LineStream = process.stdout as unknown as LineStream) {
    // An EPIPE on stdout must not crash the daemon; it is reported per failed write instead.
    stream.on('error', () => {});
  }

  process(msg: Message, ctx: OutputContext): void | Promise<void> {
    this.ctx = ctx;
    let bytes: Buffer | null;
    try {
      bytes = ctx.encode(msg);
    } catch (err) {
      ctx.reportError(new Error(`Error encoding message: ${(err as Error).message ?? String(err)}`), 'encoding');
      ctx.ack(msg);
      return;
    }
    if (bytes === null) {
      ctx.ack(msg); // swallowed by the encoder: nothing to write
      return;
    }
    const prefix = this.prefix(ctx);
    if (prefix.length > 0) this.push(prefix);
    this.push(bytes);
    if (bytes.length === 0 || bytes[bytes.length - 1] !== 0x0a) this.push(NEWLINE);
    this.batch.push(msg);
    if (this.partBytes >= MAX_CHUNK_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (this.drainWait !== null) return this.drainWait;
  }

  private push(b: Buffer): void {
    this.parts.push(b);
    this.partBytes += b.length;
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

  private flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const chunk = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partBytes);
    const batch = this.batch;
    const ctx = this.ctx!;
    this.parts = [];
    this.partBytes = 0;
    this.batch = [];
    this.writesInFlight++;
    const ok = this.stream.write(chunk, (err) => {
      // A failed stdout write is reported and the messages dropped, as Heka does: retrying a
      // broken stdout cannot succeed.
      if (err) ctx.reportError(new Error(`Error writing to stdout: ${err.message}`), 'write');
      for (let i = 0; i < batch.length; i++) ctx.ack(batch[i]!);
      if (--this.writesInFlight === 0) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const r of w) r();
      }
    });
    if (!ok && this.drainWait === null) {
      this.drainWait = new Promise((resolve) =>
        this.stream.once('drain', () => {
          this.drainWait = null;
          resolve();
        }),
      );
    }
  }

  /** Write what is pending and wait until every write has called back (all messages acked). */
  async stop(): Promise<void> {
    this.flush();
    if (this.writesInFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
