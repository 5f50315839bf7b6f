import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../../../core/clock.js';
import { FieldType, type Message } from '../../../core/message.js';
import { goldenPath, validateSample } from '../../../../test/harness/fake-output-context.js';
import { StatsdParser } from '../statsd/statsd-parser.js';
import type { StatAccumConfig } from './config.js';
import definition from './index.js';
import { goFixed6 } from './go-format.js';
import { StatAccumInput } from './stat-accum-input.js';

const defaults: StatAccumConfig = {
  ticker_interval: 10,
  emit_in_payload: true,
  emit_in_fields: false,
  percent_threshold: 90,
  message_type: 'heka.statmetric',
  legacy_namespaces: false,
  global_prefix: 'stats',
  counter_prefix: 'counters',
  timer_prefix: 'timers',
  gauge_prefix: 'gauges',
  set_prefix: 'sets',
  statsd_prefix: 'statsd',
  delete_idle_stats: false,
};

function feed(acc: StatAccumInput, datagrams: string[], heka = true): string[] {
  const bad: string[] = [];
  const p = new StatsdParser({ sets: !heka, gaugeDeltas: !heka }, acc, (b, s, e) => bad.push(b.toString('utf8', s, e)));
  for (const d of datagrams) {
    const buf = Buffer.from(d);
    p.parse(buf, 0, buf.length);
  }
  return bad;
}

/** Splits a flush payload into its groups (counters, gauges, timers, numStats) as sets of lines. */
function groups(payload: string): string[][] {
  const lines = payload.split('\n').filter((l) => l !== '');
  const kind = (l: string): number =>
    /^stats\.gauges\./.test(l) ? 1 : /^stats\.timers\./.test(l) ? 2 : /numStats /.test(l) ? 3 : /^stats\.sets\./.test(l) ? 4 : 0;
  const out: string[][] = [[], [], [], [], []];
  let last = -1;
  for (const l of lines) {
    const k = kind(l);
    assert.ok(k >= last || (last === 4 && k === 3), `group order: ${l}`);
    last = k;
    out[k]!.push(l);
  }
  return out.map((g) => g.sort());
}

const T0 = 1_416_840_893_000;
const datagrams: string[] = JSON.parse(readFileSync(goldenPath('statsd/input-datagrams.json'), 'utf8'));

for (const [name, legacy, p] of [['p90', false, 90], ['p99-legacy', true, 99]] as const) {
  test(`golden ${name}: payload bytes of the data flush and the idle flush, fields and types`, () => {
    const acc = new StatAccumInput({ ...defaults, ticker_interval: 2, emit_in_fields: true, legacy_namespaces: legacy, percent_threshold: p });
    const bad = feed(acc, datagrams);
    assert.deepEqual(bad, ['users:5|s', 'foo.bar.baz:', 'foo:1|x']);
    const m1 = acc.flush(T0, T0 * 1e6);
    const m2 = acc.flush(T0 + 2000, (T0 + 2000) * 1e6);
    const s = String(T0 / 1000);
    const s2 = String(T0 / 1000 + 2);
    const golden = readFileSync(goldenPath(`statsd/${name}.payload.txt`), 'utf8').replaceAll('${NOW_S_NEXT}', s2).replaceAll('${NOW_S}', s);
    const cut = golden.indexOf(legacy ? 'statsd.numStats' : 'stats.statsd.numStats');
    const g1 = golden.slice(0, golden.indexOf('\n', cut) + 1);
    const g2 = golden.slice(g1.length);
    assert.deepEqual(groups(m1.payload!), groups(g1));
    assert.deepEqual(groups(m2.payload!), groups(g2));
    assert.equal(m1.payload!.length + m2.payload!.length, golden.length, 'same bytes');
    // Fields: timestamp first, then one per payload line, same order, types and values as in the RST capture.
    const rst = readFileSync(goldenPath(`statsd/${name}.data-flush.rst`), 'utf8').replaceAll('${NOW_S}', s);
    const want = new Map<string, { type: string; value: string }>();
    for (const m of rst.matchAll(/\| name:"([^"]+)" type:(\w+) value:(\S+)/g)) want.set(m[1]!, { type: m[2]!, value: m[3]! });
    assert.equal(m1.fields.length, want.size);
    assert.equal(m1.fields[0]!.name, 'timestamp');
    const lineNames = m1.payload!.split('\n').filter(Boolean).map((l) => l.split(' ')[0]);
    assert.deepEqual(m1.fields.slice(1).map((f) => f.name), lineNames);
    for (const f of m1.fields) {
      const w = want.get(f.name)!;
      assert.ok(w, f.name);
      assert.equal(f.type, w.type === 'integer' ? FieldType.INTEGER : FieldType.DOUBLE, f.name);
      assert.equal(f.value, Number(w.value), f.name);
      assert.equal(f.representation, '');
    }
    assert.equal(m1.type, 'heka.statmetric');
    assert.equal(m1.timestamp, T0 * 1e6);
    assert.equal(m1.pid, process.pid);
    assert.equal(m1.uuid?.length, 16);
  });
}

