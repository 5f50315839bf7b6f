/**
 * A user JS/TS sandbox: the script runs as a classic script in its own vm context whose globals
 * are Heka's sandbox API (read_message, inject_payload, require("circular_buffer"), ...). No Node
 * API is reachable from the script (no require of node modules, no process, no eval). This class
 * runs inside the sandbox worker (worker/sandbox-worker.ts); limits are enforced around it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import type { Clock } from '../../core/clock.js';
import type { Message } from '../../core/message.js';
import { CircularBuffer, type CircularBufferState } from '../circular-buffer.js';
import { SandboxTermination, truncateReason } from '../errors.js';
import { SandboxRuntime, type Injection, type ProcessResult, type SandboxKind } from '../host.js';
import { FieldCursor, messageToTable, readMessage, writeMessage, type InjectTable } from '../message-api.js';
import { decodeMessage } from '../../core/protobuf.js';
import type { Annotation } from '../modules/annotation.js';
import type { AnomalyConfig } from '../modules/anomaly.js';
import { toScript } from './user-source.js';

export interface UserSandboxOptions {
  kind: SandboxKind;
  code: string;
  filename: string;
  config: Record<string, unknown>;
  outputLimit: number;
  maxProcessInject: number;
  maxTimerInject: number;
  moduleDirectories: string[];
  clock: Clock;
  onInject(inj: Injection): void;
}

/** Names the API defines on the sandbox global; never preserved. */
const API_NAMES = new Set([
  'read_message', 'read_next_field', 'read_config', 'write_message', 'inject_message', 'inject_payload',
  'add_to_payload', 'decode_message', 'require', 'exports', 'module', 'process_message', 'timer_event',
]);

function errorText(err: unknown): string {
  if (err instanceof SandboxTermination) return err.message;
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) {
    const e = err as Error;
    const frame = /\((.*:\d+):\d+\)/.exec(e.stack ?? '') ?? /at (\S+:\d+):\d+/.exec(e.stack ?? '');
    return `${frame ? frame[1] + ': ' : ''}${e.message}`;
  }
  return String(err);
}

export class UserSandbox {
  readonly rt: SandboxRuntime;
  private readonly context: vm.Context;
  private readonly g: Record<string, unknown>;
  private current: Message | null = null;
  private currentRaw: (() => Uint8Array) | null = null;
  private loadCurrent: (() => Message) | null = null;
  private readonly cursor = new FieldCursor(null);
  private processFn: ((...a: unknown[]) => unknown) | undefined;
  private timerFn: ((...a: unknown[]) => unknown) | undefined;
  private readonly modules = new Map<string, unknown>();
  /** write_message changed the current message since setCurrent (decoders, encoders). */
  written = false;

  constructor(private readonly o: UserSandboxOptions) {
    this.rt = new SandboxRuntime({
      kind: o.kind,
      config: o.config,
      outputLimit: o.outputLimit,
      maxProcessInject: o.maxProcessInject,
      maxTimerInject: o.maxTimerInject,
      clock: o.clock,
      onInject: o.onInject,
    });
    const g: Record<string, unknown> = {};
    this.g = g;
    this.context = vm.createContext(g, { name: `sandbox ${o.filename}`, codeGeneration: { strings: false, wasm: false } });
    const rt = this.rt;
    const api: Record<string, unknown> = {
      read_message: (name: string, fi?: number, ai?: number) => {
        if (name === 'raw') return this.currentRaw ? Buffer.from(this.currentRaw()).toString('latin1') : undefined;
        const m = this.message();
        return m === null ? undefined : readMessage(m, String(name), fi ?? 0, ai ?? 0);
      },
      read_next_field: () => {
        this.message();
        return this.cursor.next();
      },
      read_config: (name: string) => rt.readConfig(String(name)),
      inject_payload: (type?: unknown, name?: unknown, ...args: unknown[]) => rt.injectPayload(type, name, ...args),
      add_to_payload: (...args: unknown[]) => rt.addToPayload(...args),
      inject_message: (t: InjectTable | string) => rt.injectMessage(t),
      write_message: (name: string, value: unknown, rep?: string, fi?: number, ai?: number) => {
        if (o.kind === 'filter') throw new SandboxTermination('write_message() is not available to filters');
        const m = this.message();
        if (m === null) throw new SandboxTermination('write_message() failed');
        this.written = true;
        writeMessage(m, String(name), value, rep ?? '', fi ?? 0, ai);
      },
      decode_message: (s: unknown) => {
        if (typeof s !== 'string' && !(s instanceof Uint8Array)) throw new SandboxTermination('decode_message() takes a protobuf string');
        const bytes = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
        try {
          return messageToTable(decodeMessage(bytes));
        } catch (err) {
          throw new SandboxTermination(`decode_message() failed: ${(err as Error).message}`);
        }
      },
      require: (name: string) => this.require(String(name)),
    };
    for (const [k, v] of Object.entries(api)) Object.defineProperty(g, k, { value: v, enumerable: false, writable: false });
    const module = { exports: {} as Record<string, unknown> };
    Object.defineProperty(g, 'module', { value: module, enumerable: false, writable: true });
    Object.defineProperty(g, 'exports', { value: module.exports, enumerable: false, writable: true });
    new vm.Script(o.code, { filename: o.filename }).runInContext(this.context);
    const exp = (g.module as { exports: Record<string, unknown> }).exports;
    const pick = (n: string) => {
      const f = g[n] ?? exp[n];
      return typeof f === 'function' ? (f as (...a: unknown[]) => unknown) : undefined;
    };
    this.processFn = pick('process_message');
    this.timerFn = pick('timer_event');
  }

