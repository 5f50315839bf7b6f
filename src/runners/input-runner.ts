/**
 * Runs one input: gives it a context whose deliver() decodes (when a decoder is configured) and
 * routes synchronously, reports backpressure, restarts it per its `retries` policy when it fails,
 * and shuts the daemon down when an input that may not exit stops (spec/config.md §8-§9).
 */
import { untilAborted } from '../core/abort.js';
import { backoffDelay, type RetrySettings } from './batch-policy.js';
import type { Message } from '../core/message.js';
import { FieldType } from '../core/message.js';
import type {
  DecodeResult,
  Decoder,
  Input,
  InputContext,
  InputStream,
  ReportField,
  Splitter,
  SplitterCommonOptions,
  StreamOrigin,
} from '../plugin-api/index.js';
import { DecoderStoppedError } from '../plugin-api/index.js';
import { JoinedAck } from './ack.js';
import { RecordStream, type StreamSink } from './input-stream.js';
import { ErrorReporter, type RunnerEnv } from './runner-env.js';

export interface InputRunnerOptions {
  name: string;
  typeName: string;
  canExit: boolean;
  hostname: string;
  baseDir: string;
  /**
   * The input's decoder: its section name, the instance shared by its streams, the name of its
   * report record (Heka's `<input>-<decoder>-<token>`), and with `perStream` (the decoder's
   * definition says it keeps per-stream state) a factory giving every stream its own instance.
   */
  decoder: { name: string; instance: Decoder; reportName: string; perStream?: () => Decoder } | null;
  sendDecodeFailures: boolean;
  logDecodeFailures: boolean;
  newSplitter: () => Splitter;
  splitterOptions: SplitterCommonOptions;
  retries: RetrySettings;
  tickerInterval: number;
  findInput: (name: string) => Input | undefined;
}

/**
 * Records per decodeBatch call. A user JS decoder crosses its worker boundary once per batch: at
 * 256 the round trip (tens of µs) is a few percent of the batch's decode time, and the overshoot
 * past a full queue (a batch is delivered whole) stays small next to plugin_chansize-sized queues.
 */
export const DECODE_BATCH = 256;

export class InputRunner {
  readonly name: string;
  /** The section name of the input's decoder, or null. */
  get decoderName(): string | null {
    return this.o.decoder?.name ?? null;
  }
  readonly ctx: InputContext;
  readonly errors: ErrorReporter;
  readonly decodeErrors: ErrorReporter;
  delivered = 0;
  decoded = 0;
  private abort = new AbortController();
  private done: Promise<void> | null = null;
  private stopping = false;
  /** Why the input is paused (its decoder stopped), or null while it runs. */
  paused: string | null = null;
  private pausedWait: Promise<void> | null = null;

  constructor(
    private readonly env: RunnerEnv,
    private readonly o: InputRunnerOptions,
    readonly plugin: Input,
  ) {
    this.name = o.name;
    const log = env.log.child(`Input '${o.name}'`);
    this.errors = new ErrorReporter(log, env.clock);
    this.decodeErrors = new ErrorReporter(
      o.decoder ? env.log.child(`Decoder '${o.name}-${o.decoder.name}'`) : log,
      env.clock,
    );
    const router = env.router;
    const deliver = o.decoder === null ? (m: Message) => this.route(m) : (m: Message) => this.decodeAndRoute(m);
    const self = this;
    this.ctx = {
      name: o.name,
      typeName: o.typeName,
      log,
      clock: env.clock,
      globals: env.globals,
      hostname: o.hostname,
      baseDir: o.baseDir,
      get signal() {
        return self.abort.signal;
      },
      reportError: (err, stage) => this.errors.report(err, stage),
      deliver,
      drained: () => (self.paused === null ? router.drained() : self.untilShutdown()),
      get blocked() {
        return self.paused !== null || router.blocked;
      },
      newSplitter: o.newSplitter,
      openStream: (origin) => this.openStream(origin),
      splitterOptions: o.splitterOptions,
      lookupInput: (name, capability) => {
        const found = o.findInput(name);
        // Heka's wording, unbalanced quote included (spec/statsd.md).
        if (found === undefined) throw new Error(`No Input named '${name}`);
        if (!capability.is(found)) throw new Error(`Input '${name}' is not a ${capability.name}`);
        return found;
      },
      tickerInterval: o.tickerInterval,
    };
    env.telemetry.register('inputs', this.name, () => this.report());
    if (o.decoder !== null) env.telemetry.register('decoders', o.decoder.reportName, () => this.decoderReport());
  }

