/**
 * Heka's message: fixed header slots plus an ordered list of typed, possibly repeated fields
 * (spec/message.md §1). Absent header values are `undefined`, because Heka's protobuf encoding
 * distinguishes "absent" from "" and 0; readers use the defaults below.
 */
import { randomFillSync } from 'node:crypto';

export const FieldType = {
  STRING: 0,
  BYTES: 1,
  INTEGER: 2,
  DOUBLE: 3,
  BOOL: 4,
} as const;
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

export type FieldValue = string | Uint8Array | number | boolean;

export class Field {
  constructor(
    public name: string,
    public type: FieldType,
    public values: FieldValue[],
    /** Free metadata such as a unit; `undefined` when not set. */
    public representation: string | undefined = undefined,
  ) {}

  /** Element 0 of the active value array, or undefined when the array is empty. */
  get value(): FieldValue | undefined {
    return this.values[0];
  }
}

/**
 * Receives acknowledgements of messages that came from a resumable source. `seq` is whatever the
 * source stamped on the message; the source decides what "settled" means (e.g. journal offset).
 */
export interface AckTarget {
  settle(seq: number): void;
}

export const DEFAULT_SEVERITY = 7;

export class Message {
  uuid: Uint8Array | undefined = undefined;
  /** Nanoseconds since the epoch as a double (exact below 2^53; see timestampExact). */
  timestamp: number | undefined = undefined;
  /** Exact nanoseconds when the value exceeds 2^53 and must be re-encoded byte for byte. */
  timestampExact: bigint | undefined = undefined;
  type: string | undefined = undefined;
  logger: string | undefined = undefined;
  severity: number | undefined = undefined;
  payload: string | undefined = undefined;
  envVersion: string | undefined = undefined;
  pid: number | undefined = undefined;
  hostname: string | undefined = undefined;
  fields: Field[] = [];

  // ---- pipeline metadata (Heka keeps these on the PipelinePack) ----
  /** How many times this message chain was re-injected by filters (max_message_loops). */
  loopCount = 0;
  /** Verified HMAC signer name of a message that arrived signed. */
  signer: string | undefined = undefined;
  /** Original protobuf bytes while the message is unmodified, so outputs can forward without re-encoding. */
  rawBytes: Uint8Array | undefined = undefined;
  /** Where to report that every consumer has durably handled this message. */
  ackTarget: AckTarget | null = null;
  ackSeq = 0;
  /** Consumers that still hold the message; the router sets it, consumers release it. */
  refs = 0;

  /** First field named `name` (or the `index`-th of that name), or undefined. */
  getField(name: string, index = 0): Field | undefined {
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (f.name === name) {
        if (index === 0) return f;
        index--;
      }
    }
    return undefined;
  }

  /** Value `ai` of the `fi`-th field called `name`, as the matcher and read_message address it. */
  getFieldValue(name: string, fi = 0, ai = 0): FieldValue | undefined {
    const f = this.getField(name, fi);
    return f === undefined ? undefined : f.values[ai];
  }

  addField(name: string, type: FieldType, value: FieldValue | FieldValue[], representation?: string): Field {
    const f = new Field(name, type, Array.isArray(value) ? value : [value], representation);
    this.fields.push(f);
    return f;
  }

  /** Canonical lower-case UUID text, or "" when the uuid is not exactly 16 bytes. */
  uuidString(): string {
    return uuidToString(this.uuid);
  }

  /** A deep copy of the content (not the pipeline metadata). */
  clone(): Message {
    const m = new Message();
    m.uuid = this.uuid;
    m.timestamp = this.timestamp;
    m.timestampExact = this.timestampExact;
    m.type = this.type;
    m.logger = this.logger;
    m.severity = this.severity;
    m.payload = this.payload;
    m.envVersion = this.envVersion;
    m.pid = this.pid;
    m.hostname = this.hostname;
    m.fields = this.fields.map((f) => new Field(f.name, f.type, f.values.slice(), f.representation));
    return m;
  }
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i + 0x100).toString(16).slice(1));

export function uuidToString(u: Uint8Array | undefined): string {
  if (u === undefined || u.length !== 16) return '';
  return (
    HEX[u[0]!]! + HEX[u[1]!]! + HEX[u[2]!]! + HEX[u[3]!]! + '-' +
    HEX[u[4]!]! + HEX[u[5]!]! + '-' + HEX[u[6]!]! + HEX[u[7]!]! + '-' +
    HEX[u[8]!]! + HEX[u[9]!]! + '-' +
    HEX[u[10]!]! + HEX[u[11]!]! + HEX[u[12]!]! + HEX[u[13]!]! + HEX[u[14]!]! + HEX[u[15]!]!
  );
}

// Random bytes are drawn in blocks: one crypto call per 256 uuids instead of one per message.
const UUID_BLOCK = 256;
let uuidPool = new Uint8Array(16 * UUID_BLOCK);
let uuidPos = uuidPool.length;

/** A fresh random RFC 4122 version 4 uuid. */
export function newUuid(): Uint8Array {
  if (uuidPos >= uuidPool.length) {
    uuidPool = new Uint8Array(16 * UUID_BLOCK);
    randomFillSync(uuidPool);
    uuidPos = 0;
  }
  const u = uuidPool.subarray(uuidPos, uuidPos + 16);
  uuidPos += 16;
  u[6] = (u[6]! & 0x0f) | 0x40;
  u[8] = (u[8]! & 0x3f) | 0x80;
  return u;
}
