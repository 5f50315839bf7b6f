/**
 * The synchronous boundary used by user SandboxDecoders and SandboxEncoders (Decoder.decode and
 * Encoder.encode are synchronous): one SharedArrayBuffer holds a control block and a data area.
 *
 * A call: the main thread writes the request (Heka protobuf bytes of the message) into the data
 * area, bumps C_REQ and notifies; the worker, parked in Atomics.wait on C_REQ, runs
 * process_message, writes the response into the same data area (the request was consumed first),
 * stores the sequence number in C_RESP and notifies; the main thread waits on C_RESP with the CPU
 * budget as timeout, so a script that never returns costs one budget and is then terminated.
 *
 * Both sides spin briefly before sleeping: messages usually come back to back, and a futex wake-up
 * costs far more than the call itself (bench/sandbox/ measures the round trip).
 *
 * A request or response larger than the data area travels over a MessageChannel instead
 * (receiveMessageOnPort on the other side, still synchronous); F_VIA_PORT in C_FLAGS says so.
 *
 * OP_BATCH carries several records in one round trip (a decoder's batch): the request is
 * `[u32 count]` then `count` times `[u32 length][bytes]`; the response is `[u32 count]` then one
 * response (kind, records as above) per record, in order, ending early at an R_FATAL. The worker
 * writes results one after the other and publishes in C_BATCH_AREA how many are complete in the
 * data area, and in C_BATCH_DONE how many records it has processed: the main thread gives every
 * record its own CPU budget (the wait is extended while C_BATCH_DONE moves) and, when it has to
 * kill the worker, still uses the results already written. Results that do not fit the data area
 * make the whole response go over the port.
 */
import type { MessagePort } from 'node:worker_threads';

export const C_REQ = 0;
export const C_RESP = 1;
export const C_OP = 2;
export const C_LEN = 3;
export const C_FLAGS = 4;
/** Worker heap in KiB, updated every few calls (report: Memory). */
export const C_HEAP = 5;
/** 0 loading, 1 ready, 2 load failed (the data area holds the error text). */
export const C_READY = 6;
/** OP_BATCH: results complete in the data area so far. */
export const C_BATCH_AREA = 7;
/** OP_BATCH: records processed so far. */
export const C_BATCH_DONE = 8;
export const C_WORDS = 10;
export const DATA_OFFSET = C_WORDS * 4;

export const OP_PROCESS = 1;
export const OP_STOP = 2;
export const OP_BATCH = 3;

export const F_VIA_PORT = 1;
/** OP_STOP: save the state for preserve_data. */
export const F_SAVE = 2;

/**
 * Response kinds (first byte of a response). Followed by `[u32 count]` and `count` records of
 * `[u32 length][bytes]`.
 *   R_PASS      status 0, nothing injected, message unchanged (no records)
 *   R_MODIFIED  status 0, nothing injected, one record: the message after write_message
 *   R_MESSAGES  decoder: one record per injected message (protobuf)
 *   R_OUTPUT    encoder: one record, the bytes to write
 *   R_SKIP      encoder status -2: no output
 *   R_FAILURE   status < 0: one record, the error text (may be empty)
 *   R_FATAL     the sandbox is dead: one record, the reason
 *   R_STATE     OP_STOP: one record, JSON {version, state, error?} (state null when not saved)
 */
export const R_PASS = 0;
export const R_MODIFIED = 1;
export const R_MESSAGES = 2;
export const R_OUTPUT = 3;
export const R_SKIP = 4;
export const R_FAILURE = 5;
export const R_FATAL = 6;
export const R_STATE = 7;

/** workerData of the synchronous sandbox worker. */
export interface SyncInit {
  kind: 'decoder' | 'encoder';
  code: string;
  filename: string;
  config: Record<string, unknown>;
  outputLimit: number;
  moduleDirectories: string[];
  shared: SharedArrayBuffer;
  port: MessagePort;
  preserved: { version: number; state: Record<string, unknown> } | null;
}