  /** `_PRESERVATION_VERSION` as the script defines it (0 when it does not). */
  get preservationVersion(): number {
    const v = this.g._PRESERVATION_VERSION;
    return typeof v === 'number' ? v : 0;
  }

  get hasTimerEvent(): boolean {
    return this.timerFn !== undefined;
  }

  /** Current message accessors: `load` decodes on first use (most scripts read few fields). */
  setCurrent(load: (() => Message) | null, raw: (() => Uint8Array) | null): void {
    this.written = false;
    this.current = null;
    this.loadCurrent = load;
    this.currentRaw = raw;
    this.cursor.reset(null);
  }

  setCurrentMessage(msg: Message | null): void {
    this.written = false;
    this.current = msg;
    this.loadCurrent = null;
    this.currentRaw = null;
    this.cursor.reset(msg);
  }

  currentMessage(): Message | null {
    return this.message();
  }

  private message(): Message | null {
    if (this.current === null && this.loadCurrent !== null) {
      this.current = this.loadCurrent();
      this.loadCurrent = null;
      this.cursor.reset(this.current);
    }
    return this.current;
  }

  /** process_message: [status, error text]. Throws SandboxTermination for every fatal outcome. */
  processMessage(): [number, string | undefined] {
    const f = this.processFn;
    if (f === undefined) throw new SandboxTermination('process_message() function was not found');
    this.rt.beginCall('process_message');
    let r: unknown;
    try {
      r = f();
    } catch (err) {
      throw new SandboxTermination(truncateReason(`process_message() ${errorText(err)}`));
    }
    let status: unknown = r;
    let text: unknown;
    if (Array.isArray(r)) {
      status = r[0];
      text = r[1];
    }
    if (typeof status !== 'number' || status !== status) throw new SandboxTermination('process_message() must return a numeric status code');
    if (text !== undefined && text !== null && typeof text !== 'string') {
      throw new SandboxTermination('process_message() must return a nil or string error message');
    }
    if (status > 0) throw new SandboxTermination(truncateReason(`process_message() ${typeof text === 'string' && text ? text : `returned ${status}`}`));
    return [status, (text as string | undefined) ?? undefined];
  }

  timerEvent(ns: number): void {
    const f = this.timerFn;
    if (f === undefined) throw new SandboxTermination('timer_event() function was not found');
    this.rt.beginCall('timer_event');
    try {
      f(ns);
    } catch (err) {
      throw new SandboxTermination(truncateReason(`timer_event() ${errorText(err)}`));
    }
  }

  // ---- modules -------------------------------------------------------------------------------

  private require(name: string): unknown {
    const have = this.modules.get(name);
    if (have !== undefined) return have;
    const m = this.builtinModule(name) ?? this.fileModule(name);
    if (m === undefined) throw new Error(`module '${name}' not found`);
    this.modules.set(name, m);
    return m;
  }

