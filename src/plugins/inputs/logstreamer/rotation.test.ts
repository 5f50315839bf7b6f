/**
 * Regressions of logrotate-style rotation (rename + compress + delete, delaycompress) around a
 * running or restarting reader: no line lost, none duplicated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { PluginContext } from '../../../plugin-api/index.js';
import { fakeInputContext } from '../../../../test/harness/fake-context.js';
import { TokenSplitter } from '../../splitters/token/token-splitter.js';
import { gzipWindow } from './journal.js';
import { LogstreamerInput } from './logstreamer-input.js';
import { delay, lsConfig, payloads, startInput, tempDir, until } from '../../../../test/harness/logstreamer.js';

const MATCH = 'access\\.log\\.?(?P<Index>\\d+)?(.gz)?';

function setup(): { logDir: string; baseDir: string; f: (n: string) => string } {
  const root = tempDir();
  const logDir = join(root, 'log');
  mkdirSync(logDir, { recursive: true });
  return { logDir, baseDir: join(root, 'base'), f: (n) => join(logDir, n) };
}

/** logrotate with delaycompress (as test/integration/logrotate.test.ts does it). */
function rotate(dir: string): void {
  const f = (n: string): string => join(dir, n);
  for (let i = 8; i >= 2; i--) {
    try {
      renameSync(f(`access.log.${i}.gz`), f(`access.log.${i + 1}.gz`));
    } catch {
      /* absent */
    }
  }
  try {
    writeFileSync(f('access.log.2.gz'), gzipSync(readFileSync(f('access.log.1'))));
    rmSync(f('access.log.1'));
  } catch {
    /* absent */
  }
  renameSync(f('access.log'), f('access.log.1'));
  writeFileSync(f('access.log'), '');
}

const lines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('');

test('a file renamed, compressed and deleted before the reader reached its end: the file after its copy follows, not the newest', async () => {
  const { logDir, baseDir, f } = setup();
  writeFileSync(f('access.log'), lines(0, 100));
  const cfg = lsConfig({ log_directory: logDir, file_match: MATCH, priority: ['^Index'], rescan_interval: 60_000 });
  // Downstream takes 5 messages at a time: the reader stops in the middle of access.log.
  const h = startInput('rot', cfg, baseDir, { capacity: 5 });
  await h.ctx.waitFor(5);
  rotate(logDir); // access.log -> .1
  appendFileSync(f('access.log'), lines(100, 150));
  rotate(logDir); // .1 -> .2.gz (deleted), access.log (lines 100..149) -> .1
  appendFileSync(f('access.log'), lines(150, 160));
  for (let i = 0; i < 400 && h.ctx.deliveredCount < 160; i++) {
    h.ctx.drain();
    await delay(5);
  }
  await delay(50);
  h.ctx.drain();
  await h.stop();
  assert.equal(payloads(h.ctx), lines(0, 160));
});

test('the first open uses a fresh scan: a rotation between Init and run() does not skip the renamed file', async () => {
  const { logDir, baseDir, f } = setup();
  writeFileSync(f('access.log'), lines(0, 3));
  const cfg = lsConfig({ log_directory: logDir, file_match: MATCH, priority: ['^Index'], rescan_interval: 60_000 });
  const ctx = fakeInputContext({ name: 'rot', baseDir, globals: { base_dir: baseDir }, splitter: () => new TokenSplitter() });
  const input = new LogstreamerInput(cfg, ctx as PluginContext); // Init scans: [access.log]
  rotate(logDir);
  writeFileSync(f('access.log'), lines(3, 5));
  const done = input.run(ctx);
  await until(() => ctx.messages.length >= 5, '5 lines', 3000).catch(() => undefined);
  await delay(30);
  ctx.abort();
  await done;
  await input.finalize();
  assert.equal(payloads(ctx), lines(0, 5));
});

test('restart after rotations while stopped, when nothing of the current file was acknowledged: nothing skipped', async () => {
  const { logDir, baseDir, f } = setup();
  writeFileSync(f('access.log'), lines(0, 2));
  const cfg = lsConfig({ log_directory: logDir, file_match: MATCH, priority: ['^Index'], rescan_interval: 60_000 });
  let h = startInput('rot', cfg, baseDir);
  await h.ctx.waitFor(2);
  rotate(logDir); // the reader moves on to the new, empty access.log
  await until(() => h.input.report().some((r) => r.value === f('access.log')), 'switch to the new file');
  await delay(30);
  await h.stop();
  const first = payloads(h.ctx);
  // While stopped: the (then current) file gets lines and is rotated twice.
  appendFileSync(f('access.log'), lines(2, 4));
  rotate(logDir);
  appendFileSync(f('access.log'), lines(4, 5));
  rotate(logDir);
  appendFileSync(f('access.log'), lines(5, 6));
  h = startInput('rot', cfg, baseDir);
  await until(() => h.ctx.messages.length >= 4, 'the lines written while stopped', 3000).catch(() => undefined);
  await delay(50);
  await h.stop();
  assert.equal(first + payloads(h.ctx), lines(0, 6));
});

test('restart after a rotation while stopped, when nothing was acknowledged since the first start: the renamed file is read', async () => {
  const { logDir, baseDir, f } = setup();
  writeFileSync(f('access.log'), lines(0, 2));
  const cfg = lsConfig({ log_directory: logDir, file_match: MATCH, priority: ['^Index'], rescan_interval: 60_000 });
  let h = startInput('rot', cfg, baseDir, { ackMode: 'manual' });
  await h.ctx.waitFor(2);
  await h.stop(); // nothing acknowledged: the journal is offset 0 of access.log
  rotate(logDir);
  appendFileSync(f('access.log'), lines(2, 3));
  h = startInput('rot', cfg, baseDir);
  await until(() => h.ctx.messages.length >= 3, '3 lines', 3000).catch(() => undefined);
  await delay(30);
  await h.stop();
  assert.equal(payloads(h.ctx), lines(0, 3));
});

test('gzipWindow of a missing or vanished file fails instead of waiting forever', async () => {
  const { f } = setup();
  const timeout = new Promise<string>((r) => setTimeout(() => r('hung'), 2000).unref());
  const res = await Promise.race([gzipWindow(f('gone.gz'), 10).then(() => 'resolved', () => 'rejected'), timeout]);
  assert.equal(res, 'rejected');
});
