/**
 * hekad as a statsd server against a REAL Graphite carbon-cache (whisper files read back), side by
 * side with the reference Etsy statsd daemon on the same traffic, plus TCP outage runs.
 * Needs graphite-carbon + python3-whisper (apt); under CI their absence fails the test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import StatsD from 'hot-shots';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';
import { Carbon, EtsyStatsd, carbonMissing, freeUdpPort, quietMoment, sleep } from './statsd-support.js';

const missing = carbonMissing();
if (missing && process.env['CI']) throw new Error(`statsd-carbon integration test cannot run under CI: ${missing}`);
const skip = missing ? `skipped: ${missing}` : false;

let carbon: Carbon;
before(async () => {
  if (skip) return;
  carbon = new Carbon();
  await carbon.start();
});
after(async () => {
  if (carbon) await carbon.destroy();
});

/** Starts hekad with `toml` and timestamps each flush seen on stdout (LogOutput of the statmetric payload). */
function startHekad(toml: string, prefix = 'stats'): { hekad: HekadProcess; flushes: Array<[number, number, number]>; dir: string } {
  const dir = tempDir('hekad-statsd-');
  const file = join(dir, 'hekad.toml');
  writeFileSync(file, `[hekad]\nbase_dir = "${dir}"\n\n${toml}`);
  const hekad = new HekadProcess([`-config=${file}`]);
  // [arrival time, flush timestamp (s), numStats]
  const flushes: Array<[number, number, number]> = [];
  const re = new RegExp(`${prefix.replace('.', '\\.')}\\.statsd\\.numStats (\\d+) (\\d+)`, 'g');
  hekad.child.stdout!.on('data', (d: Buffer) => {
    for (const m of d.toString().matchAll(re)) flushes.push([Date.now(), Number(m[2]), Number(m[1])]);
  });
  return { hekad, flushes, dir };
}

