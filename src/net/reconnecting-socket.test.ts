/**
 * ReconnectingSocket against a real loopback server that is stopped and started; reconnect
 * delays and confirmations run on a VirtualClock (only the socket I/O is real).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { VirtualClock } from '../core/clock.js';
import { splitHostPort } from './host-port.js';
import { ConnectionLostError, ReconnectingSocket, type SocketEvent } from './reconnecting-socket.js';

class Server {
  srv: net.Server | null = null;
  conns: net.Socket[] = [];
  data = '';
  constructor(public port = 0) {}
  async start(): Promise<void> {
    this.srv = net.createServer((c) => {
      this.conns.push(c);
      c.on('data', (d) => (this.data += d.toString()));
      c.on('error', () => {});
    });
    await new Promise<void>((r) => this.srv!.listen(this.port, '127.0.0.1', () => r()));
    this.port = (this.srv.address() as net.AddressInfo).port;
  }
  async stop(): Promise<void> {
    for (const c of this.conns) c.destroy();
    this.conns = [];
    await new Promise((r) => this.srv!.close(r));
  }
}

/** Real I/O settles on the event loop (test-only wall-clock polling, no threshold asserted). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 1000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('splitHostPort: Go rules for host:port', () => {
  assert.deepEqual(splitHostPort('127.0.0.1:2003'), { host: '127.0.0.1', port: 2003, v6: false });
  assert.deepEqual(splitHostPort('[::1]:8125'), { host: '::1', port: 8125, v6: true });
  assert.deepEqual(splitHostPort(':2003'), { host: '', port: 2003, v6: false });
  for (const bad of ['localhost', 'a:b', '::1:80', 'h:70000', 'h:']) assert.equal(splitHostPort(bad), null, bad);
});

test('write resolves once the kernel took the bytes; confirm resolves after the window while connected', async () => {
  const s = new Server();
  await s.start();
  const clock = new VirtualClock(1000);
  const sock = new ReconnectingSocket({ host: '127.0.0.1', port: s.port, clock, reconnectDelayMs: 100, maxReconnectDelayMs: 400 });
  const r = await sock.write(Buffer.from('a 1 1\n'));
  assert.deepEqual(r, { generation: 1, atMs: 1000 });
  await until(() => s.data === 'a 1 1\n', 'the bytes at the server');
  let confirmed = false;
  const c = sock.confirm(r, 2000).then(() => (confirmed = true));
  await clock.run(1999);
  assert.equal(confirmed, false);
  await clock.run(1);
  await c;
  assert.equal(confirmed, true);
  await sock.close();
  await s.stop();
});

test('loss: a pending confirmation fails, writes fail fast, reconnect after the backoff (doubling while refused)', async () => {
  const s = new Server();
  await s.start();
  const clock = new VirtualClock(0);
  const events: SocketEvent[] = [];
  const sock = new ReconnectingSocket({
    host: '127.0.0.1',
    port: s.port,
    clock,
    reconnectDelayMs: 100,
    maxReconnectDelayMs: 400,
    keepAliveMs: 30_000,
    onEvent: (e) => events.push(e),
  });
  const r = await sock.write(Buffer.from('x 1 1\n'));
  const confirmation = sock.confirm(r, 5000);
  await s.stop(); // the half-open case: the write succeeded, the peer is gone
  await assert.rejects(confirmation, (e: Error) => e instanceof ConnectionLostError && /lost/.test(e.message));
  assert.equal(sock.losses, 1);
  await assert.rejects(sock.write(Buffer.from('y\n')), ConnectionLostError);
  // Reconnect timer: 100 ms after the loss; the server is still down, so attempts back off.
  assert.equal(clock.nextDue(), 100);
  clock.advance(100);
  await until(() => events.filter((e) => e.type === 'connect-failed').length === 1, 'first refused attempt');
  assert.equal(clock.nextDue(), 200, 'first failed attempt: wait 100 ms');
  clock.advance(100);
  await until(() => events.filter((e) => e.type === 'connect-failed').length === 2, 'second refused attempt');
  assert.equal(clock.nextDue()! - clock.nowMs(), 200, 'then 200 ms');
  // Server back on the same port: the next attempt connects; the next write goes to it.
  await s.start();
  clock.advance(200);
  await until(() => sock.isConnected, 'the reconnect');
  assert.deepEqual(events.at(-1), { type: 'connect', reconnect: true });
  const r2 = await sock.write(Buffer.from('z 1 1\n'));
  assert.equal(r2.generation, 2);
  await until(() => s.data.endsWith('z 1 1\n'), 'the bytes on the new connection');
  // A receipt of the old connection cannot be confirmed on the new one.
  await assert.rejects(sock.confirm(r, 1), ConnectionLostError);
  await sock.close();
  await s.stop();
});

test('write while nobody listens: rejects with a named error, no queueing', async () => {
  const clock = new VirtualClock(0);
  const sock = new ReconnectingSocket({ host: '127.0.0.1', port: 1, clock, reconnectDelayMs: 50, maxReconnectDelayMs: 50 });
  await assert.rejects(sock.write(Buffer.from('a\n')), (e: Error) => e instanceof ConnectionLostError && /can't connect to 127\.0\.0\.1:1: .*ECONNREFUSED/.test(e.message));
  await assert.rejects(sock.write(Buffer.from('a\n')), /not connected to 127\.0\.0\.1:1/);
  await sock.close();
  assert.equal(clock.pending, 0, 'close cancels the reconnect timer');
});
