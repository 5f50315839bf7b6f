import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Field, FieldType, Message, type FieldValue } from './message.js';
import { ProtobufError, decodeMessage, encodeMessage, setFieldPresence, unknownFields } from './protobuf.js';
import { goldenPath } from '../../test/harness/fake-output-context.js';

const GOLDEN = goldenPath('tcp_framing');

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

/** The message bytes of a golden single-frame file (`1e <hlen> header 1f msg`). */
function golden(path: string): Buffer {
  const b = readFileSync(`${GOLDEN}/${path}`);
  return b.subarray(b[1]! + 3);
}

const EXAMPLE_HEX = `
0a 10 87 cf 1a c2 e8 10 4d df a0 2d a5 ce 44 d1 3a 85
10 80 c4 8c 94 91 a9 e8 d4 13
1a 04 54 45 53 54
22 06 47 6f 53 70 65 63
28 06
32 02 68 69
40 92 6e
4a 01 68
52 0e 0a 03 66 6f 6f 10 00 1a 00 22 03 62 61 72
52 14 0a 06 6e 75 6d 62 65 72 10 02 1a 05 63 6f 75 6e 74 32 01 40`;

function exampleMessage(): Message {
  const m = new Message();
  m.uuid = hex('87cf1ac2e8104ddfa02da5ce44d13a85');
  m.timestamp = 1416840893000000000;
  m.type = 'TEST';
  m.logger = 'GoSpec';
  m.severity = 6;
  m.payload = 'hi';
  m.pid = 14098;
  m.hostname = 'h';
  m.addField('foo', FieldType.STRING, 'bar');
  m.addField('number', FieldType.INTEGER, 64, 'count');
  return m;
}

test('worked example of message.md §2.1 encodes to the 92 spec bytes', () => {
  const bytes = encodeMessage(exampleMessage());
  assert.equal(bytes.length, 92);
  assert.deepEqual(bytes, hex(EXAMPLE_HEX));
  assert.deepEqual(bytes, golden('input/example.bin'));
});

test('decoding the worked example gives back every slot', () => {
  const m = decodeMessage(hex(EXAMPLE_HEX));
  assert.equal(m.uuidString(), '87cf1ac2-e810-4ddf-a02d-a5ce44d13a85');
  assert.equal(m.timestamp, 1416840893000000000);
  assert.equal(m.timestampExact, undefined); // this one happens to be exact as a double
  assert.equal(m.type, 'TEST');
  assert.equal(m.logger, 'GoSpec');
  assert.equal(m.severity, 6);
  assert.equal(m.payload, 'hi');
  assert.equal(m.envVersion, undefined);
  assert.equal(m.pid, 14098);
  assert.equal(m.hostname, 'h');
  assert.equal(m.fields.length, 2);
  assert.deepEqual([m.fields[0]!.name, m.fields[0]!.type, m.fields[0]!.values, m.fields[0]!.representation], ['foo', 0, ['bar'], '']);
  assert.deepEqual([m.fields[1]!.name, m.fields[1]!.type, m.fields[1]!.values, m.fields[1]!.representation], ['number', 2, [64], 'count']);
});

test('golden re-encodings: decode then encode gives what Heka sent', () => {
  const cases: Array<[string, string]> = [
    ['input/example.bin', 'out/example.reencoded.bin'],
    ['input/example2.bin', 'out/example2.reencoded.bin'],
    ['input/example3.bin', 'out/example3.reencoded.bin'],
  ];
  for (const [input, output] of cases) {
    const m = decodeMessage(golden(input));
    assert.deepEqual(encodeMessage(m), golden(output), input);
  }
});

test('example2: uint32 Severity/Pid, presence of value_type/representation, -0, packed arrays', () => {
  const m = decodeMessage(golden('input/example2.bin'));
  assert.equal(m.severity, -1);
  assert.equal(m.pid, -2);
  assert.equal(m.payload, undefined);
  const d = m.getField('d')!;
  assert.equal(d.type, FieldType.DOUBLE);
  assert.equal(d.values[0], 1.5);
  assert.ok(Object.is(d.values[1], -0));
  assert.deepEqual(m.getField('b')!.values, [true, false]);
  assert.deepEqual(m.getField('neg')!.values, [-1]);
  assert.equal(m.getField('foo')!.representation, undefined);
  // Modified content keeps the original presence of the untouched parts.
  m.payload = 'changed';
  const again = decodeMessage(encodeMessage(m));
  assert.equal(again.payload, 'changed');
  assert.deepEqual(encodeMessage(again), encodeMessage(m));
});

