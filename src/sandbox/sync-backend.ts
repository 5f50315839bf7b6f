/**
 * What SandboxDecoder and SandboxEncoder share: a synchronous sandbox that is either one of Heka's
 * built-in scripts (in process) or a user JS/TS script in a worker driven synchronously, plus the
 * bookkeeping of why it was terminated.
 */
import type { PluginContext } from '../plugin-api/index.js';
import { SandboxRuntime, type Injection, type SandboxScript } from './host.js';
import type { SandboxCommonConfig } from './options.js';
import {
  logRestoreResult,
  moduleDirectories,
  readPreservedForWorker,
  restoreBuiltin,
  warnUnknownConfigKeys,
} from './plugin-support.js';
import { resolveSandboxFile } from './resolver.js';
import { SyncSandbox } from './worker/sync-sandbox.js';
import { loadUserSource } from './worker/user-source.js';

export type SyncBackend =
  | { builtin: true; rt: SandboxRuntime; script: SandboxScript }
  | { builtin: false; sb: SyncSandbox };

export interface SyncBackendOptions {
  kind: 'decoder' | 'encoder';
  cfg: SandboxCommonConfig;
  ctx: PluginContext;
  preserveFile: string;
  /** Config keys the plugin itself reads on top of the built-in script's. */
  extraConfigKeys?: readonly string[];
  onInject(inj: Injection): void;
  onTerminated(reason: string): void;
}

export function openSyncBackend(o: SyncBackendOptions): SyncBackend {
  const { cfg, ctx } = o;
  const config = cfg.config ?? {};
  const r = resolveSandboxFile(cfg.filename, ctx.globals.share_dir, o.kind);
  if (r.kind === 'builtin') {
    warnUnknownConfigKeys(ctx, r.file, [...r.def.configKeys, ...(o.extraConfigKeys ?? [])], config);
    const rt = new SandboxRuntime({
      kind: o.kind,
      config,
      outputLimit: cfg.output_limit,
      maxProcessInject: Infinity,
      maxTimerInject: Infinity,
      clock: ctx.clock,
      onInject: o.onInject,
    });
    const script = r.def.create(rt);
    if (cfg.preserve_data) restoreBuiltin(ctx, o.preserveFile, script);
    return { builtin: true, rt, script };
  }
  const src = loadUserSource(r.path);
  const sb = new SyncSandbox({
    kind: o.kind,
    code: src.code,
    filename: src.filename,
    config,
    outputLimit: cfg.output_limit,
    moduleDirectories: moduleDirectories(cfg, ctx.globals),
    memoryLimit: cfg.memory_limit,
    instructionLimit: cfg.instruction_limit,
    preserved: cfg.preserve_data ? readPreservedForWorker(ctx, o.preserveFile) : null,
    onTerminated: o.onTerminated,
  });
  logRestoreResult(ctx, o.preserveFile, sb.restoreResult, sb.version);
  return { builtin: false, sb };
}

/** Why a sandbox was terminated; the first reason is logged, a later correction too. */
export class TerminationReason {
  reason: string | null = null;

  constructor(private readonly ctx: PluginContext) {}

  note(reason: string): void {
    const prev = this.reason;
    if (prev === reason) return;
    this.reason = reason;
    // The exit event may correct the reason noticed at the call (a worker killed by its heap limit).
    this.ctx.log.error(prev === null ? `Terminated. Reason: ${reason}` : `Terminated. Reason corrected: ${reason}`);
  }
}
