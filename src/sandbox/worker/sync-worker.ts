/**
 * Worker thread entry of a user SandboxDecoder / SandboxEncoder: loads the script, then serves
 * synchronous calls from the main thread (sync-protocol.ts) until it is stopped or terminated. It
 * never returns to its event loop while serving, so calls cost no message passing.
 */
import { getHeapStatistics } from 'node:v8';
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { systemClock } from '../../core/clock.js';
import type { Message } from '../../core/message.js';
import { decoderOutput } from '../decoder-output.js';
import { decodeMessage, encodeMessage } from '../../core/protobuf.js';
import { SandboxTermination } from '../errors.js';
import type { Injection } from '../host.js';
import {
  C_BATCH_AREA,
  C_BATCH_DONE,
  C_FLAGS,
  C_HEAP,
  C_LEN,
  C_OP,
  C_READY,
  C_REQ,
  C_RESP,
  DATA_OFFSET,
  F_SAVE,
  F_VIA_PORT,
  OP_BATCH,
  OP_STOP,
  R_FAILURE,
  R_FATAL,
  R_MESSAGES,
  R_MODIFIED,
  R_OUTPUT,
  R_PASS,
  R_SKIP,
  R_STATE,
  type SyncInit,
} from './sync-protocol.js';
import { UserSandbox } from './user-sandbox.js';

const init = workerData as SyncInit;
const ctrl = new Int32Array(init.shared, 0, DATA_OFFSET / 4);
const data = Buffer.from(init.shared, DATA_OFFSET);
const port: MessagePort = init.port;
const isDecoder = init.kind === 'decoder';

/** Spin iterations before parking in Atomics.wait (a few µs): back-to-back calls skip the futex. */
const SPIN = 2_000;

let injections: Injection[] = [];
let sb: UserSandbox | null = null;

// ---- response writing ------------------------------------------------------------------------

function respond(kind: number, records: Uint8Array[]): void {
  const size = resultSize(records);
  let out: Buffer;
  let viaPort = false;
  if (size <= data.length) out = data;
  else {
    out = Buffer.allocUnsafe(size);
    viaPort = true;
  }
  writeResult(out, 0, kind, records);
  if (viaPort) port.postMessage(out);
  Atomics.store(ctrl, C_LEN, size);
  Atomics.store(ctrl, C_FLAGS, viaPort ? F_VIA_PORT : 0);
}

function resultSize(records: Uint8Array[]): number {
  let size = 5;
  for (let i = 0; i < records.length; i++) size += 4 + records[i]!.length;
  return size;
}

/** `[u8 kind][u32 count]([u32 length][bytes])*` at out[pos]; returns the end. */
function writeResult(out: Buffer, pos: number, kind: number, records: Uint8Array[]): number {
  out[pos] = kind;
  out.writeUInt32LE(records.length, pos + 1);
  pos += 5;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    out.writeUInt32LE(r.length, pos);
    out.set(r, pos + 4);
    pos += 4 + r.length;
  }
  return pos;
}

const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');

// ---- the call --------------------------------------------------------------------------------

function encoderOutput(inj: Injection): Uint8Array {
  switch (inj.kind) {
    case 'payload':
      return Buffer.from(inj.payload, 'utf8');
    case 'message':
      return encodeMessage(inj.message);
    case 'raw':
      return inj.bytes;
  }
}

let calls = 0;
const NONE: Uint8Array[] = [];

// The outcome of one process_message call (module-level: no allocation per record).
let outKind = 0;
let outRecords: Uint8Array[] = NONE;

function result(kind: number, records: Uint8Array[]): void {
  outKind = kind;
  outRecords = records;
}

/** One process_message call on `req`; the outcome is left in outKind / outRecords. Throws when the sandbox dies. */
function processOne(req: Uint8Array): void {
  const s = sb!;
  let loaded: Message | null = null;
  const load = (): Message => (loaded = decodeMessage(req));
  s.setCurrent(load, () => req);
  injections = [];
  const [status, err] = s.processMessage();
  if ((++calls & 255) === 1) Atomics.store(ctrl, C_HEAP, Math.round(getHeapStatistics().used_heap_size / 1024));
  if (status < 0 && !(status === -2 && !isDecoder)) {
    injections = [];
    return result(R_FAILURE, [text(err ?? '')]);
  }
  if (!isDecoder) {
    if (status === -2) return result(R_SKIP, NONE);
    if (injections.length > 0) return result(R_OUTPUT, [encoderOutput(injections[injections.length - 1]!)]);
    return result(R_OUTPUT, [encodeMessage(s.currentMessage()!)]);
  }
  if (injections.length > 0) {
    const orig = loaded ?? decodeMessage(req);
    const out: Uint8Array[] = [];
    for (const inj of injections) {
      const m = decoderOutput(inj, orig);
      if (m !== null) out.push(encodeMessage(m));
    }
    return result(R_MESSAGES, out);
  }
  if (s.written) return result(R_MODIFIED, [encodeMessage(s.currentMessage()!)]);
  return result(R_PASS, NONE);
}

