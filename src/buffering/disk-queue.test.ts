import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../core/clock.js';
import { frameRecord } from '../core/framing.js';
import { Message, type AckTarget } from '../core/message.js';
import { encodeMessage } from '../core/protobuf.js';
import { release } from '../runners/ack.js';
import { DiskQueue, queueDir, queueDirName, type DiskQueueOptions } from './disk-queue.js';
import { MessageBuffer, checkBufferSettings, type BufferHooks, type BufferSettings } from './message-buffer.js';
import { parseCheckpoint } from './checkpoint.js';

function msg(n: number, pad = 20): Message {
  const m = new Message();
  m.type = 'test';
  m.payload = `record ${n} ${'x'.repeat(pad)}`;
  m.timestamp = 1_000_000 + n;
  return m;
}

function frame(n: number, pad = 20): Buffer {
  return frameRecord(encodeMessage(msg(n, pad)));
}

interface Reported {
  errors: string[];
}

function open(dir: string, extra: Partial<DiskQueueOptions> = {}, rep: Reported = { errors: [] }): DiskQueue {
  const q = new DiskQueue({
    dir,
    maxFileSize: 1 << 20,
    maxBufferSize: 0,
    cursorUpdateCount: 1,
    maxMessageSize: 65536,
    clock: new VirtualClock(1000),
    report: (err) => rep.errors.push(err.message),
    ...extra,
  });
  q.open();
  return q;
}

/** Reads every record now readable, acknowledging each; returns the record numbers. */
function drain(q: DiskQueue, ack = true): number[] {
  const out: number[] = [];
  let m: Message | null;
  while ((m = q.next()) !== null) {
    out.push(Number(/record (\d+)/.exec(m.payload ?? '')![1]));
    if (ack) release(m);
  }
  return out;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'hekad-queue-'));
const logs = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.log')).sort();

test('queue directory naming follows Heka', () => {
  assert.equal(queueDirName('my-output.v2'), 'my_output_v2');
  assert.equal(queueDir('/base', 'a b'), '/base/output_queue/a_b');
});

test('records round-trip in order; the checkpoint is "<id> <offset>" without newline', () => {
  const dir = tmp();
  const q = open(dir);
  assert.deepEqual(logs(dir), ['0.log']);
  for (let i = 0; i < 10; i++) q.append(frame(i));
  assert.equal(q.next(), null, 'nothing readable before the flush');
  q.flush();
  assert.equal(q.records, 10);
  const got = drain(q);
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(q.records, 0);
  assert.equal(q.size, 0);
  const size = statSync(join(dir, '0.log')).size;
  assert.equal(readFileSync(join(dir, 'checkpoint.txt'), 'latin1'), `0 ${size}`);
  q.close();
});

test('the checkpoint is saved every cursor_update_count acknowledgements and exactly at close', () => {
  const dir = tmp();
  const q = open(dir, { cursorUpdateCount: 4 });
  const writesAtOpen = q.checkpointWrites;
  for (let i = 0; i < 10; i++) q.append(frame(i));
  q.flush();
  const ends: number[] = [];
  let m: Message | null;
  while ((m = q.next()) !== null) {
    release(m);
    ends.push(q.cursor.offset);
  }
  assert.equal(q.checkpointWrites - writesAtOpen, 2, 'after the 4th and the 8th');
  assert.equal(readFileSync(join(dir, 'checkpoint.txt'), 'latin1'), `0 ${ends[7]}`);
  q.close();
  assert.equal(readFileSync(join(dir, 'checkpoint.txt'), 'latin1'), `0 ${ends[9]}`);
});

