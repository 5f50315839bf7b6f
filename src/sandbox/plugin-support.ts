/**
 * What the three sandbox plugins share: resolving and checking the script at -check, building a
 * built-in script, preservation files, and turning injections into Heka messages.
 */
import { hostname as osHostname } from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { systemClock } from '../core/clock.js';
import { FieldType, Message, newUuid } from '../core/message.js';
import { decodeMessage } from '../core/protobuf.js';
import type { GlobalConfig, PluginContext, ReportField } from '../plugin-api/index.js';
import { closest } from '../config/suggest.js';
import { SandboxRuntime, type Injection, type SandboxKind, type SandboxScript } from './host.js';
import type { SandboxCommonConfig } from './options.js';
import { decodePreservation, loadPreservation, preservationPath, savePreservation } from './preservation.js';
import { resolveSandboxFile, type ResolvedSandbox } from './resolver.js';
import { loadUserSource } from './worker/user-source.js';

/** -check: resolve the file and validate what can be validated without running anything. */
export function validateSandbox(config: Record<string, unknown>, globals: GlobalConfig, kind: SandboxKind): Array<{ option: string; reason: string }> {
  const c = config as unknown as SandboxCommonConfig;
  let r: ResolvedSandbox;
  try {
    r = resolveSandboxFile(c.filename, globals.share_dir, kind);
  } catch (err) {
    return [{ option: 'filename', reason: (err as Error).message }];
  }
  if (r.kind === 'builtin') {
    try {
      r.def.create(probeRuntime(kind, c.config ?? {}));
    } catch (err) {
      return [{ option: 'config', reason: `${r.file}: ${(err as Error).message}` }];
    }
    return [];
  }
  try {
    const src = loadUserSource(r.path);
    new vm.Script(src.code, { filename: src.filename });
  } catch (err) {
    return [{ option: 'filename', reason: `cannot load '${r.path}': ${(err as Error).message}` }];
  }
  return [];
}

function probeRuntime(kind: SandboxKind, config: Record<string, unknown>): SandboxRuntime {
  return new SandboxRuntime({ kind, config, outputLimit: 0, maxProcessInject: 1, maxTimerInject: 10, clock: systemClock, onInject: () => {} });
}

/** Warn about `[name.config]` keys a built-in does not read ("did you mean"). */
export function warnUnknownConfigKeys(ctx: PluginContext, file: string, known: readonly string[], config: Record<string, unknown>): void {
  for (const k of Object.keys(config)) {
    if (known.includes(k)) continue;
    const near = closest(k, known);
    ctx.log.warn(`${file} does not read config key '${k}'; it is ignored.${near ? ` Did you mean '${near}'?` : ''}`);
  }
}

export function moduleDirectories(c: SandboxCommonConfig, globals: GlobalConfig): string[] {
  const raw = c.module_directory || path.join(globals.share_dir, 'lua_modules');
  return raw
    .split(';')
    .filter((d) => d !== '')
    .map((d) => (path.isAbsolute(d) ? d : path.join(globals.share_dir, d)));
}

export function hostnameOf(globals: GlobalConfig): string {
  return globals.hostname || osHostname();
}

/** Load preserved state into a built-in script (after its initialisation); never fatal. */
export function restoreBuiltin(ctx: PluginContext, file: string, script: SandboxScript): void {
  const r = loadPreservation(file, script.preservationVersion);
  switch (r.status) {
    case 'missing':
      return;
    case 'version':
      ctx.log.info(`Preserved data of version ${r.saved} discarded (preservation_version is now ${script.preservationVersion}).`);
      return;
    case 'corrupt':
      ctx.log.error(`Preserved data in ${file} is unreadable and was ignored: ${r.reason}`);
      return;
    case 'ok':
      try {
        script.restoreState?.(r.state);
      } catch (err) {
        ctx.log.error(`Preserved data in ${file} could not be restored and was ignored: ${(err as Error).message}`);
      }
  }
}

export function savePreserved(ctx: PluginContext, file: string, version: number, state: Record<string, unknown> | null | undefined): void {
  if (!state) return;
  try {
    savePreservation(file, version, state);
  } catch (err) {
    ctx.log.error(`Failed to preserve sandbox data in ${file}: ${(err as Error).message}`);
  }
}