test('example3: non-canonical input; unknown field kept; 10-byte severity accepted', () => {
  const m = decodeMessage(golden('input/example3.bin'));
  assert.equal(m.severity, -1);
  assert.deepEqual(m.getField('number')!.values, [64, 65]);
  assert.deepEqual(Buffer.from(unknownFields(m)!), hex('7a 07 75 6e 6b 6e 6f 77 6e'));
  // Decoding into the same object resets it, unknown fields included.
  decodeMessage(hex(EXAMPLE_HEX), m);
  assert.equal(unknownFields(m), undefined);
  assert.equal(m.fields.length, 2);
});

test('Lua-built fields: value_type omitted for strings, representation only when given', () => {
  const m = new Message();
  const s = m.addField('s', FieldType.STRING, 'x');
  setFieldPresence(s, { valueType: false, representation: false });
  const n = m.addField('n', FieldType.DOUBLE, 1);
  setFieldPresence(n, { valueType: true, representation: false });
  const i = m.addField('i', FieldType.INTEGER, 2);
  setFieldPresence(i, { valueType: true, representation: false });
  const b = m.addField('b', FieldType.BOOL, true);
  setFieldPresence(b, { valueType: true, representation: false });
  const r = m.addField('r', FieldType.STRING, 'y', 'ms');
  setFieldPresence(r, { valueType: false, representation: false });
  assert.deepEqual(
    encodeMessage(m),
    hex(`52 06 0a 01 73 22 01 78
         52 0f 0a 01 6e 10 03 3a 08 00 00 00 00 00 00 f0 3f
         52 08 0a 01 69 10 02 32 01 02
         52 08 0a 01 62 10 04 42 01 01
         52 0a 0a 01 72 1a 02 6d 73 22 01 79`),
  );
});

test('Go-built StatAccum fields write value_type and an empty representation', () => {
  const m = new Message();
  m.addField('timestamp', FieldType.INTEGER, 1392050801);
  const bytes = encodeMessage(m);
  assert.deepEqual(bytes.subarray(0, 17), hex('52 16 0a 09 74 69 6d 65 73 74 61 6d 70 10 02 1a 00'));
});

test('timestamps: exact beyond 2^53, negative as 10-byte varints, stale exact ignored', () => {
  const m = new Message();
  const exact = 1392050801123456789n;
  m.timestamp = Number(exact);
  m.timestampExact = exact;
  const d = decodeMessage(encodeMessage(m));
  assert.equal(d.timestampExact, exact);
  assert.equal(d.timestamp, Number(exact));
  assert.deepEqual(encodeMessage(d), encodeMessage(m));
  // A plugin that changes timestamp without clearing timestampExact: the double wins.
  d.timestamp = 1e18;
  assert.equal(decodeMessage(encodeMessage(d)).timestamp, 1e18);
  const neg = new Message();
  neg.timestamp = -1;
  assert.deepEqual(encodeMessage(neg), hex('10 ff ff ff ff ff ff ff ff ff 01'));
  assert.equal(decodeMessage(encodeMessage(neg)).timestamp, -1);
  const minI64 = new Message();
  minI64.timestamp = -9223372036854775808;
  assert.equal(decodeMessage(encodeMessage(minI64)).timestamp, -9223372036854775808);
});

test('absent vs empty: empty strings and zero values are written when set', () => {
  const m = new Message();
  m.type = '';
  m.pid = 0;
  m.severity = 0;
  m.uuid = new Uint8Array(0);
  assert.deepEqual(encodeMessage(m), hex('0a 00 1a 00 28 00 40 00'));
  const d = decodeMessage(encodeMessage(m));
  assert.equal(d.type, '');
  assert.equal(d.pid, 0);
  assert.equal(d.logger, undefined);
  assert.deepEqual(encodeMessage(new Message()), Buffer.alloc(0));
});

test('UTF-8 strings and bytes round-trip', () => {
  const m = new Message();
  m.payload = 'héllo wörld ✓ 𝄞 ' + 'x'.repeat(100) + '日本語';
  m.type = 'ünï';
  m.addField('bin', FieldType.BYTES, [new Uint8Array([0, 1, 255]), new Uint8Array(0)]);
  m.addField('multi', FieldType.STRING, ['a', '', 'ç']);
  const d = decodeMessage(encodeMessage(m));
  assert.equal(d.payload, m.payload);
  assert.equal(d.type, m.type);
  assert.deepEqual(d.getField('bin')!.values.map((v) => Array.from(v as Uint8Array)), [[0, 1, 255], []]);
  assert.deepEqual(d.getField('multi')!.values, ['a', '', 'ç']);
});

