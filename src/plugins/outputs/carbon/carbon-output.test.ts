import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../../core/clock.js';
import { validateSample } from '../../../../test/harness/fake-output-context.js';
import { runOutput } from '../../../../test/harness/output-harness.js';
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
  const parts = splitLines(Buffer.from('aaaa\nbbbb\ncccccccccccc\nd\n'), 10);
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

function harness(cfg: CarbonConfig) {
  const out = new CarbonOutput(cfg, systemClock);
  return { out, h: runOutput(out, { clock: systemClock, stopTimeoutMs: 30_000, retries: { delay: 20, max_delay: 100, max_jitter: 0 } }) };
}

test('TCP: one persistent connection; acknowledged only after resend_window alive; lines near a break sent again', async () => {
  const s = await server();
  const { out, h } = harness({ ...base, address: `127.0.0.1:${s.port}`, resend_window: 300 });
  h.send('a 1 100\nb 2 100\n');
  h.send('c 3 100');
  await until(() => s.data() === 'a 1 100\nb 2 100\nc 3 100\n');
  assert.equal(s.conns.length, 1);
  assert.deepEqual(h.acked, [], 'written but not yet confirmed');
  await until(() => h.acked.length === 2, 2000);
  // A batch written just before the server goes away is not acknowledged: it comes again.
  h.send('d 4 101');
  await until(() => s.data().endsWith('d 4 101\n'));
  const port = s.port;
  for (const c of s.conns) c.destroy();
  await new Promise((r) => s.srv.close(r));
  await until(() => out.disconnects === 1);
  h.send('e 5 102');
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(h.acked, [0, 1], 'nothing acknowledged while carbon is away');
  let text = '';
  const srv2 = net.createServer((c) => c.on('data', (d) => (text += d.toString())));
  await new Promise<void>((r) => srv2.listen(port, '127.0.0.1', () => r()));
  await until(() => h.acked.length === 4, 3000);
  assert.equal(text, 'd 4 101\ne 5 102\n', 'the unconfirmed line first, in order');
  await h.stop();
  srv2.close();
  const r = h.report();
  assert.equal(r['LinesQueued'], 5);
  assert.equal(r['LinesSent'], 5);
  assert.equal(r['LinesResent'], 1);
  assert.equal(r['RejectedCount'], 0);
  assert.ok((r['Connects'] as number) >= 2);
  assert.match(h.logSink.lines.join(''), /Stopped: 5 lines queued, 5 sent, 1 resent, \d+ send errors\./);
});

test('TCP: carbon unreachable: nothing dropped or acknowledged; stop gives up after stop_timeout', async () => {
  const { h } = harness({ ...base, address: '127.0.0.1:1', stop_timeout: 300 });
  h.send('a 1 100\nb 2 100\n');
  h.send('c 3 100\n');
  await new Promise((r) => setTimeout(r, 100));
  await h.stop();
  assert.deepEqual(h.acked, []);
  const log = h.logSink.lines.join('');
  assert.match(log, /can't connect to 127\.0\.0\.1:1|not connected to 127\.0\.0\.1:1/);
  assert.match(log, /Still 2 messages undelivered after 300 ms; they stay unacknowledged/);
});

test('TCP: what the runner holds is bounded by max_buffer_bytes; the router is pushed back', async () => {
  const { h } = harness({ ...base, address: '127.0.0.1:1', max_buffer_bytes: 64, stop_timeout: 100 });
  let refused = 0;
  for (let i = 0; i < 200; i++) if (!h.send(`metric.${i} 1 100`)) refused++;
  await new Promise((r) => setTimeout(r, 50));
  assert.ok((h.report()['HeldBytes'] as number) <= 64 + 20, `held ${h.report()['HeldBytes']}`);
  assert.ok(refused > 0, 'the router reported the output full');
  assert.equal(h.router.blocked, true);
  await h.stop();
  assert.deepEqual(h.acked, []);
});

test('UDP: lines batched into datagrams of at most max_batch_bytes, sent on one socket', async () => {
  const sock = dgram.createSocket('udp4');
  const got: string[] = [];
  sock.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const { out, h } = harness({ ...base, protocol: 'udp', address: `127.0.0.1:${sock.address().port}`, max_batch_bytes: 20 });
  h.send('a.b 1 100\nc.d 2 100\ne.f 3 100\nbad');
  await until(() => got.length === 2);
  await h.stop();
  sock.close();
  assert.deepEqual(got, ['a.b 1 100\nc.d 2 100\n', 'e.f 3 100\n']);
  assert.equal(out.linesSent, 3);
  assert.equal(out.invalidLines, 1);
  assert.deepEqual(h.acked, [0]);
  assert.match(h.logSink.lines.join(''), /malformed statmetric line: 'bad'/);
});

test('sample.toml validates', async () => {
  const c = await validateSample(definition, fileURLToPath(new URL('../../../../../src/plugins/outputs/carbon/sample.toml', import.meta.url)));
  assert.equal(c['protocol'], 'tcp');
});