test('worked example (spec §2.4), fields, and the following idle flush', () => {
  const acc = new StatAccumInput({ ...defaults, emit_in_fields: true });
  feed(acc, ['hits:1|c\nhits:1|c|@0.1\nlatency:320|ms\nlatency:100|ms|@0.5\nlatency:200|ms\ntemp:72.5|g']);
  const m = acc.flush(T0, T0 * 1e6);
  const ts = ' 1416840893\n';
  assert.equal(
    m.payload,
    [
      'stats.counters.hits.rate 1.100000', 'stats.counters.hits.count 11', 'stats.gauges.temp 72.500000',
      'stats.timers.latency.count 3', 'stats.timers.latency.count_ps 0.300000', 'stats.timers.latency.lower 100.000000',
      'stats.timers.latency.upper 320.000000', 'stats.timers.latency.sum 620.000000', 'stats.timers.latency.mean 206.666667',
      'stats.timers.latency.mean_90 206.666667', 'stats.timers.latency.upper_90 320.000000', 'stats.statsd.numStats 3',
    ].join(ts) + ts,
  );
  assert.equal(m.getFieldValue('stats.counters.hits.rate'), 1.1);
  assert.equal(m.getField('stats.counters.hits.count')!.type, FieldType.INTEGER);
  const idle = acc.flush(T0 + 10_000, 0).payload!;
  assert.match(idle, /^stats\.counters\.hits\.rate 0\.000000 /m);
  assert.match(idle, /^stats\.gauges\.temp 72\.500000 /m);
  assert.match(idle, /^stats\.timers\.latency\.upper_90 0\.000000 /m);
  assert.match(idle, /^stats\.statsd\.numStats 3 /m);
});

test('legacy counter: stats.<key> rate line, integer field, stats_counts, statsd.numStats', () => {
  const acc = new StatAccumInput({ ...defaults, legacy_namespaces: true, emit_in_fields: true });
  feed(acc, ['sample.count:303|c']);
  const m = acc.flush(T0, 0);
  assert.equal(m.payload, 'stats.sample.count 30.300000 1416840893\nstats_counts.sample.count 303 1416840893\nstatsd.numStats 1 1416840893\n');
  assert.equal(m.getFieldValue('stats.sample.count'), 30);
  assert.equal(m.getField('stats.sample.count')!.type, FieldType.INTEGER);
});

test('delete_idle_stats forgets everything; empty flush is just numStats 0; prefixes with and without dots', () => {
  const acc = new StatAccumInput({ ...defaults, delete_idle_stats: true, global_prefix: 'g.', gauge_prefix: '', statsd_prefix: 'sd' });
  feed(acc, ['a:1|c\nb:2|g\nt:3|ms']);
  const m = acc.flush(T0, 0).payload!;
  assert.match(m, /^g\.counters\.a\.count 1 /m);
  assert.match(m, /^g\.b 2\.000000 /m);
  assert.match(m, /^g\.sd\.numStats 3 /m);
  assert.equal(acc.flush(T0, 0).payload, 'g.sd.numStats 0 1416840893\n');
  const f = new StatAccumInput({ ...defaults, emit_in_payload: false, emit_in_fields: true });
  assert.equal(f.flush(T0, 0).payload, '');
});

test('sets and gauge deltas (defaults of StatsdInput, Etsy semantics)', () => {
  const acc = new StatAccumInput(defaults);
  const bad = feed(acc, datagrams, false);
  assert.deepEqual(bad, ['foo.bar.baz:', 'foo:1|x']);
  feed(acc, ['users:5|s\nusers:6|s\nusers:5|s'], false);
  const m = acc.flush(T0, 0).payload!;
  assert.match(m, /^stats\.gauges\.delta 13\.000000 /m);
  assert.match(m, /^stats\.gauges\.gneg -4\.000000 /m);
  assert.match(m, /^stats\.sets\.users\.count 2 /m);
  assert.match(m, /^stats\.statsd\.numStats 13 /m);
  const idle = acc.flush(T0, 0).payload!;
  assert.match(idle, /^stats\.sets\.users\.count 0 /m);
  feed(acc, ['delta:-20|g'], false);
  assert.match(acc.flush(T0, 0).payload!, /^stats\.gauges\.delta -7\.000000 /m);
});

