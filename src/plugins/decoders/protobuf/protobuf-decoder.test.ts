import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Message } from '../../../core/message.js';
import { ProtobufError } from '../../../core/protobuf.js';
import { validateSample, goldenPath } from '../../../../test/harness/fake-output-context.js';
import definition from './index.js';

const example = readFileSync(goldenPath('tcp_framing/input/example.bin')).subarray(5);

test('decodes rawBytes into the same message, replacing its content and keeping rawBytes', () => {
  const dec = definition.create();
  const m = new Message();
  m.payload = 'old';
  m.addField('stale', 0, 'x');
  m.rawBytes = example;
  const out = dec.decode(m);
  assert.equal(out, m);
  assert.equal(m.payload, 'hi');
  assert.equal(m.type, 'TEST');
  assert.deepEqual(m.fields.map((f) => f.name), ['foo', 'number']);
  assert.equal(m.rawBytes, example);
});

test('errors: malformed bytes and a message without bytes', () => {
  const dec = definition.create();
  const m = new Message();
  m.rawBytes = example.subarray(0, 30);
  assert.throws(() => dec.decode(m), ProtobufError);
  assert.throws(() => dec.decode(new Message()), /no protobuf bytes/);
});

test('sample.toml validates against the schema', async () => {
  await validateSample(definition, fileURLToPath(new URL('../../../../../src/plugins/decoders/protobuf/sample.toml', import.meta.url)));
});
