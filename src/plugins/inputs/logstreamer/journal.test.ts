import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { hashWindow } from '../../../core/stream-window.js';
import { ZERO_HASH, formatJournal, hashAt, locateByHash, locateEnd, positionalReadable, readJournal, writeJournal } from './journal.js';
import { tempDir } from '../../../../test/harness/logstreamer.js';

test('hash window examples (§5)', () => {
  assert.equal(hashWindow(Buffer.alloc(0)), ZERO_HASH);
  assert.equal(hashWindow(Buffer.from('line one\nline two\n')), 'a07ce644755b430ba8a98fc269464ca132ea50a1');
  assert.equal(hashWindow(Buffer.from('line one\nline two\nline three\n')), '66d0bfe8d7c922fdcb8dd4ef2452e884db5474ac');
  // Only the last 500 bytes count.
  const long = Buffer.alloc(1200, 'x');
  assert.equal(hashWindow(long), hashWindow(long.subarray(700)));
});

test('journal text: key order, no trailing newline, Go escaping', () => {
  assert.equal(
    formatJournal({ seek: 4755, file_name: '/var/log/nginx/access.log', last_hash: 'a07ce644755b430ba8a98fc269464ca132ea50a1' }),
    '{"seek":4755,"file_name":"/var/log/nginx/access.log","last_hash":"a07ce644755b430ba8a98fc269464ca132ea50a1"}',
  );
  assert.equal(formatJournal({ seek: 0, file_name: '/a&b<c>', last_hash: ZERO_HASH }), `{"seek":0,"file_name":"/a\\u0026b\\u003cc\\u003e","last_hash":"${ZERO_HASH}"}`);
});

test('journal read/write: atomic replace, empty = none, invalid = error, mode 0660 & ~umask', () => {
  const dir = tempDir();
  const p = join(dir, 'stream');
  assert.equal(readJournal(p), null);
  writeJournal(p, '{"seek":3,"file_name":"/x","last_hash":"h"}');
  assert.deepEqual(readJournal(p), { seek: 3, file_name: '/x', last_hash: 'h' });
  assert.equal(readFileSync(p, 'utf8'), '{"seek":3,"file_name":"/x","last_hash":"h"}');
  assert.equal(statSync(p).mode & 0o777, 0o660 & ~process.umask());
  writeJournal(p, '{"seek":4,"file_name":"/x","last_hash":"h"}', true);
  assert.equal(readJournal(p)!.seek, 4);
  writeFileSync(p, ' \n');
  assert.equal(readJournal(p), null);
  writeFileSync(p, '{"seek":');
  assert.throws(() => readJournal(p), /Invalid journal/);
});

test('hashAt and locateByHash over plain and gzip files, skipping short files', async () => {
  const dir = tempDir();
  const a = join(dir, 'a');
  const b = join(dir, 'b.gz');
  const c = join(dir, 'c');
  writeFileSync(a, 'short\n');
  writeFileSync(b, gzipSync('line one\nline two\nmore\n'));
  writeFileSync(c, 'line one\nline two\nother\n');
  const want = 'a07ce644755b430ba8a98fc269464ca132ea50a1';
  assert.deepEqual(await hashAt(b, 18), { hash: want, gzip: true });
  assert.equal(await hashAt(a, 18), null);
  assert.equal(await hashAt(b, 1000), null);
  assert.equal(await locateByHash([a, b, c], 18, want), b);
  assert.equal(await locateByHash([a, c, b], 18, want), c);
  const errs: string[] = [];
  assert.equal(await locateByHash([join(dir, 'missing'), a], 18, want, (p) => errs.push(p)), null);
  assert.deepEqual(errs, [join(dir, 'missing')]);
});

test('locateEnd: window and exact length, gzip included; empty content prefers a copy made after the last write', async () => {
  const dir = tempDir();
  const a = join(dir, 'a.gz');
  const b = join(dir, 'b');
  const c = join(dir, 'c');
  writeFileSync(a, gzipSync('line one\nline two\n'));
  writeFileSync(b, 'line one\nline two\nmore\n'); // same window at 18, longer: not the copy
  writeFileSync(c, 'line one\nline two\n');
  const want = 'a07ce644755b430ba8a98fc269464ca132ea50a1';
  assert.equal((await locateEnd([b, a, c], 18, want, 18, 0))?.path, a);
  assert.equal((await locateEnd([b, c], 18, want, 18, 0))?.path, c);
  assert.equal(await locateEnd([b], 18, want, 18, 0), null);
  const e1 = join(dir, 'e1');
  const e2 = join(dir, 'e2');
  writeFileSync(e1, '');
  writeFileSync(e2, '');
  const old = Date.now() / 1000 - 100;
  utimesSync(e1, old, old);
  assert.equal((await locateEnd([e1, e2], 0, ZERO_HASH, 0, Date.now() - 50_000))?.path, e2);
  assert.equal((await locateEnd([e1, e2], 0, ZERO_HASH, 0, Date.now() + 50_000))?.path, e1);
});

test('positionalReadable: reads a descriptor from 0 and never closes it, even when destroyed', async () => {
  const dir = tempDir();
  const p = join(dir, 'x');
  writeFileSync(p, 'abcdef');
  const fd = openSync(p, 'r');
  try {
    const read = (buf: Buffer, pos: number): Promise<number> => Promise.resolve(readSync(fd, buf, 0, Math.min(buf.length, 4), pos));
    const chunks: Buffer[] = [];
    for await (const c of positionalReadable(read, 4)) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'abcdef');
    const r = positionalReadable(read, 4);
    r.destroy();
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(fstatSync(fd).size, 6); // still open
  } finally {
    closeSync(fd);
  }
});
