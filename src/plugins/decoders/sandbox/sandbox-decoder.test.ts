import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../../core/clock.js';
import { FieldType, Message } from '../../../core/message.js';
import { Logger } from '../../../log/logger.js';
import type { GlobalConfig, PluginContext } from '../../../plugin-api/index.js';
import { DecoderStoppedError } from '../../../sandbox/errors.js';
import { SandboxDecoder } from './sandbox-decoder.js';
import def from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'sbx-dec-'));

function globals(): GlobalConfig {
  return {
    maxprocs: 1, poolsize: 100, plugin_chansize: 30, max_message_loops: 4, max_process_inject: 1, max_process_duration: 100000,
    max_timer_inject: 10, max_pack_idle: 120, base_dir: dir, share_dir: dir, sample_denominator: 1000, pid_file: '',
    hostname: 'test-host', max_message_size: 65536, log_flags: 0, full_buffer_max_retries: 10,
  };
}

function ctx(name = 'in-dec'): PluginContext & { logs: string[] } {
  const logs: string[] = [];
  const log = new Logger({ out: (l) => logs.push(l), err: (l) => logs.push(l) }, 0).child(`Decoder '${name}'`);
  return { name, typeName: 'SandboxDecoder', log, clock: systemClock, globals: globals(), reportError: () => {}, logs };
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

function line(payload: string): Message {
  const m = new Message();
  m.uuid = new Uint8Array(16).fill(7);
  m.type = 'logfile';
  m.logger = 'access.log';
  m.hostname = 'web1';
  m.severity = 6;
  m.pid = 42;
  m.timestamp = 1_400_000_000_123_456_789;
  m.payload = payload;
  return m;
}

const PARSER = script(
  'parser.ts',
  `var parsed: number = 0;
function process_message(): number | [number, string] {
  const p = read_message('Payload') as string;
  const m = /^(\\S+) "(\\S+) (\\S+)" (\\d+) (\\d+)$/.exec(p);
  if (!m) return [-1, 'no match'];
  parsed++;
  inject_message({ Type: 'nginx.access', Payload: p, Fields: { remote_addr: m[1], method: m[2], path: m[3], status: Number(m[4]), bytes: { value: Number(m[5]), value_type: 2, representation: 'B' } } });
  return 0;
}
`,
);

test('a user TS decoder parses lines into fields; headers are inherited as in Heka', () => {
  const d = new SandboxDecoder(cfg(PARSER), ctx());
  try {
    const orig = line('10.0.0.1 "GET /index.html" 200 512');
    const out = d.decode(orig) as Message;
    assert.ok(!Array.isArray(out) && out !== null);
    assert.equal(out.type, 'nginx.access');
    assert.equal(out.payload, '10.0.0.1 "GET /index.html" 200 512');
    assert.equal(out.getFieldValue('status'), 200);
    assert.equal(out.getField('status')!.type, FieldType.DOUBLE);
    assert.equal(out.getField('bytes')!.type, FieldType.INTEGER);
    assert.equal(Number(out.getFieldValue('bytes')), 512);
    assert.equal(out.getField('bytes')!.representation, 'B');
    assert.equal(out.getFieldValue('path'), '/index.html');
    // inherited: Timestamp, Hostname, Logger, Severity, Pid; Uuid is new
    assert.equal(out.timestamp, orig.timestamp);
    assert.equal(out.hostname, 'web1');
    assert.equal(out.logger, 'access.log');
    assert.equal(out.severity, 6);
    assert.equal(out.pid, 42);
    assert.notDeepEqual(Array.from(out.uuid!), Array.from(orig.uuid!));
    // status < 0: Heka's failure text
    assert.throws(() => d.decode(line('garbage')), /^Error: Failed parsing: no match payload: garbage$/);
    assert.equal(d.failures, 1);
    assert.equal(d.terminationReason, null);
  } finally {
    d.stop();
  }
});

test('pass-through, write_message edits, several injections and inject_payload', () => {
  const f = script(
    'multi.js',
    `function process_message() {
  var p = read_message('Payload');
  if (p === 'pass') return 0;
  if (p === 'edit') { write_message('Type', 'edited'); write_message('Fields[n]', 3, 'count'); return 0; }
  if (p === 'two') { inject_message({ Type: 'a' }); inject_message({ Type: 'b', Timestamp: 5 }); return 0; }
  add_to_payload('x=', 1.5);
  inject_payload('txt', 'nm');
  return 0;
}`,
  );
  const d = new SandboxDecoder(cfg(f), ctx());
  try {
    const m = line('pass');
    assert.equal(d.decode(m), m);
    const e = d.decode(line('edit')) as Message;
    assert.equal(e.type, 'edited');
    assert.equal(e.getFieldValue('n'), 3);
    assert.equal(e.getField('n')!.representation, 'count');
    assert.equal(e.payload, 'edit');
    const two = d.decode(line('two')) as Message[];
    assert.equal(two.length, 2);
    assert.deepEqual(two.map((x) => [x.type, x.timestamp, x.hostname, x.payload]), [
      ['a', 1_400_000_000_123_456_789, 'web1', undefined],
      ['b', 5, 'web1', undefined],
    ]);
    const p = d.decode(line('payload')) as Message;
    assert.equal(p.payload, 'x=1.5');
    assert.equal(p.getFieldValue('payload_type'), 'txt');
    assert.equal(p.getField('payload_type')!.representation, 'file-extension');
    assert.equal(p.getFieldValue('payload_name'), 'nm');
    assert.equal(p.type, 'logfile');
  } finally {
    d.stop();
  }
});

test('tz reinterprets the decoded timestamp as local time in the zone', () => {
  const f = script('ts.js', `function process_message() { inject_message({ Timestamp: Date.UTC(2014, 0, 15, 12, 0, 0) * 1e6 }); return 0; }`);
  const d = new SandboxDecoder(cfg(f, { config: { tz: 'America/New_York' } }), ctx());
  try {
    const out = d.decode(line('x')) as Message;
    assert.equal(out.timestamp, Date.UTC(2014, 0, 15, 17, 0, 0) * 1e6);
  } finally {
    d.stop();
  }
  assert.throws(() => new SandboxDecoder(cfg(f, { config: { tz: 'Mars/Olympus' } }), ctx()), /unknown time zone/);
});

test('decode_message and read_message("raw") round-trip the current message', () => {
  const f = script(
    'raw.js',
    `function process_message() {
  var t = decode_message(read_message('raw'));
  inject_message({ Type: 'copy', Payload: t.Payload + '|' + t.Type + '|' + t.Fields.length + '|' + t.Severity });
  return 0;
}`,
  );
  const d = new SandboxDecoder(cfg(f), ctx());
  try {
    assert.equal((d.decode(line('hello')) as Message).payload, 'hello|logfile|0|6');
  } finally {
    d.stop();
  }
});

test('a throwing decoder is terminated: DecoderStoppedError now and on every later call, reason reported', () => {
  const f = script('throws.js', `function process_message() { if (read_message('Payload') === 'bad') throw new Error('cannot parse bad'); return 0; }`);
  const c = ctx('LogIn-Throws');
  const d = new SandboxDecoder(cfg(f), c);
  assert.equal(d.decode(line('ok'))!.constructor, Message);
  assert.throws(() => d.decode(line('bad')), (e: Error) => e instanceof DecoderStoppedError && /cannot parse bad/.test(e.message));
  assert.throws(() => d.decode(line('ok')), DecoderStoppedError);
  assert.match(d.terminationReason!, /^process_message\(\) .*throws\.js:1: cannot parse bad$/);
  assert.ok(d.report().some((r) => r.name === 'TerminationReason'));
  assert.ok(c.logs.some((l) => l.includes('Terminated. Reason: process_message()')));
  d.stop(); // no save, no throw
});

test('status > 0 and a non-numeric status terminate', () => {
  const f = script('fatal.js', `function process_message() { return read_message('Payload') === 'x' ? [1, 'gave up'] : 'zero'; }`);
  const d = new SandboxDecoder(cfg(f), ctx());
  assert.throws(() => d.decode(line('x')), DecoderStoppedError);
  assert.equal(d.terminationReason, 'process_message() gave up');
  const d2 = new SandboxDecoder(cfg(f), ctx());
  assert.throws(() => d2.decode(line('y')), DecoderStoppedError);
  assert.equal(d2.terminationReason, 'process_message() must return a numeric status code');
});

test('an infinite loop is stopped within its CPU budget; the main thread is held at most one budget', () => {
  const f = script('loop.js', `function process_message() { if (read_message('Payload') === 'loop') for (;;) {} return 0; }`);
  const d = new SandboxDecoder(cfg(f, { instruction_limit: 500_000 }), ctx()); // 50 ms
  d.decode(line('fine'));
  const t0 = Date.now();
  assert.throws(() => d.decode(line('loop')), DecoderStoppedError);
  const held = Date.now() - t0;
  assert.ok(held >= 45 && held < 1000, `held ${held} ms`);
  assert.equal(d.terminationReason, 'process_message() instruction_limit exceeded');
});

test('a memory hog is terminated with memory_limit exceeded; hekad is unharmed', async () => {
  const f = script('hog.js', `var keep = [];\nfunction process_message() { for (;;) keep.push(new Array(10000).fill(keep.length)); }`);
  const d = new SandboxDecoder(cfg(f, { memory_limit: 4 * 1048576, instruction_limit: 5_000_000 }), ctx());
  assert.throws(() => d.decode(line('x')), DecoderStoppedError);
  // The heap-limit kill is noticed at the call; its reason is confirmed by the worker's exit event.
  const t0 = Date.now();
  while (d.terminationReason !== 'memory_limit exceeded' && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
  assert.equal(d.terminationReason, 'memory_limit exceeded');
});

test('a script that fails to load fails the plugin start (as Heka at startup)', () => {
  const f = script('broken.js', `var x = read_config('missing').length;\nfunction process_message() { return 0; }`);
  assert.throws(() => new SandboxDecoder(cfg(f), ctx()), /Cannot read properties of undefined/);
  assert.deepEqual(def.validate!(cfg('lua_decoders/other.lua'), globals())[0]!.option, 'filename');
  assert.match(def.validate!(cfg('nope.js'), globals())[0]!.reason, /cannot load/);
  assert.deepEqual(def.validate!(cfg(PARSER), globals()), []);
});

test('preserve_data saves globals at stop and restores them at start; a version change discards them', () => {
  const f = script('count.js', `var _PRESERVATION_VERSION = read_config('v') || 0;\nvar seen = 0;\nfunction process_message() { seen++; inject_message({ Payload: String(seen) }); return 0; }`);
  const c = ctx('Pres-Count');
  const d = new SandboxDecoder(cfg(f, { preserve_data: true }), c);
  d.decode(line('a'));
  d.decode(line('b'));
  d.stop();
  assert.ok(existsSync(join(dir, 'sandbox_preservation', 'Pres_Count.data')));
  const d2 = new SandboxDecoder(cfg(f, { preserve_data: true }), c);
  assert.equal((d2.decode(line('c')) as Message).payload, '3');
  d2.stop();
  const d3 = new SandboxDecoder(cfg(f, { preserve_data: true, config: { v: 2 } }), c);
  assert.equal((d3.decode(line('d')) as Message).payload, '1');
  d3.stop();
});

test('throughput through the synchronous boundary', () => {
  const d = new SandboxDecoder(cfg(PARSER), ctx());
  const N = 50_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) d.decode(line(`10.0.0.${i & 255} "GET /p${i}" 200 ${i}`));
  const ns = Number(process.hrtime.bigint() - t0);
  d.stop();
  const rate = Math.round((N / ns) * 1e9);
  console.log(`# SandboxDecoder (user TS, inject_message of 5 fields): ${rate} msg/s, ${(ns / N / 1000).toFixed(2)} µs/msg`);
  assert.ok(rate > 5_000, `${rate} msg/s`);
});

test('decodeBatch: one result per record, a failure in the middle affects only its record', () => {
  const f = script(
    'batch.js',
    `var n = 0;
function process_message() {
  var p = read_message('Payload');
  n++;
  if (p === 'bad') return [-1, 'no good'];
  if (p === 'two') { inject_message({ Payload: 'two-a' }); inject_message({ Payload: 'two-b' }); return 0; }
  if (p === 'edit') { write_message('Payload', 'edited ' + n); return 0; }
  return 0;
}`,
  );
  const d = new SandboxDecoder(cfg(f), ctx());
  try {
    assert.equal(typeof d.decodeBatch, 'function');
    const msgs = ['ok', 'bad', 'two', 'edit', 'ok2'].map(line);
    const rs = d.decodeBatch!(msgs);
    assert.equal(rs.length, 5);
    assert.equal(rs[0], msgs[0], 'pass-through returns the record itself');
    assert.ok(rs[1] instanceof Error && !(rs[1] instanceof DecoderStoppedError));
    assert.equal((rs[1] as Error).message, 'Failed parsing: no good payload: bad');
    assert.deepEqual((rs[2] as Message[]).map((m) => m.payload), ['two-a', 'two-b']);
    // Records run in order in one sandbox: the 4th call saw n = 4.
    assert.equal((rs[3] as Message).payload, 'edited 4');
    assert.equal(rs[4], msgs[4]);
    assert.equal(d.failures, 1);
  } finally {
    d.stop();
  }
});

test('decodeBatch: the sandbox dies in the middle; the batch ends at that record with DecoderStoppedError', () => {
  const f = script('batch-throws.js', `function process_message() { if (read_message('Payload') === 'boom') throw new Error('boom here'); return 0; }`);
  const d = new SandboxDecoder(cfg(f), ctx());
  const msgs = ['a', 'b', 'boom', 'c', 'd'].map(line);
  const rs = d.decodeBatch!(msgs);
  assert.equal(rs.length, 3, 'nothing after the record the sandbox died on');
  assert.equal(rs[0], msgs[0]);
  assert.equal(rs[1], msgs[1]);
  assert.ok(rs[2] instanceof DecoderStoppedError);
  assert.match((rs[2] as Error).message, /boom here/);
  const again = d.decodeBatch!(msgs);
  assert.equal(again.length, 1);
  assert.ok(again[0] instanceof DecoderStoppedError);
  d.stop();
});

test('decodeBatch: a record that loops is stopped within its own budget; records before it keep their results', () => {
  const f = script('batch-loop.js', `function process_message() { if (read_message('Payload') === 'loop') for (;;) {} return 0; }`);
  const d = new SandboxDecoder(cfg(f, { instruction_limit: 500_000 }), ctx()); // 50 ms per record
  const msgs = ['a', 'b', 'loop', 'c'].map(line);
  const rs = d.decodeBatch!(msgs);
  assert.equal(rs.length, 3);
  assert.equal(rs[0], msgs[0]);
  assert.equal(rs[1], msgs[1]);
  assert.ok(rs[2] instanceof DecoderStoppedError);
  assert.equal(d.terminationReason, 'process_message() instruction_limit exceeded');
});

test('decodeBatch: batches bigger than the shared area and records bigger than it still decode in order', () => {
  const f = script('batch-big.js', `function process_message() { write_message('Payload', read_message('Payload').length + ':' + read_message('Payload').slice(0, 3)); return 0; }`);
  const d = new SandboxDecoder(cfg(f), ctx());
  try {
    // 1 MiB area: 40 records of 100 KiB take several round trips; one of 1.5 MiB goes alone over the port.
    const payloads = Array.from({ length: 40 }, (_, i) => String(i % 10).repeat(100 * 1024));
    payloads.splice(17, 0, 'x'.repeat(1536 * 1024));
    const rs = d.decodeBatch!(payloads.map(line));
    assert.deepEqual(
      rs.map((r) => (r as Message).payload),
      payloads.map((p) => `${p.length}:${p.slice(0, 3)}`),
    );
  } finally {
    d.stop();
  }
});
