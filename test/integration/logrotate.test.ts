/**
 * A log directory rotated the way logrotate does it (access.log -> access.log.1 -> access.log.2.gz
 * ...) while hekad follows it, with a kill -TERM and restart in the middle: every line reaches the
 * FileOutput exactly once, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';
import { countLines, ledger, numberedLines } from '../harness/line-ledger.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** logrotate with delaycompress: .N.gz -> .N+1.gz, .1 -> .2 (then gzip), current -> .1, new current. */
function rotate(dir: string, keep = 5): void {
  for (let i = keep - 1; i >= 2; i--) {
    const from = join(dir, `access.log.${i}.gz`);
    if (existsSync(from)) renameSync(from, join(dir, `access.log.${i + 1}.gz`));
  }
  const one = join(dir, 'access.log.1');
  if (existsSync(one)) {
    writeFileSync(join(dir, 'access.log.2.gz'), gzipSync(readFileSync(one)));
    rmSync(one);
  }
  renameSync(join(dir, 'access.log'), one);
  writeFileSync(join(dir, 'access.log'), '');
}

test('logrotate-style rotation with a SIGTERM restart: every line once, in order', async () => {
  const root = tempDir();
  const logDir = join(root, 'nginx');
  const out = join(root, 'out', 'all.log');
  mkdirSync(logDir);
  const config = join(root, 'hekad.toml');
  writeFileSync(
    config,
    `[hekad]
base_dir = "${join(root, 'cache')}"

[nginx_access_logs]
type = "LogstreamerInput"
log_directory = "${logDir}"
file_match = 'access\\.log\\.?(?P<Index>\\d+)?(.gz)?'
priority = ["^Index"]
rescan_interval = "1s"

[PayloadEncoder]
append_newlines = false

[all]
type = "FileOutput"
message_matcher = "Type == 'logfile'"
path = "${out}"
encoder = "PayloadEncoder"
flush_operator = "OR"
flush_count = 500
flush_interval = 100
`,
  );
  writeFileSync(join(logDir, 'access.log'), '');

  let next = 0;
  const write = (n: number) => {
    appendFileSync(join(logDir, 'access.log'), numberedLines(next, next + n));
    next += n;
  };

  // A signal that arrives before hekad installed its handlers (a slow start on a loaded machine)
  // would kill it outright: wait until it runs.
  const started = (h: HekadProcess) =>
    h.waitFor((p) => (p.stdout + p.stderr).includes('Input started: nginx_access_logs'), 30_000, 'hekad started');
  let hekad = new HekadProcess([`-config=${config}`]);
  await started(hekad);
  for (let round = 0; round < 6; round++) {
    for (let k = 0; k < 5; k++) {
      write(400);
      await sleep(30);
    }
    if (round === 2) {
      // Stop in the middle of a burst, rotate twice while stopped, then restart.
      write(300);
      assert.equal(await hekad.stop('SIGTERM'), 0, hekad.stderr);
      write(200);
      rotate(logDir);
      write(250);
      rotate(logDir);
      write(100);
      hekad = new HekadProcess([`-config=${config}`]);
      await started(hekad);
    } else {
      rotate(logDir);
    }
  }
  write(123);
  const total = next;
  await hekad.waitFor(() => countLines(out) >= total, 30_000, `${total} lines in the output`).catch((err) => {
    const l = ledger(out, total);
    throw new Error(`${err.message}\nledger: received=${l.received} lost=${l.lost.length} (first ${l.lost.slice(0, 3)}, last ${l.lost.slice(-3)}) duplicates=${l.duplicates}`);
  });
  await sleep(300);
  assert.equal(await hekad.stop('SIGINT'), 0, hekad.stderr);

  const l = ledger(out, total);
  console.log(`logrotate: written=${total} received=${l.received} lost=${l.lost.length} duplicates=${l.duplicates} outOfOrder=${l.outOfOrder}`);
  assert.deepEqual(l.lost, []);
  assert.equal(l.duplicates, 0);
  assert.equal(l.outOfOrder, 0);
  assert.equal(l.foreign, 0);
});
