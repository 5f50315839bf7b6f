/**
 * SandboxEncoder (spec/sandbox.md §1.6): Heka's built-in encoder scripts run in process; a user
 * JS/TS script runs in a worker thread driven synchronously (worker/sync-sandbox.ts), since
 * Encoder.encode is synchronous.
 *
 * Output: the payload of the last inject_payload / inject_message of the call; with nothing
 * injected and status 0, the protobuf encoding of the (write_message-modified copy of the)
 * message. Status -2: no output. Status < 0: `Failed serializing: <err>`. Fatal (status > 0, an
 * error, a limit): the encoder is terminated and every later call fails with `FATAL: <reason>`,
 * as in Heka; the output counts those as failed messages and hekad keeps running.
 */
import type { Message } from '../../../core/message.js';
import { encodeMessage } from '../../../core/protobuf.js';
import type { Encoder, PluginContext, ReportField } from '../../../plugin-api/index.js';
import { SandboxTermination, truncateReason } from '../../../sandbox/errors.js';
import { SandboxRuntime, statusOf, type Injection, type SandboxScript } from '../../../sandbox/host.js';
import {
  preservationPath,
  savePreserved,
  sandboxReportFields,
} from '../../../sandbox/plugin-support.js';
import { openSyncBackend, TerminationReason } from '../../../sandbox/sync-backend.js';
import { R_FAILURE, R_OUTPUT, R_SKIP } from '../../../sandbox/worker/sync-protocol.js';
import { SyncSandbox } from '../../../sandbox/worker/sync-sandbox.js';
import type { SandboxEncoderConfig } from './config.js';

export class SandboxEncoder implements Encoder {
  private readonly preserveFile: string;
  // built-in
  private rt: SandboxRuntime | null = null;
  private script: SandboxScript | null = null;
  private last: Injection | null = null;
  // user
  private sb: SyncSandbox | null = null;
  private readonly termination: TerminationReason;
  private maxHeap = 0;
  failures = 0;

  constructor(
    private readonly cfg: SandboxEncoderConfig,
    private readonly ctx: PluginContext,
  ) {
    // Heka names an encoder's preservation file after `<output>-<encoder>` (the instance name).
    this.preserveFile = preservationPath(ctx.globals.base_dir, ctx.name);
    this.termination = new TerminationReason(ctx);
    const backend = openSyncBackend({
      kind: 'encoder',
      cfg,
      ctx,
      preserveFile: this.preserveFile,
      onInject: (inj) => (this.last = inj),
      onTerminated: (reason) => this.termination.note(reason),
    });
    if (backend.builtin) {
      this.rt = backend.rt;
      this.script = backend.script;
    } else {
      this.sb = backend.sb;
    }
  }

  get terminationReason(): string | null {
    return this.termination.reason;
  }


  private fatal(reason: string): never {
    if (this.termination.reason === null) this.termination.note(reason);
    throw new Error(`FATAL: ${this.termination.reason ?? reason}`);
  }

  encode(msg: Message): Buffer | null {
    if (this.sb === null) return this.encodeBuiltin(msg);
    const sb = this.sb;
    if (sb.dead) this.fatal(sb.deathReason);
    const r = sb.call(msg.rawBytes ?? encodeMessage(msg));
    const h = sb.heapUsed;
    if (h > this.maxHeap) this.maxHeap = h;
    switch (r.kind) {
      case R_OUTPUT: {
        const b = r.records[0]!;
        return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      }
      case R_SKIP:
        return null;
      case R_FAILURE:
        this.failures++;
        throw new Error(`Failed serializing: ${Buffer.from(r.records[0] ?? []).toString('utf8')}`);
      default:
        return this.fatal(Buffer.from(r.records[0] ?? []).toString('utf8') || sb.deathReason);
    }
  }

  private encodeBuiltin(msg: Message): Buffer | null {
    if (this.termination.reason !== null) this.fatal(this.termination.reason);
    this.last = null;
    this.rt!.beginCall('process_message');
    let status: number;
    let text: string | undefined;
    try {
      [status, text] = statusOf(this.script!.processMessage(msg));
    } catch (err) {
      const m = (err as Error)?.message ?? String(err);
      return this.fatal(truncateReason(err instanceof SandboxTermination && m.startsWith('process_message') ? m : `process_message() ${m}`));
    }
    if (status > 0) return this.fatal(truncateReason(`process_message() ${text ?? `returned ${status}`}`));
    if (status === -2) return null;
    if (status < 0) {
      this.failures++;
      throw new Error(`Failed serializing: ${text ?? ''}`);
    }
    // Set by onInject during processMessage (TypeScript cannot see that).
    const inj = this.last as Injection | null;
    this.last = null;
    if (inj === null) return encodeMessage(msg);
    switch (inj.kind) {
      case 'payload':
        return Buffer.from(inj.payload, 'utf8');
      case 'message':
        return encodeMessage(inj.message);
      case 'raw':
        return Buffer.from(inj.bytes.buffer, inj.bytes.byteOffset, inj.bytes.byteLength);
    }
  }

  /** Preserve state (preserve_data) and end the worker; for the output runner to call at shutdown. */
  stop(): void {
    if (this.sb !== null) {
      if (this.sb.dead) return;
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
