import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, appendFileSync, readFileSync, renameSync, writeFileSync, existsSync, utimesSync, symlinkSync, unlinkSync, truncateSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { delay, lsConfig, payloads, startInput, tempDir, until } from '../../../../test/harness/logstreamer.js';
import { LogstreamerInput } from './logstreamer-input.js';
import definition from './index.js';
import { RegexSplitter } from '../../splitters/regex/regex-splitter.js';
import { fakeInputContext } from '../../../../test/harness/fake-context.js';
import type { PluginContext } from '../../../plugin-api/index.js';

// Captures from Heka 0.10 (copied from spec/golden/logstreamer); the compiled test runs from dist/.
const here = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(here, '../../../../../src/plugins/inputs/logstreamer/testdata/heka-0.10-golden');
const golden = (rel: string, logDir: string): string => readFileSync(join(GOLDEN, rel), 'utf8').replaceAll('${LOG_DIR}', logDir);

const INDEX_MATCH = 'access\\.log\\.?(?P<Index>\\d+)?';

function setup(): { logDir: string; baseDir: string; journal: (stream?: string) => string } {
  const root = tempDir();
  const logDir = join(root, 'log');
  const baseDir = join(root, 'base');
  mkdirSync(logDir, { recursive: true });
  return { logDir, baseDir, journal: (s = 'nginx_access_logs') => readFileSync(join(baseDir, 'logstreamer', s), 'utf8') };
}

test('golden: scenario A (rename + create while running and while stopped)', async () => {
  const { logDir, baseDir, journal } = setup();
  const cfg = lsConfig({ log_directory: logDir, file_match: INDEX_MATCH, priority: ['^Index'], rescan_interval: 1000 });
  const f = (n: string): string => join(logDir, n);
  const delivered: string[] = [];

  // Step 1
  writeFileSync(f('access.log'), 'line one\nline two\nline three\npartial');
  let h = startInput('nginx_access_logs', cfg, baseDir);
  await h.ctx.waitFor(3);
  await delay(50);
  await h.stop();
  delivered.push(payloads(h.ctx));
  assert.equal(journal(), golden('scenario-a/journal-1-after-first-read.json', logDir));

  // Step 2
  h = startInput('nginx_access_logs', cfg, baseDir);
  await delay(30);
  appendFileSync(f('access.log'), ' now complete\nline five\n');
  await h.ctx.waitFor(2);
  await delay(50);
  assert.equal(journal(), golden('scenario-a/journal-2-running-before-rotation.json', logDir));

  // Step 3
  appendFileSync(f('access.log'), 'line six (written just before rotation)\n');
  renameSync(f('access.log'), f('access.log.1'));
  appendFileSync(f('access.log.1'), 'line seven (appended to renamed file)\n');
  writeFileSync(f('access.log'), 'new one\nnew two\n');
  await h.ctx.waitFor(6);
  await delay(50);
  assert.equal(journal(), golden('scenario-a/journal-3-running-after-rotation.json', logDir));

  // Step 4
  await h.stop();
  delivered.push(payloads(h.ctx));
  assert.equal(journal(), golden('scenario-a/journal-4-after-stop.json', logDir));

  // Step 5
  appendFileSync(f('access.log'), 'new three (while stopped)\n');
  renameSync(f('access.log.1'), f('access.log.2'));
  renameSync(f('access.log'), f('access.log.1'));
  writeFileSync(f('access.log'), 'newest one\n');
  h = startInput('nginx_access_logs', cfg, baseDir);
  await h.ctx.waitFor(2);
  await delay(50);
  await h.stop();
  delivered.push(payloads(h.ctx));
  assert.equal(journal(), golden('scenario-a/journal-5-after-rotation-while-stopped-and-restart.json', logDir));
  assert.equal(delivered.join(''), readFileSync(join(GOLDEN, 'scenario-a/delivered.txt'), 'utf8'));
});

