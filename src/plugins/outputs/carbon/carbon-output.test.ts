import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../../core/clock.js';
import { Message } from '../../../core/message.js';
import { fakeOutputContext, validateSample } from '../../../../test/harness/fake-output-context.js';
import type { CarbonConfig } from './config.js';
import definition from './index.js';
import { CarbonOutput, carbonLines, parseUint32Go, splitLines } from './carbon-output.js';

const base: CarbonConfig = {
  address: '127.0.0.1:1',
  protocol: 'tcp',
  tcp_keep_alive: false,
  max_batch_bytes: 63488,
  max_buffer_bytes: 1 << 20,
  reconnect_delay: 20,
  max_reconnect_delay: 100,
  resend_window: 2000,
  stop_timeout: 2000,
};

function msg(payload: string): Message {
  const m = new Message();
  m.payload = payload;
  return m;
}

test('line validation: 3 fields, uint32 time (Go base prefixes), float64 value; valid lines verbatim', () => {
  const r = carbonLines('\n a.b  1.5\t123\nbad line\nx 1 0x10\ny NaN 010\nz 1 4294967296\nw abc 1\nv 1e3 -1\n');
  assert.equal(r.text, 'a.b  1.5\t123\nx 1 0x10\ny NaN 010\n');
  assert.equal(r.lines, 3);
  assert.deepEqual(r.errors, [
    "malformed statmetric line: 'bad line'",
    'parsing time: strconv.ParseUint: parsing "4294967296": value out of range',
    `parsing value 'abc': strconv.ParseFloat: parsing "abc": invalid syntax`,
    'parsing time: strconv.ParseUint: parsing "-1": invalid syntax',
  ]);
  assert.equal(parseUint32Go('010').value, 8);
  assert.equal(parseUint32Go('0x_ff').value, 255);
  assert.equal(carbonLines('  \n').lines, 0);
});

test('splitLines never splits a line and keeps pieces under max', () => {
  const parts = splitLines('aaaa\nbbbb\ncccccccccccc\nd\n', 10);
  assert.deepEqual(parts.map((p) => p.buf.toString()), ['aaaa\nbbbb\n', 'cccccccccccc\n', 'd\n']);
  assert.deepEqual(parts.map((p) => p.lines), [2, 1, 1]);
});

test('protocol other than tcp/udp is refused with Heka\'s message', () => {
  assert.throws(() => new CarbonOutput({ ...base, protocol: 'http' }, systemClock), { message: 'CarbonOutput: "http" is not a supported protocol, must be "tcp" or "udp"' });
  assert.equal(definition.validate!({ ...base, protocol: 'sctp' })[0]!.reason, 'CarbonOutput: "sctp" is not a supported protocol, must be "tcp" or "udp"');
});

function server(): Promise<{ srv: net.Server; port: number; data: () => string; conns: net.Socket[] }> {
  let text = '';
  const conns: net.Socket[] = [];
  const srv = net.createServer((c) => {
    conns.push(c);
    c.on('data', (d) => (text += d.toString()));
    c.on('error', () => {});
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, port: (srv.address() as net.AddressInfo).port, data: () => text, conns })));
}

async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('TCP: one persistent connection, data buffered while the server is away, then delivered', async () => {
  const s = await server();
  const out = new CarbonOutput({ ...base, address: `127.0.0.1:${s.port}` }, systemClock);
  const ctx = fakeOutputContext({ name: 'CarbonOutput' });
  out.process(msg('a 1 100\nb 2 100\n'), ctx);
  out.process(msg('c 3 100'), ctx);
  await until(() => s.data() === 'a 1 100\nb 2 100\nc 3 100\n');
  assert.equal(s.conns.length, 1);
  // Server goes away: buffer, reconnect with backoff, deliver.
  const port = s.port;
  for (const c of s.conns) c.destroy();
  await new Promise((r) => s.srv.close(r));
  await until(() => out.disconnects === 1);
  out.process(msg('d 4 101'), ctx);
  await new Promise((r) => setTimeout(r, 150));
  let text = '';
  const srv2 = net.createServer((c) => c.on('data', (d) => (text += d.toString())));
  await new Promise<void>((r) => srv2.listen(port, '127.0.0.1', () => r()));
  await until(() => text.includes('d 4 101\n'));
  // The lines written just before the break were sent again (idempotent for whisper).
  assert.ok(text.startsWith('a 1 100\nb 2 100\nc 3 100\n'), JSON.stringify(text));
  await out.stop();
  srv2.close();
  const r = Object.fromEntries(out.report().map((f) => [f.name, f.value]));
  assert.equal(r['LinesSent'], 4);
  assert.equal(r['LinesResent'], 3);
  assert.equal(r['LinesDropped'], 0);
  assert.ok((r['Connects'] as number) >= 2);
});

test('TCP: bounded buffer drops and counts lines while carbon is down; stop gives up after stop_timeout', async () => {
  const out = new CarbonOutput({ ...base, address: '127.0.0.1:1', max_buffer_bytes: 20, stop_timeout: 100 }, systemClock);
  const ctx = fakeOutputContext();
  out.process(msg('a 1 100\nb 2 100\n'), ctx); // 16 bytes: kept
  out.process(msg('c 3 100\n'), ctx); // would exceed 20: dropped
  assert.equal(out.linesDropped, 1);
  await out.stop();
  assert.equal(out.linesDropped, 3);
  assert.match(ctx.logSink.lines.join(''), /Dial failed|Buffer full/);
});

test('UDP: lines batched into datagrams of at most max_batch_bytes, sent on one socket', async () => {
  const sock = dgram.createSocket('udp4');
  const got: string[] = [];
  sock.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const out = new CarbonOutput({ ...base, protocol: 'udp', address: `127.0.0.1:${sock.address().port}`, max_batch_bytes: 20 }, systemClock);
  const ctx = fakeOutputContext();
  out.process(msg('a.b 1 100\nc.d 2 100\ne.f 3 100\nbad'), ctx);
  await until(() => got.length === 2);
  await out.stop();
  sock.close();
  assert.deepEqual(got, ['a.b 1 100\nc.d 2 100\n', 'e.f 3 100\n']);
  assert.equal(out.linesSent, 3);
  assert.equal(out.invalidLines, 1);
  assert.equal(ctx.errors.length, 1);
});

test('sample.toml validates', async () => {
  const c = await validateSample(definition, fileURLToPath(new URL('../../../../../src/plugins/outputs/carbon/sample.toml', import.meta.url)));
  assert.equal(c['protocol'], 'tcp');
});
