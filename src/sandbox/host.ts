/**
 * The sandbox host interface (DESIGN.md §4): what a sandbox script can call (read_config,
 * inject_payload, add_to_payload, inject_message and the annotation/alert/anomaly modules) and
 * what the plugin calls on a script (process_message, timer_event, state for preserve_data).
 *
 * Built-in scripts (registered under Heka's lua_* file names) implement SandboxScript natively and
 * run in process; users' JS/TS sandboxes run the same runtime inside a worker (worker/).
 */
import type { Clock } from '../core/clock.js';
import type { Message } from '../core/message.js';
import { decodeMessage } from '../core/protobuf.js';
import { SandboxTermination } from './errors.js';
import { tableToMessage, type InjectTable } from './message-api.js';
import { AlertModule, type AlertState } from './modules/alert.js';
import { AnnotationModule, type AnnotationState } from './modules/annotation.js';
import { AnomalyModule } from './modules/anomaly.js';
import { OutputBuffer } from './output-buffer.js';

export type SandboxKind = 'filter' | 'decoder' | 'encoder';

/** What a script produced with inject_payload / inject_message. */
export type Injection =
  | { kind: 'payload'; type: string; name: string; payload: string }
  | { kind: 'message'; message: Message }
  /** An encoder's inject_message(string): the bytes are its output as they are. */
  | { kind: 'raw'; bytes: Uint8Array };

export interface RuntimeOptions {
  kind: SandboxKind;
  /** The nested `[name.config]` table, as TOML gave it. */
  config: Record<string, unknown>;
  outputLimit: number;
  maxProcessInject: number;
  maxTimerInject: number;
  clock: Clock;
  onInject(inj: Injection): void;
}

/** Per-call injection limits are Heka's max_process_inject / max_timer_inject (filters only). */
export class SandboxRuntime {
  readonly output: OutputBuffer;
  readonly annotation: AnnotationModule;
  readonly alert: AlertModule;
  readonly anomaly: AnomalyModule;
  readonly kind: SandboxKind;
  private injectCount = 0;
  private injectMax = Infinity;
  private fn = 'process_message';
  /** Messages injected since start (report: InjectMessageCount). */
  injectTotal = 0;

  constructor(private readonly o: RuntimeOptions) {
    this.kind = o.kind;
    this.output = new OutputBuffer(o.outputLimit);
    this.annotation = new AnnotationModule();
    this.alert = new AlertModule((msg) => this.injectPayload('alert', '', msg));
    this.anomaly = new AnomalyModule(this.annotation);
  }

  get clock(): Clock {
    return this.o.clock;
  }

  /** Called before each process_message / timer_event. */
  beginCall(fn: 'process_message' | 'timer_event'): void {
    this.fn = fn;
    this.injectCount = 0;
    this.injectMax = this.o.kind !== 'filter' ? Infinity : fn === 'process_message' ? this.o.maxProcessInject : this.o.maxTimerInject;
    // The output buffer is not cleared: add_to_payload text accumulates until inject_payload (as in Heka).
  }

  /** read_config: strings, booleans and numbers; anything else reads as undefined (Lua nil). */
  readConfig(name: string): string | number | boolean | undefined {
    const v = this.o.config[name];
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    return undefined;
  }

  addToPayload(...args: unknown[]): void {
    this.output.append('add_to_payload', args);
  }

  injectPayload(type?: unknown, name?: unknown, ...args: unknown[]): void {
    if (args.length) this.output.append('inject_payload', args);
    if (this.output.empty) return;
    this.count('inject_payload');
    const payload = this.output.take('inject_payload');
    const t = type === undefined || type === null || type === '' ? 'txt' : String(type);
    const n = name === undefined || name === null ? '' : String(name);
    this.o.onInject({ kind: 'payload', type: t, name: n, payload });
  }

  /**
   * inject_message(table | Message | string). A string is an already encoded protobuf message:
   * an encoder outputs it as it is, other kinds decode it (a malformed one terminates).
   */
  injectMessage(t: InjectTable | Message | string): void {
    this.count('inject_message');
    if (typeof t === 'string') {
      const bytes = Buffer.from(t, 'latin1');
      if (this.o.kind === 'encoder') {
        this.o.onInject({ kind: 'raw', bytes });
        return;
      }
      let m: Message;
      try {
        m = decodeMessage(bytes);
      } catch (err) {
        throw new SandboxTermination(`inject_message() could not decode the protobuf string: ${(err as Error).message}`);
      }
      this.o.onInject({ kind: 'message', message: m });
      return;
    }
    const m =
      t instanceof Object && 'fields' in t && Array.isArray((t as Message).fields)
        ? (t as Message)
        : tableToMessage(t as InjectTable, this.o.clock.nowNs(), this.o.kind !== 'decoder');
    this.o.onInject({ kind: 'message', message: m });
  }

  private count(what: string): void {
    if (++this.injectCount > this.injectMax) {
      throw new SandboxTermination(`${what}() exceeded InjectMessage count`);
    }
    this.injectTotal++;
  }

  /** The module globals Heka preserves (_ANNOTATIONS, _LAST_ALERT). */
  moduleState(): { _ANNOTATIONS: AnnotationState; _LAST_ALERT: AlertState } {
    return { _ANNOTATIONS: this.annotation.state, _LAST_ALERT: this.alert.state };
  }

  restoreModuleState(s: { _ANNOTATIONS?: unknown; _LAST_ALERT?: unknown }): void {
    if (typeof s._ANNOTATIONS === 'object' && s._ANNOTATIONS !== null) this.annotation.state = s._ANNOTATIONS as AnnotationState;
    const a = s._LAST_ALERT as Partial<AlertState> | undefined;
    if (a && typeof a.last_alert === 'number') {
      this.alert.state.last_alert = a.last_alert;
      if (typeof a.throttle === 'number') this.alert.state.throttle = a.throttle;
      if (Array.isArray(a.queue)) this.alert.state.queue = a.queue.map(String);
    }
  }
}

/** process_message's result: a status, or a status with an error text. */
export type ProcessResult = number | [number, string | undefined];

/** A sandbox script as the plugins drive it. */
export interface SandboxScript {
  /** `_PRESERVATION_VERSION` of the current configuration (0 when the script defines none). */
  readonly preservationVersion: number;
  /** 0 success, < 0 failure, > 0 fatal (-2 encoders: no output). Throws SandboxTermination on fatal errors. */
  processMessage(msg: Message): ProcessResult;
  /** Missing: the sandbox is terminated at its first tick (`timer_event() function was not found`). */
  timerEvent?(ns: number): void;
  /** Globals to preserve (JSON-able; CircularBuffers by their saveState()). */
  saveState?(): Record<string, unknown>;
  /** Overwrite the fresh globals with preserved ones (after initialisation). */
  restoreState?(state: Record<string, unknown>): void;
}

/** A built-in script registered under Heka's file name (e.g. `lua_filters/http_status.lua`). */
export interface BuiltinSandbox {
  /** Heka's file name relative to share_dir. */
  file: string;
  kind: SandboxKind;
  /** Keys of `[name.config]` the script reads (others are warned about with "did you mean"). */
  configKeys: readonly string[];
  /** Validate config and build the script; throw an Error with Heka's message on a bad config. */
  create(rt: SandboxRuntime): SandboxScript;
}

export function statusOf(r: ProcessResult): [number, string | undefined] {
  return typeof r === 'number' ? [r, undefined] : r;
}
