import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { Message } from '../../../core/message.js';
import type { BatchResult, OutputContext } from '../../../plugin-api/index.js';
import { fakeOutputContext } from '../../../../test/harness/fake-output-context.js';
import { HttpOutput } from './http-output.js';
import { VirtualClock } from '../../../core/clock.js';
import { runOutput } from '../../../../test/harness/output-harness.js';
import { httpOutputOptions, validateHttpOutput, type HttpOutputConfig } from './config.js';
import { tlsClientOptions } from './tls.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function server(handler: (s: Seen, res: import('node:http').ServerResponse) => void) {
  const seen: Seen[] = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  return { seen, port, close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
}

function config(address: string, extra: Partial<HttpOutputConfig> = {}): HttpOutputConfig {
  return { address, method: 'POST', headers: {}, username: '', password: '', http_timeout: 0, ...extra };
}

const payloadEncoder = { encode: (m: Message) => m.payload ?? '' };

/** Sends the messages as one batch (encoded as the runner would, swallowed ones left out). */
async function send(out: HttpOutput, ctx: OutputContext, ...msgs: Message[]): Promise<BatchResult | void> {
  const records = msgs.map((m) => ({ msg: m, bytes: ctx.encode(m) })).filter((r) => r.bytes !== null);
  if (records.length === 0) return;
  return out.writeBatch({ records, bytes: records.reduce((n, r) => n + r.bytes!.length, 0), attempt: 0 });
}

/** The single record's outcome as text: 'done', 'retry: <msg>' or 'rejected: <reason>'. */
async function outcome(out: HttpOutput, ctx: OutputContext, m: Message): Promise<string> {
  const r = await send(out, ctx, m);
  if (!r) return 'done';
  if (r.rejections.has(0)) return `rejected: ${r.rejections.get(0)}`;
  if (r.retries.has(0)) return `retry: ${r.retries.get(0)!.message}`;
  return 'done';
}

function msg(payload: string): Message {
  const m = new Message();
  m.payload = payload;
  return m;
}

test('POST: body = encoded bytes, configured headers as written, Basic auth, no Content-Type unless configured', async () => {
  const s = await server((_, res) => res.end('fine'));
  const ctx = fakeOutputContext({ encoder: payloadEncoder });
  const out = new HttpOutput(
    config(`http://127.0.0.1:${s.port}/db/stats/series?u=1`, {
      headers: { 'X-Custom': ['a', 'b'], 'Content-Type': ['application/json'] },
      username: 'user',
      password: 'pw',
    }),
    ctx,
  );
  assert.equal(await send(out, ctx, msg('{"x":1}')), undefined);
  await out.stop();
  await s.close();
  const r = s.seen[0]!;
  assert.equal(r.method, 'POST');
  assert.equal(r.url, '/db/stats/series?u=1');
  assert.equal(r.body, '{"x":1}');
  assert.equal(r.headers['x-custom'], 'a, b');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['content-length'], '7');
  assert.equal(r.headers.authorization, 'Basic ' + Buffer.from('user:pw').toString('base64'));
  assert.equal(out.sent, 1);
});

test('GET sends no body; PUT sends it; an encoder returning null sends nothing', async () => {
  const s = await server((_, res) => res.end());
  const ctx = fakeOutputContext({ encoder: { encode: (m: Message) => (m.payload === 'skip' ? null : m.payload ?? '') } });
  const get = new HttpOutput(config(`http://127.0.0.1:${s.port}/g`, { method: 'get' }), ctx);
  const put = new HttpOutput(config(`http://127.0.0.1:${s.port}/p`, { method: 'PUT' }), ctx);
  await send(get, ctx, msg('discarded'));
  await send(put, ctx, msg('kept'), msg('skip'));
  await get.stop();
  await put.stop();
  await s.close();
  assert.deepEqual(
    s.seen.map((r) => [r.method, r.url, r.body]),
    [
      ['GET', '/g', ''],
      ['PUT', '/p', 'kept'],
    ],
  );
});

test('5xx, 429 and connection errors are retryable; other 4xx are permanent and counted; redirects are followed', async () => {
  let status = 503;
  const s = await server((r, res) => {
    if (r.url === '/old') {
      res.statusCode = 307;
      res.setHeader('Location', '/new');
      res.end();
      return;
    }
    res.statusCode = status;
    res.end(status >= 400 ? 'no way' : 'ok');
  });
  const ctx = fakeOutputContext({ encoder: payloadEncoder });
  const out = new HttpOutput(config(`http://127.0.0.1:${s.port}/x`), ctx);
  assert.equal(await outcome(out, ctx, msg('a')), 'retry: HTTP Error code returned: 503 Service Unavailable - no way');
  status = 429;
  assert.equal(await outcome(out, ctx, msg('a')), 'retry: HTTP Error code returned: 429 Too Many Requests - no way');
  status = 400;
  assert.equal(await outcome(out, ctx, msg('a')), 'rejected: HTTP Error code returned: 400 Bad Request - no way');
  assert.equal(out.retryable, 2);
  status = 200;
  const redirected = new HttpOutput(config(`http://127.0.0.1:${s.port}/old`), ctx);
  assert.equal(await outcome(redirected, ctx, msg('moved')), 'done');
  assert.deepEqual(s.seen.slice(-1).map((r) => [r.url, r.body]), [['/new', 'moved']]);
  await out.stop();
  await redirected.stop();
  await s.close();
  const dead = new HttpOutput(config(`http://127.0.0.1:${s.port}/x`), ctx);
  assert.match(await outcome(dead, ctx, msg('a')), /^retry: Error making HTTP request: .*ECONNREFUSED/);
  await dead.stop();
});

