import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { goldenPath } from '../../test/harness/fake-output-context.js';
import {
  FramingError, authenticateFrame, decodeHeader, findFrame, frameRecord, newFrameResult, unframe,
  type FrameSigner,
} from './framing.js';

const GOLDEN = goldenPath('tcp_framing');
const example = readFileSync(`${GOLDEN}/input/example.bin`);
const msg = example.subarray(5); // the 92 message bytes

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

const MD5_SIGNER: FrameSigner = { name: 'ops', hmac_key: 'secret', version: 1 };
const SHA1_SIGNER: FrameSigner = { name: 'ops', hmac_key: 'secret', version: 1, hmac_hash: 'sha1' };

test('unframed example: 1e 02 08 5c 1f + message (golden)', () => {
  assert.equal(msg.length, 92);
  assert.deepEqual(frameRecord(msg), example);
});

test('message_length is a varint, so the header grows', () => {
  assert.deepEqual(frameRecord(Buffer.alloc(313)).subarray(0, 6), hex('1e 03 08 b9 02 1f'));
  assert.deepEqual(frameRecord(Buffer.alloc(163)).subarray(0, 6), hex('1e 03 08 a3 01 1f'));
  assert.deepEqual(frameRecord(Buffer.alloc(0)), hex('1e 02 08 00 1f'));
});

test('signed frames match message.md §3.3 (MD5 and SHA1)', () => {
  assert.deepEqual(
    frameRecord(msg, MD5_SIGNER),
    Buffer.concat([hex('1e 1b 08 5c 22 03 6f 70 73 28 01 32 10 30 85 c7 e7 72 c4 99 7a 41 97 87 4a 04 02 3b 09 1f'), msg]),
  );
  assert.deepEqual(
    frameRecord(msg, SHA1_SIGNER),
    Buffer.concat([
      hex('1e 21 08 5c 18 01 22 03 6f 70 73 28 01 32 14 fb f4 35 5c 11 4a 22 99 98 b3 1f 0a 15 32 5b d0 56 ed e3 df 1f'),
      msg,
    ]),
  );
  // Version 0 is written too.
  const h = decodeHeader(frameRecord(msg, { name: 'x', hmac_key: 'k' }).subarray(2, 2 + 25));
  assert.equal(h.hmacKeyVersion, 0);
  assert.equal(h.hmacHashFunction, undefined);
});

test('limits: message and header size', () => {
  assert.throws(() => frameRecord(Buffer.alloc(65537)), {
    name: 'FramingError',
    message: 'Message too big, requires 65537 (MAX_MESSAGE_SIZE = 65536)',
  });
  assert.equal(frameRecord(Buffer.alloc(65536)).length, 65536 + 7); // 3-byte varint
  assert.throws(() => frameRecord(Buffer.alloc(10), { name: 'n'.repeat(240), hmac_key: 'k' }), (e: unknown) => {
    return e instanceof FramingError && /^Message header too big, requires 2\d\d \(MAX_HEADER_SIZE = 255\)$/.test(e.message);
  });
  assert.throws(() => frameRecord(Buffer.alloc(100), undefined, 99), /MAX_MESSAGE_SIZE = 99/);
});

/** Run findFrame over a stream delivered in chunks, like a splitter over a socket. */
function splitAll(stream: Buffer, chunk: number, max = 65536): { records: Buffer[]; errors: string[] } {
  const records: Buffer[] = [];
  const errors: string[] = [];
  let buf = Buffer.alloc(0);
  const r = newFrameResult();
  for (let off = 0; off < stream.length; off += chunk) {
    buf = Buffer.concat([buf, stream.subarray(off, off + chunk)]);
    let start = 0;
    for (;;) {
      findFrame(buf, start, buf.length, max, r);
      if (r.error) errors.push(r.error);
      if (r.record) records.push(Buffer.from(r.record));
      start += r.consumed;
      if (r.record === null && r.error === null && (r.consumed === 0 || start === buf.length)) break;
      if (r.consumed === 0) break;
    }
    buf = buf.subarray(start);
  }
  return { records, errors };
}

test('findFrame: back-to-back frames, garbage, signed digests containing 0x1f, any chunking', () => {
  const signed = frameRecord(msg, SHA1_SIGNER);
  const stream = Buffer.concat([
    hex('00 11 22'), example, signed,
    hex('1e 02 08 05 00'), // 0x1E whose header is not followed by 0x1F: skipped silently
    frameRecord(Buffer.from('hello')), example,
  ]);
  for (const chunk of [1, 2, 3, 7, 50, 1000]) {
    const { records, errors } = splitAll(stream, chunk);
    assert.equal(records.length, 4, `chunk ${chunk}`);
    assert.deepEqual(records[0], example);
    assert.deepEqual(records[1], signed);
    assert.deepEqual(unframe(records[1]!), msg);
    assert.deepEqual(unframe(records[2]!), Buffer.from('hello'));
    assert.deepEqual(errors, []);
  }
});

test('findFrame: oversize and undecodable headers are logged and skipped one byte', () => {
  const big = frameRecord(Buffer.alloc(200));
  const { records, errors } = splitAll(Buffer.concat([big, example]), 1000, 100);
  assert.deepEqual(records, [example]);
  assert.deepEqual(errors, ['message exceeds the maximum length [100 bytes] len: 200']);
  const bad = Buffer.concat([hex('1e 02 0a 05 1f'), example]); // field 1 with wire type 2, truncated
  const r2 = splitAll(bad, 1000);
  assert.deepEqual(r2.records, [example]);
  assert.equal(r2.errors.length, 1);
  assert.match(r2.errors[0]!, /^error unmarshaling header: /);
});

test('findFrame: needs more data', () => {
  const r = findFrame(example, 0, 50);
  assert.equal(r.record, null);
  assert.equal(r.consumed, 0);
  const g = findFrame(Buffer.from('abc'), 0, 3);
  assert.equal(g.consumed, 3);
  assert.equal(g.record, null);
  const ok = findFrame(Buffer.concat([Buffer.from('xy'), example]), 0, 99);
  assert.equal(ok.consumed, 99);
  assert.equal(ok.messageOffset, 5);
});

test('authenticateFrame: verified signer, unsigned, unknown signer, bad digest', () => {
  const keys = new Map([['ops_1', { hmac_key: 'secret' }]]);
  assert.equal(authenticateFrame(frameRecord(msg, MD5_SIGNER), keys), 'ops');
  assert.equal(authenticateFrame(frameRecord(msg, SHA1_SIGNER), keys), 'ops');
  assert.equal(authenticateFrame(example, keys), '');
  assert.equal(authenticateFrame(frameRecord(msg, { ...MD5_SIGNER, version: 2 }), keys), null);
  assert.equal(authenticateFrame(frameRecord(msg, { ...MD5_SIGNER, hmac_key: 'wrong' }), keys), null);
  const tampered = frameRecord(msg, MD5_SIGNER);
  tampered[tampered.length - 1] ^= 1;
  assert.equal(authenticateFrame(tampered, keys), null);
});
