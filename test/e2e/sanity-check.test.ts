/**
 * The guide's "Simplest Heka Config", run unchanged (only its log directory swapped for a temp
 * dir, and base_dir set in a second file of the config directory): prints the file, follows new
 * lines within a second, resumes from the seek journal after ctrl-c, replays when the journal is
 * deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HekadProcess, runHekad, stripPrefix, tempDir } from '../harness/hekad-process.js';

function setup() {
  const root = tempDir();
  const logDir = join(root, 'log');
  const baseDir = join(root, 'cache');
  const confDir = join(root, 'conf');
  mkdirSync(logDir);
  mkdirSync(confDir);
  writeFileSync(join(confDir, '00-hekad.toml'), `[hekad]\nbase_dir = "${baseDir}"\n`);
  // The guide's text, verbatim except log_directory.
  writeFileSync(
    join(confDir, 'sanity_check.toml'),
    `[LogstreamerInput]\nlog_directory = "${logDir}"\nfile_match = 'auth\\.log'\n \n[PayloadEncoder]\nappend_newlines = false\n \n[LogOutput]\nmessage_matcher = "TRUE"\nencoder = "PayloadEncoder"\n`,
  );
  return { root, logDir, baseDir, confDir, log: join(logDir, 'auth.log') };
}

const payloadLines = (p: HekadProcess, prefix: string) => stripPrefix(p.stdout).filter((l) => l.startsWith(prefix));

test('sanity_check.toml: print, follow, resume, replay', async () => {
  const s = setup();
  writeFileSync(s.log, 'auth one\nauth two\nauth three\n');

  const first = new HekadProcess([`-config=${s.confDir}`]);
  await first.waitFor((p) => payloadLines(p, 'auth ').length >= 3, 10_000, 'the file to be printed');
  assert.deepEqual(payloadLines(first, 'auth '), ['auth one', 'auth two', 'auth three']);
  // Every printed line carries Heka's log prefix.
  assert.match(first.stdout, /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} auth one$/m);

  const t0 = Date.now();
  appendFileSync(s.log, 'auth four (live)\n');
  await first.waitFor((p) => payloadLines(p, 'auth four').length === 1, 5_000, 'a new line');
  const latency = Date.now() - t0;
  assert.ok(latency < 1000, `new line printed after ${latency} ms`);

  assert.equal(await first.stop('SIGINT'), 0);
  assert.match(first.stdout, /Shutdown complete\./);
  const journal = join(s.baseDir, 'logstreamer', 'LogstreamerInput');
  assert.ok(existsSync(journal), 'seek journal written');
  const j = JSON.parse(readFileSync(journal, 'utf8'));
  assert.equal(j.file_name, s.log);
  assert.equal(j.seek, readFileSync(s.log).length);

  // Restart: nothing old is printed; a line written while stopped is.
  appendFileSync(s.log, 'auth five (while stopped)\n');
  const second = new HekadProcess([`-config=${s.confDir}`]);
  await second.waitFor((p) => payloadLines(p, 'auth five').length === 1, 10_000, 'the line written while stopped');
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(payloadLines(second, 'auth '), ['auth five (while stopped)']);
  assert.equal(await second.stop('SIGTERM'), 0);

  // Delete the journal: the whole file is printed again.
  unlinkSync(journal);
  const third = new HekadProcess([`-config=${s.confDir}`]);
  await third.waitFor((p) => payloadLines(p, 'auth ').length >= 5, 10_000, 'a full replay');
  assert.deepEqual(payloadLines(third, 'auth '), [
    'auth one',
    'auth two',
    'auth three',
    'auth four (live)',
    'auth five (while stopped)',
  ]);
  assert.equal(await third.stop('SIGINT'), 0);
});

test('-version, -check and a bad config', async () => {
  const s = setup();
  const v = await runHekad(['-version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, '0.10.0\n');
  const v2 = await runHekad(['--version']);
  assert.equal(v2.stdout, '0.10.0\n');

  const ok = await runHekad(['-check', `-config=${s.confDir}`]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /LogstreamerInput/);
  assert.match(ok.stdout, /LogOutput/);

  const bad = join(s.root, 'bad.toml');
  writeFileSync(bad, `[LogstreamerInput]\nlog_directory = "${s.logDir}"\nfile_match = 'auth\\.log'\n[LogOutput]\nmessage_matcher = "Type == 'x' &&"\nencodr = "PayloadEncoder"\n`);
  const r = await runHekad(['--check', '--config', bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.toml/);
  assert.match(r.stderr, /\[LogOutput\]/);
  assert.match(r.stderr, /encodr/);
  assert.match(r.stderr, /did you mean 'encoder'/);

  const usage = await runHekad(['-bogus']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /flag provided but not defined: -bogus/);
});
