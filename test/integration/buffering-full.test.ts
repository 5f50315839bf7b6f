/**
 * A small max_buffer_size with the server down: each full_action does what spec/transport.md
 * §10.3 says (block backpressures the input, drop counts every dropped record, shutdown stops
 * hekad cleanly) and, unlike Heka 0.10, the queue never stays full once its reader catches up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';
import { numberedLines } from '../harness/line-ledger.js';
import { Receiver, pluginReport, sleep } from './buffering-helpers.js';

const LINES = 500;
const MAX_BUFFER = 5000;

async function setup(fullAction: string, maxBuffer = MAX_BUFFER) {
  const root = tempDir();
  const logDir = join(root, 'logs');
  mkdirSync(logDir);
  const rx = new Receiver(LINES);
  await rx.up();
  await rx.down(); // the port is known, the server is down
  const config = join(root, 'hekad.toml');
  const write = (max: number) =>
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
use_buffering = true

  [http.buffering]
  max_buffer_size = ${max}
  max_file_size = 1000000
  full_action = "${fullAction}"
`,
    );
  write(maxBuffer);
  writeFileSync(join(logDir, 'app.log'), numberedLines(0, LINES));
  return { root, rx, config, write };
}

test('full_action = "drop": every record is either buffered or counted as dropped; the buffered ones arrive after the outage', async () => {
  const { rx, config } = await setup('drop');
  const hekad = new HekadProcess([`-config=${config}`]);
  try {
    let r: Record<string, string> = {};
    const deadline = Date.now() + 15_000;
    for (;;) {
      r = await pluginReport(hekad, 'http');
      if (Number(r.BufferRecords) + Number(r.DropCount) >= LINES || Date.now() > deadline) break;
      await sleep(200);
    }
    const buffered = Number(r.BufferRecords);
    const dropped = Number(r.DropCount);
    assert.equal(buffered + dropped, LINES, JSON.stringify(r));
    assert.ok(dropped > 0 && buffered > 0);
    assert.ok(Number(r.BufferSize) <= MAX_BUFFER);
    await rx.up();
    await hekad.waitFor(() => rx.summary().received >= buffered, 15_000, 'the buffered records');
    await sleep(300);
    const after = await pluginReport(hekad, 'http');
    const s = rx.summary();
    console.log(`drop: ${LINES} lines, ${dropped} dropped (DropCount), ${buffered} buffered, ${s.received} received after the outage`);
    assert.equal(s.received, buffered);
    assert.equal(s.duplicates, 0);
    assert.equal(after.BufferRecords, '0');
    assert.equal(after.DropCount, String(dropped));
    assert.equal(await hekad.stop('SIGINT'), 0, hekad.stderr);
  } finally {
    if (hekad.child.exitCode === null) hekad.child.kill('SIGKILL');
    await rx.down();
  }
});

test('full_action = "block": the input is paused (no drop, queue within max_buffer_size), everything arrives after the outage', async () => {
  const { rx, config } = await setup('block');
  const hekad = new HekadProcess([`-config=${config}`]);
  try {
    await sleep(1500);
    const during = await pluginReport(hekad, 'http');
    const input = await pluginReport(hekad, 'app');
    assert.equal(during.DropCount, '0');
    assert.ok(Number(during.BufferSize) <= MAX_BUFFER, JSON.stringify(during));
    assert.ok(Number(during.BufferFullCount) >= 1);
    assert.ok(Number(during.BufferRecords) + Number(during.BufferWaiting) < LINES, 'the input stopped reading');
    await rx.up();
    await hekad.waitFor(() => rx.unique() === LINES, 20_000, 'every line');
    await sleep(300);
    const s = rx.summary();
    console.log(
      `block: during the outage BufferRecords=${during.BufferRecords} BufferSize=${during.BufferSize} B waiting=${during.BufferWaiting}, ` +
        `input report ${JSON.stringify(input)}; after: received=${s.received} lost=${s.lost.length} duplicates=${s.duplicates}`,
    );
    assert.equal(s.lost.length, 0);
    assert.equal(s.duplicates, 0);
    assert.equal(await hekad.stop('SIGINT'), 0, hekad.stderr);
  } finally {
    if (hekad.child.exitCode === null) hekad.child.kill('SIGKILL');
    await rx.down();
  }
});

test('full_action = "shutdown": hekad stops cleanly with status 1; the refused records are not acknowledged and arrive after a restart', async () => {
  const { rx, config, write } = await setup('shutdown');
  let hekad = new HekadProcess([`-config=${config}`]);
  try {
    const { code } = await Promise.race([
      hekad.exited,
      sleep(15_000).then(() => ({ code: -1 })),
    ]);
    assert.equal(code, 1, hekad.stderr);
    assert.match(hekad.stderr, /Queue is full/);
    assert.match(hekad.stdout, /Shutdown complete\./);
    // Restart with room (and the server back): nothing was lost.
    write(0);
    await rx.up();
    hekad = new HekadProcess([`-config=${config}`]);
    await hekad.waitFor(() => rx.unique() === LINES, 20_000, 'every line after the restart');
    assert.equal(await hekad.stop('SIGINT'), 0, hekad.stderr);
    const s = rx.summary();
    console.log(`shutdown: exit status 1 on the full queue; after the restart received=${s.received} lost=${s.lost.length}`);
    assert.equal(s.lost.length, 0);
  } finally {
    if (hekad.child.exitCode === null) hekad.child.kill('SIGKILL');
    await rx.down();
  }
});
