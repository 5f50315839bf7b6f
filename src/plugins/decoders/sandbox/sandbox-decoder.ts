/**
 * SandboxDecoder (spec/sandbox.md §1.5): Heka's built-in decoder scripts run in process; a user
 * JS/TS script runs in a worker thread driven synchronously (worker/sync-sandbox.ts), since
 * Decoder.decode is synchronous.
 *
 * A user script gets its records in batches (decodeBatch): one worker round trip per batch of up
 * to 256 records instead of one per record, each record still with its own result and CPU budget.
 *
 * Deliberate difference from Heka: a fatal error (status > 0, a thrown error, a limit exceeded)
 * terminates the decoder but does not shut hekad down. decode() then throws DecoderStoppedError:
 * the InputRunner leaves the message unacknowledged and pauses the input, so its journal stays
 * before the message and a restart (with the script fixed) decodes it again. Other inputs run on.
 */
import type { Message } from '../../../core/message.js';
import { decodeMessage, encodeMessage } from '../../../core/protobuf.js';
import type { DecodeResult, Decoder, PluginContext, ReportField } from '../../../plugin-api/index.js';
import { decoderOutput } from '../../../sandbox/decoder-output.js';
import { DecoderStoppedError, SandboxTermination, truncateReason } from '../../../sandbox/errors.js';
import { SandboxRuntime, statusOf, type Injection, type SandboxScript } from '../../../sandbox/host.js';
import {
  preservationPath,
  savePreserved,
  sandboxReportFields,
} from '../../../sandbox/plugin-support.js';
import { openSyncBackend, TerminationReason } from '../../../sandbox/sync-backend.js';
import { zoneReinterpreter } from '../../../sandbox/tz.js';
import { R_FAILURE, R_FATAL, R_MESSAGES, R_MODIFIED, R_PASS } from '../../../sandbox/worker/sync-protocol.js';
import { SyncSandbox, type SyncResponse } from '../../../sandbox/worker/sync-sandbox.js';
import type { SandboxDecoderConfig } from './config.js';

export class SandboxDecoder implements Decoder {
  private readonly preserveFile: string;
  private readonly tz: ((ns: number) => number) | null = null;
  // built-in
  private rt: SandboxRuntime | null = null;
  private script: SandboxScript | null = null;
  private injections: Injection[] = [];
  // user
  private sb: SyncSandbox | null = null;
  private readonly termination: TerminationReason;
  private maxHeap = 0;
  failures = 0;
  /** Set for user scripts only: built-in scripts run in process, where a batch saves nothing. */
  decodeBatch?: (msgs: readonly Message[]) => DecodeResult[];

  constructor(
    private readonly cfg: SandboxDecoderConfig,
    private readonly ctx: PluginContext,
  ) {
    this.preserveFile = preservationPath(ctx.globals.base_dir, ctx.name);
    this.termination = new TerminationReason(ctx);
    const config = cfg.config ?? {};
    const tz = config.tz;
    if (typeof tz === 'string' && tz !== '' && tz !== 'UTC') {
      try {
        this.tz = zoneReinterpreter(tz);
      } catch {
        throw new Error(`unknown time zone in config tz: '${tz}'`);
      }
    }
    const backend = openSyncBackend({
      kind: 'decoder',
      cfg,
      ctx,
      preserveFile: this.preserveFile,
      extraConfigKeys: ['tz'],
      onInject: (inj) => this.injections.push(inj),
      onTerminated: (reason) => this.termination.note(reason),
    });
    if (backend.builtin) {
      this.rt = backend.rt;
      this.script = backend.script;
    } else {
      this.sb = backend.sb;
      this.decodeBatch = (msgs) => this.decodeUserBatch(msgs);
    }
  }

  /** Why the decoder was terminated (null while it runs). */
  get terminationReason(): string | null {
    return this.termination.reason;
  }


  private stoppedError(reason: string): DecoderStoppedError {
    if (this.termination.reason === null) this.termination.note(reason);
    return new DecoderStoppedError(`decoder '${this.ctx.name}' terminated: ${this.termination.reason ?? reason}`);
  }

  private stopped(reason: string): never {
    throw this.stoppedError(reason);
  }

  decode(msg: Message): Message | Message[] | null {
    if (this.sb === null) return this.decodeBuiltin(msg);
    const r = this.decodeUser(msg);
    if (r instanceof Error) throw r;
    return r;
  }

  private decodeUser(msg: Message): DecodeResult {
    const sb = this.sb!;
    if (sb.dead) return this.stoppedError(sb.deathReason);
    const r = sb.call(msg.rawBytes ?? encodeMessage(msg));
    this.noteHeap();
    return this.userResult(msg, r);
  }

