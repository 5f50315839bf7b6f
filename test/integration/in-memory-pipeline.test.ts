/**
 * The in-memory pipeline (src/pipeline/in-memory.ts): whole configurations run on the virtual
 * clock with fed inputs and captured outputs. Routing, tickers, flushes, retries and
 * acknowledgements are the real runners'; nothing sleeps, so these results do not depend on the
 * machine's load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message, type AckTarget } from '../../src/core/message.js';
import { DEFAULT_START_MS, buildPipeline } from '../../src/pipeline/in-memory.js';

const T0_S = DEFAULT_START_MS / 1000; // 1392050801 = 2014/02/10 16:46:41 UTC

function msg(type: string, payload = '', ack?: { target: AckTarget; seq: number }): Message {
  const m = new Message();
  m.type = type;
  m.payload = payload;
  if (ack) {
    m.ackTarget = ack.target;
    m.ackSeq = ack.seq;
  }
  return m;
}

/** Records which sequence numbers were settled (acknowledged end to end). */
class AckLog implements AckTarget {
  settled: number[] = [];
  settle(seq: number): void {
    this.settled.push(seq);
  }
}

test('routing: each output gets exactly the messages its matcher accepts, in order', async () => {
  const p = buildPipeline({
    toml: `
[in]
type = "LogstreamerInput"
log_directory = "/nonexistent"
file_match = 'x'

[nginx_out]
type = "LogOutput"
message_matcher = "Type == 'nginx.access' && Fields[status] >= 500"
encoder = "PayloadEncoder"

[all_out]
type = "LogOutput"
message_matcher = "TRUE"
encoder = "PayloadEncoder"

[PayloadEncoder]
append_newlines = false
`,
  });
  await p.start();
  const statuses = [200, 503, 404, 500, 502];
  for (const s of statuses) {
    const m = msg('nginx.access', `status ${s}`);
    m.addField('status', 2 /* INTEGER */, s);
    p.feed('in', m);
  }
  p.feed('in', msg('other', 'x'));
  await p.settle();
  assert.deepEqual(p.output('nginx_out').payloads(), ['status 503', 'status 500', 'status 502']);
  assert.deepEqual(p.output('all_out').payloads(), ['status 200', 'status 503', 'status 404', 'status 500', 'status 502', 'x']);
  assert.equal(p.output('all_out').text(), 'status 200status 503status 404status 500status 502x');
  assert.equal(await p.stop(), 0);
});

test('tickers: StatAccumInput flushes every ticker_interval of virtual time; the guide statsd config to a captured CarbonOutput', async () => {
  const p = buildPipeline({
    toml: `
[StatsdInput]
address = "127.0.0.1:8125"

[StatAccumInput]
ticker_interval = 10

[CarbonOutput]
message_matcher = "Type == 'heka.statmetric'"
address = "127.0.0.1:2003"
`,
  });
  await p.start();
  p.feed('StatsdInput', 'hits:3|c');
  p.feed('StatsdInput', 'hits:1|c\ntemp:21|g');
  await p.advance(9_999);
  assert.equal(p.output('CarbonOutput').records.length, 0, 'no flush before the 10 s tick');
  await p.advance(1);
  const ts = T0_S + 10;
  assert.deepEqual(p.output('CarbonOutput').payloads(), [
    `stats.counters.hits.rate 0.400000 ${ts}\nstats.counters.hits.count 4 ${ts}\nstats.gauges.temp 21.000000 ${ts}\nstats.statsd.numStats 2 ${ts}\n`,
  ]);
  assert.equal(p.output('CarbonOutput').records[0]!.atMs, DEFAULT_START_MS + 10_000);
  await p.advance(10_000);
  // The idle flush: counters reset to 0, the gauge keeps its value (spec/statsd.md).
  const ts2 = ts + 10;
  assert.equal(
    p.output('CarbonOutput').payloads()[1],
    `stats.counters.hits.rate 0.000000 ${ts2}\nstats.counters.hits.count 0 ${ts2}\nstats.gauges.temp 21.000000 ${ts2}\nstats.statsd.numStats 2 ${ts2}\n`,
  );
  await p.stop();
  // Heka flushes once more at shutdown.
  assert.equal(p.output('CarbonOutput').records.length, 3);
});