test('golden: scenario B (rotation while running, default rescan interval)', async () => {
  const { logDir, baseDir, journal } = setup();
  const f = (n: string): string => join(logDir, n);
  writeFileSync(f('access.log.1'), 'old 1\nold 2\n');
  const past = Date.now() / 1000 - 100;
  utimesSync(f('access.log.1'), past, past);
  writeFileSync(f('access.log'), 'cur 1\ncur 2\n');
  const cfg = lsConfig({ log_directory: logDir, file_match: INDEX_MATCH, priority: ['^Index'] });
  const h = startInput('nginx_access_logs', cfg, baseDir);
  await h.ctx.waitFor(4);
  await delay(40);
  assert.equal(journal(), golden('scenario-b/journal-before-rotation.json', logDir));
  renameSync(f('access.log.1'), f('access.log.2'));
  renameSync(f('access.log'), f('access.log.1'));
  writeFileSync(f('access.log'), 'new 1\n');
  await h.ctx.waitFor(5);
  await delay(40);
  await h.stop();
  assert.equal(journal(), golden('scenario-b/journal-after-rotation.json', logDir));
  assert.equal(payloads(h.ctx), readFileSync(join(GOLDEN, 'scenario-b/delivered.txt'), 'utf8'));
});

test('golden: empty file journal', async () => {
  const { logDir, baseDir, journal } = setup();
  writeFileSync(join(logDir, 'access.log'), '');
  const h = startInput('nginx_access_logs', lsConfig({ log_directory: logDir, file_match: 'access\\.log' }), baseDir);
  await delay(40);
  await h.stop();
  assert.equal(journal(), golden('empty-file.journal.json', logDir));
  assert.equal(h.ctx.messages.length, 0);
});

test('messages carry Heka logfile fields', async () => {
  const { logDir, baseDir } = setup();
  writeFileSync(join(logDir, 'app.log'), Buffer.concat([Buffer.from('hello\n'), Buffer.from([0xff, 0xfe, 0]), Buffer.from('binary\n')]));
  const h = startInput('app', lsConfig({ log_directory: logDir, file_match: 'app\\.log', hostname: 'web1' }), baseDir);
  await h.ctx.waitFor(2);
  await h.stop();
  const m = h.ctx.messages[0]!;
  assert.equal(m.type, 'logfile');
  assert.equal(m.logger, 'app');
  assert.equal(m.hostname, 'web1');
  assert.equal(m.payload, 'hello\n');
  assert.equal(m.uuid?.length, 16);
  assert.ok(typeof m.timestamp === 'number' && m.timestamp > 1e18);
  assert.equal(m.severity, undefined);
  assert.equal(h.ctx.messages[1]!.payload!.endsWith('binary\n'), true);
  const rep = Object.fromEntries(h.input.report().map((f) => [f.name, f.value]));
  assert.equal(rep['app-filename'], join(logDir, 'app.log'));
  assert.equal(rep['app-bytes'], 16);
  assert.equal(rep['records'], 2);
});

test('gzip: rotated .gz files are read oldest first, and a journal inside a .gz resumes there', async () => {
  const { logDir, baseDir, journal } = setup();
  const f = (n: string): string => join(logDir, n);
  writeFileSync(f('access.log.3.gz'), gzipSync('g3 a\ng3 b\n'));
  writeFileSync(f('access.log.2.gz'), gzipSync('g2 a\ng2 b\n'));
  writeFileSync(f('access.log.1'), 'p1 a\n');
  writeFileSync(f('access.log'), 'cur a\n');
  const cfg = lsConfig({ log_directory: logDir, file_match: 'access\\.log\\.?(?P<Index>\\d+)?(.gz)?', priority: ['^Index'] });
  let h = startInput('gz', cfg, baseDir);
  await h.ctx.waitFor(6);
  await h.stop();
  assert.equal(payloads(h.ctx), 'g3 a\ng3 b\ng2 a\ng2 b\np1 a\ncur a\n');

  // A journal pointing 5 bytes into what is now a gzip file (rotated + compressed while stopped).
  writeFileSync(join(baseDir, 'logstreamer', 'gz'), `{"seek":5,"file_name":"${f('access.log.2.gz')}","last_hash":"${hashOf('g2 a\n')}"}`);
  h = startInput('gz', cfg, baseDir);
  await h.ctx.waitFor(3);
  await delay(30);
  await h.stop();
  assert.equal(payloads(h.ctx), 'g2 b\np1 a\ncur a\n');
  assert.match(journal('gz'), /"seek":6,"file_name":".*\/access\.log"/);
});

