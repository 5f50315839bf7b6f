/**
 * A slow user SandboxFilter back-pressures the pipeline (FilterRunner honours its busy/drained
 * hooks) instead of dropping messages: every line of a file reaches it, none is dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, validateSections } from '../../../config/index.js';
import { Logger } from '../../../log/logger.js';
import { Pipeline } from '../../../pipeline/pipeline.js';
import { registry } from '../../index.js';
import type { SandboxFilter } from './sandbox-filter.js';

test('a slow user sandbox filter back-pressures the input; nothing is dropped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bp-'));
  mkdirSync(join(dir, 'logs'));
  const N = 60_000;
  const lines: string[] = [];
  for (let i = 0; i < N; i++) lines.push(`line ${i}`);
  writeFileSync(join(dir, 'logs', 'app.log'), lines.join('\n') + '\n');
  // ~15 µs of work per message: far slower than the input, so the worker falls behind.
  writeFileSync(
    join(dir, 'slow.js'),
    `var seen = 0;\nfunction process_message() { var t = Date.now(); var x = 0; for (var i = 0; i < 20000; i++) x += i; seen++; return 0; }\nfunction timer_event() {}\n`,
  );
  writeFileSync(
    join(dir, 'hekad.toml'),
    `[hekad]
base_dir = "${dir}/base"
share_dir = "${dir}"

[lines]
type = "LogstreamerInput"
log_directory = "${dir}/logs"
file_match = 'app\\.log'

[slow]
type = "SandboxFilter"
filename = "slow.js"
message_matcher = "Type == 'logfile'"
`,
  );
  const cfg = validateSections(loadConfig(join(dir, 'hekad.toml'), registry), []);
  assert.deepEqual(cfg.errors, []);
  const logs: string[] = [];
  const { pipeline, issues } = Pipeline.build(cfg, { log: new Logger({ out: (l) => logs.push(l), err: (l) => logs.push(l) }, 0) });
  assert.deepEqual(issues, []);
  const p = pipeline!;
  p.start();
  const runner = p.filters[0]!;
  const filter = runner.plugin as SandboxFilter;
  let sawBusy = false;
  let maxQueued = 0;
  const t0 = Date.now();
  while (runner.processed < N && Date.now() - t0 < 30_000) {
    sawBusy ||= filter.busy;
    maxQueued = Math.max(maxQueued, runner.queue.length);
    await new Promise((r) => setTimeout(r, 5));
  }
  await filter.idle();
  const report = Object.fromEntries(filter.report().map((f) => [f.name, f.value]));
  await p.stop();
  console.log(`# ${N} messages through a slow user filter in ${Date.now() - t0} ms, max queue ${maxQueued}/${runner.queue.capacity}, busy seen: ${sawBusy}`);
  assert.equal(runner.processed, N);
  assert.equal(report.DropMessageCount, 0);
  assert.ok(sawBusy, 'the filter never reported busy (the test did not exercise back-pressure)');
  assert.ok(maxQueued <= runner.queue.capacity + 2048, `queue grew to ${maxQueued}`);
  assert.equal(logs.filter((l) => /dropped/i.test(l)).length, 0, logs.join('\n'));
});
