import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../core/clock.js';
import type { Message } from '../core/message.js';
import { Logger } from '../log/logger.js';
import type { SplitterCommonOptions, StreamOrigin } from '../plugin-api/index.js';
import { TokenSplitter } from '../plugins/splitters/token/token-splitter.js';
import { RecordStream, type StreamSink } from './input-stream.js';
import { hashWindow } from './splitter-runner.js';

const base: SplitterCommonOptions = { keep_truncated: false, use_message_bytes: false, min_buffer_size: 64, deliver_incomplete_final: false, maxRecordSize: 50 };

interface Rig {
  s: RecordStream;
  got: Message[];
  logs: string[];
  batches: number[];
  /** deliver() returns false once this many messages are held (default: never). */
  room: { capacity: number };
}

function rig(over: Partial<SplitterCommonOptions> = {}, origin: Partial<StreamOrigin> = {}, batchSize = 1): Rig {
  const got: Message[] = [];
  const logs: string[] = [];
  const batches: number[] = [];
  const room = { capacity: Infinity };
  const sink: StreamSink = {
    deliver: (m) => {
      got.push(m);
      return got.length < room.capacity;
    },
    batchSize,
    deliverBatch: (ms) => {
      batches.push(ms.length);
      got.push(...ms);
      return got.length < room.capacity;
    },
  };
  const clock = new VirtualClock(1_000);
  const s = new RecordStream({
    origin: { name: 'web', ...origin },
    splitter: new TokenSplitter(),
    splitterOptions: { ...base, ...over },
    clock,
    log: new Logger({ out: (l) => logs.push(l), err: (l) => logs.push(l) }, 0),
    logger: 'in_web',
    hostname: 'host-a',
    sink,
  });
  return { s, got, logs, batches, room };
}

test('message building: Payload records get a uuid, the clock time, Logger/Hostname defaults, no Type', () => {
  const { s, got } = rig();
  assert.equal(s.write(Buffer.from('one\ntwo\nthr')), true);
  assert.deepEqual(got.map((m) => m.payload), ['one\n', 'two\n']);
  const m = got[0]!;
  assert.equal(m.uuid!.length, 16);
  assert.notDeepEqual(m.uuid, got[1]!.uuid);
  assert.equal(m.timestamp, 1_000 * 1e6);
  assert.equal(m.logger, 'in_web');
  assert.equal(m.hostname, 'host-a');
  assert.equal(m.type, undefined);
  assert.equal(m.rawBytes, undefined);
  assert.equal(s.offset, 8);
  assert.equal(s.pending, 3);
  assert.equal(s.records, 2);
  assert.equal(s.bytes, 8);
});

test('message building: the origin overrides Type, Logger and Hostname', () => {
  const { s, got } = rig({}, { type: 'logfile', logger: 'access', hostname: 'web9' });
  s.write(Buffer.from('x\n'));
  assert.deepEqual([got[0]!.type, got[0]!.logger, got[0]!.hostname], ['logfile', 'access', 'web9']);
});

test('use_message_bytes: the record goes to rawBytes (a copy), with no header', () => {
  const { s, got } = rig({ use_message_bytes: true });
  const chunk = Buffer.from('abc\ndef\n');
  s.write(chunk);
  chunk.fill(0);
  assert.deepEqual(got.map((m) => Buffer.from(m.rawBytes!).toString()), ['abc\n', 'def\n']);
  assert.equal(got[0]!.payload, undefined);
  assert.equal(got[0]!.uuid, undefined);
  assert.equal(got[0]!.timestamp, undefined);
});

test('max record size: dropped by default (counted, logged), keep_truncated delivers the first max bytes', () => {
  const big = 'y'.repeat(120);
  const a = rig();
  a.s.write(Buffer.from(`a\n${big}\nb\n`));
  assert.deepEqual(a.got.map((m) => m.payload), ['a\n', 'b\n']);
  assert.equal(a.s.dropped, 1);
  assert.deepEqual(a.logs.filter((l) => l.includes('MAX_RECORD_SIZE')).length, 1);
  assert.match(a.logs.join('\n'), /web: record exceeded MAX_RECORD_SIZE 50 and was dropped/);
  const k = rig({ keep_truncated: true });
  k.s.write(Buffer.from(`${big}\nok\n`));
  assert.deepEqual(k.got.map((m) => m.payload), ['y'.repeat(50), 'ok\n']);
  assert.equal(k.s.truncated, 1);
  assert.equal(k.s.dropped, 0);
});

