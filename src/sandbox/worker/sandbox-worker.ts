/**
 * Worker thread entry of a user sandbox: runs one UserSandbox, processing batches and timer
 * events in order and reporting results. Any fatal outcome is reported as `fatal` and the main
 * thread terminates the worker; limits the worker cannot police itself (a call that never
 * returns, memory) are enforced from the main thread (worker-sandbox.ts).
 */
import { parentPort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { systemClock } from '../../core/clock.js';
import type { Message } from '../../core/message.js';
import { decodeMessage, encodeMessage } from '../../core/protobuf.js';
import { SandboxTermination } from '../errors.js';
import type { Injection } from '../host.js';
import { HB_BUSY, HB_CALLS, HB_FN, type FromWorker, type ToWorker, type WireInjection } from './protocol.js';
import { UserSandbox } from './user-sandbox.js';

const port = parentPort!;
let sb: UserSandbox | null = null;
let hb: Int32Array = new Int32Array(4);
let inj: WireInjection[] = [];
let dead = false;

function onInject(i: Injection): void {
  if (i.kind === 'payload') inj.push({ p: i.payload, t: i.type, n: i.name });
  else if (i.kind === 'message') inj.push({ m: encodeMessage(i.message) });
}

function send(m: FromWorker): void {
  port.postMessage(m);
}

function fatal(err: unknown): void {
  dead = true;
  hb[HB_BUSY] = 0;
  const reason = err instanceof SandboxTermination ? err.message : `${(err as Error)?.message ?? err}`;
  send({ op: 'fatal', reason, inj: takeInj() });
}

function takeInj(): WireInjection[] {
  const out = inj;
  inj = [];
  return out;
}

const MAX_ERRORS_PER_BATCH = 10;

function runBatch(buf: ArrayBuffer, count: number): void {
  const s = sb!;
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  let pos = 0;
  let failures = 0;
  const errors: string[] = [];
  let start = 0;
  let len = 0;
  const load = (): Message => decodeMessage(bytes.subarray(start, start + len));
  const raw = (): Uint8Array => bytes.subarray(start, start + len);
  hb[HB_FN] = 1;
  hb[HB_BUSY] = 1;
  for (let i = 0; i < count; i++) {
    len = view.getUint32(pos, true);
    start = pos + 4;
    pos = start + len;
    hb[HB_CALLS]++;
    s.setCurrent(load, raw);
    const [status, text] = s.processMessage();
    if (status < 0) {
      failures++;
      if (text && errors.length < MAX_ERRORS_PER_BATCH) errors.push(text);
    }
  }
  hb[HB_BUSY] = 0;
  s.setCurrent(null, null);
  send({ op: 'done', count, failures, errors, inj: takeInj(), heap: getHeapStatistics().used_heap_size, timer: false });
}

port.on('message', (m: ToWorker) => {
  if (dead) return;
  try {
    switch (m.op) {
      case 'init': {
        hb = new Int32Array(m.heartbeat);
        hb[HB_FN] = 3;
        hb[HB_BUSY] = 1;
        sb = new UserSandbox({
          kind: m.kind,
          code: m.code,
          filename: m.filename,
          config: m.config,
          outputLimit: m.outputLimit,
          maxProcessInject: m.maxProcessInject,
          maxTimerInject: m.maxTimerInject,
          moduleDirectories: m.moduleDirectories,
          clock: systemClock,
          onInject,
        });
        let restore = 'none';
        if (m.preserved !== null) {
          if (m.preserved.version !== sb.preservationVersion) restore = 'version';
          else {
            try {
              sb.restoreState(m.preserved.state);
              restore = 'ok';
            } catch (err) {
              restore = `restore failed: ${(err as Error).message}`;
            }
          }
        }
        hb[HB_BUSY] = 0;
        send({ op: 'ready', version: sb.preservationVersion, hasTimer: sb.hasTimerEvent, restore });
        break;
      }
      case 'batch':
        runBatch(m.buf, m.count);
        break;
      case 'timer': {
        hb[HB_FN] = 2;
        hb[HB_BUSY] = 1;
        hb[HB_CALLS]++;
        sb!.timerEvent(m.ns);
        hb[HB_BUSY] = 0;
        send({ op: 'done', count: 0, failures: 0, errors: [], inj: takeInj(), heap: getHeapStatistics().used_heap_size, timer: true });
        break;
      }
      case 'stop': {
        if (m.timerNs !== null && sb!.hasTimerEvent) {
          hb[HB_FN] = 2;
          hb[HB_BUSY] = 1;
          hb[HB_CALLS]++;
          sb!.timerEvent(m.timerNs);
          hb[HB_BUSY] = 0;
        }
        let state: Record<string, unknown> | null = null;
        let error: string | undefined;
        if (m.save) {
          try {
            state = sb!.saveState();
          } catch (err) {
            error = (err as Error).message;
          }
        }
        send({ op: 'state', version: sb!.preservationVersion, state, error, inj: takeInj() });
        break;
      }
    }
  } catch (err) {
    fatal(err);
  }
});
