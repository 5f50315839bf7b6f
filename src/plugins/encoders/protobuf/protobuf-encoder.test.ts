import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Message, FieldType } from '../../../core/message.js';
import { decodeMessage } from '../../../core/protobuf.js';
import { validateSample, goldenPath } from '../../../../test/harness/fake-output-context.js';
import definition from './index.js';

const GOLDEN = goldenPath('tcp_framing');
const frame = (p: string): Buffer => {
  const b = readFileSync(`${GOLDEN}/${p}`);
  return b.subarray(b[1]! + 3);
};

test('unmodified messages are forwarded with their original (non-canonical) bytes', () => {
  const enc = definition.create();
  const raw = frame('input/example3.bin');
  const m = decodeMessage(raw);
  m.rawBytes = raw;
  assert.deepEqual(enc.encode(m), frame('out/example3.passthrough.bin'));
  // Plain Uint8Array rawBytes work too.
  m.rawBytes = new Uint8Array(raw);
  assert.deepEqual(enc.encode(m), raw);
});

test('modified (rawBytes cleared) messages are re-marshalled canonically', () => {
  const enc = definition.create();
  const m = decodeMessage(frame('input/example3.bin'));
  m.rawBytes = undefined;
  assert.deepEqual(enc.encode(m), frame('out/example3.reencoded.bin'));
  const built = new Message();
  built.type = 't';
  built.addField('n', FieldType.INTEGER, 1);
  assert.deepEqual(enc.encode(built), Buffer.from('1a0174520a0a016e10021a00320101', 'hex'));
});

test('sample.toml validates against the schema', async () => {
  await validateSample(definition, fileURLToPath(new URL('../../../../../src/plugins/encoders/protobuf/sample.toml', import.meta.url)));
});
