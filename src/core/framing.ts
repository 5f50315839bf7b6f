/**
 * Heka stream framing (spec/message.md §3): 0x1E, header length byte, protobuf Header, 0x1F, then
 * the message bytes. frameRecord writes frames (optionally HMAC-signed, as Heka's client tools
 * do); findFrame is HekaFramingSplitter's FindRecord as a pure function; authenticateFrame is its
 * UnframeRecord check.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const RECORD_SEPARATOR = 0x1e;
export const UNIT_SEPARATOR = 0x1f;
export const MAX_HEADER_SIZE = 255;
export const DEFAULT_MAX_MESSAGE_SIZE = 65536;

/** HMAC hash function numbers in the Header (field 3). */
export const HMAC_MD5 = 0;
export const HMAC_SHA1 = 1;

/** A framing/encoding failure with a stable code. */
export class FramingError extends Error {
  override name = 'FramingError';
  constructor(
    readonly code: 'HEKA_ERR_FRAMING_HEADER_TOO_BIG' | 'HEKA_ERR_FRAMING_MESSAGE_TOO_BIG',
    message: string,
  ) {
    super(message);
  }
}

/** Client signing config, as the TOML `[signer]` table of Heka's tools spells it. */
export interface FrameSigner {
  name: string;
  /** "sha1" selects HMAC-SHA1; anything else HMAC-MD5. */
  hmac_hash?: string;
  hmac_key: string | Uint8Array;
  version?: number;
}

/** The decoded framing Header (message.md §1.2). Absent optional parts are undefined. */
export interface Header {
  messageLength: number | undefined;
  hmacHashFunction: number | undefined;
  hmacSigner: string | undefined;
  hmacKeyVersion: number | undefined;
  hmac: Uint8Array | undefined;
}

