import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { buildFileMatcher, groupStreams, matchParts, normalizeTranslation, priorityLess, scanFiles, streamName } from './discovery.js';
import { tempDir } from '../../../../test/harness/logstreamer.js';

test('effective regex: ^ + quoted root + separator + file_match + $', () => {
  const fm = buildFileMatcher('/var/log/nginx', 'access\\.log\\.?(?P<Index>\\d+)?(.gz)?');
  assert.equal(fm.source, '^/var/log/nginx/access\\.log\\.?(?P<Index>\\d+)?(.gz)?$');
  assert.deepEqual(fm.groupNames, ['Index']);
  assert.equal(buildFileMatcher('/var/log/', 'x$').source, '^/var/log/x$');
  assert.equal(buildFileMatcher('/var/log', '/x').source, '^/var/log/x$');
  assert.equal(buildFileMatcher('/a.b', 'x').source, '^/a\\.b/x$');
  // A leading (?i) still applies.
  assert.ok(buildFileMatcher('/r', '(?i)ACCESS\\.log').re.test('/r/access.LOG'));
});

test('match parts (§3.1 table)', () => {
  const tr = normalizeTranslation({ Level: { Debug: 1, Info: 2 }, Year: { missing: 9999 } });
  // Groups are valued in order; an error leaves the following groups without a value.
  const fm = buildFileMatcher('/l', '(?P<Name>[a-z]+)(?P<Index>\\d*)(\\.(?P<Level>[A-Za-z]+))?(\\.(?P<Year>\\d+))?(_(?P<DayName>\\w+))?\\.log');
  const fmMonth = buildFileMatcher('/l', '[a-z]+(-(?P<MonthName>\\w+))?(?P<After>\\d*)\\.log');
  const p = (path: string) => matchParts(path, fm, tr)!;
  const pm = (path: string) => matchParts(path, fmMonth, tr)!;
  // Index empty -> "missing" -> not digits -> -1; digits -> value.
  assert.equal(p('/l/access.log').sort.Index, -1);
  assert.equal(p('/l/access12.log').sort.Index, 12);
  assert.equal(p('/l/access12.log').sort.Name, -1);
  // An error (Level has a 2-entry table without "missing") leaves the later groups unvalued.
  assert.equal(p('/l/access.log').error, "Value '' not found in translation map 'Level'.");
  // MonthName, case-insensitive, long and short.
  assert.equal(pm('/l/access-Sep.log').sort.MonthName, 9);
  assert.equal(pm('/l/access-JANUARY.log').sort.MonthName, 1);
  assert.equal(pm('/l/access-Foo.log').error, 'Unable to locate month name: Foo');
  // DayName.
  assert.equal(p('/l/access.info_sun.log').sort.DayName, 6);
  assert.equal(p('/l/access.debug_Monday.log').sort.DayName, 0);
  // Translation with several entries (keys lower-cased at Init).
  assert.equal(p('/l/access.INFO.log').sort.Level, 2);
  assert.equal(p('/l/access.warn.log').error, "Value 'warn' not found in translation map 'Level'.");
  // missing-only translation.
  assert.equal(p('/l/access.info.log').sort.Year, 9999);
  assert.equal(p('/l/access.info.2014.log').sort.Year, 2014);
  // Raw values are kept untranslated.
  assert.equal(pm('/l/access-Sep.log').raw.MonthName, 'Sep');
  // A missing MonthName errors ("missing" is no month).
  assert.equal(pm('/l/access.log').error, 'Unable to locate month name: ');
  assert.equal(pm('/l/access.log').sort.After, undefined);
  assert.equal(p('/l/access.log').sort.Year, undefined);
  assert.equal(p('/l/access.info.log').error, 'Unable to locate day name: ');
});

test('priority sort: Getting Started example (^Index, oldest -> newest)', () => {
  const root = '/var/log/nginx';
  const fm = buildFileMatcher(root, 'access\\.log\\.?(?P<Index>\\d+)?(.gz)?');
  const names = ['access.log', 'access.log.1', ...Array.from({ length: 8 }, (_, i) => `access.log.${i + 2}.gz`), 'error.log'];
  const paths = names.map((n) => `${root}/${n}`).sort(() => Math.random() - 0.5);
  const streams = groupStreams(paths, fm, new Map(), ['^Index'], ['nginx_access_logs']);
  assert.equal(streams.length, 1);
  assert.equal(streams[0]!.name, 'nginx_access_logs');
  assert.deepEqual(
    streams[0]!.files.map((f) => f.slice(root.length + 1)),
    ['access.log.9.gz', 'access.log.8.gz', 'access.log.7.gz', 'access.log.6.gz', 'access.log.5.gz', 'access.log.4.gz', 'access.log.3.gz', 'access.log.2.gz', 'access.log.1', 'access.log'],
  );
});

