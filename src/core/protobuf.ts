/**
 * Heka's protobuf Message codec, byte-exact with the gogo-protobuf code in Heka 0.10
 * (spec/message.md §2). Hand-written because this is the hot path of every protobuf hop
 * (TcpInput/TcpOutput, disk buffers, FileOutput + ProtobufEncoder).
 *
 * Presence: header slots are written only when not `undefined`. Fields follow the Go rule by
 * default: `value_type` and `representation` are always written (an undefined representation is
 * written as ""), because every field our Go-equivalent code builds is a Go-created field
 * (message.NewField). Fields that must differ (decoded from bytes that omitted them, or built by a
 * Lua-style `inject_message`) carry that in a side table (setFieldPresence) rather than on Field, so
 * the core types stay small; decodeMessage fills it in, so a decode -> modify -> encode cycle keeps
 * the original presence. Unknown fields are kept the same way and re-emitted at the end of their
 * message/field (Heka keeps them in XXX_unrecognized).
 *
 * Timestamps above 2^53 are exact through msg.timestampExact (set by the decoder whenever the double
 * cannot hold the value); the encoder uses it while it still agrees with msg.timestamp.
 */
import { Field, FieldType, Message, type FieldValue } from './message.js';

/** A malformed protobuf message (truncated, wrong wire type, bad varint...). */
export class ProtobufError extends Error {
  override name = 'ProtobufError';
  readonly code = 'HEKA_ERR_PROTOBUF_DECODE';
}

// ---------------------------------------------------------------------------------------------
// Wire extras kept beside the model (see the header comment)

interface FieldWire {
  /** Write value_type (Go: always; Lua: not for STRING; decoded: as it arrived). */
  valueType: boolean;
  /** Write representation even when undefined (as ""). When false, only a defined one is written. */
  representation: boolean;
  /** Value arrays that do not match value_type (kept, re-emitted in field-number order). */
  inactive: Array<{ type: FieldType; values: FieldValue[] }> | undefined;
  unknown: Uint8Array | undefined;
}

const fieldWire = new WeakMap<Field, FieldWire>();
const messageUnknown = new WeakMap<Message, Uint8Array>();
// The side tables cost a lookup per message/field on encode; skip them until first used.
let fieldWireUsed = false;
let messageUnknownUsed = false;

/**
 * Declare which optional Field parts are written. `valueType: false` omits value_type (Lua does this
 * for STRING fields); `representation: false` writes representation only when it is defined.
 * Fields never passed here behave as Go-created fields (both always written).
 */
export function setFieldPresence(field: Field, presence: { valueType: boolean; representation: boolean }): void {
  const w = fieldWire.get(field);
  if (w !== undefined) {
    w.valueType = presence.valueType;
    w.representation = presence.representation;
    return;
  }
  if (presence.valueType && presence.representation) return;
  fieldWire.set(field, { ...presence, inactive: undefined, unknown: undefined });
  fieldWireUsed = true;
}

/** Unknown top-level fields kept from decoding (raw tag+value bytes), or undefined. */
export function unknownFields(msg: Message): Uint8Array | undefined {
  return messageUnknownUsed ? messageUnknown.get(msg) : undefined;
}

/** Forget unknown top-level fields (call when a Message object is recycled for new content). */
export function clearUnknownFields(msg: Message): void {
  if (messageUnknownUsed) messageUnknown.delete(msg);
}

// ---------------------------------------------------------------------------------------------
// Encoding

const TWO32 = 4294967296;
// Split of the last 64-bit value, to avoid allocating a pair.
let LO = 0;
let HI = 0;

/** Two's complement 64-bit split of an integer-valued double (Go int64 conversion semantics). */
function split64(v: number): void {
  if (!(v === v) || v === 0) {
    LO = 0;
    HI = 0;
    return;
  }
  let a = Math.trunc(Math.abs(v));
  if (a >= 18446744073709551616) a = 9223372036854775808; // saturate, as Go does on amd64
  let lo = a % TWO32;
  let hi = Math.floor(a / TWO32) % TWO32;
  if (v < 0) {
    lo = ~lo >>> 0;
    hi = ~hi >>> 0;
    lo = lo + 1;
    if (lo === TWO32) {
      lo = 0;
      hi = (hi + 1) >>> 0;
    }
  }
  LO = lo >>> 0;
  HI = hi >>> 0;
}