  private route(msg: Message): boolean {
    this.delivered++;
    return this.env.router.route(msg);
  }

  /** ctx.openStream(): a RecordStream whose records go through this runner's decode-and-route path. */
  private openStream(origin: StreamOrigin): InputStream {
    const dec = this.o.decoder;
    let sink: StreamSink;
    if (dec === null) {
      sink = { deliver: (m) => this.route(m), batchSize: 1, deliverBatch: (ms) => this.routeAll(ms) };
    } else {
      const own = dec.perStream !== undefined;
      const instance = own ? dec.perStream!() : dec.instance;
      sink = {
        deliver: (m) => this.decodeAndRoute(m, instance),
        batchSize: instance.decodeBatch !== undefined ? DECODE_BATCH : 1,
        deliverBatch: (ms) => this.decodeBatchAndRoute(ms, instance),
        close: own ? () => this.stopDecoder(instance) : undefined,
      };
    }
    return new RecordStream({
      origin,
      splitter: origin.splitter ?? this.o.newSplitter(),
      splitterOptions: this.o.splitterOptions,
      clock: this.env.clock,
      log: this.ctx.log,
      logger: this.o.name,
      hostname: this.o.hostname,
      sink,
    });
  }

  private routeAll(msgs: Message[]): boolean {
    let room = true;
    for (let i = 0; i < msgs.length; i++) room = this.route(msgs[i]!) && room;
    return room;
  }

  private decodeAndRoute(msg: Message, decoder: Decoder = this.o.decoder!.instance): boolean {
    // A paused input's messages stay unacknowledged (their source does not move past them).
    if (this.paused !== null) return false;
    this.delivered++;
    let out: DecodeResult;
    try {
      out = decoder.decode(msg);
    } catch (err) {
      out = err instanceof Error ? err : new Error(String(err));
    }
    return this.routeDecoded(msg, out);
  }

  /**
   * One decodeBatch call for `msgs`, then each record's result is handled as decode()'s would be.
   * When the decoder stops at a record, the records after it are neither routed nor acknowledged.
   */
  private decodeBatchAndRoute(msgs: Message[], decoder: Decoder): boolean {
    if (this.paused !== null) return false;
    let results: DecodeResult[];
    try {
      results = decoder.decodeBatch!(msgs);
    } catch (err) {
      // A decodeBatch that throws as a whole: fall back to one call per record.
      if (err instanceof DecoderStoppedError) {
        this.pause(err.message);
        return false;
      }
      let room = true;
      for (let i = 0; i < msgs.length; i++) room = this.decodeAndRoute(msgs[i]!, decoder) && room;
      return room;
    }
    let room = true;
    const n = Math.min(results.length, msgs.length);
    for (let i = 0; i < n; i++) {
      this.delivered++;
      room = this.routeDecoded(msgs[i]!, results[i]!) && room;
      if (this.paused !== null) return false;
    }
    if (n < msgs.length) {
      this.pause(`decoder returned ${results.length} results for ${msgs.length} records`);
      return false;
    }
    return room;
  }

  /** Route what decoding `msg` gave (messages, nothing, or the error), moving its acknowledgement along. */
  private routeDecoded(msg: Message, out: DecodeResult): boolean {
    if (out instanceof Error) {
      const err = out;
      if (err instanceof DecoderStoppedError) {
        this.delivered--;
        this.pause(err.message);
        return false;
      }
      if (this.o.logDecodeFailures) this.decodeErrors.report(err, 'decode');
      else this.decodeErrors.count++;
      if (this.o.sendDecodeFailures) {
        msg.addField('decode_failure', FieldType.BOOL, true);
        msg.addField('decode_error', FieldType.STRING, String((err as Error)?.message ?? err).slice(0, 500));
        return this.env.router.route(msg);
      }
      settleDropped(msg);
      return !this.env.router.blocked;
    }
    this.decoded++;
    const router = this.env.router;
    if (out === null) {
      settleDropped(msg);
      return !router.blocked;
    }
    if (!Array.isArray(out)) {
      if (out !== msg) moveAck(msg, out);
      return router.route(out);
    }
    if (out.length === 0) {
      settleDropped(msg);
      return !router.blocked;
    }
    if (msg.ackTarget !== null) {
      const join = new JoinedAck(out.length, msg.ackTarget, msg.ackSeq);
      msg.ackTarget = null;
      for (const m of out) {
        m.ackTarget = join;
        m.ackSeq = 0;
      }
    }
    let room = true;
    for (const m of out) room = router.route(m) && room;
    return room;
  }