import { hashWindow } from '../../../core/stream-window.js';
function hashOf(s: string): string {
  return hashWindow(Buffer.from(s));
}

test('copytruncate while running: the copy is finished, then the truncated file restarts at 0', async () => {
  const { logDir, baseDir } = setup();
  const f = (n: string): string => join(logDir, n);
  writeFileSync(f('access.log'), 'a1\na2\n');
  const cfg = lsConfig({ log_directory: logDir, file_match: INDEX_MATCH, priority: ['^Index'] });
  const h = startInput('ct', cfg, baseDir);
  await h.ctx.waitFor(2);
  appendFileSync(f('access.log'), 'a3\n');
  // logrotate copytruncate: copy, then truncate in place, then the writer continues.
  writeFileSync(f('access.log.1'), readFileSync(f('access.log')));
  truncateSync(f('access.log'), 0);
  await delay(40);
  appendFileSync(f('access.log'), 'b1\n');
  await h.ctx.waitFor(4);
  await delay(30);
  await h.stop();
  assert.equal(payloads(h.ctx), 'a1\na2\na3\nb1\n');
});

test('single-file truncation restarts at offset 0', async () => {
  const { logDir, baseDir, journal } = setup();
  const p = join(logDir, 'app.log');
  writeFileSync(p, 'one\ntwo\nthree\n');
  const h = startInput('app', lsConfig({ log_directory: logDir, file_match: 'app\\.log' }), baseDir);
  await h.ctx.waitFor(3);
  truncateSync(p, 0);
  await delay(30);
  appendFileSync(p, 'x\n');
  await h.ctx.waitFor(4);
  await delay(30);
  await h.stop();
  assert.equal(payloads(h.ctx), 'one\ntwo\nthree\nx\n');
  assert.equal(journal('app'), `{"seek":2,"file_name":"${p}","last_hash":"${hashOf('x\n')}"}`);
});

test('acks: the journal only moves over a settled prefix, whatever the settle order', async () => {
  const { logDir, baseDir, journal } = setup();
  const p = join(logDir, 'app.log');
  writeFileSync(p, 'r0\nr1\nr2\nr3\n');
  const h = startInput('app', lsConfig({ log_directory: logDir, file_match: 'app\\.log' }), baseDir, { ackMode: 'manual' });
  await h.ctx.waitFor(4);
  await delay(30);
  // Only the start marker is settled: position 0.
  assert.equal(journal('app'), `{"seek":0,"file_name":"${p}","last_hash":"fc56d4b3c72a8bfe593373c740d558ec1340ac73"}`);
  const [m0, m1, m2, m3] = h.ctx.messages;
  h.ctx.ack(m2!);
  h.ctx.ack(m1!);
  await delay(30);
  assert.match(journal('app'), /"seek":0,/, 'r0 unsettled: nothing moves');
  h.ctx.ack(m0!);
  await delay(30);
  assert.equal(journal('app'), `{"seek":9,"file_name":"${p}","last_hash":"${hashOf('r0\nr1\nr2\n')}"}`);
  // Abort, then the last ack arrives while outputs drain; finalize() records it.
  h.ctx.abort();
  await h.done;
  h.ctx.ack(m3!);
  h.ctx.ack(m3!); // a duplicate ack is ignored
  await h.input.finalize();
  assert.equal(journal('app'), `{"seek":12,"file_name":"${p}","last_hash":"${hashOf('r0\nr1\nr2\nr3\n')}"}`);
});

test('acks: a rotated file stays open until its records settle; the journal names its new path', async () => {
  const { logDir, baseDir, journal } = setup();
  const f = (n: string): string => join(logDir, n);
  writeFileSync(f('access.log'), 'old\n');
  const cfg = lsConfig({ log_directory: logDir, file_match: INDEX_MATCH, priority: ['^Index'] });
  const h = startInput('rot', cfg, baseDir, { ackMode: 'manual' });
  await h.ctx.waitFor(1);
  renameSync(f('access.log'), f('access.log.1'));
  writeFileSync(f('access.log'), 'new\n');
  await h.ctx.waitFor(2);
  await delay(30);
  h.ctx.ack(h.ctx.messages[0]!);
  await delay(30);
  // Nothing of the new file is acknowledged yet: the journal names the end of the previous file
  // (not "offset 0 of access.log", which a rotation before a restart would make ambiguous).
  assert.equal(journal('rot'), `{"seek":4,"file_name":"${f('access.log.1')}","last_hash":"${hashOf('old\n')}"}`);
  h.ctx.ackAll();
  await h.stop();
  assert.equal(journal('rot'), `{"seek":4,"file_name":"${f('access.log')}","last_hash":"${hashOf('new\n')}"}`);
});