export { preservationPath };

/** A filter's inject_payload as Heka builds it (spec/sandbox.md §1.4). */
export function sandboxOutputMessage(name: string, host: string, nowNs: number, type: string, payloadName: string, payload: string): Message {
  const m = new Message();
  m.uuid = newUuid();
  m.timestamp = nowNs;
  m.type = 'heka.sandbox-output';
  m.logger = name;
  m.payload = payload;
  m.hostname = host;
  m.pid = process.pid;
  m.addField('payload_type', FieldType.STRING, type, 'file-extension');
  m.addField('payload_name', FieldType.STRING, payloadName);
  return m;
}

/** A filter's inject_message: Type prefixed with `heka.sandbox.`, Logger and Hostname forced. */
export function filterInjectedMessage(m: Message, name: string, host: string): Message {
  m.type = `heka.sandbox.${m.type ?? ''}`;
  m.logger = name;
  m.hostname = host;
  m.rawBytes = undefined;
  return m;
}

export function filterInjection(inj: Injection, name: string, host: string, nowNs: number): Message {
  switch (inj.kind) {
    case 'payload':
      return sandboxOutputMessage(name, host, nowNs, inj.type, inj.name, inj.payload);
    case 'message':
      return filterInjectedMessage(inj.message, name, host);
    case 'raw': // only encoders produce raw injections
      return filterInjectedMessage(decodeMessage(inj.bytes), name, host);
  }
}

/** The message Heka injects when a sandbox filter is terminated. */
export function terminationMessage(name: string, host: string, nowNs: number, reason: string): Message {
  const m = new Message();
  m.uuid = newUuid();
  m.timestamp = nowNs;
  m.type = 'heka.sandbox-terminated';
  m.logger = 'hekad';
  m.payload = reason;
  m.hostname = host;
  m.pid = process.pid;
  m.addField('plugin', FieldType.STRING, name);
  return m;
}

/**
 * A user sandbox's preserved state as saved (its version is compared inside the worker, once the
 * script has set `_PRESERVATION_VERSION`); null when there is none or it is unreadable (logged).
 */
export function readPreservedForWorker(ctx: PluginContext, file: string): { version: number; state: Record<string, unknown> } | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ctx.log.error(`Preserved data unreadable, ignored: ${(err as Error).message}`);
    return null;
  }
  const saved = /"version":(-?[0-9.e+]+)/.exec(text);
  const r = decodePreservation(text, saved ? Number(saved[1]) : NaN);
  if (r.status !== 'ok') {
    ctx.log.error(`Preserved data in ${file} is unreadable and was ignored: ${r.status === 'corrupt' ? r.reason : r.status}`);
    return null;
  }
  return { version: Number(saved![1]), state: r.state };
}

/** Log what restoring preserved data in a worker gave ('none' and 'ok' are silent). */
export function logRestoreResult(ctx: PluginContext, file: string, result: string, version: number): void {
  if (result === 'version') ctx.log.info(`Preserved data discarded (preservation_version is now ${version}).`);
  else if (result !== 'none' && result !== 'ok') ctx.log.error(`Preserved data in ${file} was ignored: ${result}`);
}

/**
 * The report fields of a sandbox decoder or encoder, only measured figures (README "Report
 * fields"): the worker heap of a user sandbox, the output buffer's high-water mark of a built-in,
 * and why it was terminated; nothing counts instructions.
 */
export function sandboxReportFields(
  heap: { used: number; max: number } | null,
  maxOutput: number | null,
  termination: string | null,
): ReportField[] {
  const out: ReportField[] = [];
  if (heap !== null) {
    out.push({ name: 'Memory', value: heap.used, representation: 'B' }, { name: 'MaxMemory', value: heap.max, representation: 'B' });
  }
  if (maxOutput !== null) out.push({ name: 'MaxOutput', value: maxOutput, representation: 'B' });
  if (termination !== null) out.push({ name: 'TerminationReason', value: termination, representation: '' });
  return out;
}