  /**
   * Records go to the worker in as few round trips as the shared data area allows; a record too
   * big for it alone takes the one-record path (over the port). Stops at the first record the
   * sandbox died on.
   */
  private decodeUserBatch(msgs: readonly Message[]): DecodeResult[] {
    const sb = this.sb!;
    const out: DecodeResult[] = [];
    const max = sb.batchBytes;
    let carry: Uint8Array | null = null;
    let i = 0;
    while (i < msgs.length) {
      if (sb.dead) {
        out.push(this.stoppedError(sb.deathReason));
        return out;
      }
      const start = i;
      const reqs: Uint8Array[] = [];
      let bytes = 4;
      while (i < msgs.length) {
        const m = msgs[i]!;
        const req: Uint8Array = carry ?? m.rawBytes ?? encodeMessage(m);
        carry = null;
        if (bytes + 4 + req.length > max) {
          carry = req;
          break;
        }
        reqs.push(req);
        bytes += 4 + req.length;
        i++;
      }
      if (reqs.length === 0) {
        carry = null;
        const r = this.decodeUser(msgs[i++]!);
        out.push(r);
        if (r instanceof DecoderStoppedError) return out;
        continue;
      }
      const rs = sb.callBatch(reqs);
      this.noteHeap();
      for (let k = 0; k < rs.length; k++) {
        const r = this.userResult(msgs[start + k]!, rs[k]!);
        out.push(r);
        if (r instanceof DecoderStoppedError) return out;
      }
      if (rs.length < reqs.length) {
        out.push(this.stoppedError(sb.deathReason || 'the sandbox worker answered part of a batch'));
        return out;
      }
    }
    return out;
  }

  private noteHeap(): void {
    const h = this.sb!.heapUsed;
    if (h > this.maxHeap) this.maxHeap = h;
  }

  /** What one worker response means for `msg`: messages, or the Error decode() throws. */
  private userResult(msg: Message, r: SyncResponse): DecodeResult {
    try {
      return this.userMessages(msg, r);
    } catch (err) {
      // Bytes the worker produced that do not decode: this record's decode error.
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private userMessages(msg: Message, r: SyncResponse): DecodeResult {
    switch (r.kind) {
      case R_PASS:
        return this.zone(msg);
      case R_MODIFIED:
        return this.zone(decodeMessage(r.records[0]!));
      case R_MESSAGES: {
        const out = r.records.map((b) => this.zone(decodeMessage(b)));
        return out.length === 1 ? out[0]! : out;
      }
      case R_FAILURE:
        this.failures++;
        return new Error(`Failed parsing: ${Buffer.from(r.records[0] ?? []).toString('utf8')} payload: ${msg.payload ?? ''}`);
      case R_FATAL:
      default:
        return this.stoppedError(Buffer.from(r.records[0] ?? []).toString('utf8') || this.sb!.deathReason);
    }
  }

  private zone(m: Message): Message {
    if (this.tz !== null && m.timestamp !== undefined) {
      m.timestamp = this.tz(m.timestamp);
      m.timestampExact = undefined;
      m.rawBytes = undefined;
    }
    return m;
  }

  private decodeBuiltin(msg: Message): Message | Message[] | null {
    if (this.termination.reason !== null) this.stopped(this.termination.reason);
    this.injections = [];
    this.rt!.beginCall('process_message');
    let status: number;
    let text: string | undefined;
    try {
      [status, text] = statusOf(this.script!.processMessage(msg));
    } catch (err) {
      const m = (err as Error)?.message ?? String(err);
      return this.stopped(truncateReason(err instanceof SandboxTermination && m.startsWith('process_message') ? m : `process_message() ${m}`));
    }
    if (status > 0) return this.stopped(truncateReason(`process_message() ${text ?? `returned ${status}`}`));
    if (status < 0) {
      this.failures++;
      throw new Error(`Failed parsing: ${text ?? ''} payload: ${msg.payload ?? ''}`);
    }
    const inj = this.injections;
    if (inj.length === 0) return this.zone(msg);
    this.injections = [];
    const out: Message[] = [];
    for (const i of inj) {
      const m = decoderOutput(i, msg);
      if (m !== null) out.push(this.zone(m));
    }
    return out.length === 1 ? out[0]! : out;
  }

  /** Called by the InputRunner at shutdown: preserve state (preserve_data) and end the worker. */
  stop(): void {
    if (this.sb !== null) {
      if (this.sb.dead) return; // no save after termination
      const r = this.sb.stop(this.cfg.preserve_data);
      if (r.error) this.ctx.log.error(`Preserving sandbox data failed: ${r.error}`);
      else if (this.cfg.preserve_data) savePreserved(this.ctx, this.preserveFile, r.version, r.state);
      return;
    }
    if (this.termination.reason === null && this.cfg.preserve_data && this.script!.saveState) {
      savePreserved(this.ctx, this.preserveFile, this.script!.preservationVersion, this.script!.saveState());
    }
  }

  report(): ReportField[] {
    return sandboxReportFields(
      this.sb ? { used: this.sb.heapUsed, max: this.maxHeap } : null,
      this.rt ? this.rt.output.maxOutput : null,
      this.termination.reason,
    );
  }
}
