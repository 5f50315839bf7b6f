import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock, systemClock } from './clock.js';

test('virtual clock: timers fire in due order, each at its own instant', () => {
  const c = new VirtualClock(1000);
  const seen: string[] = [];
  c.timeout(() => seen.push(`b@${c.nowMs()}`), 20);
  c.timeout(() => seen.push(`a@${c.nowMs()}`), 10);
  c.timeout(() => seen.push(`c@${c.nowMs()}`), 20); // same instant as b: creation order
  c.timeout(() => seen.push(`late@${c.nowMs()}`), 31);
  c.advance(30);
  assert.deepEqual(seen, ['a@1010', 'b@1020', 'c@1020']);
  assert.equal(c.nowMs(), 1030);
  c.advance(1);
  assert.deepEqual(seen.at(-1), 'late@1031');
  assert.equal(c.pending, 0);
});

test('virtual clock: intervals repeat until cancelled; cancel is idempotent', () => {
  const c = new VirtualClock(0);
  const ticks: number[] = [];
  const t = c.interval(() => ticks.push(c.nowMs()), 1000);
  c.advance(3500);
  assert.deepEqual(ticks, [1000, 2000, 3000]);
  t.cancel();
  t.cancel();
  c.advance(5000);
  assert.deepEqual(ticks, [1000, 2000, 3000]);
  assert.equal(c.pending, 0);
});

test('virtual clock: a timer scheduled by a timer fires in the same advance when due', () => {
  const c = new VirtualClock(0);
  const seen: number[] = [];
  c.timeout(() => {
    seen.push(c.nowMs());
    c.timeout(() => seen.push(c.nowMs()), 5);
  }, 10);
  c.advance(15);
  assert.deepEqual(seen, [10, 15]);
});

test('virtual clock: sleep resolves when time passes, or at once on abort', async () => {
  const c = new VirtualClock(0);
  let slept = false;
  const p = c.sleep(500).then(() => (slept = true));
  await c.run(499);
  assert.equal(slept, false);
  await c.run(1);
  await p;
  assert.equal(slept, true);

  const ac = new AbortController();
  let cut = false;
  const q = c.sleep(60_000, ac.signal).then(() => (cut = true));
  ac.abort();
  await q;
  assert.equal(cut, true);
  assert.equal(c.pending, 0, 'the aborted sleep cancelled its timer');
});

test('virtual clock: run() lets async chains woken by a timer reach their next timer', async () => {
  const c = new VirtualClock(0);
  const attempts: number[] = [];
  // A retry loop with doubling backoff, as a runner would write it.
  const loop = (async () => {
    let wait = 100;
    for (let i = 0; i < 4; i++) {
      attempts.push(c.nowMs());
      await c.sleep(wait);
      wait *= 2;
    }
  })();
  await c.run(1500);
  await loop;
  assert.deepEqual(attempts, [0, 100, 300, 700]);
});

test('virtual clock: runUntil advances only as far as needed', async () => {
  const c = new VirtualClock(0);
  let n = 0;
  c.interval(() => n++, 250);
  assert.equal(await c.runUntil(() => n >= 3), true);
  assert.equal(c.nowMs(), 750);
  assert.equal(await c.runUntil(() => n >= 100, 1000), false);
});

test('system clock: real timers fire and cancel', async () => {
  let fired = 0;
  const t = systemClock.timeout(() => fired++, 1);
  const never = systemClock.timeout(() => fired += 100, 1, { keepAlive: false });
  never.cancel();
  await systemClock.sleep(20);
  t.cancel();
  assert.equal(fired, 1);
});
