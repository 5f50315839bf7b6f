import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Strftime, UTC, loadZone, localZone, nsToUnixSeconds, posixZone, strftime, type TimeZone } from './strftime.js';
import { goldenPath } from '../../test/harness/fake-output-context.js';

const GOLDEN = goldenPath('payload_log/out');
const P1 = 1392050801; // 2014-02-10T16:46:41Z

function zone(name: string): TimeZone {
  const z = loadZone(name);
  assert.ok(z, `zoneinfo for ${name} must be installed`);
  return z;
}

const ZONES: Array<[string, string]> = [
  ['UTC', 'tz-UTC'],
  ['Asia/Kolkata', 'tz-Asia_Kolkata'],
  ['America/St_Johns', 'tz-America_St_Johns'],
];

for (const [tz, dir] of ZONES) {
  test(`golden ts_default and ts_custom prefixes in ${tz}`, () => {
    const z = zone(tz);
    const def = new Strftime('[%Y/%b/%d:%H:%M:%S %z] ', z);
    const custom = new Strftime('%Y-%m-%dT%H:%M:%S%z %Z|%s| ', z);
    // The golden files hold the prefix + payload for P1..P4 (P3 has the same time as P1, P4 is 0).
    const lines = readFileSync(`${GOLDEN}/${dir}/ts_default.out`, 'utf8').split('\n');
    assert.equal(lines[0], def.format(P1) + 'GET / 200');
    assert.equal(lines[1], def.format(P1 + 60) + 'line with newline');
    assert.equal(lines[3], def.format(P1));
    assert.equal(lines[4], def.format(0) + 'no timestamp');
    const expectedCustom =
      custom.format(P1) + 'GET / 200' +
      custom.format(P1 + 60) + 'line with newline\n' +
      custom.format(P1) +
      custom.format(0) + 'no timestamp';
    assert.equal(expectedCustom, readFileSync(`${GOLDEN}/${dir}/ts_custom.out`, 'utf8'));
  });
}

test('%z bug: negative non-whole-hour offsets print a signed minute part', () => {
  assert.equal(strftime('%z', P1, zone('America/St_Johns')), '-03-30');
  assert.equal(strftime('%z', P1, zone('Asia/Kolkata')), '+0530');
  assert.equal(strftime('%z', P1, zone('America/Los_Angeles')), '-0800');
  assert.equal(strftime('%z', P1, zone('Asia/Kathmandu')), '+0545');
  // Summer: NDT is -02:30.
  assert.equal(strftime('%z %Z', 1404000000, zone('America/St_Johns')), '-02-30 NDT');
  // Go's int(-30/60) is 0 and "%+03d" of 0 is "+00".
  assert.equal(strftime('%z', 0, posixZone('XXX0:30')!), '+00-30');
});

test('every supported directive in UTC', () => {
  // 2014-09-07T03:04:05Z, a Sunday, day 250 of the year.
  const t = Date.UTC(2014, 8, 7, 3, 4, 5) / 1000;
  const cases: Array<[string, string]> = [
    ['%a', 'Sun'], ['%A', 'Sunday'], ['%b', 'Sep'], ['%B', 'September'], ['%C', '2014'],
    ['%d', '07'], ['%D', '09/07/14'], ['%e', ' 7'], ['%F', '2014-09-07'], ['%H', '03'],
    ['%h', 'Sep'], ['%I', '03'], ['%j', '250'], ['%k', ' 3'], ['%l', ' 3'], ['%M', '04'],
    ['%m', '09'], ['%n', '\n'], ['%p', 'AM'], ['%P', 'am'], ['%R', '03:04'], ['%r', '03:04:05 AM'],
    ['%S', '05'], ['%s', String(t)], ['%T', '03:04:05'], ['%t', '\t'], ['%v', ' 7-Sep-2014'],
    ['%w', '0'], ['%Y', '2014'], ['%y', '14'], ['%Z', 'UTC'], ['%z', '+0000'], ['%%', '%'],
  ];
  for (const [f, want] of cases) assert.equal(strftime(f, t, UTC), want, f);
  const pm = Date.UTC(2014, 11, 31, 0, 0, 0) / 1000 + 12 * 3600 + 59;
  assert.equal(strftime('%I %l %p %P %r %j %w %a', pm, UTC), '12 12 PM pm 12:00:59 PM 365 3 Wed');
  assert.equal(strftime('%I %l', Date.UTC(2014, 0, 1) / 1000, UTC), '12 12');
});

