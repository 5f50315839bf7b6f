import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../../../core/clock.js';
import { Message } from '../../../core/message.js';
import { validateSample, goldenPath } from '../../../../test/harness/fake-output-context.js';
import { runOutput } from '../../../../test/harness/output-harness.js';
import type { Encoder } from '../../../plugin-api/index.js';
import { PayloadEncoder } from '../../encoders/payload/payload-encoder.js';
import definition from './index.js';
import { LogOutput, type LineStream } from './log-output.js';

/** A stdout stand-in: records writes, completes them when the test says so, can report backpressure. */
class FakeStream extends EventEmitter implements LineStream {
  chunks: Buffer[] = [];
  pending: Array<(err?: Error | null) => void> = [];
  autoComplete = true;
  failWith: Error | null = null;
  write(chunk: Buffer, cb: (err?: Error | null) => void): boolean {
    this.chunks.push(Buffer.from(chunk));
    if (this.autoComplete) setImmediate(() => cb(this.failWith));
    else this.pending.push(cb);
    return true;
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

const plain = new PayloadEncoder(
  { append_newlines: false, prefix_ts: false, ts_from_message: true, ts_format: '' },
  new VirtualClock(),
);

function msg(payload: string | undefined): Message {
  const m = new Message();
  m.payload = payload;
  return m;
}

const GOLDEN = goldenPath('payload_log/out/tz-UTC');
const PAYLOADS = ['GET / 200', 'line with newline\n', '', 'no timestamp'];

function setup(stream: FakeStream, opts: { clock?: VirtualClock; logFlags?: number; encoder?: Encoder } = {}) {
  return runOutput(new LogOutput(stream), {
    clock: opts.clock ?? new VirtualClock(0),
    encoder: opts.encoder ?? plain,
    globals: { log_flags: opts.logFlags ?? 0 },
    retries: { delay: 100, max_delay: 1000, max_jitter: 0 },
  });
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('log_flags = 0: the golden LogOutput lines, newline only when missing', async () => {
  const stream = new FakeStream();
  const h = setup(stream);
  for (const p of PAYLOADS) h.send(p);
  await h.stop();
  assert.equal(stream.text, 'GET / 200\nline with newline\n\nno timestamp\n');
  const golden = readFileSync(`${GOLDEN}/logoutput-logflags0.stdout.txt`, 'utf8');
  assert.ok(golden.includes(stream.text));
  assert.equal(h.acked.length, 4);
  assert.equal(stream.chunks.length, 1, 'one coalesced write');
});

test('default log_flags: Go log prefix on every record, only before its first line', async () => {
  const stream = new FakeStream();
  const clock = new VirtualClock(Date.UTC(2014, 1, 10, 16, 46, 41));
  const h = setup(stream, { clock, logFlags: 3 });
  for (const p of [...PAYLOADS, 'two\nlines']) h.send(p);
  await h.stop();
  const d = new Date(clock.nowMs());
  const pad = (n: number): string => String(n).padStart(2, '0');
  const prefix = `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} `;
  assert.equal(
    stream.text,
    `${prefix}GET / 200\n${prefix}line with newline\n${prefix}\n${prefix}no timestamp\n${prefix}two\nlines\n`,
  );
  // Same shape as the golden capture (with ${LOCALTIME} for the prefix).
  const golden = readFileSync(`${GOLDEN}/logoutput.stdout.txt`, 'utf8');
  const want = PAYLOADS.map((p) => '${LOCALTIME} ' + (p.endsWith('\n') ? p : p + '\n')).join('');
  assert.ok(golden.includes(want));
});

test('messages are acknowledged only after the write completed; one write at a time', async () => {
  const stream = new FakeStream();
  stream.autoComplete = false;
  const h = setup(stream);
  h.send('a');
  h.send('b');
  await turn();
  assert.equal(stream.chunks.length, 1);
  h.send('c');
  await turn();
  assert.equal(stream.chunks.length, 1, 'the next batch waits for the write in progress');
  assert.equal(h.acked.length, 0);
  stream.pending.shift()!();
  await turn();
  assert.deepEqual(h.acked, [0, 1]);
  assert.equal(stream.chunks.length, 2);
  stream.pending.shift()!();
  await turn();
  assert.deepEqual(h.acked, [0, 1, 2]);
  await h.stop();
});

test('a failed write is retried after the backoff and acknowledged only once it succeeds', async () => {
  const stream = new FakeStream();
  stream.failWith = new Error('EPIPE');
  const clock = new VirtualClock(0);
  const h = setup(stream, { clock });
  h.send('a');
  await turn();
  await turn();
  assert.equal(h.acked.length, 0, 'not acknowledged after a write error');
  assert.match(h.logSink.lines.join(''), /Error writing to stdout: EPIPE/);
  await clock.run(100); // first retry (delay 100 ms): fails again
  assert.equal(stream.chunks.length, 2);
  assert.equal(h.acked.length, 0);
  stream.failWith = null;
  await clock.run(200); // second retry (doubled): succeeds
  assert.equal(stream.chunks.length, 3);
  assert.deepEqual(h.acked, [0]);
  assert.equal(stream.text, 'a\na\na\n');
  await h.stop();
});

test('encode errors are rejected (counted, logged, released), swallowed messages acknowledged, nothing written', async () => {
  const stream = new FakeStream();
  const h = setup(stream, { encoder: { encode: (m) => { if (m.payload === 'bad') throw new Error('boom'); return m.payload === 'skip' ? null : m.payload ?? ''; } } });
  h.send('bad');
  h.send('skip');
  h.send('ok');
  await h.stop();
  assert.equal(stream.text, 'ok\n');
  assert.deepEqual(h.acked, [0, 1, 2]);
  assert.equal(h.report()['RejectedCount'], 1);
  assert.match(h.logSink.lines.join(''), /Error encoding message: boom/);
});

test('definition and sample.toml', async () => {
  assert.equal(definition.encoderRequired, true);
  await validateSample(definition, fileURLToPath(new URL('../../../../../src/plugins/outputs/log/sample.toml', import.meta.url)));
});
