/**
 * InputContext.openStream(): one byte stream of an input. It owns what every byte-stream input
 * shares (spec/config.md §7): the splitter mechanics (SplitterRunner: read buffer, max record size,
 * keep_truncated, deliver_incomplete_final), building one message per record (use_message_bytes,
 * header defaults), handing records to the decoder and router (in batches when the decoder decodes
 * batches) and the acknowledgement tracking of its records (one SettledPrefix).
 */
import type { Clock } from '../core/clock.js';
import { Message, newUuid, type AckTarget } from '../core/message.js';
import { SettledPrefix } from '../core/settled-prefix.js';
import type { Logger } from '../log/logger.js';
import type { InputStream, Splitter, SplitterCommonOptions, StreamOrigin } from '../plugin-api/index.js';
import { SplitterRunner } from './splitter-runner.js';

/** Where a stream's messages go: the input runner's decode-and-route path (or a test's). */
export interface StreamSink {
  /** Decode (when there is a decoder) and route one message; false when downstream is full or the input is paused. */
  deliver(msg: Message): boolean;
  /**
   * When > 1, records are handed over in batches of up to this many through deliverBatch (a
   * decoder with decodeBatch). Every message of the batch is delivered; false as for deliver().
   */
  readonly batchSize: number;
  deliverBatch(msgs: Message[]): boolean;
  /** The stream closed (a per-stream decoder stops). */
  close?(): void;
}

export interface RecordStreamOptions {
  origin: StreamOrigin;
  splitter: Splitter;
  splitterOptions: SplitterCommonOptions;
  clock: Clock;
  log: Logger;
  /** Logger and Hostname of built messages when the origin sets none. */
  logger: string;
  hostname: string;
  sink: StreamSink;
}

export class RecordStream implements InputStream, AckTarget {
  readonly name: string;
  tag = 0;
  records = 0;
  bytes = 0;
  /** Partial records discarded at end() (the splitter runner counts oversized ones). */
  private partialDropped = 0;
  private readonly runner: SplitterRunner;
  private readonly tracker = new SettledPrefix();
  private readonly sink: StreamSink;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly useMessageBytes: boolean;
  private readonly type: string | undefined;
  private readonly logger: string;
  private readonly hostname: string;
  private readonly onSettled: (() => void) | undefined;
  private readonly batch: Message[] = [];
  private closed = false;

  constructor(o: RecordStreamOptions) {
    const origin = o.origin;
    this.name = origin.name;
    this.sink = o.sink;
    this.clock = o.clock;
    this.log = o.log;
    this.useMessageBytes = o.splitterOptions.use_message_bytes;
    this.type = origin.type;
    this.logger = origin.logger ?? o.logger;
    this.hostname = origin.hostname ?? o.hostname;
    this.onSettled = origin.onSettled;
    const so = o.splitterOptions;
    this.runner = new SplitterRunner(origin.splitter ?? o.splitter, {
      ...so,
      initialSize: Math.max(so.min_buffer_size, origin.initialBufferSize ?? 0),
      onOversize: (msg) => this.log.error(`${this.name}: ${msg}`),
    });
  }

  // ---- bytes in ---------------------------------------------------------------------------------

  get buf(): Buffer {
    return this.runner.buf;
  }
  get readPos(): number {
    return this.runner.readPos;
  }
  prepareRead(): number {
    return this.runner.prepareRead();
  }
  commitRead(n: number): void {
    this.runner.commitRead(n);
  }

  write(chunk: Uint8Array): boolean {
    const r = this.runner;
    let pos = 0;
    let room = true;
    while (pos < chunk.length) {
      const free = r.prepareRead();
      const n = Math.min(free, chunk.length - pos);
      r.buf.set(chunk.subarray(pos, pos + n), r.readPos);
      r.commitRead(n);
      pos += n;
      // The chunk is already read: deliver all of it (the caller pauses its source on false).
      if (!this.flush()) room = false;
    }
    return room;
  }

  // ---- records out ------------------------------------------------------------------------------

  flush(): boolean {
    const r = this.runner;
    const sink = this.sink;
    const size = sink.batchSize;
    if (size <= 1) {
      for (let rec = r.next(); rec !== null; rec = r.next()) {
        if (!sink.deliver(this.build(rec))) return false;
      }
      return true;
    }
    const batch = this.batch;
    for (;;) {
      for (let rec = r.next(); rec !== null; rec = r.next()) {
        batch.push(this.build(rec));
        if (batch.length >= size) break;
      }
      const n = batch.length;
      if (n === 0) return true;
      const room = n === 1 ? sink.deliver(batch[0]!) : sink.deliverBatch(batch);
      batch.length = 0;
      if (!room) return false;
      if (n < size) return true;
    }
  }

  end(what?: string): boolean {
    const r = this.runner;
    const rec = r.finalRecord();
    if (rec !== null) return this.sink.deliver(this.build(rec));
    if (r.pending > 0) {
      const lost = r.takeRemaining().length;
      this.partialDropped++;
      this.log.warn(
        `Stream '${this.name}': discarded ${lost} bytes of an unterminated last record${what !== undefined ? ` of '${what}'` : ''} (set deliver_incomplete_final to keep it).`,
      );
    }
    return true;
  }

  /** The message of one record, registered with the tracker before anyone can acknowledge it. */
  private build(rec: Buffer): Message {
    const seq = this.tracker.push(this.tag, this.runner.offset);
    this.records++;
    this.bytes += rec.length;
    const m = new Message();
    if (this.useMessageBytes) {
      m.rawBytes = Uint8Array.prototype.slice.call(rec);
    } else {
      m.uuid = newUuid();
      m.timestamp = this.clock.nowNs();
      m.type = this.type;
      m.logger = this.logger;
      m.hostname = this.hostname;
      m.payload = rec.toString('utf8');
    }
    m.ackTarget = this;
    m.ackSeq = seq;
    return m;
  }

  // ---- positions --------------------------------------------------------------------------------

  get offset(): number {
    return this.runner.offset;
  }
  get pending(): number {
    return this.runner.pending;
  }
  reset(offset = 0, history?: Uint8Array): void {
    this.runner.reset(offset, history);
  }
  discardPending(): number {
    return this.runner.takeRemaining().length;
  }
  window(): Buffer {
    return this.runner.window();
  }
  windowHash(): string {
    return this.runner.windowHash();
  }

  // ---- acknowledgements -------------------------------------------------------------------------

  /** AckTarget: every consumer has handled record `seq`. */
  settle(seq: number): void {
    if (this.tracker.settle(seq) > 0) this.onSettled?.();
  }

  mark(): number {
    const seq = this.tracker.push(this.tag, this.runner.offset);
    this.settle(seq);
    return seq;
  }

  get lastSeq(): number {
    return this.tracker.lastSeq;
  }
  get settledHead(): number {
    return this.tracker.head;
  }
  get settledTag(): number {
    return this.tracker.settledTag;
  }
  get settledOffset(): number {
    return this.tracker.settledPos;
  }
  get settledSeq(): number {
    return this.tracker.settledSeq;
  }
  clearSettled(): void {
    this.tracker.clearSettled();
  }

  // ---- counters ---------------------------------------------------------------------------------

  get truncated(): number {
    return this.runner.truncated;
  }
  get dropped(): number {
    return this.runner.dropped + this.partialDropped;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close?.();
  }
}