test('unknown directives and a trailing % are copied literally', () => {
  assert.equal(strftime('%Q %f %L %N %', P1, UTC), '%Q %f %L %N %');
  assert.equal(strftime('no directives', P1, UTC), 'no directives');
  assert.equal(strftime('%é%Y', P1, UTC), '%é2014');
  assert.equal(strftime('', P1, UTC), '');
});

test('negative and pre-epoch times', () => {
  assert.equal(strftime('%F %T %s', -1, UTC), '1969-12-31 23:59:59 -1');
  assert.equal(strftime('%Y %y %C %D', Date.UTC(1905, 0, 1) / 1000, UTC), '1905 05 1905 01/01/05');
  assert.equal(nsToUnixSeconds(-1), -1);
  assert.equal(nsToUnixSeconds(1.5e9), 1);
  // Above 2^53 the double rounds 1392050801999999999 up to ...802.000; the exact value decides.
  const exact = 1392050801999999999n;
  assert.equal(nsToUnixSeconds(Number(exact), exact), 1392050801);
  assert.equal(nsToUnixSeconds(Number(exact)), 1392050802);
});

test('TZif zones agree with ICU offsets over many instants', () => {
  for (const name of ['America/St_Johns', 'Asia/Kolkata', 'Europe/Berlin', 'Australia/Sydney', 'America/Sao_Paulo']) {
    const z = zone(name);
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    // Every ~9 days from 1975 through 2060 (past the last stored transition: footer rules).
    for (let s = 157766400; s < 2850000000; s += 800_000) {
      const p = Object.fromEntries(fmt.formatToParts(new Date(s * 1000)).map((x) => [x.type, x.value]));
      const local = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) / 1000;
      assert.equal(z.lookup(s).offset, local - s, `${name} at ${s}`);
    }
  }
});

test('POSIX TZ strings', () => {
  const z = posixZone('NST3:30NDT,M3.2.0,M11.1.0')!;
  assert.equal(strftime('%z %Z', P1, z), '-03-30 NST');
  assert.equal(strftime('%z %Z', 1404000000, z), '-02-30 NDT');
  assert.equal(strftime('%z %Z', 0, posixZone('<+0530>-5:30')!), '+0530 +0530');
  assert.equal(posixZone('garbage'), undefined);
  assert.equal(posixZone('EST'), undefined);
  // Southern hemisphere rule (wraps the year end).
  const syd = posixZone('AEST-10AEDT,M10.1.0,M4.1.0/3')!;
  assert.equal(syd.lookup(Date.UTC(2014, 0, 15) / 1000).abbr, 'AEDT');
  assert.equal(syd.lookup(Date.UTC(2014, 6, 15) / 1000).abbr, 'AEST');
});

test('localZone follows the TZ environment variable like Go', () => {
  const here = fileURLToPath(new URL('./strftime.js', import.meta.url));
  const script =
    `import('${here}').then((m) => process.stdout.write(m.strftime('%Y/%b/%d:%H:%M:%S %z %Z', ${P1})))`;
  const run = (env: Record<string, string | undefined>): string => {
    const e: Record<string, string | undefined> = { ...process.env, ...env };
    if (env.TZ === undefined) delete e.TZ;
    return execFileSync(process.execPath, ['-e', script], { env: e as NodeJS.ProcessEnv }).toString();
  };
  assert.equal(run({ TZ: 'UTC' }), '2014/Feb/10:16:46:41 +0000 UTC');
  assert.equal(run({ TZ: 'Asia/Kolkata' }), '2014/Feb/10:22:16:41 +0530 IST');
  assert.equal(run({ TZ: ':America/St_Johns' }), '2014/Feb/10:13:16:41 -03-30 NST');
  assert.equal(run({ TZ: '' }), '2014/Feb/10:16:46:41 +0000 UTC');
  assert.equal(run({ TZ: 'EST5EDT' }), '2014/Feb/10:11:46:41 -0500 EST');
});

test('localZone is cached per TZ value', () => {
  assert.equal(localZone(), localZone());
});

test('the last-second cache returns the same text', () => {
  const f = new Strftime('[%Y/%b/%d:%H:%M:%S %z] ', UTC);
  const a = f.format(P1);
  assert.equal(f.format(P1), a);
  assert.notEqual(f.format(P1 + 1), a);
  assert.equal(f.formatNs(1392050801123456789, 1392050801123456789n), a);
});