function split64Big(v: bigint): void {
  const u = BigInt.asUintN(64, v);
  LO = Number(u & 0xffffffffn);
  HI = Number(u >> 32n);
}

function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo);
  // bits above 32: hi occupies bits 32..63
  const bits = 32 + (32 - Math.clz32(hi));
  return Math.ceil(bits / 7);
}

function varint32Size(v: number): number {
  v >>>= 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

function writeVarint32(buf: Buffer, pos: number, v: number): number {
  v >>>= 0;
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

function writeVarint64(buf: Buffer, pos: number, lo: number, hi: number): number {
  while (hi !== 0) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  return writeVarint32(buf, pos, lo);
}

/** UTF-8 byte length as Buffer.write produces it (a lone surrogate becomes 3 bytes of U+FFFD). */
function utf8Length(s: string): number {
  const n = s.length;
  if (n > 64) return Buffer.byteLength(s, 'utf8');
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) len += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      len += 2; // 4 bytes for 2 UTF-16 units
      i++;
    } else len += 2;
  }
  return len;
}

function writeString(buf: Buffer, pos: number, s: string, byteLen: number): number {
  if (byteLen === s.length && byteLen < 32) {
    for (let i = 0; i < byteLen; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + byteLen;
  }
  return pos + buf.write(s, pos, byteLen, 'utf8');
}

// Lengths computed in the sizing pass, consumed in the same order by the writing pass.
let lens = new Int32Array(256);
let nLens = 0;

function pushLen(v: number): number {
  if (nLens === lens.length) {
    const g = new Int32Array(lens.length * 2);
    g.set(lens);
    lens = g;
  }
  lens[nLens++] = v;
  return v;
}

function strSize(s: string): number {
  const l = pushLen(utf8Length(s));
  return 1 + varint32Size(l) + l;
}

function asString(v: FieldValue): string {
  return typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v);
}

function asBytes(v: FieldValue): Uint8Array {
  return v instanceof Uint8Array ? v : Buffer.from(String(v), 'utf8');
}

function asNumber(v: FieldValue): number {
  return typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v) || 0;
}

/** Size of one value array (field numbers 4..8); pushes lengths for the write pass. */
function valuesSize(type: FieldType, values: FieldValue[]): number {
  const n = values.length;
  if (n === 0) return 0;
  switch (type) {
    case FieldType.STRING: {
      let s = 0;
      for (let i = 0; i < n; i++) s += strSize(asString(values[i]!));
      return s;
    }
    case FieldType.BYTES: {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const l = asBytes(values[i]!).length;
        s += 1 + varint32Size(l) + l;
      }
      return s;
    }
    case FieldType.INTEGER: {
      let l = 0;
      for (let i = 0; i < n; i++) {
        split64(asNumber(values[i]!));
        l += varint64Size(LO, HI);
      }
      pushLen(l);
      return 1 + varint32Size(l) + l;
    }
    case FieldType.DOUBLE:
      return 1 + varint32Size(n * 8) + n * 8;
    case FieldType.BOOL:
      return 1 + varint32Size(n) + n;
    default:
      return 0;
  }
}

function writeValues(buf: Buffer, pos: number, type: FieldType, values: FieldValue[]): number {
  const n = values.length;
  if (n === 0) return pos;
  switch (type) {
    case FieldType.STRING:
      for (let i = 0; i < n; i++) {
        const l = lens[nLens++]!;
        buf[pos++] = 0x22;
        pos = writeVarint32(buf, pos, l);
        pos = writeString(buf, pos, asString(values[i]!), l);
      }
      return pos;
    case FieldType.BYTES:
      for (let i = 0; i < n; i++) {
        const b = asBytes(values[i]!);
        buf[pos++] = 0x2a;
        pos = writeVarint32(buf, pos, b.length);
        buf.set(b, pos);
        pos += b.length;
      }
      return pos;
    case FieldType.INTEGER: {
      buf[pos++] = 0x32;
      pos = writeVarint32(buf, pos, lens[nLens++]!);
      for (let i = 0; i < n; i++) {
        split64(asNumber(values[i]!));
        pos = writeVarint64(buf, pos, LO, HI);
      }
      return pos;
    }
    case FieldType.DOUBLE:
      buf[pos++] = 0x3a;
      pos = writeVarint32(buf, pos, n * 8);
      for (let i = 0; i < n; i++) pos = buf.writeDoubleLE(asNumber(values[i]!), pos);
      return pos;
    case FieldType.BOOL:
      buf[pos++] = 0x42;
      pos = writeVarint32(buf, pos, n);
      for (let i = 0; i < n; i++) buf[pos++] = values[i] ? 1 : 0;
      return pos;
    default:
      return pos;
  }
}