function process(req: Uint8Array): void {
  processOne(req);
  respond(outKind, outRecords);
}

function fatalReason(err: unknown): string {
  return err instanceof SandboxTermination ? err.message : `process_message() ${(err as Error)?.message ?? err}`;
}

/**
 * OP_BATCH (sync-protocol.ts): process every record, writing each result as soon as it is known.
 * Returns true when the sandbox died on a record (its R_FATAL result ends the response).
 */
function processBatch(req: Uint8Array): boolean {
  const rq = Buffer.from(req.buffer, req.byteOffset, req.byteLength);
  const count = rq.readUInt32LE(0);
  let rp = 4;
  let wp = 4;
  let inArea = 0;
  let overflow: Buffer[] | null = null;
  let done = 0;
  let fatal = false;
  while (done < count) {
    const len = rq.readUInt32LE(rp);
    const rec = req.subarray(rp + 4, rp + 4 + len);
    rp += 4 + len;
    try {
      processOne(rec);
    } catch (err) {
      result(R_FATAL, [text(fatalReason(err))]);
      fatal = true;
    }
    const size = resultSize(outRecords);
    if (overflow === null && wp + size <= data.length) {
      wp = writeResult(data, wp, outKind, outRecords);
      Atomics.store(ctrl, C_BATCH_AREA, ++inArea);
    } else {
      overflow ??= [];
      const b = Buffer.allocUnsafe(size);
      writeResult(b, 0, outKind, outRecords);
      overflow.push(b);
    }
    Atomics.store(ctrl, C_BATCH_DONE, ++done);
    if (fatal) break;
  }
  data.writeUInt32LE(done, 0);
  let flags = 0;
  let size = wp;
  if (overflow !== null) {
    const all = Buffer.concat([data.subarray(0, wp), ...overflow]);
    port.postMessage(all);
    flags = F_VIA_PORT;
    size = all.length;
  }
  Atomics.store(ctrl, C_LEN, size);
  Atomics.store(ctrl, C_FLAGS, flags);
  return fatal;
}

function stop(save: boolean): void {
  const s = sb!;
  let state: Record<string, unknown> | null = null;
  let error: string | undefined;
  if (save) {
    try {
      state = s.saveState();
    } catch (err) {
      error = (err as Error).message;
    }
  }
  respond(R_STATE, [text(JSON.stringify({ version: s.preservationVersion, state, error }))]);
}

// ---- load ------------------------------------------------------------------------------------

function load(): string {
  sb = new UserSandbox({
    kind: init.kind,
    code: init.code,
    filename: init.filename,
    config: init.config,
    outputLimit: init.outputLimit,
    maxProcessInject: Infinity,
    maxTimerInject: Infinity,
    moduleDirectories: init.moduleDirectories,
    clock: systemClock,
    onInject: (i) => injections.push(i),
  });
  const p = init.preserved;
  if (p === null) return 'none';
  if (p.version !== sb.preservationVersion) return 'version';
  try {
    sb.restoreState(p.state);
    return 'ok';
  } catch (err) {
    return `restore failed: ${(err as Error).message}`;
  }
}

function main(): void {
  try {
    const restore = load();
    respond(R_STATE, [text(restore)]);
    Atomics.store(ctrl, C_READY, 1);
  } catch (err) {
    const reason = err instanceof SandboxTermination ? err.message : `${(err as Error)?.message ?? err}`;
    respond(R_FATAL, [text(reason)]);
    Atomics.store(ctrl, C_READY, 2);
    Atomics.notify(ctrl, C_READY);
    return;
  }
  Atomics.notify(ctrl, C_READY);
  let last = 0;
  for (;;) {
    let seq = Atomics.load(ctrl, C_REQ);
    if (seq === last) {
      for (let i = 0; i < SPIN && seq === last; i++) seq = Atomics.load(ctrl, C_REQ);
      if (seq === last) {
        Atomics.wait(ctrl, C_REQ, last);
        continue;
      }
    }
    last = seq;
    const op = Atomics.load(ctrl, C_OP);
    const flags = Atomics.load(ctrl, C_FLAGS);
    let req: Uint8Array;
    if ((flags & F_VIA_PORT) !== 0) {
      const m = receiveMessageOnPort(port);
      req = m ? new Uint8Array(m.message as Uint8Array) : new Uint8Array(0);
    } else {
      // Copied: the response is written over the same area while the request may still be read.
      req = Uint8Array.prototype.slice.call(data, 0, Atomics.load(ctrl, C_LEN));
    }
    let done = false;
    try {
      if (op === OP_STOP) {
        stop((flags & F_SAVE) !== 0);
        done = true;
      } else if (op === OP_BATCH) done = processBatch(req);
      else process(req);
    } catch (err) {
      respond(R_FATAL, [text(fatalReason(err))]);
      done = true;
    }
    Atomics.store(ctrl, C_RESP, seq);
    Atomics.notify(ctrl, C_RESP);
    if (done) return;
  }
}

main();
