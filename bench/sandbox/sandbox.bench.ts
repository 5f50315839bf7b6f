/**
 * Sandbox throughput: a trivial user JS filter through the worker boundary (batches of protobuf
 * records, transferred), and the built-in http_status in process.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { FieldType, Message } from '../../src/core/message.js';
import { SandboxFilter } from '../../src/plugins/filters/sandbox/sandbox-filter.js';
import { filterConfig, globals, harness } from '../../test/harness/sandbox-filter-harness.js';

function sample(i: number): Message {
  const m = new Message();
  m.type = 'nginx.access';
  m.logger = 'nginx_access_logs';
  m.hostname = 'web1';
  m.timestamp = 1392050801000000000 + i * 1e6;
  m.addField('status', FieldType.DOUBLE, 200 + (i % 4) * 100);
  m.addField('remote_addr', FieldType.STRING, '127.0.0.1', 'ipv4');
  return m;
}

export interface SandboxBenchResult {
  messages: number;
  seconds: number;
  messagesPerSec: number;
}

/** A user JS filter counting messages, fed through the isolation boundary; waits until all are processed. */
export async function benchUserFilterBoundary(messages = 5_000_000): Promise<SandboxBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bench-'));
  const file = join(dir, 'count.js');
  writeFileSync(file, 'var count = 0;\nfunction process_message() { count++; return 0; }\nfunction timer_event(ns) { inject_payload("txt", "count", count); }\n');
  const h = harness('count', globals({ base_dir: dir }), systemClock);
  const f = new SandboxFilter(filterConfig({ filename: file }), h.ctx);
  const msgs = Array.from({ length: 1024 }, (_, i) => sample(i));
  const t0 = process.hrtime.bigint();
  const CHUNK = 8192;
  for (let sent = 0; sent < messages; ) {
    const end = Math.min(messages, sent + CHUNK);
    for (; sent < end; sent++) f.process(msgs[sent & 1023]!, h.ctx);
    // a real runner yields between slices; this lets batches go out and results come back
    await new Promise((r) => setImmediate(r));
    while ((f as unknown as { ws: { backlog: number } }).ws.backlog > 16 * CHUNK) await new Promise((r) => setTimeout(r, 1));
  }
  await f.idle();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  f.onTick(systemClock.nowNs(), h.ctx);
  await f.stop(h.ctx);
  const counted = Number(h.injected.find((m) => m.getFieldValue('payload_name') === 'count')?.payload ?? 0);
  if (counted !== messages) throw new Error(`user filter counted ${counted} of ${messages}`);
  return { messages, seconds, messagesPerSec: messages / seconds };
}

/** The built-in http_status filter, in process. */
export async function benchHttpStatus(messages = 10_000_000): Promise<SandboxBenchResult> {
  const h = harness('http_status', globals(), systemClock);
  const f = new SandboxFilter(filterConfig({ filename: 'lua_filters/http_status.lua', config: { sec_per_row: 60, rows: 1440 } }), h.ctx);
  const msgs = Array.from({ length: 1024 }, (_, i) => sample(i));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < messages; i++) f.process(msgs[i & 1023]!, h.ctx);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { messages, seconds, messagesPerSec: messages / seconds };
}

if (process.argv[1]?.endsWith('sandbox.bench.js')) {
  const u = await benchUserFilterBoundary();
  console.log(`user JS filter through the worker boundary: ${(u.messagesPerSec / 1e6).toFixed(2)} M msg/s (${((u.seconds / u.messages) * 1e9).toFixed(0)} ns/msg)`);
  const b = await benchHttpStatus();
  console.log(`built-in http_status: ${(b.messagesPerSec / 1e6).toFixed(2)} M msg/s`);
}
