/**
 * The message side of the sandbox API (spec/sandbox.md §1.3): read_message, read_next_field,
 * write_message and inject_message's table form, over src/core Message objects.
 */
import { Field, FieldType, Message, newUuid, uuidToString, type FieldValue } from '../core/message.js';
import { CircularBuffer } from './circular-buffer.js';
import { SandboxTermination } from './errors.js';

export type ReadValue = string | number | boolean | undefined;

/** read_message(name [, fi [, ai]]) on `msg`. */
export function readMessage(msg: Message, name: string, fi = 0, ai = 0): ReadValue {
  switch (name) {
    case 'Type':
      return msg.type ?? '';
    case 'Logger':
      return msg.logger ?? '';
    case 'Payload':
      return msg.payload ?? '';
    case 'EnvVersion':
      return msg.envVersion ?? '';
    case 'Hostname':
      return msg.hostname ?? '';
    case 'Uuid':
      return uuidToString(msg.uuid);
    case 'Timestamp':
      return msg.timestamp;
    case 'Severity':
      return msg.severity;
    case 'Pid':
      return msg.pid;
    case 'raw':
      return undefined; // served by the caller that holds the encoded bytes
  }
  if (name.length > 8 && name.startsWith('Fields[') && name.endsWith(']')) {
    if (fi < 0 || ai < 0) throw new SandboxTermination('read_message() field index must be >= 0');
    const f = msg.getField(name.slice(7, -1), fi);
    if (f === undefined) return undefined;
    return fieldValue(f, ai);
  }
  return undefined;
}

function fieldValue(f: Field, ai: number): ReadValue {
  const v = f.values[ai];
  if (v === undefined) return undefined;
  switch (f.type) {
    case FieldType.STRING:
      return v as string;
    case FieldType.BYTES: {
      const b = v as Uint8Array;
      return b.length === 0 ? undefined : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
    }
    case FieldType.INTEGER:
    case FieldType.DOUBLE:
      return Number(v);
    case FieldType.BOOL:
      return v as boolean;
  }
  return undefined;
}

/** Iterator state for read_next_field (deprecated API). */
export class FieldCursor {
  private i = 0;
  constructor(private msg: Message | null) {}
  reset(msg: Message | null): void {
    this.msg = msg;
    this.i = 0;
  }
  /** value_type, name, value, representation, count — or five undefineds at the end. */
  next(): [number | undefined, string | undefined, ReadValue, string | undefined, number | undefined] {
    const f = this.msg?.fields[this.i];
    if (f === undefined) return [undefined, undefined, undefined, undefined, undefined];
    this.i++;
    return [f.type, f.name, fieldValue(f, 0), f.representation ?? '', f.values.length];
  }
}

/** The inject_message table (Lua table) shape, as a user JS sandbox writes it. */
export interface InjectTable {
  Uuid?: string | Uint8Array;
  Timestamp?: number;
  Type?: string | number;
  Logger?: string | number;
  Payload?: string | number;
  EnvVersion?: string | number;
  Hostname?: string | number;
  Severity?: number;
  Pid?: number;
  Fields?: Record<string, unknown> | Array<{ name: string; value: unknown; value_type?: number; representation?: string }>;
}

function str(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new SandboxTermination(`inject_message() ${what} must be a string`);
}

