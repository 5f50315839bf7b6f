/**
 * kill -9 twice during ingest of 300,000 lines: nothing is lost, and the duplicates after each
 * restart are no more than the lines the output had written beyond the journal's acknowledged
 * position at the moment of the kill (the unacknowledged window).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';
import { countLines, ledger, numberedLines } from '../harness/line-ledger.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOTAL = 300_000;
const LINE_BYTES = numberedLines(0, 1).length;

test('kill -9 twice during ingest of 300,000 lines: lost = 0, duplicates within the unacknowledged window', async () => {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const out = join(root, 'out.log');
  const baseDir = join(root, 'cache');
  mkdirSync(logDir);
  const config = join(root, 'hekad.toml');
  writeFileSync(
    config,
    `[hekad]
base_dir = "${baseDir}"

[app]
type = "LogstreamerInput"
log_directory = "${logDir}"
file_match = 'app\\.log'

[PayloadEncoder]
append_newlines = false

[out]
type = "FileOutput"
message_matcher = "TRUE"
path = "${out}"
encoder = "PayloadEncoder"
flush_operator = "OR"
flush_count = 2000
flush_interval = 100
`,
  );
  const logFile = join(logDir, 'app.log');
  writeFileSync(logFile, '');
  const journal = join(baseDir, 'logstreamer', 'app');

  // A writer appends the 300,000 lines over a few seconds, whether or not hekad is up.
  let written = 0;
  const writer = (async () => {
    while (written < TOTAL) {
      const n = Math.min(3000, TOTAL - written);
      appendFileSync(logFile, numberedLines(written, written + n));
      written += n;
      await sleep(15);
    }
  })();

  const windows: number[] = [];
  let hekad = new HekadProcess([`-config=${config}`]);
  for (const fraction of [0.3, 0.6]) {
    await hekad.waitFor(() => countLines(out) >= TOTAL * fraction, 60_000, `${fraction * 100}% of the lines`);
    hekad.child.kill('SIGKILL');
    await hekad.exited;
    const inOutput = countLines(out);
    let journaled = 0;
    try {
      journaled = JSON.parse(readFileSync(journal, 'utf8')).seek / LINE_BYTES;
    } catch {
      /* no journal yet: everything in the output is unacknowledged */
    }
    windows.push(inOutput - journaled);
    hekad = new HekadProcess([`-config=${config}`]);
  }
  await writer;
  await hekad.waitFor(() => ledger(out, TOTAL).lost.length === 0, 120_000, 'every line to arrive');
  await sleep(300);
  assert.equal(await hekad.stop('SIGINT'), 0, hekad.stderr);

  const l = ledger(out, TOTAL);
  const allowed = windows.reduce((a, b) => a + b, 0);
  console.log(
    `kill -9 x2: written=${TOTAL} received=${l.received} lost=${l.lost.length} duplicates=${l.duplicates} ` +
      `unacknowledged windows at the kills=${windows.join('+')}=${allowed}`,
  );
  assert.equal(l.lost.length, 0, `lost lines, first: ${l.lost.slice(0, 5)}`);
  assert.equal(l.foreign, 0, 'no torn or foreign lines');
  assert.ok(l.duplicates <= allowed, `duplicates ${l.duplicates} > unacknowledged windows ${allowed}`);
  void appendFileSync;
});