test('retries: a retryable failure is retried with the section backoff (virtual time), then acknowledged', async () => {
  const p = buildPipeline({
    toml: `
[in]
type = "LogstreamerInput"
log_directory = "/nonexistent"
file_match = 'x'

[out]
type = "LogOutput"
message_matcher = "TRUE"
encoder = "PayloadEncoder"

[PayloadEncoder]

  [out.retries]
  delay = "250ms"
  max_delay = "1s"
  max_jitter = "0"
  max_retries = -1
`,
  });
  await p.start();
  const acks = new AckLog();
  const out = p.output('out').failNext(4);
  p.feed('in', msg('t', 'one', { target: acks, seq: 1 }));
  await p.settle();
  assert.equal(out.refused.length, 1);
  assert.deepEqual(acks.settled, [], 'nothing acknowledged while failing');
  await p.advance(5_000);
  // Attempts at 0, then after 250, 500, 1000 (capped) and 1000 ms: success at 2750 ms.
  assert.deepEqual(
    out.refused.map((r) => r.atMs - DEFAULT_START_MS),
    [0, 250, 750, 1750],
  );
  assert.equal(out.records.length, 1);
  assert.equal(out.records[0]!.atMs - DEFAULT_START_MS, 2750);
  assert.deepEqual(acks.settled, [1]);
  await p.stop();
});

test('acknowledgements: a message settles once every output that matched it has handled it; a rejected one is counted and settled', async () => {
  const p = buildPipeline({
    toml: `
[in]
type = "LogstreamerInput"
log_directory = "/nonexistent"
file_match = 'x'

[PayloadEncoder]

[a]
type = "LogOutput"
message_matcher = "TRUE"
encoder = "PayloadEncoder"

[b]
type = "LogOutput"
message_matcher = "Type == 'two'"
encoder = "PayloadEncoder"
  [b.retries]
  delay = "1s"
  max_jitter = "0"
`,
  });
  await p.start();
  const acks = new AckLog();
  p.output('b').failNext(1);
  p.feed('in', msg('one', '1', { target: acks, seq: 1 }));
  p.feed('in', msg('two', '2', { target: acks, seq: 2 }));
  await p.settle();
  assert.deepEqual(acks.settled, [1], "'two' waits for b's retry");
  await p.advance(999);
  assert.deepEqual(acks.settled, [1]);
  await p.advance(1);
  assert.deepEqual(acks.settled, [1, 2]);

  p.output('a').rejectNext(1);
  p.feed('in', msg('three', '3', { target: acks, seq: 3 }));
  await p.settle();
  assert.deepEqual(acks.settled, [1, 2, 3], 'a permanent failure is final: counted, then settled');
  const report = p.pipeline.collectReport().find((r) => r.name === 'a')!;
  assert.equal(report.fields.find((f) => f.name === 'ProcessMessageFailures')?.value, 1);
  assert.match(p.logs.join('\n'), /scripted permanent failure/);
  await p.stop();
});

test('shutdown leaves a message that still fails unacknowledged (its source re-reads it after a restart)', async () => {
  const p = buildPipeline(
    {
      toml: `
[in]
type = "LogstreamerInput"
log_directory = "/nonexistent"
file_match = 'x'

[PayloadEncoder]

[out]
type = "LogOutput"
message_matcher = "TRUE"
encoder = "PayloadEncoder"
  [out.retries]
  delay = "1s"
  max_jitter = "0"
`,
    },
    { stopTimeoutMs: 5_000 },
  );
  await p.start();
  const acks = new AckLog();
  p.output('out').failNext(1000);
  p.feed('in', msg('t', 'x', { target: acks, seq: 7 }));
  await p.settle();
  const t = p.clock.nowMs();
  await p.stop();
  assert.deepEqual(acks.settled, []);
  assert.ok(p.clock.nowMs() - t >= 5_000, 'shutdown waited out the stop timeout in virtual time');
  assert.match(p.logs.join('\n'), /undelivered after 5000 ms/);
});

