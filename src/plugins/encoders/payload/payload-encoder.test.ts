import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../../../core/clock.js';
import { Message } from '../../../core/message.js';
import { decodeMessage } from '../../../core/protobuf.js';
import { findFrame, unframe } from '../../../core/framing.js';
import { loadZone } from '../../../core/strftime.js';
import { applyDefaults } from '../../../config/validate.js';
import { validateSample, goldenPath } from '../../../../test/harness/fake-output-context.js';
import definition from './index.js';
import { payloadEncoderOptions, type PayloadEncoderConfig } from './config.js';
import { PayloadEncoder } from './payload-encoder.js';

const GOLDEN = goldenPath('payload_log');

/** The four golden input messages (P1..P4), decoded from the framed capture. */
function goldenMessages(): Message[] {
  const bin = readFileSync(`${GOLDEN}/input/messages.bin`);
  const out: Message[] = [];
  let start = 0;
  while (start < bin.length) {
    const r = findFrame(bin, start, bin.length);
    if (r.record) out.push(decodeMessage(unframe(r.record)));
    start += r.consumed;
  }
  return out;
}

function config(over: Partial<PayloadEncoderConfig>): PayloadEncoderConfig {
  return { ...(applyDefaults(payloadEncoderOptions) as unknown as PayloadEncoderConfig), ...over };
}

const ENCODERS: Record<string, Partial<PayloadEncoderConfig>> = {
  plain: { append_newlines: false },
  newline: {},
  ts_default: { prefix_ts: true },
  ts_custom: { prefix_ts: true, append_newlines: false, ts_format: '%Y-%m-%dT%H:%M:%S%z %Z|%s|' },
  ts_now: { prefix_ts: true, ts_from_message: false },
};

// February, like the captures (St. John's is on NST, -03:30, then).
const NOW_MS = Date.UTC(2024, 1, 6, 7, 8, 9);

for (const [tz, dir] of [['UTC', 'tz-UTC'], ['Asia/Kolkata', 'tz-Asia_Kolkata'], ['America/St_Johns', 'tz-America_St_Johns']]) {
  test(`golden outputs of the five encoders in ${tz}`, () => {
    const zone = loadZone(tz!)!;
    const msgs = goldenMessages();
    assert.equal(msgs.length, 4);
    for (const [name, over] of Object.entries(ENCODERS)) {
      const enc = new PayloadEncoder(config(over), new VirtualClock(NOW_MS), zone);
      const got = msgs.map((m) => enc.encode(m)).join('');
      let want = readFileSync(`${GOLDEN}/out/${dir}/${name}.out`, 'utf8');
      if (name === 'ts_now') {
        const local = new PayloadEncoder(
          config({ prefix_ts: true, ts_from_message: false, ts_format: '%Y/%b/%d:%H:%M:%S', append_newlines: false }),
          new VirtualClock(NOW_MS),
          zone,
        ).encode(new Message());
        want = want.replaceAll('${NOW_LOCAL}', local.trimEnd());
      }
      assert.equal(got, want, `${tz} ${name}`);
    }
  });
}

test('defaults: payload + newline; absent payload is empty', () => {
  const enc = definition.create(applyDefaults(payloadEncoderOptions) as unknown as PayloadEncoderConfig, { clock: new VirtualClock() } as never);
  const m = new Message();
  m.payload = 'x';
  assert.equal(enc.encode(m), 'x\n');
  assert.equal(enc.encode(new Message()), '\n');
});

test('a format that already ends with a space gets no second one', () => {
  const m = new Message();
  m.payload = 'p';
  m.timestamp = 1392050801123456789;
  const enc = new PayloadEncoder(config({ prefix_ts: true, ts_format: '%s ', append_newlines: false }), new VirtualClock(), loadZone('UTC')!);
  assert.equal(enc.encode(m), '1392050801 p');
});

test('sample.toml validates against the schema', async () => {
  const cfg = await validateSample(definition, fileURLToPath(new URL('../../../../../src/plugins/encoders/payload/sample.toml', import.meta.url)));
  assert.equal(cfg.append_newlines, true);
  assert.equal(cfg.ts_format, '[%Y/%b/%d:%H:%M:%S %z]');
});