test('end(): the trailing partial record is delivered with deliver_incomplete_final, else dropped and logged', () => {
  const d = rig({ deliver_incomplete_final: true });
  d.s.write(Buffer.from('a\npartial'));
  assert.equal(d.s.end('f.log'), true);
  assert.deepEqual(d.got.map((m) => m.payload), ['a\n', 'partial']);
  assert.equal(d.s.offset, 9);
  const n = rig();
  n.s.write(Buffer.from('a\npartial'));
  n.s.end('f.log');
  assert.deepEqual(n.got.map((m) => m.payload), ['a\n']);
  assert.equal(n.s.dropped, 1);
  assert.equal(n.s.pending, 0);
  assert.equal(n.s.offset, 9);
  assert.match(n.logs.join('\n'), /Stream 'web': discarded 7 bytes of an unterminated last record of 'f\.log' \(set deliver_incomplete_final to keep it\)\./);
});

test('pull reading: prepareRead / commitRead / flush, and backpressure keeps the rest buffered', () => {
  const { s, got, room } = rig();
  room.capacity = 2;
  const src = Buffer.from('r0\nr1\nr2\nr3\n');
  const free = s.prepareRead();
  assert.ok(free >= src.length);
  src.copy(s.buf, s.readPos);
  s.commitRead(src.length);
  assert.equal(s.flush(), false, 'downstream full after the 2nd record');
  assert.deepEqual(got.map((m) => m.payload), ['r0\n', 'r1\n']);
  assert.equal(s.offset, 6);
  room.capacity = Infinity;
  assert.equal(s.flush(), true);
  assert.deepEqual(got.map((m) => m.payload), ['r0\n', 'r1\n', 'r2\n', 'r3\n']);
});

test('batches: a decoder sink gets records in batches of its size, whole; a single record goes alone', () => {
  const { s, got, batches, room } = rig({ maxRecordSize: 1000 }, {}, 4);
  s.write(Buffer.from(Array.from({ length: 10 }, (_, i) => `l${i}\n`).join('')));
  assert.deepEqual(batches, [4, 4, 2]);
  assert.deepEqual(got.map((m) => m.payload), Array.from({ length: 10 }, (_, i) => `l${i}\n`));
  s.write(Buffer.from('z\n'));
  assert.equal(got.length, 11, 'one record: deliver(), not a batch');
  assert.deepEqual(batches, [4, 4, 2]);
  // A full queue after a batch: that batch is delivered whole, then flush() stops; the rest waits.
  room.capacity = 12;
  assert.equal(s.write(Buffer.from('p\nq\nr\ns\nt\nu\n')), false);
  assert.equal(got.length, 15);
  assert.equal(s.pending, 4);
  room.capacity = Infinity;
  assert.equal(s.flush(), true);
  assert.deepEqual(got.slice(11).map((m) => m.payload), ['p\n', 'q\n', 'r\n', 's\n', 't\n', 'u\n']);
});

test('acknowledgements: records are tracked with the stream tag; the settled position is the settled prefix', () => {
  let moved = 0;
  const { s, got } = rig({}, { onSettled: () => moved++ });
  s.tag = 3;
  assert.equal(s.mark(), 0, 'a marker at offset 0');
  assert.deepEqual([s.settledTag, s.settledOffset, s.settledSeq], [3, 0, 0]);
  s.write(Buffer.from('aa\nbbb\ncccc\n'));
  const [a, b, c] = got;
  assert.deepEqual([a!.ackSeq, b!.ackSeq, c!.ackSeq], [1, 2, 3]);
  assert.equal(a!.ackTarget, s);
  assert.equal(s.lastSeq, 3);
  s.settle(c!.ackSeq);
  s.settle(b!.ackSeq);
  assert.deepEqual([s.settledOffset, moved], [0, 1], 'a is the gap');
  s.settle(a!.ackSeq);
  assert.deepEqual([s.settledTag, s.settledOffset, s.settledSeq, s.settledHead, moved], [3, 12, 3, 4, 2]);
  // Switch to another source: its marker carries the new tag.
  s.tag = 4;
  s.reset(0);
  s.mark();
  assert.deepEqual([s.settledTag, s.settledOffset], [4, 0]);
  assert.equal(s.windowHash(), hashWindow(Buffer.alloc(0)));
});
