import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fakeInputContext, type FakeInputContext } from '../../../../test/harness/fake-context.js';
import { goldenPath, validateSample } from '../../../../test/harness/fake-output-context.js';
import { StatAccumInput } from '../stat-accum/stat-accum-input.js';
import type { Input, StatAccumulator } from '../../../plugin-api/index.js';
import type { StatsdConfig } from './config.js';
import definition from './index.js';
import { parseGoFloat, parseState } from '../../../core/go-float.js';
import { StatsdInput } from './statsd-input.js';
import { StatsdParser } from './statsd-parser.js';

const cfg: StatsdConfig = {
  address: '127.0.0.1:0',
  stat_accum_name: 'StatAccumInput',
  max_msg_size: 65507,
  tcp_address: '',
  accept_sets: true,
  gauge_deltas: true,
  receive_buffer_bytes: 1 << 20,
  bad_lines_logged_per_second: 100,
};

/** Records what the parser hands over. */
class Recorder implements StatAccumulator {
  readonly isStatAccumulator = true as const;
  stats: string[] = [];
  counter(k: string, inc: number): boolean {
    this.stats.push(`c ${k} ${inc}`);
    return true;
  }
  timer(k: string, v: number): boolean {
    this.stats.push(`ms ${k} ${v}`);
    return true;
  }
  gauge(k: string, v: number, rel: boolean): boolean {
    this.stats.push(`g ${k} ${v}${rel ? ' rel' : ''}`);
    return true;
  }
  set(k: string, m: string): boolean {
    this.stats.push(`s ${k} ${m}`);
    return true;
  }
  dropStat(): boolean {
    return true;
  }
}

function parse(text: string, heka = true): { stats: string[]; bad: string[] } {
  const r = new Recorder();
  const bad: string[] = [];
  const p = new StatsdParser({ sets: !heka, gaugeDeltas: !heka }, r, (b, s, e) => bad.push(b.toString('utf8', s, e)));
  const buf = Buffer.from(text);
  p.parse(buf, 0, buf.length);
  return { stats: r.stats, bad };
}

test('parser: the spec examples (Heka mode)', () => {
  const cases: Array<[string, string[]]> = [
    ['sample.gauge:123|g', ['g sample.gauge 123']],
    ['sample.count.w.rate:123|c|@0.9', [`c sample.count.w.rate ${Math.trunc(Math.fround(123 * Math.fround(1 / Math.fround(0.9))))}`]],
    ['sample.timer.w.rate:1234|ms|@0.5', ['ms sample.timer.w.rate 1234']],
    ['sample.histogram:1234|h', ['c sample.histogram 1234']],
    ['m:3|m', ['c m 3']],
    ['a:1|cxyz', ['c a 1']],
    ['a:1|c:2|c', ['c a 1']],
    ['a:1|cs|@0.5', ['c a 2']],
    [':5|c', ['c  5']],
    ['a:|c', ['c a 0']],
    ['  a:1|c \t', ['c a 1']],
    ['a:-3|g', ['g a -3']],
    ['a:1|msx', ['ms a 1']],
  ];
  for (const [line, want] of cases) assert.deepEqual(parse(line), { stats: want, bad: [] }, line);
  for (const line of ['foo.bar.baz:', 'foo.bar.baz|', 'foo.bar.baz:1234|x', 'users:5|s', 'a:1|c\r', 'a:1|c|@x', 'a:1|c|@0', 'a:1|c|@-1', 'a:1', 'a:1|', 'ab']) {
    assert.deepEqual(parse(line), { stats: [], bad: [line] }, line);
  }
});

test('parser: several lines per packet, bad ones skipped, the rest used; Etsy mode sets and deltas', () => {
  assert.deepEqual(parse('a:1|c\n\nbad\nb:2|ms\n  \nc:+4|g'), { stats: ['c a 1', 'ms b 2', 'g c 4'], bad: ['bad'] });
  assert.deepEqual(parse('c:+4|g\nc:-4|g\nu:x|s\nu:y|s|@0.5', false), { stats: ['g c 4 rel', 'g c -4 rel', 's u x', 's u y'], bad: [] });
});

test('go float parsing: fast path and Go grammar', () => {
  const p = (s: string): number | string => {
    const b = Buffer.from(s);
    const v = parseGoFloat(b, 0, b.length);
    return parseState.ok ? v : 'err';
  };
  assert.equal(p('0.05'), 0.05);
  assert.equal(p('123.456'), 123.456);
  assert.equal(p('-.5'), -0.5);
  assert.equal(p('5.'), 5);
  assert.equal(p('1e3'), 1000);
  assert.equal(p('1.000000000000000000001'), 1);
  assert.equal(p('Inf'), Infinity);
  assert.equal(p('-infinity'), -Infinity);
  assert.ok(Number.isNaN(p('NaN') as number));
  assert.equal(p('0x1p-2'), 0.25);
  for (const bad of ['', '.', 'x', '1_0', '1e', '+nan', '1e400', ' 1', '0b1']) assert.equal(p(bad), 'err', bad);
});

function ctxWith(accum: unknown): FakeInputContext {
  return fakeInputContext({ name: 'StatsdInput', inputs: accum === undefined ? {} : { StatAccumInput: accum as Input } });
}

