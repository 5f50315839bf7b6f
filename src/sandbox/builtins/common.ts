/** Shared helpers of the built-in graph filters (http_status, stat_graph). */
import { CircularBuffer, type CircularBufferState } from '../circular-buffer.js';
import type { SandboxRuntime } from '../host.js';
import type { AnomalyConfig } from '../modules/anomaly.js';

export function configNumber(rt: SandboxRuntime, key: string, def: number): number {
  const v = rt.readConfig(key);
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${key} must be a number`);
  return v;
}

export function configString(rt: SandboxRuntime, key: string, def: string | undefined): string | undefined {
  const v = rt.readConfig(key);
  if (v === undefined) return def;
  if (typeof v !== 'string') throw new Error(`${key} must be a string`);
  return v;
}

/** Number value of Fields[name] (element 0 of the first such field), or undefined. */
export function numericField(msg: import('../../core/message.js').Message, name: string): number | undefined {
  const fields = msg.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.name === name) {
      const v = f.values[0];
      // INTEGER (2) and DOUBLE (3) read as Lua numbers; anything else is not a number.
      if (f.type === 2 || f.type === 3) return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
      return undefined;
    }
  }
  return undefined;
}

/**
 * timer_event of http_status and stat_graph (spec/sandbox.md §3.2, §7.6): anomaly detection when
 * configured and not throttled, then the cbuf payload (prefixed by the annotation line).
 */
export function graphTimerEvent(rt: SandboxRuntime, ns: number, title: string, cbuf: CircularBuffer, anomaly: AnomalyConfig | undefined): void {
  if (anomaly !== undefined) {
    if (!rt.alert.throttled(ns)) {
      const r = rt.anomaly.detect(ns, title, cbuf, anomaly);
      if (r !== undefined) {
        rt.annotation.concat(title, r[1]);
        rt.alert.send(ns, r[0]);
      }
    }
    rt.injectPayload('cbuf', title, rt.annotation.prune(title, ns), cbuf);
  } else {
    rt.injectPayload('cbuf', title, cbuf);
  }
}

export function saveGraphState(rt: SandboxRuntime, cbuf: CircularBuffer): Record<string, unknown> {
  return { cbuf: cbuf.saveState(), ...rt.moduleState() };
}

export function restoreGraphState(rt: SandboxRuntime, cbuf: CircularBuffer, s: Record<string, unknown>): void {
  if (!CircularBuffer.isState(s.cbuf)) throw new Error('preserved state has no circular buffer');
  cbuf.restoreState(s.cbuf as CircularBufferState);
  rt.restoreModuleState(s);
}