test('backpressure: reading pauses while deliver() returns false and resumes on drained()', async () => {
  const { logDir, baseDir } = setup();
  const p = join(logDir, 'app.log');
  writeFileSync(p, Array.from({ length: 10 }, (_, i) => `line ${i}\n`).join(''));
  const h = startInput('app', lsConfig({ log_directory: logDir, file_match: 'app\\.log' }), baseDir, { capacity: 3 });
  await h.ctx.waitFor(3);
  await delay(50);
  assert.equal(h.ctx.deliveredCount, 3, 'no delivery while downstream is full');
  h.ctx.drain();
  await h.ctx.waitFor(6);
  await delay(30);
  assert.equal(h.ctx.deliveredCount, 6);
  h.ctx.drain();
  await h.ctx.waitFor(9);
  h.ctx.drain();
  await h.ctx.waitFor(10);
  await h.stop();
  assert.equal(payloads(h.ctx), Array.from({ length: 10 }, (_, i) => `line ${i}\n`).join(''));
});

test('oversized records are dropped or truncated and counted; the input carries on', async () => {
  const { logDir, baseDir } = setup();
  const p = join(logDir, 'app.log');
  writeFileSync(p, 'short\n' + 'x'.repeat(100) + '\nafter\n');
  for (const keep of [false, true]) {
    const h = startInput('app' + keep, lsConfig({ log_directory: logDir, file_match: 'app\\.log', differentiator: ['app' + keep] }), baseDir, {
      splitterOptions: { maxRecordSize: 40, keep_truncated: keep },
    });
    await h.ctx.waitFor(keep ? 3 : 2);
    await delay(30);
    await h.stop();
    const got = h.ctx.messages.map((m) => m.payload);
    assert.deepEqual(got, keep ? ['short\n', 'x'.repeat(40), 'after\n'] : ['short\n', 'after\n']);
    const rep = Object.fromEntries(h.input.report().map((f) => [f.name, f.value]));
    assert.equal(rep[keep ? 'truncated' : 'dropped'], 1);
    assert.ok(h.ctx.logSink.lines.some((l) => l.includes('record exceeded MAX_RECORD_SIZE 40')));
  }
});

test('a file deleted while being read is finished from the open descriptor; a new file follows', async () => {
  const { logDir, baseDir } = setup();
  const p = join(logDir, 'app.log');
  writeFileSync(p, 'a\n');
  const h = startInput('app', lsConfig({ log_directory: logDir, file_match: 'app\\.log' }), baseDir);
  await h.ctx.waitFor(1);
  appendFileSync(p, 'b\n');
  unlinkSync(p);
  await h.ctx.waitFor(2);
  await delay(30);
  writeFileSync(p, 'c\n');
  await h.ctx.waitFor(3, 3000);
  await h.stop();
  assert.equal(payloads(h.ctx), 'a\nb\nc\n');
});

test('an unopenable file is reported once (not every poll) and retried', async () => {
  const { logDir, baseDir } = setup();
  const p = join(logDir, 'app.log');
  symlinkSync(p, p); // ELOOP even for root
  const h = startInput('app', lsConfig({ log_directory: logDir, file_match: 'app\\.log', oldest_duration: 0 }), baseDir);
  await delay(80);
  assert.equal(h.ctx.errors.length, 1);
  unlinkSync(p);
  writeFileSync(p, 'ok\n');
  await h.ctx.waitFor(1, 3000);
  await h.stop();
  assert.equal(payloads(h.ctx), 'ok\n');
});

test('parser_type chooses the splitter the pipeline creates (Heka 0.9 options)', () => {
  assert.deepEqual(definition.splitterFromOptions!(lsConfig({ parser_type: 'regexp', delimiter: '\\n(START)', delimiter_location: 'start' }) as never), {
    type: 'RegexSplitter',
    config: { delimiter: '\\n(START)', delimiter_eol: false },
    option: 'delimiter',
  });
  assert.deepEqual(definition.splitterFromOptions!(lsConfig({ parser_type: 'token' }) as never), {
    type: 'TokenSplitter',
    config: { delimiter: '\n' },
    option: 'delimiter',
  });
  assert.equal(definition.splitterFromOptions!(lsConfig({}) as never), null);
});