test('unpacked doubles and bools are accepted; inactive arrays are kept', () => {
  // field: name "x", value_type DOUBLE, one unpacked double 2.5, then a stray string value.
  const field = hex('0a 01 78 10 03 39 00 00 00 00 00 00 04 40 22 01 7a');
  const bytes = Buffer.concat([hex('52'), Buffer.from([field.length]), field]);
  const m = decodeMessage(bytes);
  assert.deepEqual(m.fields[0]!.values, [2.5]);
  // Canonical order: strings (4) before doubles (7); no representation (absent on input).
  assert.deepEqual(encodeMessage(m), hex('52 12 0a 01 78 10 03 22 01 7a 3a 08 00 00 00 00 00 00 04 40'));
  const bools = hex('52 09 0a 01 62 10 04 40 01 40 00');
  assert.deepEqual(decodeMessage(bools).fields[0]!.values, [true, false]);
});

test('malformed input throws ProtobufError, never anything else', () => {
  const bad = [
    hex('0a'), // truncated length
    hex('0a 05 01'), // truncated bytes
    hex('10 ff ff'), // truncated varint
    hex('10 ff ff ff ff ff ff ff ff ff ff 01'), // 11-byte varint
    hex('08 01'), // Uuid with wire type 0
    hex('52 03 10 00'), // field length beyond the end
    hex('52 02 10 09'), // invalid value_type
    hex('0f'), // wire type 7
  ];
  for (const b of bad) assert.throws(() => decodeMessage(b), ProtobufError, b.toString('hex'));
  // Fuzz: random mutations of valid messages.
  const base = [hex(EXAMPLE_HEX), golden('input/example2.bin'), golden('input/example3.bin')];
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.from(base[rnd(3)]!);
    for (let k = 0, n = 1 + rnd(4); k < n; k++) b[rnd(b.length)] = rnd(256);
    const cut = b.subarray(0, rnd(b.length + 1));
    try {
      const m = decodeMessage(cut);
      encodeMessage(m); // anything that decodes must encode
    } catch (e) {
      assert.ok(e instanceof ProtobufError, `${cut.toString('hex')}: ${String(e)}`);
    }
  }
});

test('random messages round-trip through encode/decode', () => {
  let seed = 99;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 500; i++) {
    const m = new Message();
    if (rnd(2)) m.uuid = new Uint8Array(16).map(() => rnd(256));
    if (rnd(2)) m.timestamp = rnd(2) ? rnd(1e9) * 1e9 : -rnd(1e6);
    if (rnd(2)) m.type = 'type' + rnd(100);
    if (rnd(2)) m.severity = rnd(20) - 5;
    if (rnd(2)) m.pid = rnd(70000) - 10;
    if (rnd(2)) m.payload = 'p'.repeat(rnd(300));
    for (let f = rnd(4); f > 0; f--) {
      const t = rnd(5) as FieldType;
      const vals = ([
        () => 's' + rnd(10),
        () => new Uint8Array([rnd(256)]),
        () => rnd(2 ** 31) * (rnd(2) ? -1 : 1) * (rnd(2) ? 2 ** 20 : 1),
        () => rnd(1000) / 7,
        () => rnd(2) === 1,
      ] as Array<() => FieldValue>)[t]!;
      const arr: FieldValue[] = Array.from({ length: rnd(4) }, () => vals());
      m.fields.push(new Field('f' + f, t, arr, rnd(2) ? 'rep' : undefined));
    }
    const bytes = encodeMessage(m);
    const d = decodeMessage(bytes);
    assert.deepEqual(encodeMessage(d), bytes);
    assert.equal(d.timestamp, m.timestamp);
    assert.equal(d.severity, m.severity);
    assert.equal(d.pid, m.pid);
    for (let k = 0; k < m.fields.length; k++) {
      const a = m.fields[k]!;
      const b = d.fields[k]!;
      assert.equal(b.type, a.type);
      assert.equal(b.representation, a.representation ?? '');
      assert.deepEqual(
        b.values.map((v) => (v instanceof Uint8Array ? Array.from(v) : v)),
        a.values.map((v) => (v instanceof Uint8Array ? Array.from(v) : v)),
      );
    }
  }
});