test('a batch: requests in order, a 4xx rejects only its record, a 5xx retries it and everything after it', async () => {
  const s = await server((r, res) => {
    res.statusCode = r.body === 'bad' ? 400 : r.body === 'busy' ? 503 : 200;
    res.end();
  });
  const ctx = fakeOutputContext({ encoder: payloadEncoder });
  const out = new HttpOutput(config(`http://127.0.0.1:${s.port}/b`), ctx);
  const r = (await send(out, ctx, msg('a'), msg('bad'), msg('b'), msg('busy'), msg('c')))!;
  assert.deepEqual([...r.rejections.keys()], [1]);
  assert.deepEqual([...r.retries.keys()], [3, 4], 'the failed record and the one behind it');
  assert.deepEqual(s.seen.map((x) => x.body), ['a', 'bad', 'b', 'busy'], 'nothing sent after the retryable failure');
  await out.stop();
  await s.close();
});

test('http_timeout bounds the whole request on the clock (retryable)', async () => {
  const s = await server(() => {
    /* accepts the request, never answers */
  });
  const clock = new VirtualClock(0);
  const ctx = fakeOutputContext({ encoder: payloadEncoder, clock });
  const out = new HttpOutput(config(`http://127.0.0.1:${s.port}/slow`, { http_timeout: 100 }), ctx);
  let result: string | null = null;
  void outcome(out, ctx, msg('a')).then((r) => (result = r));
  await new Promise((r) => setTimeout(r, 50)); // the request reaches the server
  clock.advance(99);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(result, null, 'not before http_timeout');
  clock.advance(1);
  for (let i = 0; i < 100 && result === null; i++) await new Promise((r) => setTimeout(r, 5));
  assert.match(String(result), /^retry: Error making HTTP request: request timed out/);
  await out.stop();
  await s.close();
});

test('stop() does not wait for a server that accepted a request and never answers (the request stays unacknowledged)', async () => {
  const s = await server(() => {
    /* never answers */
  });
  const clock = new VirtualClock(0);
  const h = runOutput(new HttpOutput(config(`http://127.0.0.1:${s.port}/hang`), fakeOutputContext({ clock })), {
    clock,
    encoder: { encode: (m: Message) => m.payload ?? '' },
    stopTimeoutMs: 1_000,
  });
  h.send('a');
  for (let i = 0; i < 200 && s.seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(s.seen.length, 1, 'the request reached the server');
  const stopped = h.stop();
  await clock.run(1_000); // the runner's stop timeout passes in virtual time
  await stopped;
  assert.deepEqual(h.acked, [], 'the unanswered record is not acknowledged');
  assert.match(h.logSink.lines.join('\n'), /Still 1 messages undelivered after 1000 ms/);
  await s.close();
});

test('option checks: address, method, headers, TLS versions and ciphers', () => {
  assert.equal(httpOutputOptions.address.check!('ftp://x'), '`address` must contain an absolute http or https URL.');
  assert.equal(httpOutputOptions.address.check!('/relative'), '`address` must contain an absolute http or https URL.');
  assert.equal(httpOutputOptions.address.check!('https://h:1/p'), undefined);
  assert.equal(httpOutputOptions.method.check!('delete'), 'HTTP Method must be POST, GET, or PUT.');
  assert.equal(httpOutputOptions.method.check!('put'), undefined);
  assert.deepEqual(validateHttpOutput({ headers: { A: 'x' } }), [
    { option: 'headers', reason: `header 'A' must be an array of strings, e.g. A = ["value"]` },
  ]);
  const tls = {
    server_name: 'h', cert_file: '', key_file: '', client_auth: '', ciphers: ['ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
    insecure_skip_verify: true, prefer_server_ciphers: false, session_tickets_disabled: false, sesion_ticket_key: '',
    min_version: 'TLS11', max_version: 'TLS12', client_cafile: '', root_cafile: '',
  };
  assert.deepEqual(tlsClientOptions(tls), {
    servername: 'h', rejectUnauthorized: false, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
  });
  assert.throws(() => tlsClientOptions({ ...tls, ciphers: ['NOPE'] }), /Invalid cipher string: NOPE/);
  assert.throws(() => tlsClientOptions({ ...tls, cert_file: '/x' }), /requires both cert_file and key_file/);
  assert.deepEqual(validateHttpOutput({ tls: { ...tls, min_version: 'TLS12', max_version: 'TLS10' } }), [
    { option: 'tls', reason: 'MaxVersion (TLS10) must be newer than MinVersion (TLS12)' },
  ]);
  const sample = readFileSync(new URL('../../../../../src/plugins/outputs/http/sample.toml', import.meta.url), 'utf8');
  assert.match(sample, /type = "HttpOutput"/);
});