test('initial_tail starts at the end of the newest file; records split by the context splitter (a RegexSplitter)', async () => {
  const { logDir, baseDir } = setup();
  const p = join(logDir, 'app.log');
  writeFileSync(p, 'old\n');
  const h = startInput(
    'app',
    lsConfig({ log_directory: logDir, file_match: 'app\\.log', initial_tail: true }),
    baseDir,
    { splitter: () => new RegexSplitter({ delimiter: '\\n(START)', delimiter_eol: false }) },
  );
  await delay(30);
  appendFileSync(p, 'START one\nmore\nSTART two\n');
  await h.ctx.waitFor(1);
  await delay(30);
  await h.stop();
  // "old\n" is skipped; "START two\n" waits for the next boundary (or deliver_incomplete_final).
  assert.deepEqual(h.ctx.messages.map((m) => m.payload), ['START one\nmore']);
});

test('multiple streams via differentiator, each with its own journal', async () => {
  const { logDir, baseDir, journal } = setup();
  writeFileSync(join(logDir, 'a.com-access.log'), 'A\n');
  writeFileSync(join(logDir, 'b.com-access.log'), 'B\n');
  const cfg = lsConfig({ log_directory: logDir, file_match: '(?P<DomainName>[^/]+)-access\\.log', differentiator: ['nginx.', 'DomainName', '.access'] });
  const h = startInput('multi', cfg, baseDir);
  await h.ctx.waitFor(2);
  await delay(30);
  // A stream appearing later is found by the periodic rescan.
  await h.stop();
  assert.deepEqual(h.ctx.messages.map((m) => `${m.logger}:${m.payload}`).sort(), ['nginx.a.com.access:A\n', 'nginx.b.com.access:B\n']);
  assert.match(journal('nginx.a.com.access'), /"seek":2/);
  assert.match(journal('nginx.b.com.access'), /"seek":2/);
});

test('a stream appearing after start is picked up by the rescan', async () => {
  const { logDir, baseDir } = setup();
  const cfg = lsConfig({ log_directory: logDir, file_match: '(?P<Name>\\w+)\\.log', differentiator: ['Name'], rescan_interval: 20 });
  const h = startInput('late', cfg, baseDir);
  await delay(30);
  writeFileSync(join(logDir, 'late.log'), 'hi\n');
  await h.ctx.waitFor(1, 3000);
  await h.stop();
  assert.equal(h.ctx.messages[0]!.logger, 'late');
});

test('Init errors: several files without priority, invalid journal, missing directory', () => {
  const { logDir, baseDir } = setup();
  writeFileSync(join(logDir, 'access.log'), '');
  writeFileSync(join(logDir, 'access.log.1'), '');
  const mk = (over: Parameters<typeof lsConfig>[0]) => () => {
    const ctx = fakeInputContext({ name: 'x', globals: { base_dir: baseDir } });
    return new LogstreamerInput(lsConfig({ log_directory: logDir, ...over }), ctx as PluginContext);
  };
  assert.throws(mk({ file_match: INDEX_MATCH }), /^Error: Found multiple logfiles without Priority to sort on for name: x, filematch: .*files: \[/);
  assert.throws(mk({ file_match: INDEX_MATCH, log_directory: join(logDir, 'nope') }), /ENOENT/);
  writeFileSync(join(baseDir, 'logstreamer', 'x'), '{not json');
  assert.throws(mk({ file_match: INDEX_MATCH, priority: ['^Index'] }), /Invalid journal/);
  writeFileSync(join(baseDir, 'logstreamer', 'x'), '  \n');
  assert.doesNotThrow(mk({ file_match: INDEX_MATCH, priority: ['^Index'] }));
  assert.throws(mk({ file_match: 'a', translation: { Index: { one: 1 } } }), /A translation map with one entry \('Index'\) must be specifying a 'missing' key\./);
  assert.ok(existsSync(join(baseDir, 'logstreamer')));
});
