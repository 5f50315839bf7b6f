import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SettledPrefix } from './settled-prefix.js';

test('nothing settled: no position; the first settled entry in order moves it', () => {
  const t = new SettledPrefix();
  assert.equal(t.settledTag, -1);
  assert.equal(t.settledSeq, -1);
  const a = t.push(7, 10);
  const b = t.push(7, 25);
  assert.equal(t.outstanding, 2);
  assert.equal(t.settle(a), 1);
  assert.deepEqual([t.settledTag, t.settledPos, t.settledSeq], [7, 10, 0]);
  assert.equal(t.settle(b), 1);
  assert.deepEqual([t.settledTag, t.settledPos, t.settledSeq], [7, 25, 1]);
  assert.equal(t.outstanding, 0);
});

test('out-of-order settles: the position waits for the gap, then jumps over the whole prefix', () => {
  const t = new SettledPrefix();
  const ends = [3, 6, 9, 12, 15];
  const seqs = ends.map((e) => t.push(1, e));
  assert.equal(t.settle(seqs[3]!), 0);
  assert.equal(t.settle(seqs[1]!), 0);
  assert.equal(t.settle(seqs[2]!), 0);
  assert.equal(t.settledTag, -1, 'entry 0 is the gap: nothing is settled');
  assert.equal(t.settle(seqs[0]!), 4, 'entries 0..3 fold at once');
  assert.deepEqual([t.settledPos, t.settledSeq, t.head], [12, 3, 4]);
  // A duplicate or an unknown settle changes nothing.
  assert.equal(t.settle(seqs[2]!), 0);
  assert.equal(t.settle(99), 0);
  assert.equal(t.settledPos, 12);
  assert.equal(t.settle(seqs[4]!), 1);
  assert.equal(t.settledPos, 15);
});

test('tags: the settled position names the tag of the last settled entry (e.g. a file switch)', () => {
  const t = new SettledPrefix();
  const a = t.push(0, 100);
  t.mark(1, 0); // now reading tag 1 from 0: settled at once, but behind `a`
  const c = t.push(1, 40);
  assert.equal(t.settledTag, -1);
  t.settle(a);
  assert.deepEqual([t.settledTag, t.settledPos], [1, 0], 'the marker settles with the prefix');
  t.settle(c);
  assert.deepEqual([t.settledTag, t.settledPos], [1, 40]);
});

test('wrap-around: entries outstanding across the end of the ring, growth while wrapped', () => {
  const t = new SettledPrefix(16);
  // Move head to 10 so that the ring index wraps after 6 more entries.
  for (let i = 0; i < 10; i++) t.settle(t.push(0, i + 1));
  assert.equal(t.head, 10);
  const seqs: number[] = [];
  for (let i = 0; i < 40; i++) seqs.push(t.push(2, 1000 + i)); // wraps, then grows twice (16 -> 64)
  assert.equal(t.outstanding, 40);
  // Settle in reverse: nothing moves until the first one.
  for (let i = 39; i >= 1; i--) assert.equal(t.settle(seqs[i]!), 0);
  assert.equal(t.settledPos, 10);
  assert.equal(t.settle(seqs[0]!), 40);
  assert.deepEqual([t.settledTag, t.settledPos, t.settledSeq, t.outstanding], [2, 1039, 49, 0]);
  // Slots are reused cleanly after wrapping: a fresh entry is unsettled.
  const s = t.push(3, 5000);
  assert.equal(t.tagOf(s), 3);
  assert.equal(t.outstanding, 1);
  assert.equal(t.settle(s), 1);
  assert.equal(t.settledPos, 5000);
});

test('many interleaved settles with random order keep the invariant: position = end of the settled prefix', () => {
  const t = new SettledPrefix(16);
  let rnd = 12345;
  const next = (): number => (rnd = (rnd * 1103515245 + 12345) % 2147483648);
  const open: number[] = [];
  const settled = new Set<number>();
  let pushed = 0;
  for (let step = 0; step < 5000; step++) {
    if (open.length < 100 && next() % 3 !== 0) {
      open.push(t.push(0, (pushed + 1) * 10));
      pushed++;
    } else if (open.length > 0) {
      const k = next() % open.length;
      const seq = open.splice(k, 1)[0]!;
      settled.add(seq);
      t.settle(seq);
    }
    let prefix = 0;
    while (settled.has(prefix)) prefix++;
    assert.equal(t.head, prefix);
    if (prefix > 0) assert.equal(t.settledPos, prefix * 10);
  }
});