// ---------------------------------------------------------------------------------------------
// Writing

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function putVarint(buf: Buffer, pos: number, v: number): number {
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/**
 * Frame `msg` (normally protobuf Message bytes, but any bytes are allowed). Throws FramingError
 * when the message exceeds `maxMessageSize` or the header exceeds 255 bytes.
 */
export function frameRecord(msg: Uint8Array, signer?: FrameSigner, maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE): Buffer {
  const len = msg.length;
  if (len > maxMessageSize) {
    throw new FramingError(
      'HEKA_ERR_FRAMING_MESSAGE_TOO_BIG',
      `Message too big, requires ${len} (MAX_MESSAGE_SIZE = ${maxMessageSize})`,
    );
  }
  if (signer === undefined) {
    // Hot path: `1e <hlen> 08 <varint len> 1f <msg>` in one allocation.
    const vs = varintSize(len);
    const out = Buffer.allocUnsafe(len + vs + 4);
    out[0] = RECORD_SEPARATOR;
    out[1] = vs + 1;
    out[2] = 0x08;
    let p = putVarint(out, 3, len);
    out[p++] = UNIT_SEPARATOR;
    out.set(msg, p);
    return out;
  }
  const sha1 = signer.hmac_hash === 'sha1';
  const digest = createHmac(sha1 ? 'sha1' : 'md5', signer.hmac_key).update(msg).digest();
  const name = Buffer.from(signer.name, 'utf8');
  const version = signer.version ?? 0;
  const hlen =
    1 + varintSize(len) +
    (sha1 ? 2 : 0) +
    1 + varintSize(name.length) + name.length +
    1 + varintSize(version) +
    1 + varintSize(digest.length) + digest.length;
  if (hlen > MAX_HEADER_SIZE) {
    throw new FramingError(
      'HEKA_ERR_FRAMING_HEADER_TOO_BIG',
      `Message header too big, requires ${hlen} (MAX_HEADER_SIZE = ${MAX_HEADER_SIZE})`,
    );
  }
  const out = Buffer.allocUnsafe(3 + hlen + len);
  out[0] = RECORD_SEPARATOR;
  out[1] = hlen;
  let p = 2;
  out[p++] = 0x08;
  p = putVarint(out, p, len);
  if (sha1) {
    // MD5 is the proto default and is not written (message.md §3.2).
    out[p++] = 0x18;
    out[p++] = HMAC_SHA1;
  }
  out[p++] = 0x22;
  p = putVarint(out, p, name.length);
  name.copy(out, p);
  p += name.length;
  out[p++] = 0x28; // key version, written even when 0
  p = putVarint(out, p, version);
  out[p++] = 0x32;
  p = putVarint(out, p, digest.length);
  digest.copy(out, p);
  p += digest.length;
  out[p++] = UNIT_SEPARATOR;
  out.set(msg, p);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Why a header failed to decode, or null. Fills `h` with what it read. */
function parseHeader(buf: Uint8Array, start: number, end: number, h: Header, wantHmac: boolean): string | null {
  h.messageLength = undefined;
  h.hmacHashFunction = undefined;
  h.hmacSigner = undefined;
  h.hmacKeyVersion = undefined;
  h.hmac = undefined;
  let p = start;
  const varint = (): number | null => {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= end) return null;
      const b = buf[p++]!;
      if (i < 5) v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v % 4294967296; // uint32 / enum: the low 32 bits
    }
    return null;
  };
  while (p < end) {
    const tag = varint();
    if (tag === null) return 'error unmarshaling header: unexpected EOF';
    const wt = tag & 7;
    const num = tag >>> 3;
    const expected = num === 1 || num === 3 || num === 5 ? 0 : num === 4 || num === 6 ? 2 : -1;
    if (expected !== -1 && wt !== expected) {
      return `error unmarshaling header: proto: wrong wireType = ${wt} for field ${HEADER_FIELD_NAMES[num]}`;
    }
    if (wt === 0) {
      const v = varint();
      if (v === null) return 'error unmarshaling header: unexpected EOF';
      if (num === 1) h.messageLength = v;
      else if (num === 3) h.hmacHashFunction = v;
      else if (num === 5) h.hmacKeyVersion = v;
    } else if (wt === 2) {
      const n = varint();
      if (n === null || n > end - p) return 'error unmarshaling header: unexpected EOF';
      if (wantHmac && num === 4) h.hmacSigner = Buffer.from(buf.buffer, buf.byteOffset + p, n).toString('utf8');
      else if (num === 6) h.hmac = wantHmac ? buf.slice(p, p + n) : EMPTY_HMAC;
      p += n;
    } else if (wt === 1 || wt === 5) {
      const n = wt === 1 ? 8 : 4;
      if (n > end - p) return 'error unmarshaling header: unexpected EOF';
      p += n;
    } else {
      return `error unmarshaling header: proto: illegal wireType ${wt}`;
    }
  }
  return null;
}

const EMPTY_HMAC = new Uint8Array(0);
const HEADER_FIELD_NAMES = ['', 'MessageLength', '', 'HmacHashFunction', 'HmacSigner', 'HmacKeyVersion', 'Hmac'];

function emptyHeader(): Header {
  return { messageLength: undefined, hmacHashFunction: undefined, hmacSigner: undefined, hmacKeyVersion: undefined, hmac: undefined };
}

/** Decode a Header's protobuf bytes; throws an Error with Heka's message when malformed. */
export function decodeHeader(bytes: Uint8Array): Header {
  const h = emptyHeader();
  const err = parseHeader(bytes, 0, bytes.length, h, true);
  if (err !== null) throw new Error(err);
  return h;
}

/** Result of one findFrame step. Reuse one object per stream to avoid an allocation per record. */
export interface FrameResult {
  /** Bytes of buf[start, end) that are done with (garbage, a rejected 0x1E, or a whole frame). */
  consumed: number;
  /** The whole frame (separator to last message byte) as a view of buf, or null. */
  record: Buffer | null;
  /** Offset of the message bytes inside `record` (header length + 3). */
  messageOffset: number;
  /** Why a candidate header was rejected, for the log (null when there is nothing to log). */
  error: string | null;
}