test('restart: a new write file, unacknowledged records replayed, acknowledged ones not', () => {
  const dir = tmp();
  let q = open(dir);
  for (let i = 0; i < 6; i++) q.append(frame(i));
  q.flush();
  for (let i = 0; i < 3; i++) release(q.next()!);
  const inFlight = q.next()!; // handed out, never acknowledged
  void inFlight;
  q.close();
  q = open(dir);
  assert.deepEqual(logs(dir), ['0.log', '1.log']);
  assert.equal(q.records, 3, 'backlog counted from the files');
  q.append(frame(6));
  q.flush();
  assert.deepEqual(drain(q), [3, 4, 5, 6]);
  assert.deepEqual(logs(dir), ['1.log'], 'the consumed file is deleted once the cursor moves past it');
  q.close();
  assert.match(readFileSync(join(dir, 'checkpoint.txt'), 'latin1'), /^1 \d+$/);
});

test('files roll at max_file_size and are deleted as the cursor passes them', () => {
  const dir = tmp();
  const one = frame(0).length;
  const q = open(dir, { maxFileSize: one * 3 });
  for (let i = 0; i < 10; i++) q.append(frame(i));
  q.flush();
  assert.deepEqual(logs(dir), ['0.log', '1.log', '2.log', '3.log']);
  assert.equal(q.bytesOnDisk, one * 10);
  const m0 = q.next()!;
  const m1 = q.next()!;
  const m2 = q.next()!;
  release(m0);
  release(m1);
  assert.deepEqual(logs(dir), ['0.log', '1.log', '2.log', '3.log']);
  release(m2);
  assert.deepEqual(logs(dir), ['1.log', '2.log', '3.log'], '0.log deleted when its last record is acknowledged');
  assert.equal(readFileSync(join(dir, 'checkpoint.txt'), 'latin1'), '1 0');
  assert.deepEqual(drain(q), [3, 4, 5, 6, 7, 8, 9]);
  assert.equal(q.size, 0);
  q.close();
});

test('acknowledgements out of order move the cursor over the settled prefix only', () => {
  const dir = tmp();
  const q = open(dir);
  for (let i = 0; i < 4; i++) q.append(frame(i));
  q.flush();
  const ms = [q.next()!, q.next()!, q.next()!, q.next()!];
  release(ms[2]!);
  release(ms[1]!);
  assert.deepEqual(q.cursor, { id: 0, offset: 0 });
  release(ms[0]!);
  assert.deepEqual(q.cursor, { id: 0, offset: frame(0).length * 3 });
  release(ms[3]!);
  assert.equal(q.records, 0);
  q.close();
});

test('space is reclaimed as records are acknowledged: a small max_buffer_size never wedges (Heka 0.10 does)', () => {
  const dir = tmp();
  // Heka's observed wedge: max_file_size 1,000,000, max_buffer_size 2000, "drop".
  const q = open(dir, { maxFileSize: 1_000_000, maxBufferSize: 2000 });
  const len = frame(0).length;
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    const f = frame(i);
    if (!q.fits(f.length)) assert.fail(`record ${i} refused with ${q.size} unacknowledged bytes`);
    q.append(f);
    accepted++;
    if (i % 10 === 9) {
      q.flush();
      drain(q);
    }
  }
  assert.equal(accepted, 5000);
  assert.ok(q.bytesOnDisk < q.reclaimBytes + 20 * len, `disk use ${q.bytesOnDisk} stays bounded`);
  assert.ok(logs(dir).length <= 2);
  q.close();
});

test('a full queue refuses records until acknowledgements free space', () => {
  const dir = tmp();
  const len = frame(0).length;
  const q = open(dir, { maxBufferSize: len * 3 });
  for (let i = 0; i < 3; i++) q.append(frame(i));
  q.flush();
  assert.equal(q.fits(len), false);
  release(q.next()!);
  assert.equal(q.fits(len), true);
  q.close();
});

