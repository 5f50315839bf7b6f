/**
 * Time goes through the Clock (src/core/clock.ts) so tests can run on the virtual one: no source
 * file reads the wall clock or starts a Node timer directly, except where a real timer is the point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SRC, sourceFiles } from '../../test/harness/source-files.js';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';


/** File -> why it may use real time. Keep it short. */
const ALLOWED: Record<string, string> = {
  'core/clock.ts': 'the system clock itself',
  // The watchdog measures how long a worker thread has been busy in real time: a virtual clock
  // could never see a script loop forever.
  'sandbox/worker/worker-sandbox.ts': 'watchdog over a real worker thread',
  // The CPU-time budget of a call into a real worker thread, waited for with Atomics.wait.
  'sandbox/worker/sync-sandbox.ts': 'CPU budget of a real worker thread',
  // Daemon log lines carry the wall-clock time, as Heka's log package prints it.
  'log/logger.ts': 'log line timestamps',
};

const FORBIDDEN =
  /\bDate\.now\(|\bsetTimeout\(|\bsetInterval\(|\bnew Date\(\)|AbortSignal\.timeout\(|\bperformance\.now\(/;


test('no source file outside the allow-list reads the wall clock or starts a Node timer itself', () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file).split('\\').join('/');
    if (rel in ALLOWED) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (FORBIDDEN.test(code)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, [], `use ctx.clock / env.clock instead:\n${offenders.join('\n')}`);
});

test('the forbidden-pattern check itself catches what it should', () => {
  assert.ok(FORBIDDEN.test('const t = Date.now();'));
  assert.ok(FORBIDDEN.test('x = setTimeout(fn, 5)'));
  assert.ok(FORBIDDEN.test('  setInterval(() => 0, 1)'));
  assert.ok(FORBIDDEN.test('globalThis.setTimeout(fn, 1)'));
  assert.ok(FORBIDDEN.test('signal: AbortSignal.timeout(100)'));
  assert.ok(FORBIDDEN.test('const d = new Date();'));
  assert.ok(FORBIDDEN.test('const t0 = performance.now();'));
  assert.ok(!FORBIDDEN.test('new Date(ms)'));
  assert.ok(!FORBIDDEN.test('this.clock.timeout(fn, 5)'));
  assert.ok(!FORBIDDEN.test('clock.interval(fn, 5)'));
});