export function newFrameResult(): FrameResult {
  return { consumed: 0, record: null, messageOffset: 0, error: null };
}

const scratchHeader = emptyHeader();

/**
 * One step of HekaFramingSplitter over buf[start, end) (message.md §3.4). Returns with:
 * - record set: a whole frame was found, `consumed` bytes end right after it;
 * - record null, consumed > 0: garbage or a rejected 0x1E was skipped (see `error`); call again;
 * - record null, consumed 0 (or only garbage consumed): more data is needed.
 */
export function findFrame(
  buf: Buffer,
  start: number,
  end: number,
  maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE,
  out: FrameResult = newFrameResult(),
): FrameResult {
  out.record = null;
  out.error = null;
  out.messageOffset = 0;
  const sep = buf.indexOf(RECORD_SEPARATOR, start);
  if (sep < 0 || sep >= end) {
    out.consumed = end - start; // nothing but garbage: drop it
    return out;
  }
  out.consumed = sep - start;
  if (end - sep < 2) return out;
  const hlen = buf[sep + 1]!;
  const headerEnd = sep + 2 + hlen; // index of the unit separator
  if (end <= headerEnd) return out;
  if (buf[headerEnd] !== UNIT_SEPARATOR) {
    out.consumed = sep + 1 - start; // not a frame: skip this 0x1E silently
    return out;
  }
  const err = parseHeader(buf, sep + 2, headerEnd, scratchHeader, false);
  const msgLen = scratchHeader.messageLength ?? 0;
  if (err !== null || msgLen > maxMessageSize) {
    out.error =
      err ?? `message exceeds the maximum length [${maxMessageSize} bytes] len: ${msgLen}`;
    out.consumed = sep + 1 - start;
    return out;
  }
  const frameEnd = headerEnd + 1 + msgLen;
  if (end < frameEnd) return out;
  out.record = buf.subarray(sep, frameEnd);
  out.messageOffset = hlen + 3;
  out.consumed = frameEnd - start;
  return out;
}

/** The message bytes of a frame returned by findFrame. */
export function unframe(record: Buffer): Buffer {
  return record.subarray(record[1]! + 3);
}

/** Keys by `"<signer>_<version>"`, as the splitter's `[x.signer.<name>_<version>]` tables give them. */
export type SignerKeys = ReadonlyMap<string, { hmac_key: string | Uint8Array }>;

/**
 * HekaFramingSplitter's UnframeRecord check. Returns the verified signer name, '' for an unsigned
 * frame, or null when the frame must be dropped (unknown signer, bad digest, unknown hash function,
 * undecodable header).
 *
 * Deliberate difference: Heka sets the pack's signer from `hmac_signer` even when the header carries
 * no `hmac` at all, letting an unsigned frame claim a signer; here such a frame counts as unsigned.
 */
export function authenticateFrame(record: Buffer, keys: SignerKeys): string | null {
  const hlen = record[1]! + 3;
  if (hlen <= 16) return ''; // too short to carry HMAC data (Heka's UUID_SIZE test)
  const h = emptyHeader();
  if (parseHeader(record, 2, hlen - 1, h, true) !== null) return null;
  if (h.hmac === undefined) return '';
  const entry = keys.get(`${h.hmacSigner ?? ''}_${h.hmacKeyVersion ?? 0}`);
  if (entry === undefined) return null;
  const fn = h.hmacHashFunction ?? HMAC_MD5;
  if (fn !== HMAC_MD5 && fn !== HMAC_SHA1) return null;
  const expected = createHmac(fn === HMAC_SHA1 ? 'sha1' : 'md5', entry.hmac_key).update(record.subarray(hlen)).digest();
  if (expected.length !== h.hmac.length || !timingSafeEqual(expected, h.hmac)) return null;
  return h.hmacSigner ?? '';
}
