import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SplitterRunner } from '../../../runners/splitter-runner.js';
import { RegexSplitter } from './regex-splitter.js';
import def from './index.js';

const opts = { keep_truncated: false, use_message_bytes: false, min_buffer_size: 64, deliver_incomplete_final: false, maxRecordSize: 100000 };

function split(s: RegexSplitter, data: string | Buffer, final = false, chunk = 3): string[] {
  const r = new SplitterRunner(s, { ...opts, deliver_incomplete_final: final });
  const out: string[] = [];
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  // Feed in small chunks so boundaries straddle reads.
  for (let i = 0; i < b.length; i += chunk) r.feed(b.subarray(i, i + chunk), (rec) => out.push(rec.toString()));
  const f = r.finalRecord();
  if (f) out.push(f.toString());
  return out;
}

test('spec example: delimiter_eol = false keeps the capture for the next record', () => {
  const s = () => new RegexSplitter({ delimiter: '\\n(# User@Host:)', delimiter_eol: false });
  const data = 'X\n# User@Host: a\nq1\n# User@Host: b\nq2\n';
  assert.deepEqual(split(s(), data), ['X', '# User@Host: a\nq1']);
  assert.deepEqual(split(s(), data, true), ['X', '# User@Host: a\nq1', '# User@Host: b\nq2\n']);
  assert.deepEqual(split(s(), data, true, 1000), ['X', '# User@Host: a\nq1', '# User@Host: b\nq2\n']);
});

test('no capture group: the delimiter is consumed and discarded; empty records are skipped', () => {
  assert.deepEqual(split(new RegexSplitter({ delimiter: '\\n+' }), 'a\nb\n\n\nc\n'), ['a', 'b', 'c']);
  assert.deepEqual(split(new RegexSplitter(), 'a\n\nb\n'), ['a', 'b']);
});

test('capture with delimiter_eol = true ends the record with the captured text', () => {
  assert.deepEqual(split(new RegexSplitter({ delimiter: '(;)\\s*', delimiter_eol: true }), 'a;  b; c', false, 1000), ['a;', 'b;']);
});

test('more than one capture group is rejected with Heka\'s message', () => {
  assert.throws(() => new RegexSplitter({ delimiter: '(a)(b)' }), /^Error: regex must not contain more than one capture group: \(a\)\(b\)$/);
  assert.deepEqual(def.validate!({ delimiter: '(a)(b)', delimiter_eol: true }), [
    { option: 'delimiter', reason: 'regex must not contain more than one capture group: (a)(b)' },
  ]);
  assert.doesNotThrow(() => new RegexSplitter({ delimiter: '(?:a)(b)' }));
});

test('byte offsets stay right with multi-byte UTF-8 and binary data', () => {
  const data = Buffer.concat([Buffer.from('héllo|wörld|'), Buffer.from([0xff, 0x00]), Buffer.from('|')]);
  const out = split(new RegexSplitter({ delimiter: '\\|' }), data, false, 5);
  assert.deepEqual(out.slice(0, 2), ['héllo', 'wörld']);
  assert.equal(out.length, 3);
  assert.deepEqual(split(new RegexSplitter({ delimiter: 'ö' }), 'aöböc', true), ['a', 'b', 'c']);
});

test('an empty match never stalls the splitter', () => {
  assert.deepEqual(split(new RegexSplitter({ delimiter: 'x*' }), 'abc', true, 1000).join(''), 'abc');
});
