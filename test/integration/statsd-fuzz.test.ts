/**
 * Fuzz: a generator of random and hostile statsd packets that models the exact aggregates and the
 * exact number of bad lines it produced; the packets go over real UDP to a StatsdInput feeding a
 * StatAccumInput, and the flushed totals and the bad-line counter must equal the model's.
 * Seed: STATSD_FUZZ_SEED (printed as a diagnostic so a failure can be replayed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { fakeInputContext } from '../harness/fake-context.js';
import { StatAccumInput } from '../../src/plugins/inputs/stat-accum/stat-accum-input.js';
import { StatsdInput } from '../../src/plugins/inputs/statsd/statsd-input.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Model {
  counters = new Map<string, number>();
  timers = new Map<string, number[]>();
  gauges = new Map<string, number>();
  sets = new Map<string, Set<string>>();
  bad = 0;
  metrics = 0;
  badValues = 0;
  constructor(private readonly r: () => number) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }
  private int(n: number): number {
    return Math.floor(this.r() * n);
  }

  private readonly keys = Array.from({ length: 60 }, (_, i) =>
    [`k${i}`, `app.srv-${i}.req`, `ünï.côdé${i}`, `sp ace${i}`, `x${i}.y_z`, `${i}`][i % 6]!,
  );

  /** One line and the model update; returns the line text. */
  line(): string {
    const kind = this.int(10);
    const key = this.pick(this.keys);
    const pad = (s: string): string => this.pick(['', ' ', '\t', '  \t']) + s + this.pick(['', ' ', '\t']);
    if (kind <= 2) {
      // counter, possibly sampled, sometimes fractional/negative, or an unparsable value (counts 0)
      const badValue = this.int(40) === 0;
      const v = badValue ? this.pick(['abc', '', '1_0', '--1']) : this.pick([String(this.int(100)), String(-this.int(20)), (this.int(1000) / 10).toFixed(1), '+' + this.int(9)]);
      const rate = this.pick([1, 1, 0.5, 0.1, 0.25, 0.3]);
      const mod = this.pick(['c', 'h', 'm']);
      const line = rate === 1 || mod !== 'c' ? `${key}:${v}|${mod}` : `${key}:${v}|c|@${rate}`;
      const fv = badValue ? 0 : Math.fround(Number(v));
      if (badValue) this.badValues++;
      const r = rate === 1 || mod !== 'c' ? 1 : Math.fround(rate);
      const inc = Math.trunc(Math.fround(fv * Math.fround(1 / r)));
      this.counters.set(key, (this.counters.get(key) ?? 0) + inc);
      this.metrics++;
      return pad(line);
    }
    if (kind <= 4) {
      const v = this.pick([this.int(5000), this.int(100) / 4, -this.int(10)]);
      const rate = this.pick(['', '', '|@0.5']);
      (this.timers.get(key) ?? this.timers.set(key, []).get(key)!).push(v);
      this.metrics++;
      return pad(`${key}:${v}|ms${rate}`);
    }
    if (kind === 5) {
      const delta = this.int(2) === 0;
      const v = this.int(1000) / 8;
      const sign = this.pick(['+', '-']);
      const text = delta ? `${sign}${v}` : String(v);
      const cur = this.gauges.get(key) ?? 0;
      this.gauges.set(key, delta ? cur + (sign === '-' ? -v : v) : v);
      this.metrics++;
      return pad(`${key}:${text}|g`);
    }
    if (kind === 6) {
      const m = this.pick(['a', 'b', 'c', 'ü', '1', '2', 'long-member-name']);
      (this.sets.get(key) ?? this.sets.set(key, new Set()).get(key)!).add(m);
      this.metrics++;
      return pad(`${key}:${m}|s`);
    }
    if (kind === 7) return this.pick(['', ' ', '\t']); // blank lines are skipped, not bad
    // hostile lines: every one of these is a bad line by the grammar
    this.bad++;
    const garbage = (): string => Array.from({ length: 1 + this.int(30) }, () => String.fromCharCode(32 + this.int(95)).replace(/[:|]/, '#')).join('').trim() || 'g';
    return this.pick([
      () => garbage(), // no colon at all
      () => `${key}:`,
      () => `${key}:1`,
      () => `${key}:1|`,
      () => `${key}:1|x`,
      () => `${key}:1|ms|@bad`,
      () => `${key}:1|c|@0`,
      () => `${key}:1|c\r`,
      () => `${key}:1|hx`,
      () => `${key}|1:c`,
      () => `\u0000\u0001${key}`,
    ])();
  }
}