async function waitUntil(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The scripted mix, sent with the real statsd client library; sampled calls are forced through. */
type Client = InstanceType<typeof StatsD>;

async function sendMix(clients: Client[], rawPorts: number[]): Promise<void> {
  const random = Math.random;
  Math.random = () => 0; // hot-shots samples client-side (Math.random() < rate): always send
  try {
    for (const c of clients) {
      for (let i = 0; i < 10; i++) c.increment('c.plain', 1);
      for (let i = 0; i < 3; i++) c.increment('c.rate03', 1, 0.3);
      c.increment('c.frac', 1.7);
      c.increment('c.frac', 1.7);
      c.decrement('c.neg', 5);
      c.histogram('c.hist', 2);
      for (let v = 1; v <= 10; v++) c.timing('t.ten', v);
      for (const v of [320, 100, 200]) c.timing('t.three', v);
      c.timing('t.one', 42);
      c.timing('t.sampled', 100, 0.5);
      c.gauge('g.temp', 72.5);
      c.gauge('g.delta', 10);
      c.gaugeDelta('g.delta', 3);
      c.gauge('g.neg', -4);
      for (const u of ['alice', 'bob', 'alice']) c.set('s.users', u);
    }
  } finally {
    Math.random = random;
  }
  await Promise.all(clients.map((c) => new Promise<void>((r) => c.close(() => r()))));
  // Lines a client library will not produce: several metrics on a line, and malformed lines.
  const raw = dgram.createSocket('udp4');
  for (const port of rawPorts) {
    await new Promise<void>((r) => raw.send('multi:1|c:2|c\nfoo.bar.baz:\nnocolon\na:1|c|@x', port, '127.0.0.1', () => r()));
  }
  raw.close();
}

const T = (name: string, v: number[]): Array<[string, number]> =>
  ['count', 'count_ps', 'lower', 'upper', 'sum', 'mean', 'mean_90', 'upper_90'].map((s, i) => [`stats.timers.${name}.${s}`, v[i]!]);

/** What hekad must have written to carbon for the mix (flush interval 1 s). */
const EXPECTED = new Map<string, number>([
  ['stats.counters.c.plain.count', 10], ['stats.counters.c.plain.rate', 10],
  ['stats.counters.c.rate03.count', 9], ['stats.counters.c.rate03.rate', 9],
  ['stats.counters.c.frac.count', 2], ['stats.counters.c.frac.rate', 2],
  ['stats.counters.c.neg.count', -5], ['stats.counters.c.neg.rate', -5],
  ['stats.counters.c.hist.count', 2], ['stats.counters.c.hist.rate', 2],
  ['stats.counters.multi.count', 1], ['stats.counters.multi.rate', 1],
  ['stats.gauges.g.temp', 72.5], ['stats.gauges.g.delta', 13], ['stats.gauges.g.neg', -4],
  ...T('t.ten', [10, 10, 1, 10, 55, 5.5, 5, 9]),
  ...T('t.three', [3, 3, 100, 320, 620, 206.666667, 206.666667, 320]),
  ...T('t.one', [1, 1, 42, 42, 42, 42, 42, 42]),
  ...T('t.sampled', [1, 1, 100, 100, 100, 100, 100, 100]),
  ['stats.sets.s.users.count', 2],
  ['stats.statsd.numStats', 14],
]);

test('guide config over UDP to a real carbon; conformance with Etsy statsd on the same traffic', { skip, timeout: 60_000 }, async () => {
  const hekaPort = await freeUdpPort();
  const etsyPort = await freeUdpPort();
  // The guide's sections ("Accepting Statsd Data", Graphite half of "Forwarding ..."), with test ports,
  // plus a LogOutput that shows when each flush happens.
  const { hekad, flushes, dir } = startHekad(`
[StatsdInput]
address = "127.0.0.1:${hekaPort}"

[StatAccumInput]
ticker_interval = 1
emit_in_fields = true

[CarbonOutput]
message_matcher = "Type == 'heka.statmetric'"
address = "127.0.0.1:${carbon.port}"
protocol = "udp"

[FlushLog]
type = "LogOutput"
message_matcher = "Type == 'heka.statmetric'"
encoder = "PayloadEncoder"

[PayloadEncoder]
`);
  const etsy = new EtsyStatsd(etsyPort, carbon.port, 'etsy', 1000);
  try {
    await etsy.start();
    await waitUntil(() => flushes.length >= 2 && etsy.flushes.length >= 2, 10_000, 'two flushes of each daemon');
    // Send in the middle of the largest gap between the two daemons' flush phases, so the whole mix
    // lands in one flush interval of each.
    const at = quietMoment([flushes.at(-1)![0], etsy.flushes.at(-1)![0]], 1000);
    await sleep(at - Date.now());
    const sendStart = Date.now();
    await sendMix([new StatsD({ host: '127.0.0.1', port: hekaPort }), new StatsD({ host: '127.0.0.1', port: etsyPort })], [hekaPort, etsyPort]);
    const sendEnd = Date.now();
    assert.ok(sendEnd - sendStart < 250, `the mix took ${sendEnd - sendStart} ms to send`);
    await waitUntil(() => flushes.some(([t]) => t > sendEnd) && etsy.flushes.some(([t]) => t > sendEnd), 5000, 'the data flushes');
    const tsH = flushes.find(([t]) => t > sendEnd)![1];
    const tsE = etsy.flushes.find(([t]) => t > sendEnd)![1];

    // Read back from whisper (the writer lags up to ~1 s).
    let heka = new Map<string, Map<number, number>>();
    let ref = new Map<string, Map<number, number>>();
    const complete = (): boolean => {
      heka = carbon.readAll('stats');
      ref = carbon.readAll('etsy');
      return [...EXPECTED.keys()].every((k) => heka.get(k)?.has(tsH)) && ref.get('etsy.statsd.numStats')?.has(tsE) === true && ref.get('etsy.timers.t.ten.mean')?.has(tsE) === true;
    };
    await waitUntil(complete, 8000, 'whisper points of both daemons');
    const h = (k: string): number | undefined => heka.get(k)?.get(tsH);
    const e = (k: string): number | undefined => ref.get(k.replace(/^stats\./, 'etsy.'))?.get(tsE);

    // 1. hekad's values, exactly as expected.
    for (const [k, v] of EXPECTED) assert.ok(Math.abs(h(k)! - v) < 1e-6, `${k}: whisper has ${h(k)}, expected ${v}`);
    assert.equal(heka.size, EXPECTED.size, `unexpected metrics: ${[...heka.keys()].filter((k) => !EXPECTED.has(k))}`);

    // 2. The rows of the Heka-vs-Etsy table (spec/statsd.md §3), each a named assertion.
    const differences = new Map<string, () => void>([
      ['counter sampling: float32 math truncated per stat (Etsy: float value/rate)', () => {
        assert.equal(h('stats.counters.c.rate03.count'), 9);
        assert.ok(Math.abs(e('stats.counters.c.rate03.count')! - 10) < 1e-9);
        assert.equal(h('stats.counters.c.frac.count'), 2);
        assert.ok(Math.abs(e('stats.counters.c.frac.count')! - 3.4) < 1e-9);
      }],
      ['timer sampling ignored (Etsy: scales count and count_ps)', () => {
        assert.equal(h('stats.timers.t.sampled.count'), 1);
        assert.equal(h('stats.timers.t.sampled.count_ps'), 1);
        assert.equal(e('stats.timers.t.sampled.count'), 2);
      }],
      ['timer statistics: Heka has no sum_squares/median/std/count_N/sum_N', () => {
        for (const s of ['std', 'median', 'sum_squares', 'count_90', 'sum_90', 'sum_squares_90']) {
          assert.equal(heka.has(`stats.timers.t.ten.${s}`), false, s);
          assert.notEqual(e(`stats.timers.t.ten.${s}`), undefined, s);
        }
      }],
      ['several metrics on a line: only the first is used', () => {
        assert.equal(h('stats.counters.multi.count'), 1);
        assert.equal(e('stats.counters.multi.count'), 3);
      }],
      ['bad lines: logged and counted by hekad, not sent to graphite', () => {
        assert.equal((hekad.stderr.match(/Input 'StatsdInput' error: can't parse message: /g) ?? []).length, 3, hekad.stderr);
        assert.equal(e('stats.counters.statsd.bad_lines_seen.count'), 3);
        assert.equal(heka.has('stats.counters.statsd.bad_lines_seen.count'), false);
      }],
      ['internal metrics: only numStats', () => {
        assert.equal(h('stats.statsd.numStats'), 14);
        assert.equal([...heka.keys()].filter((k) => k.startsWith('stats.statsd.')).length, 1);
      }],
      ['h and m types are counters (Etsy counts unknown types as counters too)', () => {
        assert.equal(h('stats.counters.c.hist.count'), 2);
        assert.equal(e('stats.counters.c.hist.count'), 2);
      }],
      ['sets (hekad supports them as Etsy does; Heka 0.10 rejected them)', () => {
        assert.equal(h('stats.sets.s.users.count'), 2);
        assert.equal(e('stats.sets.s.users.count'), 2);
      }],
      ['gauge +N/-N change the gauge (hekad as Etsy; Heka 0.10 set it to N)', () => {
        assert.equal(h('stats.gauges.g.delta'), 13);
        assert.equal(e('stats.gauges.g.delta'), 13);
      }],
    ]);
    for (const [name, check] of differences) {
      try {
        check();
      } catch (err) {
        throw new Error(`difference "${name}": ${(err as Error).message}`);
      }
    }
    // 3. Every other name and value agrees with Etsy statsd (values to the 6 decimals hekad writes).
    const exempt = /c\.rate03|c\.frac|t\.sampled\.count|multi\.|numStats/;
    let compared = 0;
    for (const k of EXPECTED.keys()) {
      if (exempt.test(k)) continue;
      assert.ok(Math.abs(h(k)! - e(k)!) <= 5e-7, `${k}: hekad ${h(k)} vs Etsy ${e(k)}`);
      compared++;
    }
    assert.ok(compared >= 35, `compared ${compared}`);
  } finally {
    await etsy.stop();
    await hekad.stop();
    void dir;
  }
});

test('TCP outage: carbon down 10 s under traffic; big or small max_buffer_bytes, nothing is lost (small = the output pushes back)', { skip, timeout: 90_000 }, async () => {
  const portBig = await freeUdpPort();
  const portSmall = await freeUdpPort();
  const conf = (port: number, prefix: string, extra: string): string => `
[StatsdInput]
address = "127.0.0.1:${port}"

[StatAccumInput]
ticker_interval = 1
global_prefix = "${prefix}"

[CarbonOutput]
message_matcher = "Type == 'heka.statmetric'"
address = "127.0.0.1:${carbon.port}"
protocol = "tcp"
reconnect_delay = "100ms"
max_reconnect_delay = "500ms"
${extra}

  [CarbonOutput.retries]
  max_delay = "500ms"

[FlushLog]
type = "LogOutput"
message_matcher = "Type == 'heka.statmetric'"
encoder = "PayloadEncoder"

[PayloadEncoder]
`;
  const big = startHekad(conf(portBig, 'ob', 'max_buffer_bytes = 16777216'), 'ob');
  // 2000 bytes held, including batches waiting for their resend_window: a short window keeps the
  // small output's throughput up once carbon is back.
  const small = startHekad(conf(portSmall, 'os', 'max_buffer_bytes = 2000\nresend_window = "200ms"'), 'os');
  const KEYS = 10;
  const sent = new Array<number>(KEYS).fill(0);
  const clients = [new StatsD({ host: '127.0.0.1', port: portBig }), new StatsD({ host: '127.0.0.1', port: portSmall })];
  try {
    await waitUntil(() => big.flushes.length >= 1 && small.flushes.length >= 1, 10_000, 'first flushes');
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        for (let k = 0; k < KEYS; k++) {
          for (const c of clients) c.increment(`o.k${k}`, k + 1);
          sent[k]! += k + 1;
        }
        await sleep(50);
      }
    })();
    await sleep(2000);
    await carbon.stop();
    const downAt = Date.now();
    await sleep(10_000);
    await carbon.start();
    const downFor = Date.now() - downAt;
    await sleep(3000);
    sending = false;
    await traffic;
    await Promise.all(clients.map((c) => new Promise<void>((r) => c.close(() => r()))));
    await sleep(1500);
    await Promise.all([big.hekad.stop(), small.hekad.stop()]);
    assert.ok(downFor >= 10_000);

    const stats = (p: HekadProcess): Record<string, number> => {
      const m = /Stopped: (\d+) lines queued, (\d+) sent, (\d+) resent/.exec(p.stdout + p.stderr);
      assert.ok(m, p.stdout + p.stderr);
      return { queued: Number(m[1]), sent: Number(m[2]), resent: Number(m[3]) };
    };
    const sb = stats(big.hekad);
    const ss = stats(small.hekad);
    // Whisper keeps one value per metric and second: a flush in the same second as the one before
    // (the extra flush at shutdown can be) overwrites that one's points. Here every stat is a counter,
    // so a flush has 2 * numStats + 1 lines.
    const overwritten = (flushes: Array<[number, number, number]>): number => {
      let n = 0;
      for (let i = 1; i < flushes.length; i++) if (flushes[i]![1] === flushes[i - 1]![1]) n += 2 * flushes[i - 1]![2] + 1;
      return n;
    };
    // Both bounds: every counter total exact in whisper, every line stored (sent once, resends are
    // duplicates of stored points). The small bound only made the output push back while carbon
    // was down (it holds at most 2000 bytes; the rest waited unacknowledged in the router queue).
    for (const [prefix, run, st] of [['ob', big, sb], ['os', small, ss]] as const) {
      let totals: number[] = [];
      let points = 0;
      await waitUntil(() => {
        const all = carbon.readAll(prefix);
        totals = sent.map((_, k) => [...(all.get(`${prefix}.counters.o.k${k}.count`)?.values() ?? [])].reduce((a, b) => a + b, 0));
        points = [...all.values()].reduce((n, m) => n + m.size, 0);
        return totals.every((t, k) => t === sent[k]) && points === st.queued - overwritten(run.flushes);
      }, 8000, `exact totals in whisper (${prefix})`).catch((err) => {
        throw new Error(`${(err as Error).message}: sent ${sent} whisper ${totals}; points ${points} of ${st.queued} lines (${overwritten(run.flushes)} overwritten)`);
      });
      assert.equal(st.sent, st.queued, `${prefix}: every queued line sent`);
    }
    console.log(`carbon outage: big buffer ${JSON.stringify(sb)}, small buffer ${JSON.stringify(ss)}`);
  } finally {
    if (big.hekad.child.exitCode === null) await big.hekad.stop();
    if (small.hekad.child.exitCode === null) await small.hekad.stop();
  }
});