function addValue(msg: Message, name: string, v: unknown, valueType: number | undefined, rep: string | undefined): void {
  if (v instanceof CircularBuffer) {
    msg.addField(name, FieldType.BYTES, Buffer.from(v.output(), 'latin1'), rep);
    return;
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)) {
    const o = v as { value?: unknown; value_type?: number; representation?: string };
    addValue(msg, name, o.value, o.value_type, o.representation);
    return;
  }
  const values = Array.isArray(v) ? v : [v];
  if (values.length === 0) throw new SandboxTermination(`inject_message() field '${name}' is an empty array`);
  const t0 = typeof values[0];
  const out: FieldValue[] = [];
  for (const x of values) {
    if (typeof x !== t0 && !(x instanceof Uint8Array && values[0] instanceof Uint8Array)) {
      throw new SandboxTermination('inject_message() array has mixed types');
    }
    out.push(x as FieldValue);
  }
  let type: FieldType;
  if (t0 === 'string') type = valueType === 1 ? FieldType.BYTES : FieldType.STRING;
  else if (t0 === 'number') type = valueType === 2 ? FieldType.INTEGER : FieldType.DOUBLE;
  else if (t0 === 'boolean') type = FieldType.BOOL;
  else if (values[0] instanceof Uint8Array) type = FieldType.BYTES;
  else throw new SandboxTermination(`inject_message() unsupported type for field '${name}'`);
  if (type === FieldType.BYTES && t0 === 'string') for (let i = 0; i < out.length; i++) out[i] = Buffer.from(out[i] as string, 'latin1');
  if (type === FieldType.INTEGER) for (let i = 0; i < out.length; i++) out[i] = Math.trunc(out[i] as number);
  msg.addField(name, type, out, rep);
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * Encodes an inject_message table as a Message (spec/sandbox.md §1.3). `nowNs` fills a missing
 * Timestamp unless `fillTimestamp` is false (decoders inherit the original's instead, §1.5).
 */
export function tableToMessage(t: InjectTable, nowNs: number, fillTimestamp = true): Message {
  if (typeof t !== 'object' || t === null) throw new SandboxTermination('inject_message() takes a table');
  const m = new Message();
  const u = t.Uuid;
  if (u instanceof Uint8Array && u.length === 16) m.uuid = Uint8Array.from(u);
  else if (typeof u === 'string' && u.length === 16) m.uuid = Buffer.from(u, 'latin1');
  else if (typeof u === 'string' && UUID_RE.test(u)) m.uuid = Buffer.from(u.replace(/-/g, ''), 'hex');
  else m.uuid = newUuid();
  if (typeof t.Timestamp === 'number' && t.Timestamp === t.Timestamp) m.timestamp = Math.max(0, Math.trunc(t.Timestamp));
  else if (fillTimestamp) m.timestamp = Math.floor(nowNs / 1e9) * 1e9;
  m.type = str(t.Type, 'Type');
  m.logger = str(t.Logger, 'Logger');
  m.payload = str(t.Payload, 'Payload');
  m.envVersion = str(t.EnvVersion, 'EnvVersion');
  m.hostname = str(t.Hostname, 'Hostname');
  if (typeof t.Severity === 'number') m.severity = Math.trunc(t.Severity);
  if (typeof t.Pid === 'number') m.pid = Math.trunc(t.Pid);
  const fields = t.Fields;
  if (Array.isArray(fields)) {
    for (const f of fields) {
      if (typeof f !== 'object' || f === null || typeof f.name !== 'string') throw new SandboxTermination('inject_message() a field entry needs a name');
      addValue(m, f.name, f.value, f.value_type, f.representation);
    }
  } else if (typeof fields === 'object' && fields !== null) {
    for (const name of Object.keys(fields)) addValue(m, name, (fields as Record<string, unknown>)[name], undefined, undefined);
  }
  return m;
}

/** write_message(name, value [, rep [, fi [, ai]]]) on `msg` (decoders, encoders). */
export function writeMessage(msg: Message, name: string, value: unknown, rep = '', fi = 0, ai?: number): void {
  const fail = (): never => {
    throw new SandboxTermination('write_message() failed');
  };
  const s = (): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fail());
  const int = (): number =>
    typeof value === 'number' ? Math.trunc(value) : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : fail();
  switch (name) {
    case 'Type':
      msg.type = s();
      return;
    case 'Logger':
      msg.logger = s();
      return;
    case 'Payload':
      msg.payload = s();
      return;
    case 'EnvVersion':
      msg.envVersion = s();
      return;
    case 'Hostname':
      msg.hostname = s();
      return;
    case 'Uuid': {
      const u = s();
      if (!UUID_RE.test(u)) fail();
      msg.uuid = Buffer.from(u.replace(/-/g, ''), 'hex');
      return;
    }
    case 'Timestamp':
      msg.timestamp = int();
      msg.timestampExact = undefined;
      return;
    case 'Severity':
      msg.severity = int() | 0;
      return;
    case 'Pid':
      msg.pid = int() | 0;
      return;
  }
  if (!(name.startsWith('Fields[') && name.endsWith(']'))) fail();
  const fname = name.slice(7, -1);
  msg.rawBytes = undefined;
  const same = msg.fields.filter((f) => f.name === fname);
  if (value === undefined || value === null) {
    const f = same[fi];
    if (f === undefined) return;
    if (ai === undefined) msg.fields.splice(msg.fields.indexOf(f), 1);
    else if (ai < f.values.length) f.values.splice(ai, 1);
    return;
  }
  const type =
    typeof value === 'number' ? FieldType.DOUBLE : typeof value === 'string' ? FieldType.STRING : typeof value === 'boolean' ? FieldType.BOOL : fail();
  if (fi === same.length) {
    if (ai !== undefined && ai !== 0) fail();
    msg.addField(fname, type, value as FieldValue, rep === '' ? undefined : rep);
    return;
  }
  const f = same[fi] ?? fail();
  if (f.type !== type) fail();
  const a = ai ?? 0;
  if (a > f.values.length) fail();
  f.values[a] = value as FieldValue;
  if (rep !== '') f.representation = rep;
}

/** One field as decode_message returns it: Heka's `{name, value_type, representation, value = {...}}`. */
export interface DecodedField {
  name: string;
  value_type: number;
  representation: string;
  value: Array<string | number | boolean>;
}

/** The table decode_message(protobuf) returns (spec/sandbox.md §1.3); absent headers are left out. */
export interface DecodedMessage {
  Uuid?: string;
  Timestamp?: number;
  Type?: string;
  Logger?: string;
  Severity?: number;
  Payload?: string;
  EnvVersion?: string;
  Pid?: number;
  Hostname?: string;
  Fields: DecodedField[];
}

/** A Message as the table decode_message returns; BYTES values are latin1 strings (Lua byte strings). */
export function messageToTable(m: Message): DecodedMessage {
  const t: DecodedMessage = { Fields: [] };
  if (m.uuid !== undefined) t.Uuid = Buffer.from(m.uuid.buffer, m.uuid.byteOffset, m.uuid.byteLength).toString('latin1');
  if (m.timestamp !== undefined) t.Timestamp = Number(m.timestamp);
  if (m.type !== undefined) t.Type = m.type;
  if (m.logger !== undefined) t.Logger = m.logger;
  if (m.severity !== undefined) t.Severity = m.severity;
  if (m.payload !== undefined) t.Payload = m.payload;
  if (m.envVersion !== undefined) t.EnvVersion = m.envVersion;
  if (m.pid !== undefined) t.Pid = m.pid;
  if (m.hostname !== undefined) t.Hostname = m.hostname;
  for (const f of m.fields) {
    const value: Array<string | number | boolean> = [];
    for (const v of f.values) {
      if (v instanceof Uint8Array) value.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1'));
      else if (typeof v === 'bigint') value.push(Number(v));
      else value.push(v as string | number | boolean);
    }
    t.Fields.push({ name: f.name, value_type: f.type, representation: f.representation ?? '', value });
  }
  return t;
}
