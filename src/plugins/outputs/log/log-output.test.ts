import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../../../core/clock.js';
import { Message } from '../../../core/message.js';
import { fakeOutputContext, validateSample, goldenPath } from '../../../../test/harness/fake-output-context.js';
import { PayloadEncoder } from '../../encoders/payload/payload-encoder.js';
import definition from './index.js';
import { LogOutput, type LineStream } from './log-output.js';

/** A stdout stand-in: records writes, completes them when the test says so, can report backpressure. */
class FakeStream extends EventEmitter implements LineStream {
  chunks: Buffer[] = [];
  pending: Array<(err?: Error | null) => void> = [];
  full = false;
  autoComplete = true;
  failWith: Error | null = null;
  write(chunk: Buffer, cb: (err?: Error | null) => void): boolean {
    this.chunks.push(Buffer.from(chunk));
    if (this.autoComplete) setImmediate(() => cb(this.failWith));
    else this.pending.push(cb);
    return !this.full;
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

test('log_flags = 0: the golden LogOutput lines, newline only when missing', async () => {
  const stream = new FakeStream();
  const out = new LogOutput(stream);
  const ctx = fakeOutputContext({ encoder: plain, globals: { log_flags: 0 } });
  for (const p of PAYLOADS) out.process(msg(p), ctx);
  await out.stop();
  assert.equal(stream.text, 'GET / 200\nline with newline\n\nno timestamp\n');
  const golden = readFileSync(`${GOLDEN}/logoutput-logflags0.stdout.txt`, 'utf8');
  assert.ok(golden.includes(stream.text));
  assert.equal(ctx.acked.length, 4);
  assert.equal(stream.chunks.length, 1, 'one coalesced write');
});

test('default log_flags: Go log prefix on every record, only before its first line', async () => {
  const stream = new FakeStream();
  const out = new LogOutput(stream);
  const clock = new VirtualClock(Date.UTC(2014, 1, 10, 16, 46, 41));
  const ctx = fakeOutputContext({ encoder: plain, clock, globals: { log_flags: 3 } });
  for (const p of [...PAYLOADS, 'two\nlines']) out.process(msg(p), ctx);
  await out.stop();
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

test('messages are acknowledged only after the write completed', async () => {
  const stream = new FakeStream();
  stream.autoComplete = false;
  const out = new LogOutput(stream);
  const ctx = fakeOutputContext({ encoder: plain, globals: { log_flags: 0 } });
  out.process(msg('a'), ctx);
  out.process(msg('b'), ctx);
  await new Promise((r) => setImmediate(r));
  assert.equal(stream.chunks.length, 1);
  assert.equal(ctx.acked.length, 0);
  stream.pending.shift()!();
  assert.equal(ctx.acked.length, 2);
});

test('backpressure: process() waits for drain once the stream is full', async () => {
  const stream = new FakeStream();
  stream.full = true;
  const out = new LogOutput(stream);
  const ctx = fakeOutputContext({ encoder: plain, globals: { log_flags: 0 } });
  assert.equal(out.process(msg('a'), ctx), undefined);
  await new Promise((r) => setImmediate(r)); // the coalesced write happens, returns false
  const p = out.process(msg('b'), ctx);
  assert.ok(p instanceof Promise);
  let settled = false;
  void p.then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false);
  stream.full = false;
  stream.emit('drain');
  await p;
  assert.equal(settled, true);
  await out.stop();
  assert.equal(stream.text, 'a\nb\n');
});

test('write errors are reported, messages still released; swallowed messages are acked', async () => {
  const stream = new FakeStream();
  stream.failWith = new Error('EPIPE');
  const out = new LogOutput(stream);
  const ctx = fakeOutputContext({ encoder: plain, globals: { log_flags: 0 } });
  out.process(msg('a'), ctx);
  await out.stop();
  assert.equal(ctx.acked.length, 1);
  assert.match(String(ctx.errors[0]!.err), /EPIPE/);
  const swallow = fakeOutputContext({ encoder: { encode: () => null } });
  out.process(msg('x'), swallow);
  assert.equal(swallow.acked.length, 1);
  const broken = fakeOutputContext({ encoder: { encode: () => { throw new Error('bad'); } } });
  out.process(msg('x'), broken);
  assert.match(String(broken.errors[0]!.err), /Error encoding message: bad/);
});

test('definition and sample.toml', async () => {
  assert.equal(definition.encoderRequired, true);
  await validateSample(definition, fileURLToPath(new URL('../../../../../src/plugins/outputs/log/sample.toml', import.meta.url)));
});