function fieldBodySize(f: Field, w: FieldWire | undefined): number {
  let s = strSize(f.name);
  if (w === undefined || w.valueType) s += 1 + (f.type >= 0 ? varint32Size(f.type) : 10);
  if (f.representation !== undefined || w === undefined || w.representation) s += strSize(f.representation ?? '');
  if (w?.inactive === undefined) {
    s += valuesSize(f.type, f.values);
  } else {
    for (let t = 0 as FieldType; t <= 4; t++) s += valuesSize(t, valuesOf(f, w, t));
  }
  if (w?.unknown !== undefined) s += w.unknown.length;
  return s;
}

const EMPTY: FieldValue[] = [];

function valuesOf(f: Field, w: FieldWire, t: FieldType): FieldValue[] {
  if (t === f.type) return f.values;
  for (const a of w.inactive!) if (a.type === t) return a.values;
  return EMPTY;
}

function writeField(buf: Buffer, pos: number, f: Field, w: FieldWire | undefined): number {
  let l = lens[nLens++]!;
  buf[pos++] = 0x0a;
  pos = writeVarint32(buf, pos, l);
  pos = writeString(buf, pos, f.name, l);
  if (w === undefined || w.valueType) {
    buf[pos++] = 0x10;
    if (f.type >= 0) pos = writeVarint32(buf, pos, f.type);
    else pos = writeVarint64(buf, pos, f.type >>> 0, 0xffffffff);
  }
  if (f.representation !== undefined || w === undefined || w.representation) {
    l = lens[nLens++]!;
    buf[pos++] = 0x1a;
    pos = writeVarint32(buf, pos, l);
    pos = writeString(buf, pos, f.representation ?? '', l);
  }
  if (w?.inactive === undefined) {
    pos = writeValues(buf, pos, f.type, f.values);
  } else {
    for (let t = 0 as FieldType; t <= 4; t++) pos = writeValues(buf, pos, t, valuesOf(f, w, t));
  }
  if (w?.unknown !== undefined) {
    buf.set(w.unknown, pos);
    pos += w.unknown.length;
  }
  return pos;
}

function writeStr(buf: Buffer, pos: number, tag: number, s: string): number {
  const l = lens[nLens++]!;
  buf[pos++] = tag;
  pos = writeVarint32(buf, pos, l);
  return writeString(buf, pos, s, l);
}

/** The timestamp's 64-bit pattern into LO/HI (exact value while it agrees with the double). */
function splitTimestamp(msg: Message): void {
  const ex = msg.timestampExact;
  if (ex !== undefined && Number(ex) === msg.timestamp) split64Big(ex);
  else split64(msg.timestamp!);
}