test('fed bytes go through the input splitter, here chosen by its Heka 0.9 options (parser_type = "regexp")', async () => {
  const p = buildPipeline({
    toml: `
[multiline]
type = "LogstreamerInput"
log_directory = "/var/log/app"
file_match = 'app\\.log'
parser_type = "regexp"
delimiter = '\\n(START)'
delimiter_location = "start"

[out]
type = "LogOutput"
message_matcher = "Type == 'logfile'"
encoder = "PayloadEncoder"

[PayloadEncoder]
append_newlines = false
`,
  });
  await p.start();
  p.feed('multiline', 'START one\nmore\nSTART tw');
  p.feed('multiline', 'o\nSTART three\n');
  await p.settle();
  // The newline before START is the delimiter (dropped); the captured START begins the next record.
  // "START three\n" waits for the next boundary.
  assert.deepEqual(p.output('out').payloads(), ['START one\nmore', 'START two']);
  assert.equal(p.output('out').records[0]!.message.logger, 'multiline');
  await p.stop();
});

test('backpressure: a stuck output fills its queue, feeding reports it, and everything arrives once it recovers', async () => {
  const p = buildPipeline({
    toml: `
[hekad]
plugin_chansize = 2

[in]
type = "LogstreamerInput"
log_directory = "/var/log/app"
file_match = 'app\\.log'

[out]
type = "LogOutput"
message_matcher = "TRUE"
encoder = "PayloadEncoder"
  [out.retries]
  delay = "1s"
  max_delay = "1s"
  max_jitter = "0"

[PayloadEncoder]
append_newlines = false
`,
  });
  await p.start();
  const out = p.output('out').failNext(5);
  const N = 2_000;
  let refused = 0;
  for (let i = 0; i < N; i++) if (!p.feed('in', `line ${i}\n`)) refused++;
  await p.settle();
  assert.ok(refused > 0, 'the input saw backpressure');
  assert.ok(out.records.length < N);
  await p.advance(10_000);
  assert.deepEqual(out.payloads(), Array.from({ length: N }, (_, i) => `line ${i}\n`));
  await p.stop();
});

test('a stuck output holds StatAccumInput flushes back (bounded queue); once it recovers one flush carries every held count', async () => {
  const p = buildPipeline(
    {
      toml: `
[hekad]
plugin_chansize = 1

[StatsdInput]

[StatAccumInput]
ticker_interval = 1

[CarbonOutput]
message_matcher = "Type == 'heka.statmetric'"
  [CarbonOutput.retries]
  delay = "1s"
  max_delay = "1s"
  max_jitter = "0"
`,
    },
    // The runner holds about 13 flushes, then its queue (64) fills and the router pushes back.
    { captureBatch: { CarbonOutput: { maxBytes: 1000, maxHeldBytes: 2000 } } },
  );
  await p.start();
  const out = p.output('CarbonOutput').failNext(300);
  const runner = p.pipeline.outputs.find((o) => o.name === 'CarbonOutput')!;
  let maxQueued = 0;
  for (let s = 0; s < 600; s++) {
    p.feed('StatsdInput', 'hits:1|c');
    await p.advance(1_000);
    maxQueued = Math.max(maxQueued, runner.queue.length);
  }
  await p.stop();
  // The queue (capacity 64 with plugin_chansize = 1) never grew past its capacity plus the
  // one flush a tick can deliver before it sees the backpressure.
  assert.ok(maxQueued <= runner.queue.capacity + 1, `queue reached ${maxQueued}`);
  const counts = out.payloads().map((t) => Number(/^stats\.counters\.hits\.count (\d+) /m.exec(t)?.[1] ?? 0));
  assert.equal(counts.reduce((a, b) => a + b, 0), 600, 'every count arrived exactly once');
  const accum = p.pipeline.collectReport().find((r) => r.name === 'StatAccumInput')!;
  const held = Number(accum.fields.find((f) => f.name === 'HeldFlushes')?.value);
  assert.ok(held > 0, 'some flushes were held');
  // The flush after the outage covers the held span: its rate is count / span, not count / 1 s.
  const big = out.payloads().find((t) => Number(/^stats\.counters\.hits\.count (\d+) /m.exec(t)?.[1]) > 1)!;
  const n = Number(/^stats\.counters\.hits\.count (\d+) /m.exec(big)![1]);
  assert.match(big, /^stats\.counters\.hits\.rate 1\.000000 /m, `rate over the span of ${n} held intervals`);
});