  private builtinModule(name: string): unknown {
    const rt = this.rt;
    switch (name) {
      case 'circular_buffer':
        return Object.freeze({
          new: (rows: number, cols: number, spr: number, delta?: boolean) => new CircularBuffer(rows, cols, spr, delta === true),
          CircularBuffer,
        });
      case 'annotation':
        return Object.freeze({
          create: (ns: number, col: number, s: string, t: string) => rt.annotation.create(ns, col, s, t),
          add: (n: string, ns: number, col: number, s: string, t: string) => rt.annotation.add(n, ns, col, s, t),
          concat: (n: string, list: Annotation[]) => rt.annotation.concat(n, list),
          set_prune: (n: string, d: number) => rt.annotation.setPrune(n, d),
          remove: (n: string) => rt.annotation.remove(n),
          prune: (n: string, ns: number) => rt.annotation.prune(n, ns),
        });
      case 'alert':
        return Object.freeze({
          set_throttle: (d: number) => rt.alert.setThrottle(d),
          throttled: (ns: number) => rt.alert.throttled(ns),
          send: (ns: number, msg: string) => rt.alert.send(ns, msg),
          queue: (ns: number, msg: string) => rt.alert.queue(ns, msg),
          send_queue: (ns: number) => rt.alert.sendQueue(ns),
        });
      case 'anomaly':
        return Object.freeze({
          parse_config: (s: string) => rt.anomaly.parseConfig(s),
          detect: (ns: number, n: string, cb: CircularBuffer, cfg: AnomalyConfig) => {
            const r = rt.anomaly.detect(ns, n, cb, cfg);
            return r === undefined ? [undefined, undefined] : r;
          },
        });
    }
    return undefined;
  }

  /** A JS/TS module from module_directory, run in this sandbox's context (CommonJS style). */
  private fileModule(name: string): unknown {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.includes('..')) return undefined;
    for (const dir of this.o.moduleDirectories) {
      for (const ext of ['.js', '.ts', '.mjs']) {
        const file = path.join(dir, name + ext);
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          continue;
        }
        const code = `(function (exports, module) {${toScript(text, file)}\n})`;
        const fn = new vm.Script(code, { filename: file }).runInContext(this.context) as (e: unknown, m: unknown) => void;
        const module = { exports: {} as unknown };
        fn(module.exports, module);
        return module.exports;
      }
    }
    return undefined;
  }

  // ---- preservation --------------------------------------------------------------------------

  /** The script's globals (data only) and the module state, for preserve_data. */
  saveState(): Record<string, unknown> {
    const globals: Record<string, unknown> = {};
    const seen = new Set<object>();
    const enc = (v: unknown): unknown => {
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      if (v instanceof CircularBuffer) return { $cbuf: v.saveState() };
      if (typeof v !== 'object') return undefined;
      if (seen.has(v)) throw new Error('a cyclic value cannot be preserved');
      seen.add(v);
      try {
        if (Array.isArray(v)) return v.map((x) => enc(x) ?? null);
        const proto = Object.getPrototypeOf(v);
        if (proto !== null && Object.getPrototypeOf(proto) !== null) return undefined; // class instances, Maps...
        const o: Record<string, unknown> = {};
        for (const k of Object.keys(v)) {
          const e = enc((v as Record<string, unknown>)[k]);
          if (e !== undefined) o[k] = e;
        }
        return o;
      } finally {
        seen.delete(v);
      }
    };
    for (const k of Object.keys(this.g)) {
      if (API_NAMES.has(k)) continue;
      const e = enc(this.g[k]);
      if (e !== undefined) globals[k] = e;
    }
    return { globals, ...this.rt.moduleState() };
  }

  /** Overwrite the fresh globals with preserved ones. */
  restoreState(s: Record<string, unknown>): void {
    const dec = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(dec);
      if (typeof v === 'object' && v !== null) {
        const cb = (v as { $cbuf?: unknown }).$cbuf;
        if (cb !== undefined && CircularBuffer.isState(cb)) return CircularBuffer.fromState(cb as CircularBufferState);
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) o[k] = dec(x);
        return o;
      }
      return v;
    };
    const globals = (s.globals ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(globals)) {
      if (API_NAMES.has(k)) continue;
      const fresh = this.g[k];
      const restored = dec(v);
      // A buffer whose dimensions changed cannot take the old data (Heka fails the restore).
      if (fresh instanceof CircularBuffer && restored instanceof CircularBuffer) {
        fresh.restoreState(restored.saveState());
        continue;
      }
      this.g[k] = restored;
    }
    this.rt.restoreModuleState(s);
  }
}

export type { ProcessResult };