/** Encode `msg` in Heka's canonical protobuf form (message.md §2). */
export function encodeMessage(msg: Message): Buffer {
  nLens = 0;
  // ---- pass 1: size (string and field lengths recorded in `lens`)
  let size = 0;
  let tsLo = 0;
  let tsHi = 0;
  if (msg.uuid !== undefined) size += 1 + varint32Size(msg.uuid.length) + msg.uuid.length;
  if (msg.timestamp !== undefined) {
    splitTimestamp(msg);
    tsLo = LO;
    tsHi = HI;
    size += 1 + varint64Size(LO, HI);
  }
  if (msg.type !== undefined) size += strSize(msg.type);
  if (msg.logger !== undefined) size += strSize(msg.logger);
  if (msg.severity !== undefined) size += 1 + varint32Size(msg.severity);
  if (msg.payload !== undefined) size += strSize(msg.payload);
  if (msg.envVersion !== undefined) size += strSize(msg.envVersion);
  if (msg.pid !== undefined) size += 1 + varint32Size(msg.pid);
  if (msg.hostname !== undefined) size += strSize(msg.hostname);
  const fields = msg.fields;
  const nf = fields.length;
  for (let i = 0; i < nf; i++) {
    const f = fields[i]!;
    const at = nLens;
    pushLen(0); // placeholder for the field's body length
    const body = fieldBodySize(f, fieldWireUsed ? fieldWire.get(f) : undefined);
    lens[at] = body;
    size += 1 + varint32Size(body) + body;
  }
  const unknown = messageUnknownUsed ? messageUnknown.get(msg) : undefined;
  if (unknown !== undefined) size += unknown.length;

  // ---- pass 2: write
  const buf = Buffer.allocUnsafe(size);
  nLens = 0;
  let pos = 0;
  if (msg.uuid !== undefined) {
    buf[pos++] = 0x0a;
    pos = writeVarint32(buf, pos, msg.uuid.length);
    buf.set(msg.uuid, pos);
    pos += msg.uuid.length;
  }
  if (msg.timestamp !== undefined) {
    buf[pos++] = 0x10;
    pos = writeVarint64(buf, pos, tsLo, tsHi);
  }
  if (msg.type !== undefined) pos = writeStr(buf, pos, 0x1a, msg.type);
  if (msg.logger !== undefined) pos = writeStr(buf, pos, 0x22, msg.logger);
  if (msg.severity !== undefined) {
    buf[pos++] = 0x28;
    pos = writeVarint32(buf, pos, msg.severity);
  }
  if (msg.payload !== undefined) pos = writeStr(buf, pos, 0x32, msg.payload);
  if (msg.envVersion !== undefined) pos = writeStr(buf, pos, 0x3a, msg.envVersion);
  if (msg.pid !== undefined) {
    buf[pos++] = 0x40;
    pos = writeVarint32(buf, pos, msg.pid);
  }
  if (msg.hostname !== undefined) pos = writeStr(buf, pos, 0x4a, msg.hostname);
  for (let i = 0; i < nf; i++) {
    const f = fields[i]!;
    buf[pos++] = 0x52;
    pos = writeVarint32(buf, pos, lens[nLens++]!);
    pos = writeField(buf, pos, f, fieldWireUsed ? fieldWire.get(f) : undefined);
  }
  if (unknown !== undefined) {
    buf.set(unknown, pos);
    pos += unknown.length;
  }
  if (pos !== size) throw new Error(`protobuf encoder size mismatch: wrote ${pos}, computed ${size}`);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Decoding

let D: Buffer = Buffer.alloc(0);
let P = 0;
let END = 0;

function eof(): never {
  throw new ProtobufError('unexpected EOF');
}

/** Varint into LO/HI (64-bit pattern). */
function readVarint64(): void {
  let lo = 0;
  let hi = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    if (P >= END) eof();
    const b = D[P++]!;
    if (shift < 28) lo |= (b & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >>> 4;
    } else hi |= (b & 0x7f) << (shift - 32);
    if (b < 0x80) {
      LO = lo >>> 0;
      HI = hi >>> 0;
      return;
    }
    shift += 7;
  }
  throw new ProtobufError('integer overflow in varint');
}

/** A length or tag: the low 32 bits are enough for anything that fits in memory. */
function readVarint32(): number {
  if (P < END) {
    const b = D[P]!;
    if (b < 0x80) {
      P++;
      return b;
    }
  }
  readVarint64();
  if (HI !== 0) return Number.MAX_SAFE_INTEGER; // an absurd length: caught by the bounds check
  return LO;
}

function readLength(): number {
  const n = readVarint32();
  if (n > END - P) eof();
  return n;
}

function int64Number(lo: number, hi: number): number {
  return (hi | 0) * TWO32 + lo;
}

function readInt64(): number {
  readVarint64();
  return int64Number(LO, HI);
}

/** The exact value of LO/HI when the double `approx` cannot hold it, else undefined. */
function int64ExactIfLossy(approx: number): bigint | undefined {
  const h = HI | 0;
  // |value| < 2^53 <=> hi in [-2^21, 2^21): the double is exact.
  if (h >= -0x200000 && h < 0x200000) return undefined;
  const big = (BigInt(h) << 32n) | BigInt(LO);
  return BigInt(approx) === big ? undefined : big;
}