  /**
   * The decoder can decode no more: from now on deliver() returns false without acknowledging and
   * drained() resolves only at shutdown, so the input waits and its position (journal) stays
   * before the first message that was not decoded.
   */
  private pause(reason: string): void {
    if (this.paused !== null) return;
    this.paused = reason;
    this.ctx.log.error(`Paused: ${reason}. Its messages are not acknowledged (positions do not move) until hekad is restarted.`);
  }

  private untilShutdown(): Promise<void> {
    if (this.pausedWait === null) {
      this.pausedWait = untilAborted(this.abort.signal);
    }
    return this.pausedWait;
  }

  start(): void {
    this.done = this.runWithRetries();
  }

  private async runWithRetries(): Promise<void> {
    const { max_retries } = this.o.retries;
    let attempt = 0;
    for (;;) {
      try {
        await this.plugin.run(this.ctx);
        if (this.stopping) return;
        this.exited('Run exited.');
        return;
      } catch (err) {
        if (this.stopping) return;
        this.errors.report(err, 'run');
        if (max_retries === 0 || (max_retries > 0 && attempt >= max_retries)) {
          this.exited(max_retries === 0 ? String((err as Error)?.message ?? err) : 'Max retries exceeded');
          return;
        }
        const wait = backoffDelay(this.o.retries, attempt);
        attempt++;
        this.ctx.log.info(`Restarting in ${Math.round(wait)} ms (attempt ${attempt}).`);
        await this.env.clock.sleep(wait, this.abort.signal);
        if (this.stopping) return;
      }
    }
  }

  private exited(reason: string): void {
    if (this.o.canExit) {
      this.ctx.log.info(`exited: ${reason}`);
    } else {
      this.env.fatal(`Input '${this.name}' has stopped, shutting down. (${reason})`);
    }
  }

  /** Abort the input and wait for run() to settle. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.done;
    // A decoder with a stop hook (SandboxDecoder: preserve_data, its worker) ends with its input.
    const d = this.o.decoder?.instance;
    if (d !== undefined) this.stopDecoder(d);
  }

  private stopDecoder(d: Decoder): void {
    try {
      const r = d.stop?.();
      if (r instanceof Promise) r.catch((err: unknown) => this.decodeErrors.report(err, 'stop'));
    } catch (err) {
      this.decodeErrors.report(err, 'stop');
    }
  }

  /** After outputs have flushed: let the input persist its position (journals). */
  async finalize(): Promise<void> {
    try {
      await this.plugin.finalize?.();
    } catch (err) {
      this.errors.report(err, 'finalize');
    }
  }

  report(): ReportField[] {
    return [
      { name: 'DeliveredMessageCount', value: this.delivered, representation: 'count' },
      { name: 'ProcessMessageFailures', value: this.errors.count, representation: 'count' },
      ...(this.paused !== null ? [{ name: 'Paused', value: this.paused, representation: '' }] : []),
      ...(this.plugin.report?.() ?? []),
    ];
  }

  decoderReport(): ReportField[] {
    const d = this.o.decoder?.instance;
    return [
      { name: 'ProcessMessageCount', value: this.decoded, representation: 'count' },
      { name: 'ProcessMessageFailures', value: this.decodeErrors.count, representation: 'count' },
      ...(d?.report?.() ?? []),
    ];
  }
}

/** A message that goes nowhere (dropped by its decoder) is handled: let its source move on. */
function settleDropped(msg: Message): void {
  const t = msg.ackTarget;
  if (t !== null) {
    msg.ackTarget = null;
    t.settle(msg.ackSeq);
  }
}

function moveAck(from: Message, to: Message): void {
  to.ackTarget = from.ackTarget;
  to.ackSeq = from.ackSeq;
  from.ackTarget = null;
}