test('priority sort: dates numerically, missing translation makes the undated file newest', () => {
  const fm = buildFileMatcher('/l', '(?P<Year>\\d+)/(?P<Month>\\d+)/(?P<Day>\\d+)\\.access\\.log');
  const files = ['/l/2013/11/2.access.log', '/l/2013/2/11.access.log', '/l/2012/12/31.access.log', '/l/2013/2/2.access.log'];
  const s = groupStreams(files, fm, new Map(), ['Year', 'Month', 'Day'], ['x']);
  assert.deepEqual(s[0]!.files, ['/l/2012/12/31.access.log', '/l/2013/2/2.access.log', '/l/2013/2/11.access.log', '/l/2013/11/2.access.log']);

  const fm2 = buildFileMatcher('/l', 'access-?(?P<Year>\\d{4})?(?P<Rest>\\d{4})?\\.log');
  const tr = normalizeTranslation({ Year: { missing: 9999 } });
  const s2 = groupStreams(['/l/access.log', '/l/access-20140803.log', '/l/access-20130101.log'], fm2, tr, ['Year', 'Rest'], ['x']);
  assert.deepEqual(s2[0]!.files, ['/l/access-20130101.log', '/l/access-20140803.log', '/l/access.log']);
});

test('priorityLess: keys in order, ^ reverses, unknown keys sort as 0, all equal -> false', () => {
  const a = { raw: {}, sort: { A: 1, B: 5 } };
  const b = { raw: {}, sort: { A: 1, B: 7 } };
  assert.equal(priorityLess(a, b, ['A', 'B']), true);
  assert.equal(priorityLess(a, b, ['A', '^B']), false);
  assert.equal(priorityLess(b, a, ['A', '^B']), true);
  assert.equal(priorityLess(a, b, ['Nope']), false);
  assert.equal(priorityLess(a, a, ['A', 'B']), false);
});

test('differentiator (§4 example) and several streams', () => {
  const fm = buildFileMatcher('/var/log/nginx', '(?P<DomainName>[^/]+)-access\\.log');
  const parts = matchParts('/var/log/nginx/hekathings.com-access.log', fm, new Map())!;
  assert.equal(streamName(parts, ['nginx.', 'DomainName', '.access'], fm.groupNames), 'nginx.hekathings.com.access');
  const s = groupStreams(['/var/log/nginx/a.com-access.log', '/var/log/nginx/b.com-access.log'], fm, new Map(), [], ['DomainName']);
  assert.deepEqual(s.map((x) => x.name).sort(), ['a.com', 'b.com']);
});

test('several files without priority: the stream is rejected with Heka\'s message', () => {
  const fm = buildFileMatcher('/l', 'a\\.log\\.?\\d*');
  const errors: string[] = [];
  const s = groupStreams(['/l/a.log', '/l/a.log.1'], fm, new Map(), [], ['s'], errors);
  assert.equal(s.length, 0);
  assert.deepEqual(errors, ['Found multiple logfiles without Priority to sort on for name: s, filematch: ^/l/a\\.log\\.?\\d*$, files: [/l/a.log /l/a.log.1]']);
});

test('translation with one non-missing entry is an Init error', () => {
  assert.throws(() => normalizeTranslation({ G: { one: 1 } }), /^Error: A translation map with one entry \('G'\) must be specifying a 'missing' key\.$/);
  assert.doesNotThrow(() => normalizeTranslation({ G: { Missing: 1 } }));
});

test('scan: recursive walk, full-path match, oldest_duration filter', () => {
  const root = tempDir();
  mkdirSync(join(root, '2014', '05'), { recursive: true });
  writeFileSync(join(root, '2014', '05', 'access.log'), '');
  writeFileSync(join(root, 'access.log'), '');
  writeFileSync(join(root, 'old.log'), '');
  writeFileSync(join(root, 'error.log'), '');
  const old = Date.now() / 1000 - 3600;
  utimesSync(join(root, 'old.log'), old, old);
  const fm = buildFileMatcher(root, '(.*/)?(access|old)\\.log');
  assert.deepEqual(scanFiles(root, fm.re, 0, Date.now()).sort(), [join(root, '2014/05/access.log'), join(root, 'access.log'), join(root, 'old.log')]);
  assert.deepEqual(scanFiles(root, fm.re, 60_000, Date.now()).sort(), [join(root, '2014/05/access.log'), join(root, 'access.log')]);
});
