/**
 * Bad input never stops hekad and never costs good lines: binary garbage, a 10 MB line, a file
 * deleted while it is being read, and a directory the daemon may not read (run as an unprivileged
 * user, because root reads everything). Each is reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';
import { countLines } from '../harness/line-ledger.js';

const NOBODY = 65534;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('garbage, a 10 MB line, a deleted file and an unreadable directory are reported, good lines flow', async () => {
  const root = tempDir();
  chmodSync(root, 0o755);
  const logDir = join(root, 'logs');
  const secret = join(logDir, 'secret');
  const baseDir = join(root, 'cache');
  const outDir = join(root, 'out');
  for (const d of [logDir, secret, baseDir, outDir]) mkdirSync(d, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    for (const d of [logDir, baseDir, outDir]) chmodSync(d, 0o777);
  }
  writeFileSync(join(secret, 'hidden.log'), 'you cannot read me\n');
  chmodSync(secret, 0o700);
  if (!asRoot) chmodSync(secret, 0o000);

  const out = join(outDir, 'good.log');
  const config = join(root, 'hekad.toml');
  writeFileSync(
    config,
    `[hekad]
base_dir = "${baseDir}"

[logs]
type = "LogstreamerInput"
log_directory = "${logDir}"
file_match = '(?P<Name>[^/]+)\\.log'
differentiator = ["Name"]
rescan_interval = "500ms"

[PayloadEncoder]
append_newlines = false

[good]
type = "FileOutput"
message_matcher = "Payload =~ /^good /"
path = "${out}"
encoder = "PayloadEncoder"
flush_operator = "OR"
flush_interval = 50
`,
  );
  writeFileSync(join(logDir, 'a.log'), 'good 1\n');
  const hekad = new HekadProcess([`-config=${config}`], asRoot ? { uid: NOBODY, gid: NOBODY } : {});
  await hekad.waitFor(() => countLines(out) >= 1, 10_000, 'the first good line');

  // Binary garbage, then good lines.
  appendFileSync(join(logDir, 'a.log'), Buffer.concat([randomBytes(5000).map((b) => (b === 10 ? 0 : b)), Buffer.from('\ngood 2\n')]));
  // A 10 MB line between good lines.
  appendFileSync(join(logDir, 'a.log'), Buffer.concat([Buffer.alloc(10 * 1024 * 1024, 'y'), Buffer.from('\ngood 3\n')]));
  await hekad.waitFor(() => countLines(out) >= 3, 20_000, 'good lines after garbage and a 10 MB line');

  // A large file deleted while it is being read; then a new file of the same name.
  const big = join(logDir, 'big.log');
  let text = '';
  for (let i = 0; i < 200_000; i++) text += `good big ${i}\n`;
  writeFileSync(big, text);
  await sleep(50);
  unlinkSync(big);
  await sleep(1500);
  writeFileSync(big, 'good 4 (new big.log)\n');
  await hekad.waitFor(() => /good 4/.test(readOut(out)), 20_000, 'a line of the re-created file');

  appendFileSync(join(logDir, 'a.log'), 'good 5\n');
  await hekad.waitFor(() => /good 5/.test(readOut(out)), 10_000, 'a line after everything');
  assert.equal(hekad.child.exitCode, null, 'hekad is still running');

  // Every problem is reported.
  assert.match(hekad.stderr, /secret/, 'the unreadable directory is named');
  assert.match(hekad.stderr, /EACCES|permission denied/i);
  assert.match(hekad.stderr, /MAX_RECORD_SIZE|too large|exceeded/i, 'the 10 MB line is reported');
  assert.equal(await hekad.stop('SIGINT'), 0, hekad.stderr);

  const lines = readOut(out).split('\n').filter(Boolean);
  for (const want of ['good 1', 'good 2', 'good 3', 'good 4 (new big.log)', 'good 5']) {
    assert.ok(lines.includes(want), `missing ${want}`);
  }
  assert.ok(!lines.some((l) => l.includes('you cannot read me')));
});

import { readFileSync } from 'node:fs';
function readOut(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
