/**
 * The output runner's delivery policy on a VirtualClock: batching by count, bytes and time,
 * per-record results, retries with backoff, rejections, acknowledgements, shutdown and memory
 * bounds. The plugin is a script that records what it was handed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../core/clock.js';
import { BatchResult, RetryableError, type Batch, type BatchSettings, type Output } from '../plugin-api/index.js';
import { runOutput } from '../../test/harness/output-harness.js';
import { backoffDelay } from './batch-policy.js';

const payload = { encode: (m: { payload?: string }) => m.payload ?? '' };

/** A writeBatch plugin that records each batch (payloads and virtual time) and answers with `answer`. */
function scripted(
  batch: Partial<BatchSettings>,
  clock: VirtualClock,
  answer: (b: Batch, call: number) => void | BatchResult | Promise<void | BatchResult> = () => undefined,
) {
  const calls: Array<{ at: number; payloads: string[]; attempt: number }> = [];
  const plugin: Output = {
    batch,
    writeBatch(b) {
      calls.push({ at: clock.nowMs(), payloads: b.records.map((r) => r.bytes!.toString()), attempt: b.attempt });
      return answer(b, calls.length - 1);
    },
  };
  return { plugin, calls };
}

test('batch by count: flush_count records make a batch; stop hands over the last partial batch', async () => {
  const clock = new VirtualClock(0);
  const { plugin, calls } = scripted({ count: 3, whenIdle: false }, clock);
  const h = runOutput(plugin, { clock, encoder: payload });
  for (const p of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) h.send(p);
  await clock.run(0);
  assert.deepEqual(calls.map((c) => c.payloads), [['a', 'b', 'c'], ['d', 'e', 'f']]);
  assert.deepEqual(h.acked, [0, 1, 2, 3, 4, 5], 'g is pending, not acknowledged');
  await h.stop();
  assert.deepEqual(calls.map((c) => c.payloads), [['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
  assert.deepEqual(h.acked, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(h.report()['BatchCount'], 3);
});

test('batch by count while a batch is in flight: the records behind it form the next batch (group commit)', async () => {
  // flush_count = 1 with OR (a FileOutput that flushes every record): each write takes 100 ms.
  const clock = new VirtualClock(0);
  const { plugin, calls } = scripted({ count: 1, operator: 'OR', whenIdle: false }, clock, () => clock.sleep(100));
  const h = runOutput(plugin, { clock, encoder: payload });
  for (const p of ['a', 'b', 'c', 'd']) h.send(p);
  await clock.run(0);
  assert.deepEqual(calls.map((c) => c.payloads), [['a']], 'a goes out alone at once');
  h.send('e');
  await clock.run(100);
  assert.deepEqual(calls.map((c) => c.payloads), [['a'], ['b', 'c', 'd', 'e']], 'what piled up meanwhile goes out together');
  await clock.run(100);
  assert.deepEqual(h.acked, [0, 1, 2, 3, 4]);
  await h.stop();
});

test('batch by bytes: a batch is due once it holds maxBytes of encoded bytes', async () => {
  const clock = new VirtualClock(0);
  const { plugin, calls } = scripted({ count: 100, maxBytes: 10, whenIdle: false }, clock);
  const h = runOutput(plugin, { clock, encoder: payload });
  for (const p of ['aaaa', 'bbbb', 'cccc', 'dddd']) h.send(p);
  await clock.run(0);
  // 4 + 4 = 8 < 10, 12 >= 10: the third record closes the batch.
  assert.deepEqual(calls.map((c) => c.payloads), [['aaaa', 'bbbb', 'cccc']]);
  await h.stop();
  assert.deepEqual(calls.map((c) => c.payloads.length), [3, 1]);
});

test('batch by time: OR hands over on each interval tick; AND needs the count too', async () => {
  const clock = new VirtualClock(0);
  const or = scripted({ count: 100, intervalMs: 1000, operator: 'OR', whenIdle: false }, clock);
  const h = runOutput(or.plugin, { clock, encoder: payload });
  h.send('a');
  h.send('b');
  await clock.run(999);
  assert.equal(or.calls.length, 0);
  await clock.run(1);
  assert.deepEqual(or.calls, [{ at: 1000, payloads: ['a', 'b'], attempt: 0 }]);
  await h.stop();

  const clock2 = new VirtualClock(0);
  const and = scripted({ count: 2, intervalMs: 1000, operator: 'AND', whenIdle: false }, clock2);
  const h2 = runOutput(and.plugin, { clock: clock2, encoder: payload });
  h2.send('a');
  await clock2.run(1000); // tick with 1 of 2
  assert.equal(and.calls.length, 0);
  await clock2.run(500);
  h2.send('b'); // count reached, 1500 ms since start >= 1000
  await clock2.run(0);
  assert.deepEqual(and.calls, [{ at: 1500, payloads: ['a', 'b'], attempt: 0 }]);
  h2.send('c');
  h2.send('d'); // count reached but only 0 ms since the last hand-over
  await clock2.run(0);
  assert.equal(and.calls.length, 1);
  await clock2.run(500); // the tick at 2000 finds 2 pending
  assert.deepEqual(and.calls[1], { at: 2000, payloads: ['c', 'd'], attempt: 0 });
  await h2.stop();
});

test('whenIdle: what is queued goes at once, without waiting for count or time', async () => {
  const clock = new VirtualClock(0);
  const { plugin, calls } = scripted({}, clock);
  const h = runOutput(plugin, { clock, encoder: payload });
  h.send('a');
  h.send('b');
  await clock.run(0);
  h.send('c');
  await clock.run(0);
  assert.deepEqual(calls.map((c) => c.payloads), [['a', 'b'], ['c']]);
  await h.stop();
});

test('partial failure: only the failed records are retried, before anything newer, and order is kept', async () => {
  const clock = new VirtualClock(0);
  const { plugin, calls } = scripted({}, clock, (b, call) =>
    call === 0 ? new BatchResult().retry(1, new Error('busy')).retry(3, new Error('busy')) : undefined,
  );
  const h = runOutput(plugin, { clock, encoder: payload, retries: { delay: 100, max_delay: 1000, max_jitter: 0 } });
  for (const p of ['a', 'b', 'c', 'd']) h.send(p);
  await clock.run(0);
  assert.deepEqual(h.acked, [0, 2], 'done records are acknowledged at once');
  h.send('e');
  await clock.run(99);
  assert.equal(calls.length, 1, 'e waits behind the records to retry');
  await clock.run(1);
  assert.deepEqual(calls.map((c) => [c.at, c.payloads, c.attempt]), [
    [0, ['a', 'b', 'c', 'd'], 0],
    [100, ['b', 'd'], 1],
    [100, ['e'], 0],
  ]);
  assert.deepEqual(h.acked, [0, 2, 1, 3, 4]);
  assert.equal(h.report()['RetryCount'], 2);
  assert.match(h.logSink.lines.join(''), /process_message \(will retry\): busy/);
  await h.stop();
});

test('rejected records are counted, logged with their reason and released', async () => {
  const clock = new VirtualClock(0);
  const { plugin } = scripted({}, clock, () => new BatchResult().reject(1, 'HTTP 400: no such index'));
  const h = runOutput(plugin, { clock, encoder: payload });
  for (const p of ['a', 'b', 'c']) h.send(p);
  await clock.run(0);
  assert.deepEqual(h.acked, [0, 1, 2]);
  assert.equal(h.report()['RejectedCount'], 1);
  assert.match(h.logSink.lines.join(''), /rejected: HTTP 400: no such index/);
  // A plain error thrown by writeBatch rejects the whole batch.
  const c2 = new VirtualClock(0);
  const thrower = scripted({}, c2, () => {
    throw new Error('cannot ever work');
  });
  const h2 = runOutput(thrower.plugin, { clock: c2, encoder: payload });
  h2.send('x');
  h2.send('y');
  await c2.run(0);
  assert.equal(h2.report()['RejectedCount'], 2);
  assert.deepEqual(h2.acked, [0, 1]);
  await h.stop();
  await h2.stop();
});

test('backoff follows the retries settings: 250 ms doubling to 1 s, jitter added, give up after max_retries', async () => {
  // delay 250, max_delay 1000, max_jitter 100 with random() = 0.5: waits 300, 550, 1050, 1050 ms.
  assert.equal(backoffDelay({ delay: 250, max_delay: 1000, max_jitter: 100, max_retries: -1 }, 0, () => 0.5), 300);
  const clock = new VirtualClock(0);
  const { plugin, calls } = scripted({}, clock, () => {
    throw new RetryableError('connection refused');
  });
  const h = runOutput(plugin, {
    clock,
    encoder: payload,
    retries: { delay: 250, max_delay: 1000, max_jitter: 100, max_retries: 4 },
    random: () => 0.5,
  });
  h.send('a');
  await clock.runUntil(() => calls.length === 5, 10_000);
  assert.deepEqual(calls.map((c) => c.at), [0, 300, 850, 1900, 2950]);
  assert.deepEqual(calls.map((c) => c.attempt), [0, 1, 2, 3, 4]);
  await clock.run(0);
  assert.deepEqual(h.acked, [0], 'released after giving up');
  assert.equal(h.report()['RejectedCount'], 1);
  assert.match(h.logSink.lines.join(''), /rejected: giving up after 4 retries: connection refused/);
  await clock.run(60_000);
  assert.equal(calls.length, 5);
  await h.stop();
});

test('max_retries counts per record: a record that joins a retry group late is not given up with the group', async () => {
  // Two batches may be in flight; every attempt fails 100 ms after it started.
  const clock = new VirtualClock(0);
  const { plugin, calls } = scripted({ maxInFlight: 2 }, clock, async () => {
    await clock.sleep(100);
    throw new RetryableError('connection refused');
  });
  const h = runOutput(plugin, { clock, encoder: payload, retries: { delay: 1000, max_delay: 1000, max_jitter: 0, max_retries: 2 } });
  h.send('a'); // fails at 100 (1st), retried at 1100, fails at 1200 (2nd)
  await clock.run(1150);
  h.send('b'); // goes out at once beside a's retry, fails at 1250 (1st) and joins a's next retry
  await clock.run(1200); // t = 2350: the group [a, b] went out at 2200 and failed at 2300
  assert.deepEqual(
    calls.map((c) => `${c.at}:${c.payloads.join('')}`),
    ['0:a', '1100:a', '1150:b', '2200:ab'],
  );
  assert.deepEqual(h.acked, [0], 'a was given up after its 2 retries; b has had only 1');
  assert.match(h.logSink.lines.join(''), /rejected: giving up after 2 retries: connection refused/);
  await clock.run(2000);
  assert.deepEqual(calls.map((c) => `${c.at}:${c.payloads.join('')}`).slice(4), ['3300:b']);
  assert.deepEqual(h.acked, [0, 1], 'b given up after its own 2 retries');
  assert.equal(h.report()['RejectedCount'], 2);
  await h.stop();
});

test('buffering retries forever at 10 ms doubling to 1 s, whatever the retries settings say', async () => {
  assert.deepEqual(
    [0, 1, 2, 6, 7, 8].map((a) => backoffDelay({ delay: 10, max_delay: 1000, max_jitter: 0, max_retries: -1 }, a)),
    [10, 20, 40, 640, 1000, 1000],
  );
});

test('nothing is acknowledged before the plugin says done', async () => {
  const clock = new VirtualClock(0);
  let finish: () => void = () => {};
  const { plugin } = scripted({}, clock, () => new Promise<void>((resolve) => (finish = resolve)));
  const h = runOutput(plugin, { clock, encoder: payload });
  h.send('a');
  h.send('b');
  await clock.run(10_000);
  assert.deepEqual(h.acked, []);
  assert.equal(h.report()['InFlight'], 2);
  finish();
  await clock.run(0);
  assert.deepEqual(h.acked, [0, 1]);
  await h.stop();
});

test('a stuck output: the runner holds at most maxHeldBytes, the router pushes back, stop gives up', async () => {
  const clock = new VirtualClock(0);
  const { plugin, calls } = scripted({ maxBytes: 100, maxHeldBytes: 1000 }, clock, () => new Promise<void>(() => {}));
  const h = runOutput(plugin, { clock, encoder: payload, queueCapacity: 16, stopTimeoutMs: 5000 });
  const rec = 'x'.repeat(50);
  let sent = 0;
  while (h.send(rec) && sent < 10_000) sent++;
  await clock.run(0);
  while (h.send(rec) && sent < 10_000) sent++;
  await clock.run(0);
  assert.ok(sent < 100, `the router refused after ${sent} messages`);
  assert.equal(h.router.blocked, true);
  assert.ok((h.report()['HeldBytes'] as number) <= 1000, `held ${h.report()['HeldBytes']}`);
  assert.equal(calls.length, 1, 'one batch in flight at a time');
  assert.equal(calls[0]!.payloads.length, 2, '100-byte batches');
  const stopping = h.stop();
  await clock.run(5000);
  await stopping;
  assert.deepEqual(h.acked, []);
  assert.match(h.logSink.lines.join(''), /undelivered after 5000 ms; they stay unacknowledged/);
});

test('process() outputs are adapted: done on return, a RetryableError retries that message and the ones behind it', async () => {
  const clock = new VirtualClock(0);
  const seen: string[] = [];
  let failB = true;
  const plugin: Output = {
    process(m) {
      seen.push(m.payload!);
      if (m.payload === 'b' && failB) {
        failB = false;
        throw new RetryableError('try later');
      }
      if (m.payload === 'x') throw new Error('bad record');
    },
  };
  const h = runOutput(plugin, { clock, retries: { delay: 100, max_delay: 100, max_jitter: 0 } });
  for (const p of ['a', 'x', 'b', 'c']) h.send(p);
  await clock.run(0);
  assert.deepEqual(seen, ['a', 'x', 'b']);
  assert.deepEqual(h.acked, [0, 1]);
  await clock.run(100);
  assert.deepEqual(seen, ['a', 'x', 'b', 'b', 'c']);
  assert.deepEqual(h.acked, [0, 1, 2, 3]);
  assert.equal(h.report()['RejectedCount'], 1);
  await h.stop();
});