test('fuzz: hekad totals and bad-line counter equal the generator model', { timeout: 60_000 }, async (t) => {
  const seed = Number(process.env['STATSD_FUZZ_SEED'] ?? Date.now() % 1_000_000);
  t.diagnostic(`seed ${seed}`);
  const r = mulberry32(seed);
  const model = new Model(r);
  const acc = new StatAccumInput({
    ticker_interval: 3600, emit_in_payload: true, emit_in_fields: true, percent_threshold: 90, message_type: 'heka.statmetric',
    legacy_namespaces: false, global_prefix: 'stats', counter_prefix: 'counters', timer_prefix: 'timers', gauge_prefix: 'gauges',
    set_prefix: 'sets', statsd_prefix: 'statsd', delete_idle_stats: false,
  });
  const input = new StatsdInput({
    address: '127.0.0.1:0', stat_accum_name: 'StatAccumInput', max_msg_size: 65507, tcp_address: '', accept_sets: true,
    gauge_deltas: true, receive_buffer_bytes: 8 << 20, bad_lines_logged_per_second: 5,
  });
  const ctx = fakeInputContext({ name: 'StatsdInput', inputs: { StatAccumInput: acc } });
  const run = input.run(ctx);
  while (input.port === 0) await new Promise((res) => setTimeout(res, 5));
  const sock = dgram.createSocket('udp4');
  const PACKETS = 20_000;
  let sentPackets = 0;
  for (let p = 0; p < PACKETS; p++) {
    const n = 1 + Math.floor(r() * 40);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(model.line());
    const sep = r() < 0.1 ? '\n\n' : '\n';
    let text = lines.join(sep);
    if (r() < 0.1) text += '\n';
    if (text.replace(/[ \t\n]/g, '') === '') continue; // an all-blank datagram; still fine, but keep packet count exact
    sock.send(text, input.port, '127.0.0.1');
    sentPackets++;
    // Sender and receiver share this event loop: keep the backlog well inside the socket buffer.
    while (sentPackets - input.packets > 64) await new Promise((res) => setImmediate(res));
  }
  const deadline = Date.now() + 20_000;
  while (input.packets < sentPackets && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
  sock.close();
  ctx.abort();
  await run;
  assert.equal(input.kernelDrops(), 0, 'kernel dropped datagrams');
  assert.equal(input.packets, sentPackets);
  const c = input.parser.counters;
  assert.equal(c.badLines, model.bad, 'bad lines');
  assert.equal(c.metrics, model.metrics, 'metrics');
  assert.equal(c.badValues, model.badValues, 'bad values');
  const m = acc.flush(Date.now(), 0);
  const f = (name: string): unknown => m.getFieldValue(name);
  for (const [k, v] of model.counters) assert.equal(f(`stats.counters.${k}.count`), v, `counter ${k}`);
  for (const [k, list] of model.timers) {
    const sorted = [...list].sort((a, b) => a - b);
    assert.equal(f(`stats.timers.${k}.count`), list.length, `timer ${k} count`);
    assert.equal(f(`stats.timers.${k}.lower`), sorted[0], `timer ${k} lower`);
    assert.equal(f(`stats.timers.${k}.upper`), sorted.at(-1), `timer ${k} upper`);
    assert.equal(f(`stats.timers.${k}.sum`), sorted.reduce((a, b) => a + b, 0), `timer ${k} sum`);
  }
  for (const [k, v] of model.gauges) assert.ok(Math.abs((f(`stats.gauges.${k}`) as number) - v) < 1e-6, `gauge ${k}`);
  for (const [k, s] of model.sets) assert.equal(f(`stats.sets.${k}.count`), s.size, `set ${k}`);
  const n = model.counters.size + model.timers.size + model.gauges.size + model.sets.size;
  assert.equal(f('stats.statsd.numStats'), n);
  // Logging stayed bounded under hostile input.
  assert.ok(ctx.logSink.lines.length < 200, `${ctx.logSink.lines.length} log lines`);
  t.diagnostic(`${sentPackets} packets, ${model.metrics} metrics, ${model.bad} bad lines, ${model.badValues} bad values`);
});
