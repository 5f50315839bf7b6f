/**
 * Isolation of user sandboxes: a throwing script, an infinite loop, a memory hog and an output
 * flood each run beside a healthy pipeline (a built-in http_status filter fed every 5 ms) whose
 * deliveries are counted while the bad sandbox misbehaves. Each bad sandbox is terminated alone
 * with its reason; the healthy pipeline never stalls for a second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { FieldType, Message } from '../../src/core/message.js';
import { SandboxFilter } from '../../src/plugins/filters/sandbox/sandbox-filter.js';
import { filterConfig, globals, harness } from '../harness/sandbox-filter-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sbx-iso-'));

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

function msg(i: number): Message {
  const m = new Message();
  m.type = 'nginx.access';
  m.timestamp = Date.now() * 1e6;
  m.payload = `line ${i}`;
  m.addField('status', FieldType.DOUBLE, 200);
  return m;
}

async function runBeside(file: string, over: Record<string, unknown> = {}): Promise<{ reason: string; maxGapMs: number; healthyDuring: number; terminated: Message[] }> {
  const g = globals({ base_dir: dir });
  const healthy = harness('healthy', g, systemClock);
  const good = new SandboxFilter(filterConfig({ filename: 'lua_filters/http_status.lua', config: { sec_per_row: 1, rows: 10 } }), healthy.ctx);
  const bad = harness('bad', g, systemClock);
  const f = new SandboxFilter(filterConfig({ filename: file, ...over }), bad.ctx);
  let delivered = 0;
  let last = Date.now();
  let maxGap = 0;
  let i = 0;
  const t0 = Date.now();
  const feeder = setInterval(() => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    for (let k = 0; k < 50; k++) {
      const m = msg(i++);
      good.process(m, healthy.ctx);
      f.process(m, bad.ctx);
      delivered++;
    }
  }, 5);
  while (bad.exits.length === 0 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 10));
  const healthyDuring = delivered;
  // keep going a little after the termination: the healthy side is unaffected
  await new Promise((r) => setTimeout(r, 100));
  clearInterval(feeder);
  if (bad.exits.length === 0) await f.stop(bad.ctx);
  good.onTick(systemClock.nowNs(), healthy.ctx);
  assert.equal(healthy.exits.length, 0);
  assert.ok(healthy.injected.at(-1)?.payload?.includes('HTTP_200'));
  return { reason: bad.exits[0] ?? '(not terminated)', maxGapMs: maxGap, healthyDuring, terminated: bad.injected.filter((m) => m.type === 'heka.sandbox-terminated') };
}

test('a throwing script is terminated with its error', async () => {
  const r = await runBeside(script('throw.js', 'var n = 0;\nfunction process_message() { if (++n > 100) throw new Error("boom"); return 0; }\nfunction timer_event() {}\n'));
  assert.match(r.reason, /^process_message\(\) .*throw\.js:2: boom$/);
  assert.equal(r.terminated.length, 1);
  assert.equal(r.terminated[0]!.getFieldValue('plugin'), 'bad');
  assert.equal(r.terminated[0]!.logger, 'hekad');
  assert.ok(r.maxGapMs < 1000, `healthy pipeline stalled ${r.maxGapMs} ms`);
});

test('an infinite loop is terminated within the CPU budget', async () => {
  const t0 = Date.now();
  const r = await runBeside(script('loop.js', 'var n = 0;\nfunction process_message() { if (++n > 1000) for (;;) {} return 0; }\n'), { instruction_limit: 2_000_000 });
  assert.equal(r.reason, 'process_message() instruction_limit exceeded');
  assert.ok(Date.now() - t0 < 5000);
  assert.ok(r.healthyDuring > 100, 'the healthy pipeline kept delivering');
  assert.ok(r.maxGapMs < 1000, `healthy pipeline stalled ${r.maxGapMs} ms`);
});

test('a memory hog is terminated at its memory_limit', async () => {
  const r = await runBeside(script('hog.js', 'var keep = [];\nfunction process_message() { for (var i = 0; i < 1000; i++) keep.push("x".repeat(1000) + i); return 0; }\n'), {
    memory_limit: 8 * 1024 * 1024,
    instruction_limit: 0,
  });
  assert.equal(r.reason, 'memory_limit exceeded');
  assert.ok(r.maxGapMs < 1000, `healthy pipeline stalled ${r.maxGapMs} ms`);
});

test('an output flood is terminated at output_limit / inject count', async () => {
  const r = await runBeside(script('flood.ts', 'function process_message(): number {\n  add_to_payload("y".repeat(10000));\n  return 0;\n}\ndeclare function add_to_payload(...a: unknown[]): void;\n'));
  assert.equal(r.reason, 'process_message() add_to_payload() output_limit exceeded');
  const r2 = await runBeside(script('flood2.js', 'function process_message() { inject_payload("txt", "x", "a"); inject_payload("txt", "x", "b"); return 0; }\n'));
  assert.equal(r2.reason, 'process_message() inject_payload() exceeded InjectMessage count');
  assert.ok(r.maxGapMs < 1000 && r2.maxGapMs < 1000);
});
