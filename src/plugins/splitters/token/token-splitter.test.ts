import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SplitterRunner } from '../../../runners/splitter-runner.js';
import { TokenSplitter } from './token-splitter.js';
import def from './index.js';

const opts = { keep_truncated: false, use_message_bytes: false, min_buffer_size: 8192, deliver_incomplete_final: false, maxRecordSize: 1000 };

function split(s: TokenSplitter, data: string, final = false): string[] {
  const r = new SplitterRunner(s, { ...opts, deliver_incomplete_final: final });
  const out: string[] = [];
  r.feed(Buffer.from(data), (rec) => out.push(rec.toString()));
  const f = r.finalRecord();
  if (f) out.push(f.toString());
  return out;
}

test('spec example: a\\nb\\nc -> a\\n, b\\n; c only with deliver_incomplete_final', () => {
  assert.deepEqual(split(new TokenSplitter(), 'a\nb\nc'), ['a\n', 'b\n']);
  assert.deepEqual(split(new TokenSplitter(), 'a\nb\nc', true), ['a\n', 'b\n', 'c']);
});

test('count = 2 groups two delimiters; count = 0 behaves like 1', () => {
  assert.deepEqual(split(new TokenSplitter({ count: 2 }), 'a\nb\nc\n'), ['a\nb\n']);
  assert.deepEqual(split(new TokenSplitter({ count: 0 }), 'a\nb\n'), ['a\n', 'b\n']);
});

test('custom delimiter; multi-byte delimiter rejected with Heka\'s message', () => {
  assert.deepEqual(split(new TokenSplitter({ delimiter: '|' }), 'x|y|z'), ['x|', 'y|']);
  assert.throws(() => new TokenSplitter({ delimiter: 'ab' }), /^Error: TokenSplitter delimiter must be a single character\.$/);
  assert.throws(() => new TokenSplitter({ delimiter: 'é' }), /single character/);
  assert.equal(def.options.delimiter.check!('é'), 'TokenSplitter delimiter must be a single character.');
  assert.equal(def.options.delimiter.check!('\n'), undefined);
});

test('findRecord honours the end bound (stale bytes beyond it are ignored)', () => {
  const s = new TokenSplitter();
  const buf = Buffer.from('abc\ndef\n');
  assert.equal(s.findRecord(buf, 0, 3), 0);
  assert.equal(s.record, null);
  assert.equal(s.findRecord(buf, 0, 4), 4);
  assert.equal(s.record!.toString(), 'abc\n');
  assert.equal(s.findRecord(buf, 4, 8), 4);
});