async function started(input: StatsdInput): Promise<void> {
  for (let i = 0; i < 200 && input.port === 0; i++) await new Promise((r) => setTimeout(r, 5));
}

test('UDP: the golden datagrams, bad lines logged as Heka does, counters in the report', async () => {
  const acc = new StatAccumInput({
    ticker_interval: 2, emit_in_payload: true, emit_in_fields: false, percent_threshold: 90, message_type: 'heka.statmetric',
    legacy_namespaces: false, global_prefix: 'stats', counter_prefix: 'counters', timer_prefix: 'timers', gauge_prefix: 'gauges',
    set_prefix: 'sets', statsd_prefix: 'statsd', delete_idle_stats: false,
  });
  const input = new StatsdInput({ ...cfg, accept_sets: false, gauge_deltas: false });
  const ctx = ctxWith(acc);
  const run = input.run(ctx);
  await started(input);
  const sock = dgram.createSocket('udp4');
  const datagrams: string[] = JSON.parse(readFileSync(goldenPath('statsd/input-datagrams.json'), 'utf8'));
  for (const d of datagrams) await new Promise<void>((r) => sock.send(d, input.port, '127.0.0.1', () => r()));
  for (let i = 0; i < 200 && input.packets < 5; i++) await new Promise((r) => setTimeout(r, 5));
  sock.close();
  ctx.abort();
  await run;
  const want = readFileSync(goldenPath('statsd/p90.stderr.txt'), 'utf8').replaceAll('${LOGTIME} ', '');
  assert.equal(ctx.logSink.lines.join(''), want);
  const r = Object.fromEntries(input.report().map((f) => [f.name, f.value]));
  assert.equal(r['PacketsReceived'], 5);
  assert.equal(r['BadLines'], 3);
  assert.equal(r['MetricsReceived'], 26);
  assert.equal(r['KernelDrops'], 0);
  assert.ok((r['ReceiveBufferBytes'] as number) > 0);
  assert.match(acc.flush(Date.now(), 0).payload!, /^stats\.counters\.hits\.count 21 /m);
});

test('UDP: truncation at max_msg_size is counted; bad-line logging is rate limited', async () => {
  const rec = new Recorder();
  const input = new StatsdInput({ ...cfg, max_msg_size: 16, bad_lines_logged_per_second: 2 });
  const ctx = ctxWith(rec);
  const run = input.run(ctx);
  await started(input);
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.send('abc:1|c\nlonger.name:22|c', input.port, '127.0.0.1', () => r()));
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => sock.send(`bad${i}`, input.port, '127.0.0.1', () => r()));
  for (let i = 0; i < 200 && input.packets < 6; i++) await new Promise((r) => setTimeout(r, 5));
  sock.close();
  ctx.abort();
  await run;
  assert.equal(input.truncated, 1);
  assert.deepEqual(rec.stats, ['c abc 1']);
  assert.equal(input.parser.counters.badLines, 6); // "longer.n" + bad0..bad4
  const log = ctx.logSink.lines.join('');
  assert.equal((log.match(/can't parse message/g) ?? []).length, 2);
  assert.match(log, /4 more bad lines not logged/);
});

test('TCP listener: lines split across chunks, final unterminated line', async () => {
  const rec = new Recorder();
  const input = new StatsdInput({ ...cfg, tcp_address: '127.0.0.1:0' });
  const ctx = ctxWith(rec);
  const run = input.run(ctx);
  await started(input);
  const c = net.createConnection({ port: input.tcpPort, host: '127.0.0.1' });
  await new Promise((r) => c.once('connect', r));
  c.write('a:1|c\nb:2');
  await new Promise((r) => setTimeout(r, 20));
  c.write('|ms\nc:3|g');
  await new Promise<void>((r) => c.end(() => r()));
  for (let i = 0; i < 200 && rec.stats.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
  ctx.abort();
  await run;
  assert.deepEqual(rec.stats, ['c a 1', 'ms b 2', 'g c 3']);
});

test('stat_accum_name: missing input and wrong type fail run() with Heka\'s messages; bind errors', async () => {
  await assert.rejects(new StatsdInput(cfg).run(ctxWith(undefined)), { message: "No Input named 'StatAccumInput" });
  await assert.rejects(new StatsdInput(cfg).run(ctxWith({})), { message: "Input 'StatAccumInput' is not a StatAccumulator" });
  const blocker = dgram.createSocket('udp4');
  await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', () => r()));
  const port = blocker.address().port;
  await assert.rejects(new StatsdInput({ ...cfg, address: `127.0.0.1:${port}` }).run(ctxWith(new Recorder())), /ListenUDP failed/);
  blocker.close();
  assert.equal(definition.validate!({ ...cfg, address: 'nope' }).length, 1);
});

test('sample.toml validates with the defaults', async () => {
  const c = await validateSample(definition, fileURLToPath(new URL('../../../../../src/plugins/inputs/statsd/sample.toml', import.meta.url)));
  assert.equal(c['max_msg_size'], 65507);
  assert.equal(c['accept_sets'], true);
});
