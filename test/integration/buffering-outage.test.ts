/**
 * An HttpOutput's server is down for 30 s under steady load, then back: with the disk queue the
 * receiver ends with every record exactly once (ids = line numbers), nothing is dropped, the
 * queue's size and age are visible in the report during the outage and fall back to 0 after.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';
import { numberedLines } from '../harness/line-ledger.js';
import { Receiver, pluginReport, sleep } from './buffering-helpers.js';

const OUTAGE_MS = 30_000;
const LINES_PER_TICK = 200;
const TICK_MS = 100;

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

test('server down for 30 s under steady load, then back: every record arrives exactly once, lost=0', async () => {
  const root = tempDir();
  const logDir = join(root, 'logs');
  mkdirSync(logDir);
  const rx = new Receiver(1_000_000);
  await rx.up();
  const config = join(root, 'hekad.toml');
  writeFileSync(
    config,
    `[hekad]
base_dir = "${join(root, 'cache')}"

[app]
type = "LogstreamerInput"
log_directory = "${logDir}"
file_match = 'app\\.log'

[PayloadEncoder]
append_newlines = false

[http]
type = "HttpOutput"
message_matcher = "TRUE"
address = "${rx.url}"
encoder = "PayloadEncoder"
http_timeout = 2000
use_buffering = true
`,
  );
  const logFile = join(logDir, 'app.log');
  writeFileSync(logFile, '');
  const hekad = new HekadProcess([`-config=${config}`]);

  let written = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      appendFileSync(logFile, numberedLines(written, written + LINES_PER_TICK));
      written += LINES_PER_TICK;
      await sleep(TICK_MS);
    }
  })();

  try {
    await hekad.waitFor(() => rx.unique(written) >= 2000, 15_000, 'the first records');
    const rssBefore = rssMiB(hekad.child.pid!);
    await rx.down();
    const downAt = Date.now();
    const atDown = written;
    await sleep(OUTAGE_MS - 1000);
    const during = await pluginReport(hekad, 'http');
    const rssDuring = rssMiB(hekad.child.pid!);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
    await rx.up();
    const backAt = Date.now();
    const duringOutage = written - atDown;
    await sleep(2000);
    writing = false;
    await writer;
    await hekad.waitFor(() => rx.unique(written) === written, 60_000, 'every record after the outage');
    const caughtUpMs = Date.now() - backAt;
    await sleep(200);
    const after = await pluginReport(hekad, 'http');

    const s = rx.summary(written);
    console.log(
      `outage ${OUTAGE_MS / 1000} s: written=${written} (${duringOutage} during the outage) received=${s.received} ` +
        `lost=${s.lost.length} duplicates=${s.duplicates}; during the outage BufferRecords=${during.BufferRecords} ` +
        `BufferSize=${during.BufferSize} B BufferOldestAge=${during.BufferOldestAge} ms, RSS ${rssBefore.toFixed(0)} -> ` +
        `${rssDuring.toFixed(0)} MiB; caught up ${caughtUpMs} ms after the server came back`,
    );
    assert.equal(s.lost.length, 0, `lost, first: ${s.lost.slice(0, 5)}`);
    assert.equal(s.duplicates, 0, 'exactly once');
    assert.equal(rx.foreign, 0);
    assert.ok(Number(during.BufferRecords) >= duringOutage * 0.8, `BufferRecords ${during.BufferRecords} during the outage`);
    assert.ok(Number(during.BufferSize) > 0);
    assert.ok(Number(during.BufferOldestAge) >= OUTAGE_MS - 5000, `BufferOldestAge ${during.BufferOldestAge} ms`);
    assert.equal(after.BufferRecords, '0');
    assert.equal(after.BufferSize, '0');
    assert.equal(after.BufferOldestAge, '0');
    assert.equal(after.DropCount, '0');
    assert.equal(await hekad.stop('SIGINT'), 0, hekad.stderr);
  } finally {
    writing = false;
    if (hekad.child.exitCode === null) hekad.child.kill('SIGKILL');
    await rx.down();
  }
});
