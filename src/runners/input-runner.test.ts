/**
 * InputRunner with streams and a batch decoder: per-record decode semantics inside a batch (an
 * error affects only its record), and a decoder that stops in the middle of a batch pauses the
 * input with nothing past the first undecoded record acknowledged.
 */
import { TelemetryRegistry } from '../telemetry/registry.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../core/clock.js';
import { Message } from '../core/message.js';
import { Logger } from '../log/logger.js';
import { Router, type RouteTarget } from '../pipeline/router.js';
import type { DecodeResult, Decoder, InputStream } from '../plugin-api/index.js';
import { DecoderStoppedError } from '../plugin-api/index.js';
import { defaultGlobals } from '../../test/harness/fake-context.js';
import { TokenSplitter } from '../plugins/splitters/token/token-splitter.js';
import { release } from './ack.js';
import { InputRunner } from './input-runner.js';

interface Rig {
  runner: InputRunner;
  stream: InputStream;
  routed: Message[];
  logs: string[];
  /** Every consumer is done with every routed message so far. */
  ackAll(): void;
}

function rig(decoder: Decoder, over: { sendDecodeFailures?: boolean; logDecodeFailures?: boolean; perStream?: () => Decoder } = {}): Rig {
  const routed: Message[] = [];
  const held: Message[] = [];
  const logs: string[] = [];
  const router = new Router();
  const target: RouteTarget = {
    name: 'out',
    accepts: () => true,
    enqueue: (m) => {
      routed.push(m);
      held.push(m);
    },
  };
  router.add(target);
  const clock = new VirtualClock(5_000);
  const env = {
    router,
    globals: defaultGlobals,
    log: new Logger({ out: (l) => logs.push(l), err: (l) => logs.push(l) }, 0),
    clock,
    telemetry: new TelemetryRegistry(),
    fatal: (r: string) => logs.push(`FATAL ${r}`),
  };
  const runner = new InputRunner(
    env,
    {
      name: 'in',
      typeName: 'TestInput',
      canExit: true,
      hostname: 'h',
      baseDir: '/tmp',
      decoder: { name: 'dec', instance: decoder, reportName: 'in-dec-1', perStream: over.perStream },
      sendDecodeFailures: over.sendDecodeFailures ?? false,
      logDecodeFailures: over.logDecodeFailures ?? true,
      newSplitter: () => new TokenSplitter(),
      splitterOptions: { keep_truncated: false, use_message_bytes: false, min_buffer_size: 1024, deliver_incomplete_final: false, maxRecordSize: 1000 },
      retries: { delay: 1, max_delay: 1, max_jitter: 0, max_retries: 0 },
      tickerInterval: 0,
      findInput: () => undefined,
    },
    { run: async () => {} },
  );
  const stream = runner.ctx.openStream({ name: 'test-stream' });
  return { runner, stream, routed, logs, ackAll: () => held.splice(0).forEach(release) };
}

/** A decoder with decodeBatch whose outcome per payload is scripted; counts the calls it gets. */
function scripted(outcome: (m: Message, i: number) => DecodeResult): Decoder & { batchCalls: number[]; singleCalls: number } {
  let seen = 0;
  const d = {
    batchCalls: [] as number[],
    singleCalls: 0,
    decode(m: Message) {
      d.singleCalls++;
      const r = outcome(m, seen++);
      if (r instanceof Error) throw r;
      return r;
    },
    decodeBatch(msgs: readonly Message[]): DecodeResult[] {
      d.batchCalls.push(msgs.length);
      const out: DecodeResult[] = [];
      for (const m of msgs) {
        const r = outcome(m, seen++);
        out.push(r);
        if (r instanceof DecoderStoppedError) break;
      }
      return out;
    },
  };
  return d;
}

const lines = (n: number, bad: Record<number, string> = {}): string => Array.from({ length: n }, (_, i) => `${bad[i] ?? `r${i}`}\n`).join('');

