/**
 * Messages between the main thread and a sandbox worker. Matched messages travel in batches: one
 * transferred ArrayBuffer of `[u32 length][Heka protobuf bytes]` records per batch, so a batch
 * costs one postMessage whatever its size (the boundary's cost is amortised over the batch).
 *
 * The heartbeat (a SharedArrayBuffer of Int32) lets the main thread see a stuck call without
 * any message from the worker: HB_CALLS counts calls, HB_BUSY is 1 while the worker is in user
 * code, HB_FN says which entry point (1 process_message, 2 timer_event, 3 script load).
 */
export const HB_CALLS = 0;
export const HB_BUSY = 1;
export const HB_FN = 2;
export const HB_SIZE = 4;

export const FN_NAMES = ['', 'process_message()', 'timer_event()', 'script load'];

export interface InitRequest {
  op: 'init';
  kind: 'filter' | 'decoder' | 'encoder';
  code: string;
  filename: string;
  config: Record<string, unknown>;
  outputLimit: number;
  maxProcessInject: number;
  maxTimerInject: number;
  moduleDirectories: string[];
  heartbeat: SharedArrayBuffer;
  preserved: { version: number; state: Record<string, unknown> } | null;
}

export type ToWorker =
  | InitRequest
  | { op: 'batch'; buf: ArrayBuffer; count: number }
  | { op: 'timer'; ns: number }
  | { op: 'stop'; timerNs: number | null; save: boolean };

/** What a script injected: payloads as text, messages as protobuf bytes. */
export type WireInjection = { p: string; t: string; n: string } | { m: Uint8Array };

export type FromWorker =
  | { op: 'ready'; version: number; hasTimer: boolean; restore: 'none' | 'ok' | 'version' | string }
  | { op: 'done'; count: number; failures: number; errors: string[]; inj: WireInjection[]; heap: number; timer: boolean }
  | { op: 'fatal'; reason: string; inj: WireInjection[] }
  | { op: 'state'; version: number; state: Record<string, unknown> | null; error?: string; inj: WireInjection[] };
