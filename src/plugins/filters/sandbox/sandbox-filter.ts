/**
 * SandboxFilter (spec/sandbox.md §1.4): one plugin for built-in scripts (run in process, natively)
 * and user JS/TS scripts (run in a worker behind the isolation boundary). Termination, injection,
 * preservation and report fields are handled the same way for both.
 */
import { hrtime } from 'node:process';
import type { Message } from '../../../core/message.js';
import type { Filter, FilterContext, PluginContext, ReportField } from '../../../plugin-api/index.js';
import { SandboxTermination, truncateReason } from '../../../sandbox/errors.js';
import { SandboxRuntime, statusOf, type Injection, type SandboxScript } from '../../../sandbox/host.js';
import { decodePreservation } from '../../../sandbox/preservation.js';
import {
  filterInjectedMessage,
  filterInjection,
  hostnameOf,
  moduleDirectories,
  preservationPath,
  restoreBuiltin,
  sandboxOutputMessage,
  savePreserved,
  terminationMessage,
  warnUnknownConfigKeys,
} from '../../../sandbox/plugin-support.js';
import { resolveSandboxFile } from '../../../sandbox/resolver.js';
import { loadUserSource } from '../../../sandbox/worker/user-source.js';
import { WorkerSandbox, wireToMessage } from '../../../sandbox/worker/worker-sandbox.js';
import type { WireInjection } from '../../../sandbox/worker/protocol.js';
import { readFileSync } from 'node:fs';
import type { SandboxFilterConfig } from './config.js';

/** Sampled call timing (Heka times the first call, then 1 in sample_denominator). */
class Sampler {
  samples = 0;
  totalNs = 0;
  private n = 0;
  constructor(private readonly denominator: number) {}
  shouldTime(): boolean {
    return this.n++ === 0 || Math.random() * this.denominator < 1;
  }
  record(ns: number): void {
    this.samples++;
    this.totalNs += ns;
  }
  get avg(): number {
    return this.samples ? Math.floor(this.totalNs / this.samples) : 0;
  }
}

export class SandboxFilter implements Filter {
  private readonly name: string;
  private readonly host: string;
  private readonly preserveFile: string;
  private readonly procTiming: Sampler;
  private readonly timerTiming: Sampler;
  // built-in
  private rt: SandboxRuntime | null = null;
  private script: SandboxScript | null = null;
  // user
  private ws: WorkerSandbox | null = null;
  private fctx: FilterContext | null = null;
  private terminated = false;
  private pendingTermination: string | null = null;
  private dropWarned = 0;

  constructor(
    private readonly cfg: SandboxFilterConfig,
    private readonly ctx: PluginContext,
  ) {
    this.name = ctx.name;
    this.host = hostnameOf(ctx.globals);
    this.preserveFile = preservationPath(ctx.globals.base_dir, ctx.name);
    this.procTiming = new Sampler(ctx.globals.sample_denominator);
    this.timerTiming = new Sampler(1);
    const r = resolveSandboxFile(cfg.filename, ctx.globals.share_dir, 'filter');
    const config = cfg.config ?? {};
    if (r.kind === 'builtin') {
      warnUnknownConfigKeys(ctx, r.file, r.def.configKeys, config);
      this.rt = new SandboxRuntime({
        kind: 'filter',
        config,
        outputLimit: cfg.output_limit,
        maxProcessInject: ctx.globals.max_process_inject,
        maxTimerInject: ctx.globals.max_timer_inject,
        clock: ctx.clock,
        onInject: (inj) => this.injectBuiltin(inj),
      });
      this.script = r.def.create(this.rt);
      if (cfg.preserve_data) restoreBuiltin(ctx, this.preserveFile, this.script);
      return;
    }
    const src = loadUserSource(r.path);
    let preserved: { version: number; state: Record<string, unknown> } | null = null;
    if (cfg.preserve_data) preserved = this.readPreserved();
    this.ws = new WorkerSandbox(
      {
        kind: 'filter',
        code: src.code,
        filename: src.filename,
        config,
        outputLimit: cfg.output_limit,
        maxProcessInject: ctx.globals.max_process_inject,
        maxTimerInject: ctx.globals.max_timer_inject,
        moduleDirectories: moduleDirectories(cfg, ctx.globals),
        memoryLimit: cfg.memory_limit,
        instructionLimit: cfg.instruction_limit,
        onInjection: (i) => this.injectWire(i),
        onFailures: (n, errors) => {
          for (let k = 0; k < n; k++) this.ctx.reportError(new Error(errors[k] ?? errors[errors.length - 1] ?? 'process_message() failed'), 'process_message');
        },
        onTerminated: (reason) => this.terminate(reason),
      },
      preserved,
    );
    void this.ws.ready.then(() => {
      const ws = this.ws!;
      if (ws.dead) return;
      if (ws.restoreResult === 'version') ctx.log.info(`Preserved data discarded (preservation_version is now ${ws.version}).`);
      else if (ws.restoreResult !== 'none' && ws.restoreResult !== 'ok') ctx.log.error(`Preserved data in ${this.preserveFile} was ignored: ${ws.restoreResult}`);
    });
  }