test('counter float32 arithmetic (spec §2.2 consequences) and Heka string stats', () => {
  const acc = new StatAccumInput(defaults);
  const cases: Array<[string, number]> = [['1|c|@0.1', 10], ['1|c|@0.3', 3], ['3|c|@0.3', 10], ['1.7|c', 1], ['-5|c', -5], ['x|c', 0]];
  for (const [line, want] of cases) {
    feed(acc, [`k:${line}`]);
    assert.match(acc.flush(T0, 0).payload!, new RegExp(`^stats\\.counters\\.k\\.count ${want} `, 'm'), line);
  }
  acc.dropStat('s', '3', '', Math.fround(0.3));
  acc.dropStat('t', 'bogus', 'ms', 1);
  const m = acc.flush(T0, 0).payload!;
  assert.match(m, /^stats\.counters\.s\.count 10 /m);
  assert.match(m, /^stats\.timers\.t\.count 1 /m);
  assert.match(m, /^stats\.timers\.t\.sum 0\.000000 /m);
});

test("goFixed6 matches Go's %f: ties to even, -0, infinities, huge values", () => {
  assert.equal(goFixed6(0.0078125), '0.007812');
  assert.equal(goFixed6(0.0234375), '0.023438');
  assert.equal(goFixed6(-0.0078125), '-0.007812');
  assert.equal(goFixed6(206.66666666666666), '206.666667');
  assert.equal(goFixed6(-0), '-0.000000');
  assert.equal(goFixed6(Infinity), '+Inf');
  assert.equal(goFixed6(-Infinity), '-Inf');
  assert.equal(goFixed6(NaN), 'NaN');
  assert.equal(goFixed6(1e22), '10000000000000000000000.000000');
  assert.equal(goFixed6(1.1), '1.100000');
});

test('config: both emitters off and ticker_interval 0 are refused; sample.toml validates', async () => {
  assert.throws(() => new StatAccumInput({ ...defaults, emit_in_payload: false }), /One of either `EmitInPayload` or `EmitInFields` must be set to true\./);
  assert.throws(() => new StatAccumInput({ ...defaults, ticker_interval: 0 }), /TickerInterval must be greater than 0\./);
  assert.equal(definition.validate!({ ...defaults, ticker_interval: 0 })[0]!.reason, 'TickerInterval must be greater than 0.');
  const cfg = await validateSample(definition, fileURLToPath(new URL('../../../../../src/plugins/inputs/stat-accum/sample.toml', import.meta.url)));
  assert.equal(cfg['ticker_interval'], 10);
});

test('percent_threshold = [90, 99] is refused at load time, as in Heka 0.10', async () => {
  const { IssueSink, validateTable } = await import('../../../config/validate.js');
  const { sectionSchema } = await import('../../../config/common.js');
  const sink = new IssueSink('x.toml', [], []);
  validateTable(sectionSchema(definition), { percent_threshold: [90, 99] }, sink, 'StatAccumInput', { ignore: new Set(['type']) });
  assert.equal(sink.errors.length, 1);
  assert.match(sink.errors[0]!.message, /percent_threshold/);
});

test("run(): flushes every ticker_interval (the section's, over the plugin default) and once more at shutdown", async () => {
  const { fakeInputContext } = await import('../../../../test/harness/fake-context.js');
  const clock = new VirtualClock(T0);
  const acc = new StatAccumInput({ ...defaults, ticker_interval: 1 });
  const ctx = fakeInputContext({ name: 'StatAccumInput', tickerInterval: 5, clock });
  const done = acc.run(ctx);
  feed(acc, ['a:1|c']);
  clock.advance(4_999);
  assert.equal(ctx.messages.length, 0, 'no flush before ticker_interval');
  clock.advance(1);
  assert.equal(ctx.messages.length, 1);
  feed(acc, ['a:2|c']);
  clock.advance(5_000);
  assert.equal(ctx.messages.length, 2);
  clock.advance(2_000);
  ctx.abort();
  await done;
  const msgs: Message[] = ctx.messages;
  assert.equal(msgs.length, 3, 'two ticks and the shutdown flush');
  const s = T0 / 1000;
  assert.match(msgs[0]!.payload!, new RegExp(`^stats\\.counters\\.a\\.count 1 ${s + 5}$`, 'm'));
  assert.match(msgs[0]!.payload!, new RegExp(`^stats\\.counters\\.a\\.rate 0\\.200000 ${s + 5}$`, 'm'));
  assert.match(msgs[1]!.payload!, new RegExp(`^stats\\.counters\\.a\\.count 2 ${s + 10}$`, 'm'));
  assert.match(msgs[2]!.payload!, new RegExp(`^stats\\.counters\\.a\\.count 0 ${s + 12}$`, 'm'));
  assert.equal(msgs[0]!.logger, 'StatAccumInput');
  assert.equal(msgs[0]!.hostname, 'test-host');
  assert.equal(acc.counter('a', 1), false, 'stopped accumulator refuses stats');
});