test('damaged data is reported and skipped: garbage, an undecodable record, a torn tail, a bad checkpoint', () => {
  const dir = tmp();
  let q = open(dir);
  for (let i = 0; i < 3; i++) q.append(frame(i));
  q.flush();
  q.close();
  // 0.log: three good records; then garbage, a frame whose message is not protobuf, two good records, a torn record.
  const bad = frameRecord(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  appendFileSync(join(dir, '0.log'), Buffer.concat([Buffer.from('garbage!'), bad, frame(3), frame(4), frame(5).subarray(0, 20)]));
  writeFileSync(join(dir, 'checkpoint.txt'), 'not a checkpoint');
  const rep: Reported = { errors: [] };
  q = open(dir, {}, rep);
  q.append(frame(6));
  q.flush();
  assert.deepEqual(drain(q), [0, 1, 2, 3, 4, 6]);
  assert.ok(rep.errors.some((e) => /unusable checkpoint/.test(e)), rep.errors.join('\n'));
  assert.ok(rep.errors.some((e) => /damaged buffer data in 0\.log/.test(e)), rep.errors.join('\n'));
  assert.ok(q.corruptBytes > 0);
  assert.equal(q.corruptRecords, 1);
  assert.equal(q.records, 0);
  q.close();
  assert.deepEqual(logs(dir), ['1.log'], 'the damaged file is deleted once passed');
});

test('a checkpoint beyond the end of its file or naming a deleted file resumes sensibly', () => {
  const dir = tmp();
  let q = open(dir);
  for (let i = 0; i < 2; i++) q.append(frame(i));
  q.flush();
  q.close();
  writeFileSync(join(dir, 'checkpoint.txt'), '0 999999');
  const rep: Reported = { errors: [] };
  q = open(dir, {}, rep);
  assert.ok(rep.errors.some((e) => /beyond the end/.test(e)));
  assert.deepEqual(drain(q), []);
  q.append(frame(9));
  q.close();
  // The checkpoint names a file that is gone: the next file, offset 0.
  writeFileSync(join(dir, 'checkpoint.txt'), '0 0');
  q = open(dir);
  assert.deepEqual(drain(q), [9]);
  q.close();
});

test('a torn write at the end of the previous run is skipped (kill -9 mid-append)', () => {
  const dir = tmp();
  let q = open(dir);
  for (let i = 0; i < 3; i++) q.append(frame(i));
  q.flush();
  q.close();
  truncateSync(join(dir, '0.log'), frame(0).length * 3 - 5);
  const rep: Reported = { errors: [] };
  q = open(dir, {}, rep);
  assert.equal(q.records, 2);
  assert.deepEqual(drain(q), [0, 1]);
  assert.ok(rep.errors.some((e) => /incomplete record/.test(e)), rep.errors.join('\n'));
  q.close();
});

test('BufferOldestAge follows the oldest unacknowledged record', () => {
  const dir = tmp();
  const clock = new VirtualClock(10_000);
  const q = open(dir, { clock });
  q.append(frame(0));
  q.flush();
  clock.advance(500);
  q.append(frame(1));
  q.flush();
  clock.advance(300);
  assert.equal(q.oldestAgeMs(), 800);
  release(q.next()!);
  assert.equal(q.oldestAgeMs(), 300);
  release(q.next()!);
  assert.equal(q.oldestAgeMs(), 0);
  q.close();
});

// ---------------------------------------------------------------------------------------------
// MessageBuffer: the enqueue side and full_action

class Target implements AckTarget {
  settled: number[] = [];
  settle(seq: number): void {
    this.settled.push(seq);
  }
}

function routed(n: number, t: Target): Message {
  const m = msg(n);
  m.ackTarget = t;
  m.ackSeq = n;
  m.refs = 1;
  return m;
}

function buffer(dir: string, s: Partial<BufferSettings>, events: string[]): MessageBuffer {
  const hooks: BufferHooks = {
    full: () => events.push('full'),
    drained: () => events.push('drained'),
    readable: () => events.push('readable'),
    fatal: (r) => events.push(`fatal: ${r}`),
    report: (e) => events.push(`error: ${e.message}`),
  };
  const b = new MessageBuffer(
    { max_file_size: 1 << 20, max_buffer_size: 0, full_action: 'shutdown', cursor_update_count: 1, ...s },
    { dir, maxMessageSize: 65536, clock: new VirtualClock(0), report: (e) => events.push(`error: ${e.message}`) },
    hooks,
  );
  b.open();
  return b;
}

const tick = () => new Promise((r) => setImmediate(r));

test('a message is acknowledged upstream right after the write that carries it', async () => {
  const t = new Target();
  const events: string[] = [];
  const b = buffer(tmp(), {}, events);
  for (let i = 0; i < 5; i++) b.push(routed(i, t));
  assert.deepEqual(t.settled, [], 'not before the write');
  await tick();
  assert.deepEqual(t.settled, [0, 1, 2, 3, 4]);
  assert.ok(events.includes('readable'));
  b.close();
});

test('full_action = "drop" counts every dropped record and acknowledges it', async () => {
  const t = new Target();
  const events: string[] = [];
  const len = frameRecord(encodeMessage(msg(0))).length;
  const b = buffer(tmp(), { max_buffer_size: len * 2, full_action: 'drop' }, events);
  for (let i = 0; i < 5; i++) b.push(routed(i, t));
  await tick();
  assert.equal(b.dropped, 3);
  assert.deepEqual(t.settled.sort(), [0, 1, 2, 3, 4]);
  assert.equal(events.filter((e) => /Queue is full/.test(e)).length, 3);
  b.close();
});

test('full_action = "block" reports the consumer full, keeps the overflow, drains as records are acknowledged', async () => {
  const t = new Target();
  const events: string[] = [];
  const len = frameRecord(encodeMessage(msg(0))).length;
  const b = buffer(tmp(), { max_buffer_size: len * 4, full_action: 'block' }, events);
  for (let i = 0; i < 6; i++) b.push(routed(i, t));
  await tick();
  assert.deepEqual(events.filter((e) => e === 'full'), ['full']);
  assert.equal(b.waitingCount, 2);
  assert.deepEqual(t.settled, [0, 1, 2, 3], 'waiting messages are not acknowledged');
  const q = b.queue;
  const got: Message[] = [];
  let m: Message | null;
  while ((m = q.next()) !== null) got.push(m);
  release(got[0]!);
  release(got[1]!);
  await tick();
  assert.equal(b.waitingCount, 0);
  assert.deepEqual(t.settled, [0, 1, 2, 3, 4, 5]);
  assert.ok(!events.includes('drained'), 'still above the low-water mark');
  release(got[2]!);
  release(got[3]!);
  assert.ok(events.includes('drained'));
  assert.equal(b.dropped, 0);
  b.close();
});

test('full_action = "shutdown" triggers one fatal and leaves the refused messages unacknowledged', async () => {
  const t = new Target();
  const events: string[] = [];
  const len = frameRecord(encodeMessage(msg(0))).length;
  const b = buffer(tmp(), { max_buffer_size: len, full_action: 'shutdown' }, events);
  for (let i = 0; i < 3; i++) b.push(routed(i, t));
  await tick();
  assert.equal(events.filter((e) => e.startsWith('fatal')).length, 1);
  assert.match(events.find((e) => e.startsWith('fatal'))!, /Queue is full/);
  assert.deepEqual(t.settled, [0]);
  b.close();
});

test('too big to frame: dropped, counted, reported', async () => {
  const t = new Target();
  const events: string[] = [];
  const b = buffer(tmp(), {}, events);
  const m = routed(0, t);
  m.payload = 'y'.repeat(70_000);
  b.push(m);
  assert.equal(b.dropped, 1);
  assert.ok(events.some((e) => /Message too big/.test(e)));
  b.close();
});

test('max_file_size below the largest record is refused; checkpoint text is parsed strictly', () => {
  assert.match(
    checkBufferSettings({ max_file_size: 1000, max_buffer_size: 0, full_action: 'drop', cursor_update_count: 1 }, 65536)!,
    /`max_file_size` must be greater than maximum record size of 65794/,
  );
  assert.deepEqual(parseCheckpoint('3 58'), { id: 3, offset: 58 });
  assert.equal(parseCheckpoint('3 58\n'), null);
});