/** Copy n bytes at P into a fresh Uint8Array (a loop beats slice() for uuid-sized copies). */
function copyBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (n <= 32) for (let i = 0; i < n; i++) out[i] = D[P + i]!;
  else out.set(D.subarray(P, P + n));
  P += n;
  return out;
}

function readString(len: number): string {
  const s = P;
  const e = P + len;
  P = e;
  if (len < 24) {
    let out = '';
    for (let i = s; i < e; i++) {
      const c = D[i]!;
      if (c >= 0x80) return D.toString('utf8', s, e);
      out += String.fromCharCode(c);
    }
    return out;
  }
  return D.toString('utf8', s, e);
}

/** Skip one value of wire type `wt` (the tag is already read); gogo's Skip. */
function skipValue(wt: number, depth = 0): void {
  switch (wt) {
    case 0:
      readVarint64();
      return;
    case 1:
      if (END - P < 8) eof();
      P += 8;
      return;
    case 2:
      {
        const n = readLength();
        P += n;
      }
      return;
    case 3: {
      if (depth > 64) throw new ProtobufError('group nesting too deep');
      for (;;) {
        const tag = readVarint32();
        const w = tag & 7;
        if (w === 4) return;
        skipValue(w, depth + 1);
      }
    }
    case 4:
      return;
    case 5:
      if (END - P < 4) eof();
      P += 4;
      return;
    default:
      throw new ProtobufError(`illegal wireType ${wt}`);
  }
}

function wrongWireType(wt: number, name: string): never {
  throw new ProtobufError(`wrong wireType = ${wt} for field ${name}`);
}

function appendUnknown(prev: Uint8Array | undefined, start: number, end: number): Uint8Array {
  const add = D.subarray(start, end);
  if (prev === undefined) return new Uint8Array(add);
  const out = new Uint8Array(prev.length + add.length);
  out.set(prev);
  out.set(add, prev.length);
  return out;
}

function decodeField(end: number): Field {
  const outerEnd = END;
  END = end;
  let name = '';
  let vt: number | undefined;
  let rep: string | undefined;
  let strs: FieldValue[] | undefined;
  let bytes: FieldValue[] | undefined;
  let ints: FieldValue[] | undefined;
  let dbls: FieldValue[] | undefined;
  let bools: FieldValue[] | undefined;
  let unknown: Uint8Array | undefined;
  while (P < END) {
    const tagStart = P;
    const tag = readVarint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wt !== 2) wrongWireType(wt, 'Name');
        name = readString(readLength());
        break;
      case 2:
        if (wt !== 0) wrongWireType(wt, 'ValueType');
        readVarint64();
        vt = LO | 0;
        break;
      case 3:
        if (wt !== 2) wrongWireType(wt, 'Representation');
        rep = readString(readLength());
        break;
      case 4:
        if (wt !== 2) wrongWireType(wt, 'ValueString');
        (strs ??= []).push(readString(readLength()));
        break;
      case 5: {
        if (wt !== 2) wrongWireType(wt, 'ValueBytes');
        (bytes ??= []).push(copyBytes(readLength()));
        break;
      }
      case 6:
        ints ??= [];
        if (wt === 2) {
          const n = readLength();
          const e = P + n;
          while (P < e) ints.push(readInt64());
          if (P !== e) eof();
        } else if (wt === 0) ints.push(readInt64());
        else wrongWireType(wt, 'ValueInteger');
        break;
      case 7:
        dbls ??= [];
        if (wt === 2) {
          const n = readLength();
          if (n % 8 !== 0) throw new ProtobufError('packed double array length is not a multiple of 8');
          for (let e = P + n; P < e; P += 8) dbls.push(D.readDoubleLE(P));
        } else if (wt === 1) {
          if (END - P < 8) eof();
          dbls.push(D.readDoubleLE(P));
          P += 8;
        } else wrongWireType(wt, 'ValueDouble');
        break;
      case 8:
        bools ??= [];
        if (wt === 2) {
          const n = readLength();
          const e = P + n;
          while (P < e) {
            readVarint64();
            bools.push(LO !== 0 || HI !== 0);
          }
          if (P !== e) eof();
        } else if (wt === 0) {
          readVarint64();
          bools.push(LO !== 0 || HI !== 0);
        } else wrongWireType(wt, 'ValueBool');
        break;
      default:
        skipValue(wt);
        unknown = appendUnknown(unknown, tagStart, P);
    }
  }
  END = outerEnd;
  const type = (vt ?? FieldType.STRING) as FieldType;
  if (type < 0 || type > 4) throw new ProtobufError(`invalid value_type ${vt} for field '${name}'`);
  const all = [strs, bytes, ints, dbls, bools];
  const field = new Field(name, type, all[type] ?? [], rep);
  let inactive: FieldWire['inactive'];
  for (let t = 0; t < 5; t++) {
    const a = all[t];
    if (t !== type && a !== undefined && a.length > 0) (inactive ??= []).push({ type: t as FieldType, values: a });
  }
  if (vt === undefined || rep === undefined || inactive !== undefined || unknown !== undefined) {
    fieldWire.set(field, { valueType: vt !== undefined, representation: rep !== undefined, inactive, unknown });
    fieldWireUsed = true;
  }
  return field;
}

