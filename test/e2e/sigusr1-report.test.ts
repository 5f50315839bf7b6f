/**
 * SIGUSR1 prints the plain-text self-report to stderr through the error logger, as Heka 0.10 does
 * (dashboard.md §3.4): one log prefix before the block, Heka's layout, nothing on stdout, and the
 * daemon keeps running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';

test('SIGUSR1 writes the text report to stderr and hekad carries on', async () => {
  const root = tempDir();
  const logDir = join(root, 'log');
  mkdirSync(logDir);
  writeFileSync(join(logDir, 'app.log'), 'one\ntwo\n');
  const conf = join(root, 'hekad.toml');
  writeFileSync(
    conf,
    `[hekad]\nbase_dir = "${join(root, 'cache')}"\n\n[app]\ntype = "LogstreamerInput"\nlog_directory = "${logDir}"\nfile_match = 'app\\.log'\n\n[PayloadEncoder]\n\n[LogOutput]\nmessage_matcher = "TRUE"\nencoder = "PayloadEncoder"\n`,
  );
  const p = new HekadProcess([`-config=${conf}`]);
  await p.waitFor((x) => /\btwo\n/.test(x.stdout), 10_000, 'both lines on stdout');
  p.child.kill('SIGUSR1');
  await p.waitFor((x) => x.stderr.includes('\n========\n'), 10_000, 'the report on stderr');
  assert.ok(!p.stdout.includes('heka.all-report'), 'the report must not go to stdout');
  const start = p.stderr.indexOf('========[heka.all-report]========');
  const block = p.stderr.slice(start);
  // One Go log prefix ("YYYY/MM/DD HH:MM:SS ") right before the block.
  assert.match(p.stderr.slice(0, start), /(^|\n)\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} $/);
  const expected = [
    '========[heka.all-report]========',
    '',
    '====Globals====',
    'Router:',
    '    ProcessMessageCount: 2',
    '',
    '====Inputs====',
    'app:',
    '',
    '====Splitters====',
    'app-TokenSplitter-1:',
    '',
    '====Decoders====',
    'NONE',
    '',
    '',
    '====Filters====',
    'NONE',
    '',
    '',
    '====Outputs====',
    'LogOutput:',
    '    InChanCapacity: 1920',
    '    InChanLength: 0',
    // MatchAvgDuration (sampled, varies) is checked by pattern below.
  ].join('\n');
  assert.equal(block.slice(0, expected.length), expected);
  assert.match(block.slice(expected.length), /^\n {4}MatchAvgDuration: \d+(\.\d+)?(e[+-]\d\d)?\n {4}ProcessMessageCount: 2\n\n====Encoders====\nLogOutput-PayloadEncoder:\n========\n\n$/);
  // hekad extension: every field, in the heka.all-report layout, in <base_dir>/heka_report.json.
  const json = JSON.parse(readFileSync(join(root, 'cache', 'heka_report.json'), 'utf8'));
  assert.deepEqual(Object.keys(json), ['encoders', 'globals', 'inputs', 'outputs', 'splitters']);
  assert.deepEqual(json.splitters, [{ Name: 'app-TokenSplitter-1' }]);
  assert.deepEqual(json.globals, [{ Name: 'Router', ProcessMessageCount: { representation: 'count', value: 2 } }]);
  // Still running: a new line is printed after the report.
  writeFileSync(join(logDir, 'app.log'), 'one\ntwo\nthree\n');
  await p.waitFor((x) => /\bthree\n/.test(x.stdout), 10_000, 'a line after the report');
  assert.equal(await p.stop('SIGINT'), 0);
});
