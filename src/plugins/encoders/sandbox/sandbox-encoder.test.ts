import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../../core/clock.js';
import { FieldType, Message } from '../../../core/message.js';
import { decodeMessage } from '../../../core/protobuf.js';
import { Logger } from '../../../log/logger.js';
import type { GlobalConfig, PluginContext } from '../../../plugin-api/index.js';
import { SandboxEncoder } from './sandbox-encoder.js';

const dir = mkdtempSync(join(tmpdir(), 'sbx-enc-'));

function globals(): GlobalConfig {
  return {
    maxprocs: 1, poolsize: 100, plugin_chansize: 30, max_message_loops: 4, max_process_inject: 1, max_process_duration: 100000,
    max_timer_inject: 10, max_pack_idle: 120, base_dir: dir, share_dir: dir, sample_denominator: 1000, pid_file: '',
    hostname: 'test-host', max_message_size: 65536, log_flags: 0, full_buffer_max_retries: 10,
  };
}

function ctx(): PluginContext & { logs: string[] } {
  const logs: string[] = [];
  const log = new Logger({ out: (l) => logs.push(l), err: (l) => logs.push(l) }, 0).child(`Encoder 'out-enc'`);
  return { name: 'out-enc', typeName: 'SandboxEncoder', log, clock: systemClock, globals: globals(), reportError: () => {}, logs };
}

function cfg(file: string, over: Record<string, unknown> = {}): any {
  return {
    script_type: 'lua', filename: file, module_directory: '', preserve_data: false, memory_limit: 8388608,
    instruction_limit: 1000000, output_limit: 64512, profile: false, config: {}, ...over,
  };
}

function script(name: string, body: string): string {
  writeFileSync(join(dir, name), body);
  return name;
}

function msg(payload: string, status = 200): Message {
  const m = new Message();
  m.type = 'nginx.access';
  m.timestamp = 1e18;
  m.payload = payload;
  m.addField('status', FieldType.DOUBLE, status);
  return m;
}

const ENC = script(
  'line.ts',
  `const sep = (read_config('separator') as string) ?? ' ';
function process_message(): number | [number, string] {
  const p = read_message('Payload') as string;
  if (p === 'skip') return -2;
  if (p === 'fail') return [-1, 'cannot encode'];
  if (p === 'proto') { write_message('Type', 'rewritten'); return 0; }
  if (p === 'die') throw new Error('encoder bug');
  add_to_payload(read_message('Type'), sep, read_message('Fields[status]'), sep, p, '\\n');
  inject_payload('txt', 'line');
  return 0;
}
`,
);

test('a user TS encoder: inject_payload output, -2 skip, failure text, protobuf of the modified copy', () => {
  const e = new SandboxEncoder(cfg(ENC, { config: { separator: '|' } }), ctx());
  try {
    assert.equal(e.encode(msg('GET /'))!.toString(), 'nginx.access|200|GET /\n');
    assert.equal(e.encode(msg('skip')), null);
    assert.throws(() => e.encode(msg('fail')), /^Error: Failed serializing: cannot encode$/);
    const orig = msg('proto');
    const out = decodeMessage(e.encode(orig)!);
    assert.equal(out.type, 'rewritten');
    assert.equal(orig.type, 'nginx.access'); // the original is untouched
  } finally {
    e.stop();
  }
});

test('a fatal error terminates the encoder; later calls keep failing with FATAL', () => {
  const c = ctx();
  const e = new SandboxEncoder(cfg(ENC), c);
  assert.throws(() => e.encode(msg('die')), /^Error: FATAL: process_message\(\) .*line\.ts:\d+: encoder bug$/);
  assert.throws(() => e.encode(msg('GET /')), /^Error: FATAL: /);
  assert.ok(e.report().some((f) => f.name === 'TerminationReason'));
  assert.ok(c.logs.some((l) => l.includes('Terminated. Reason:')));
});

test('inject_message in an encoder outputs the protobuf; a string is output as it is', () => {
  const f = script('inj.js', `function process_message() { if (read_message('Payload') === 's') inject_message('raw bytes'); else inject_message({ Type: 'x', Payload: 'y' }); return 0; }`);
  const e = new SandboxEncoder(cfg(f), ctx());
  try {
    assert.equal(e.encode(msg('s'))!.toString('latin1'), 'raw bytes');
    const m = decodeMessage(e.encode(msg('t'))!);
    assert.deepEqual([m.type, m.payload], ['x', 'y']);
  } finally {
    e.stop();
  }
});

test('output_limit is enforced', () => {
  const f = script('big.js', `function process_message() { inject_payload('txt', '', 'x'.repeat(2000)); return 0; }`);
  const e = new SandboxEncoder(cfg(f, { output_limit: 1000 }), ctx());
  assert.throws(() => e.encode(msg('a')), /^Error: FATAL: process_message\(\) inject_payload\(\) output_limit exceeded$/);
});
