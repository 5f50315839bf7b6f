import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenSplitter } from '../plugins/splitters/token/token-splitter.js';
import { HISTORY_BYTES, SplitterRunner, hashWindow } from './splitter-runner.js';

const base = { keep_truncated: false, use_message_bytes: false, min_buffer_size: 64, deliver_incomplete_final: false, maxRecordSize: 50 };

function run(data: string, over: Partial<typeof base> = {}, chunk = 7): { recs: string[]; ends: number[]; r: SplitterRunner; msgs: string[] } {
  const msgs: string[] = [];
  const r = new SplitterRunner(new TokenSplitter(), { ...base, ...over, onOversize: (m) => msgs.push(m) });
  const recs: string[] = [];
  const ends: number[] = [];
  const b = Buffer.from(data);
  for (let i = 0; i < b.length; i += chunk) {
    r.feed(b.subarray(i, i + chunk), (rec, end) => {
      recs.push(rec.toString());
      ends.push(end);
    });
  }
  return { recs, ends, r, msgs };
}

test('records and end offsets across reads, buffer growth and compaction', () => {
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(i % 30)}\n`);
  const { recs, ends, r } = run(lines.join(''), { maxRecordSize: 1000 }, 13);
  assert.deepEqual(recs, lines);
  let off = 0;
  assert.deepEqual(ends, lines.map((l) => (off += l.length)));
  assert.equal(r.offset, off);
});

test('oversized record dropped (default): counted, logged, its tail up to the delimiter discarded', () => {
  const big = 'y'.repeat(120);
  const { recs, r, msgs } = run(`a\n${big}\nb\n`);
  assert.deepEqual(recs, ['a\n', 'b\n']);
  assert.equal(r.dropped, 1);
  assert.equal(r.truncated, 0);
  assert.deepEqual(msgs, ['record exceeded MAX_RECORD_SIZE 50 and was dropped']);
  assert.equal(r.offset, 2 + 121 + 2);
});

test('keep_truncated delivers the first max bytes once, then skips to the delimiter', () => {
  const big = 'z'.repeat(175);
  const { recs, r, msgs } = run(`${big}\nok\n`, { keep_truncated: true });
  assert.deepEqual(recs, ['z'.repeat(50), 'ok\n']);
  assert.equal(r.truncated, 1);
  assert.deepEqual(msgs, ['record exceeded MAX_RECORD_SIZE 50 and was truncated']);
});

test('a record of exactly max size passes', () => {
  const line = 'q'.repeat(49) + '\n';
  assert.deepEqual(run(line + 'r\n').recs, [line, 'r\n']);
});

test('deliver_incomplete_final / takeRemaining', () => {
  const { r } = run('a\npartial', { deliver_incomplete_final: true });
  assert.equal(r.pending, 7);
  assert.equal(r.finalRecord()!.toString(), 'partial');
  assert.equal(r.offset, 9);
  const { r: r2 } = run('a\npartial');
  assert.equal(r2.finalRecord(), null);
  assert.equal(r2.takeRemaining().toString(), 'partial');
  assert.equal(r2.pending, 0);
});

test('window()/windowHash(): the 500 consumed bytes before offset, zero-padded, across compaction', () => {
  const data = Array.from({ length: 100 }, (_, i) => `record number ${i}\n`).join('');
  const { r } = run(data.slice(0, 17), { maxRecordSize: 100 });
  assert.equal(r.windowHash(), hashWindow(Buffer.from(data.slice(0, r.offset))));
  const { r: r2 } = run(data + 'tail', { maxRecordSize: 100 }, 11);
  const consumed = Buffer.from(data);
  assert.equal(r2.window().length, HISTORY_BYTES);
  assert.equal(r2.windowHash(), hashWindow(consumed.subarray(consumed.length - 500)));
  // reset with history: the window comes from the given bytes.
  r2.reset(18, Buffer.from('line one\nline two\n'));
  assert.equal(r2.windowHash(), 'a07ce644755b430ba8a98fc269464ca132ea50a1');
  assert.equal(r2.offset, 18);
  r2.reset(0);
  assert.equal(r2.windowHash(), 'fc56d4b3c72a8bfe593373c740d558ec1340ac73');
});

test('pull API: prepareRead always offers room after next() returned null', () => {
  const r = new SplitterRunner(new TokenSplitter(), { ...base, maxRecordSize: 30 });
  const src = Buffer.from('0123456789'.repeat(20) + '\nend\n');
  let pos = 0;
  const recs: string[] = [];
  while (pos < src.length) {
    const free = r.prepareRead();
    assert.ok(free > 0);
    const n = Math.min(free, src.length - pos, 5);
    src.copy(r.buf, r.readPos, pos, pos + n);
    r.commitRead(n);
    pos += n;
    for (let rec = r.next(); rec !== null; rec = r.next()) recs.push(rec.toString());
  }
  assert.deepEqual(recs, ['end\n']);
  assert.equal(r.dropped, 1);
});