/**
 * Decode Heka protobuf bytes. With `into`, its content (header slots, fields, unknown fields) is
 * replaced, as gogo's Unmarshal resets the message; pipeline metadata (rawBytes, ack...) is kept.
 * Byte arrays (uuid, BYTES values) are copies, so `bytes` may be reused afterwards.
 * Throws ProtobufError on malformed input.
 */
export function decodeMessage(bytes: Uint8Array, into: Message = new Message()): Message {
  const m = into;
  m.uuid = undefined;
  m.timestamp = undefined;
  m.timestampExact = undefined;
  m.type = undefined;
  m.logger = undefined;
  m.severity = undefined;
  m.payload = undefined;
  m.envVersion = undefined;
  m.pid = undefined;
  m.hostname = undefined;
  m.fields = [];
  if (messageUnknownUsed) messageUnknown.delete(m);

  const prevD = D;
  const prevP = P;
  const prevEnd = END;
  D = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  P = 0;
  END = D.length;
  let unknown: Uint8Array | undefined;
  try {
    while (P < END) {
      const tagStart = P;
      const tag = readVarint32();
      const wt = tag & 7;
      switch (tag >>> 3) {
        case 1: {
          if (wt !== 2) wrongWireType(wt, 'Uuid');
          m.uuid = copyBytes(readLength());
          break;
        }
        case 2:
          if (wt !== 0) wrongWireType(wt, 'Timestamp');
          readVarint64();
          m.timestamp = int64Number(LO, HI);
          m.timestampExact = int64ExactIfLossy(m.timestamp);
          break;
        case 3:
          if (wt !== 2) wrongWireType(wt, 'Type');
          m.type = readString(readLength());
          break;
        case 4:
          if (wt !== 2) wrongWireType(wt, 'Logger');
          m.logger = readString(readLength());
          break;
        case 5:
          if (wt !== 0) wrongWireType(wt, 'Severity');
          readVarint64();
          m.severity = LO | 0;
          break;
        case 6:
          if (wt !== 2) wrongWireType(wt, 'Payload');
          m.payload = readString(readLength());
          break;
        case 7:
          if (wt !== 2) wrongWireType(wt, 'EnvVersion');
          m.envVersion = readString(readLength());
          break;
        case 8:
          if (wt !== 0) wrongWireType(wt, 'Pid');
          readVarint64();
          m.pid = LO | 0;
          break;
        case 9:
          if (wt !== 2) wrongWireType(wt, 'Hostname');
          m.hostname = readString(readLength());
          break;
        case 10: {
          if (wt !== 2) wrongWireType(wt, 'Fields');
          const n = readLength();
          m.fields.push(decodeField(P + n));
          break;
        }
        default:
          skipValue(wt);
          unknown = appendUnknown(unknown, tagStart, P);
      }
    }
  } finally {
    D = prevD;
    P = prevP;
    END = prevEnd;
  }
  if (unknown !== undefined) {
    messageUnknown.set(m, unknown);
    messageUnknownUsed = true;
  }
  return m;
}
