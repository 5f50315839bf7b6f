import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SplitterRunner } from '../../../runners/splitter-runner.js';
import { NullSplitter } from './null-splitter.js';
import def from './index.js';

test('every chunk is one record', () => {
  const r = new SplitterRunner(new NullSplitter(), { keep_truncated: false, use_message_bytes: false, min_buffer_size: 65536, deliver_incomplete_final: false, maxRecordSize: 1 << 20 });
  const out: string[] = [];
  r.feed(Buffer.from('abc'), (rec) => out.push(rec.toString()));
  r.feed(Buffer.from('de\nf'), (rec) => out.push(rec.toString()));
  assert.deepEqual(out, ['abc', 'de\nf']);
  assert.equal(r.offset, 7);
  assert.equal(def.commonDefaults?.min_buffer_size, 65536);
});