test('a batch with a decode error in the middle: only that record fails (counted, logged, acknowledged); the rest route', () => {
  const d = scripted((m) => {
    if (m.payload === 'bad\n') return new Error('cannot decode bad');
    if (m.payload === 'two\n') {
      const a = new Message();
      a.payload = 'two-a';
      const b = new Message();
      b.payload = 'two-b';
      return [a, b];
    }
    if (m.payload === 'drop\n') return null;
    return m;
  });
  const { runner, stream, routed, logs, ackAll } = rig(d);
  // 6 records: r0, bad, two, drop, r4, r5 (offsets end at 3, 7, 11, 16, 19, 22).
  assert.equal(stream.write(Buffer.from(lines(6, { 1: 'bad', 2: 'two', 3: 'drop' }))), true);
  assert.deepEqual(d.batchCalls, [6], 'one decodeBatch call for the chunk');
  assert.equal(d.singleCalls, 0);
  assert.deepEqual(routed.map((m) => m.payload), ['r0\n', 'two-a', 'two-b', 'r4\n', 'r5\n']);
  assert.equal(runner.decodeErrors.count, 1);
  assert.equal(logs.filter((l) => l.includes('decode: cannot decode bad')).length, 1);
  assert.equal(runner.delivered, 6);
  assert.equal(runner.decoded, 5);
  assert.equal(runner.paused, null);
  // The failed and the dropped records are settled at once; the position waits for r0.
  assert.equal(stream.settledTag, -1);
  ackAll();
  assert.equal(stream.settledOffset, 22);
  assert.equal(stream.settledSeq, 5);
});

test('send_decode_failures: the failed record of a batch is routed with decode_failure / decode_error fields', () => {
  const d = scripted((m) => (m.payload === 'bad\n' ? new Error('nope') : m));
  const { runner, stream, routed } = rig(d, { sendDecodeFailures: true, logDecodeFailures: false });
  stream.write(Buffer.from(lines(3, { 1: 'bad' })));
  assert.deepEqual(routed.map((m) => m.payload), ['r0\n', 'bad\n', 'r2\n']);
  assert.equal(routed[1]!.getFieldValue('decode_failure'), true);
  assert.equal(routed[1]!.getFieldValue('decode_error'), 'nope');
  assert.equal(runner.decodeErrors.count, 1);
});

test('a decoder that stops in the middle of a batch pauses the input; nothing past the first undecoded record is acknowledged', async () => {
  const d = scripted((m, i) => (i === 3 ? new DecoderStoppedError('decoder in-dec terminated: boom') : m));
  const { runner, stream, routed, logs, ackAll } = rig(d);
  // r0..r7: records 0-2 decode, record 3 stops the decoder.
  assert.equal(stream.write(Buffer.from(lines(8))), false, 'the input is told to pause');
  assert.deepEqual(routed.map((m) => m.payload), ['r0\n', 'r1\n', 'r2\n']);
  assert.match(runner.paused ?? '', /terminated: boom/);
  assert.ok(logs.some((l) => l.includes('Paused: decoder in-dec terminated: boom')));
  assert.equal(runner.delivered, 3, 'the undecoded record is not counted as delivered');
  assert.equal(runner.ctx.blocked, true);
  ackAll();
  assert.equal(stream.settledOffset, 9, 'the end of r2: r3 and later stay unacknowledged');
  // More data: nothing is delivered, decoded or acknowledged while paused.
  assert.equal(stream.write(Buffer.from('r8\nr9\n')), false);
  assert.deepEqual(d.batchCalls, [8], 'the decoder is not called again');
  assert.equal(routed.length, 3);
  assert.equal(stream.settledOffset, 9);
  // drained() waits for shutdown, not for room downstream.
  let drained = false;
  void runner.ctx.drained().then(() => (drained = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false);
  runner.start();
  await runner.stop();
  assert.equal(drained, true);
});

test('a decoder without decodeBatch gets one decode() per record', () => {
  const calls: string[] = [];
  const d: Decoder = {
    decode: (m) => {
      calls.push(m.payload!);
      return m;
    },
  };
  const { stream, routed } = rig(d);
  stream.write(Buffer.from(lines(5)));
  assert.equal(calls.length, 5);
  assert.equal(routed.length, 5);
});

test('a per-stream decoder: every stream gets its own instance, stopped when the stream closes', () => {
  const made: Array<{ id: number; seen: string[]; stopped: boolean }> = [];
  const factory = (): Decoder => {
    const st = { id: made.length, seen: [] as string[], stopped: false };
    made.push(st);
    return {
      decode: (m) => {
        st.seen.push(m.payload!);
        return m;
      },
      stop: () => {
        st.stopped = true;
      },
    };
  };
  const shared: Decoder = { decode: () => assert.fail('the shared instance is not used for streams') };
  const { runner, stream, routed } = rig(shared, { perStream: factory });
  const other = runner.ctx.openStream({ name: 'second' });
  stream.write(Buffer.from('a1\na2\n'));
  other.write(Buffer.from('b1\n'));
  assert.deepEqual(made.map((d) => d.seen), [['a1\n', 'a2\n'], ['b1\n']]);
  assert.equal(routed.length, 3);
  other.close();
  assert.deepEqual(made.map((d) => d.stopped), [false, true]);
});