  private readPreserved(): { version: number; state: Record<string, unknown> } | null {
    let text: string;
    try {
      text = readFileSync(this.preserveFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.ctx.log.error(`Preserved data unreadable, ignored: ${(err as Error).message}`);
      return null;
    }
    // The script's version is known only once it has run: decode with the saved version, the worker compares.
    const saved = /"version":(-?[0-9.e+]+)/.exec(text);
    const r = decodePreservation(text, saved ? Number(saved[1]) : NaN);
    if (r.status !== 'ok') {
      this.ctx.log.error(`Preserved data in ${this.preserveFile} is unreadable and was ignored: ${r.status === 'corrupt' ? r.reason : r.status}`);
      return null;
    }
    return { version: Number(saved![1]), state: r.state };
  }

  // ---- injections ------------------------------------------------------------------------------

  private injectBuiltin(inj: Injection): void {
    const ctx = this.fctx;
    if (ctx === null) return;
    ctx.inject(filterInjection(inj, this.name, this.host, this.ctx.clock.nowNs()));
  }

  private injectWire(i: WireInjection): void {
    const ctx = this.fctx;
    if (ctx === null || this.terminated) return;
    if ('p' in i) ctx.inject(sandboxOutputMessage(this.name, this.host, this.ctx.clock.nowNs(), i.t, i.n, i.p));
    else ctx.inject(filterInjectedMessage(wireToMessage(i), this.name, this.host));
  }

  // ---- termination -----------------------------------------------------------------------------

  private terminate(reason: string): void {
    if (this.terminated) return;
    const ctx = this.fctx;
    if (ctx === null) {
      this.pendingTermination = reason;
      this.ctx.log.error(`Terminated. Reason: ${reason}`);
      return;
    }
    this.terminated = true;
    if (this.pendingTermination === null) this.ctx.log.error(`Terminated. Reason: ${reason}`);
    ctx.inject(terminationMessage(this.name, this.host, this.ctx.clock.nowNs(), reason));
    ctx.exit(reason, true);
    if (this.ws !== null && !this.ws.dead) void this.ws.kill();
  }

  private attach(ctx: FilterContext): boolean {
    if (this.fctx === null) {
      this.fctx = ctx;
      if (this.pendingTermination !== null) this.terminate(this.pendingTermination);
    }
    return !this.terminated;
  }

  // ---- Filter ----------------------------------------------------------------------------------

  process(msg: Message, ctx: FilterContext): void {
    if (this.fctx !== ctx && !this.attach(ctx)) return;
    if (this.terminated) return;
    const ws = this.ws;
    if (ws !== null) {
      if (!ws.push(msg) && !ws.dead && ws.dropped - this.dropWarned >= 10_000) {
        this.dropWarned = ws.dropped;
        this.ctx.log.warn(`Sandbox is behind: ${ws.dropped} messages dropped so far.`);
      }
      return;
    }
    const script = this.script!;
    this.rt!.beginCall('process_message');
    try {
      let r;
      if (this.procTiming.shouldTime()) {
        const t0 = hrtime.bigint();
        r = script.processMessage(msg);
        this.procTiming.record(Number(hrtime.bigint() - t0));
      } else {
        r = script.processMessage(msg);
      }
      if (r !== 0) {
        const [status, text] = statusOf(r);
        if (status > 0) throw new SandboxTermination(`process_message() ${text ?? `returned ${status}`}`);
        if (status < 0) ctx.reportError(new Error(text || 'process_message() failed'), 'process_message');
      }
    } catch (err) {
      this.terminate(reasonOf('process_message()', err));
    }
  }

  onTick(nowNs: number, ctx: FilterContext): void {
    if (this.fctx !== ctx && !this.attach(ctx)) return;
    if (this.terminated) return;
    if (this.ws !== null) {
      if (!this.ws.hasTimer) {
        this.terminate('timer_event() function was not found');
        return;
      }
      this.ws.timer(nowNs);
      return;
    }
    const script = this.script!;
    if (!script.timerEvent) {
      this.terminate('timer_event() function was not found');
      return;
    }
    this.rt!.beginCall('timer_event');
    const t0 = hrtime.bigint();
    try {
      script.timerEvent(nowNs);
    } catch (err) {
      this.terminate(reasonOf('timer_event()', err));
    }
    this.timerTiming.record(Number(hrtime.bigint() - t0));
  }

  async stop(ctx: FilterContext): Promise<void> {
    this.attach(ctx);
    if (this.terminated) return; // no save after termination (an older file stays)
    const now = this.ctx.clock.nowNs();
    if (this.ws !== null) {
      const r = await this.ws.stop(this.cfg.timer_event_on_shutdown ? now : null, this.cfg.preserve_data);
      if (this.ws.deathReason !== 'stopped') return;
      if (r.error) this.ctx.log.error(`Preserving sandbox data failed: ${r.error}`);
      if (this.cfg.preserve_data) savePreserved(this.ctx, this.preserveFile, r.version, r.state);
      return;
    }
    if (this.cfg.timer_event_on_shutdown) this.onTick(now, ctx);
    if (this.terminated) return;
    if (this.cfg.preserve_data && this.script!.saveState) {
      savePreserved(this.ctx, this.preserveFile, this.script!.preservationVersion, this.script!.saveState());
    }
  }

  /**
   * Back-pressure hooks read by the FilterRunner: a user sandbox that has fallen behind is not fed
   * until drained() (its queue fills and the inputs wait) instead of dropping messages.
   */
  get busy(): boolean {
    return this.ws !== null && !this.terminated && this.ws.busy;
  }

  drained(): Promise<void> {
    return this.ws === null ? Promise.resolve() : this.ws.drained();
  }

  /** Pending messages have been processed (tests, benchmarks). */
  async idle(): Promise<void> {
    await this.ws?.idle();
  }

  report(): ReportField[] {
    const ws = this.ws;
    // Only measured figures are reported (README "Report fields"): Memory/MaxMemory are a user
    // sandbox's worker heap (a built-in shares the main heap, where its part cannot be measured);
    // MaxOutput comes from a built-in's output buffer (the worker does not send it back);
    // MaxInstructions never, since instruction_limit is enforced as a time budget and nothing
    // counts instructions.
    const out: ReportField[] = [];
    if (ws) {
      out.push(
        { name: 'Memory', value: ws.heapUsed, representation: 'B' },
        { name: 'MaxMemory', value: ws.maxHeapUsed, representation: 'B' },
      );
    }
    if (this.rt) out.push({ name: 'MaxOutput', value: this.rt.output.maxOutput, representation: 'B' });
    out.push(
      { name: 'ProcessMessageSamples', value: this.procTiming.samples, representation: 'count' },
      { name: 'TimerEventSamples', value: this.timerTiming.samples, representation: 'count' },
      { name: 'ProcessMessageAvgDuration', value: this.procTiming.avg, representation: 'ns' },
      { name: 'TimerEventAvgDuration', value: this.timerTiming.avg, representation: 'ns' },
    );
    if (ws) out.push({ name: 'DropMessageCount', value: ws.dropped, representation: 'count' });
    if (this.terminated || this.pendingTermination) out.push({ name: 'TerminationReason', value: ws?.deathReason || this.pendingTermination || '', representation: '' });
    return out;
  }
}

function reasonOf(fn: string, err: unknown): string {
  if (err instanceof SandboxTermination) return truncateReason(err.message.startsWith(fn.slice(0, -2)) ? err.message : `${fn} ${err.message}`);
  return truncateReason(`${fn} ${(err as Error)?.message ?? String(err)}`);
}
