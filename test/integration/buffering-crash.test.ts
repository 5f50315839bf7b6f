/**
 * kill -9 three times while 300,000 lines flow LogstreamerInput -> disk queue -> HttpOutput:
 * nothing is lost, and the duplicates stay within the unacknowledged window at each kill.
 *
 * The window is computed exactly from what is on disk after each kill: a line is delivered again
 * once for being after the journal's position (re-read from the log) and once for being after
 * the queue's checkpoint (re-sent from the queue); every delivery beyond the first of a line is a
 * duplicate. So window_k = sum over lines of max(0, [received] + [in the queue after its
 * checkpoint] + [after the journal] - 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';
import { numberedLines } from '../harness/line-ledger.js';
import { Receiver, sleep, unacknowledgedLines } from './buffering-helpers.js';

const TOTAL = 300_000;
const LINE_BYTES = numberedLines(0, 1).length;

test('kill -9 three times during ingest of 300,000 lines into a buffered HttpOutput: lost = 0, duplicates within the windows', async () => {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const baseDir = join(root, 'cache');
  mkdirSync(logDir);
  const rx = new Receiver(TOTAL);
  await rx.up();
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

[http]
type = "HttpOutput"
message_matcher = "TRUE"
address = "${rx.url}"
encoder = "PayloadEncoder"
use_buffering = true

  [http.buffering]
  cursor_update_count = 20
  max_file_size = 4194304
`,
  );
  const logFile = join(logDir, 'app.log');
  writeFileSync(logFile, '');
  const journal = join(baseDir, 'logstreamer', 'app');
  const queue = join(baseDir, 'output_queue', 'http');

  let written = 0;
  const writer = (async () => {
    while (written < TOTAL) {
      const n = Math.min(5000, TOTAL - written);
      appendFileSync(logFile, numberedLines(written, written + n));
      written += n;
      await sleep(20);
    }
  })();

  const windows: number[] = [];
  let hekad = new HekadProcess([`-config=${config}`]);
  try {
    for (const fraction of [0.25, 0.5, 0.75]) {
      await hekad.waitFor(() => rx.unique() >= TOTAL * fraction, 90_000, `${fraction * 100}% of the lines`);
      hekad.child.kill('SIGKILL');
      await hekad.exited;
      await sleep(50); // requests fully received before the kill are counted
      let journaled = 0;
      try {
        journaled = JSON.parse(readFileSync(journal, 'utf8')).seek / LINE_BYTES;
      } catch {
        /* no journal yet */
      }
      const inQueue = new Uint8Array(TOTAL);
      for (const n of unacknowledgedLines(queue)) inQueue[n] = 1;
      let w = 0;
      for (let n = 0; n < TOTAL; n++) {
        const d = (rx.counts[n]! > 0 ? 1 : 0) + inQueue[n]! + (n >= journaled && n < written ? 1 : 0);
        if (d > 1) w += d - 1;
      }
      windows.push(w);
      hekad = new HekadProcess([`-config=${config}`]);
    }
    await writer;
    await hekad.waitFor(() => rx.unique() === TOTAL, 120_000, 'every line to arrive');
    await sleep(300);
    assert.equal(await hekad.stop('SIGINT'), 0, hekad.stderr);
  } finally {
    if (hekad.child.exitCode === null) hekad.child.kill('SIGKILL');
    await rx.down();
  }

  const s = rx.summary();
  const allowed = windows.reduce((a, b) => a + b, 0);
  console.log(
    `buffered HttpOutput, kill -9 x3: written=${TOTAL} received=${s.received} lost=${s.lost.length} duplicates=${s.duplicates} ` +
      `unacknowledged windows at the kills=${windows.join('+')}=${allowed}`,
  );
  assert.equal(s.lost.length, 0, `lost lines, first: ${s.lost.slice(0, 5)}`);
  assert.equal(rx.foreign, 0, 'no torn or foreign records');
  assert.ok(s.duplicates <= allowed, `duplicates ${s.duplicates} > unacknowledged windows ${allowed}`);
});
