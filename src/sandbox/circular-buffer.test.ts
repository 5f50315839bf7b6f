import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircularBuffer } from './circular-buffer.js';
import { formatG, formatSandboxNumber } from './number-format.js';
import { AnnotationModule } from './modules/annotation.js';
import { AlertModule } from './modules/alert.js';
import { AnomalyModule, parseAnomalyConfig } from './modules/anomaly.js';
import { erf, erfc } from './stats.js';

test('sandbox number format (spec §1.8 and golden number-formats)', () => {
  const cases: Array<[number, string]> = [
    [3000000000, '3000000000'], [2147483648.5, '2147483648.5'], [2147483648.1, '2147483648.0999999'], [1e20, '1e+20'],
    [1 / 3, '0.33333333'], [0.1, '0.1'], [2, '2'], [-0.5, '-0.5'], [1e-9, '0'], [123.456789015, '123.45678901'],
    [-7, '-7'], [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'], [21.5, '21.5'], [0, '0'],
  ];
  for (const [v, s] of cases) assert.equal(formatSandboxNumber(v), s, String(v));
  assert.equal(formatG(1.5, 6, true), '1.5');
  assert.equal(formatG(2, 6, true), '2');
  assert.equal(formatG(0.9444444444, 6, true), '0.944444');
  assert.equal(formatG(1e6, 6, true), '1E+06');
  assert.equal(formatG(1392050880000, 14), '1392050880000');
});

test('erf/erfc are accurate', () => {
  assert.ok(Math.abs(erf(0.5) - 0.5204998778130465) < 1e-15);
  assert.ok(Math.abs(erf(1.5) - 0.9661051464753108) < 1e-15);
  assert.ok(Math.abs(erfc(3) / 2.209049699858544e-5 - 1) < 1e-13);
  assert.ok(Math.abs(erfc(10) / 2.088487583762545e-45 - 1) < 1e-12);
});

const T0 = Date.UTC(2014, 1, 10, 16, 46, 41) * 1e6; // 16:46:41 UTC in ns

test('http_status example payload (spec §3.2)', () => {
  const cb = new CircularBuffer(4, 6, 60);
  ['HTTP_100', 'HTTP_200', 'HTTP_300', 'HTTP_400', 'HTTP_500', 'HTTP_UNKNOWN'].forEach((n, i) => cb.setHeader(i + 1, n));
  const at = (s: number) => T0 + s * 1e9;
  const col = (sc: number) => (sc / 100 >= 1 && sc / 100 < 6 ? Math.trunc(sc / 100) : 6);
  for (const [s, sc] of [[0, 200], [1, 304], [29, 200], [60, 404], [98, 502], [104, 200], [189, 999]] as const) cb.add(at(s), col(sc), 1);
  assert.equal(
    cb.output(),
    '{"time":1392050760,"rows":4,"columns":6,"seconds_per_row":60,"column_info":[{"name":"HTTP_100","unit":"count","aggregation":"sum"},{"name":"HTTP_200","unit":"count","aggregation":"sum"},{"name":"HTTP_300","unit":"count","aggregation":"sum"},{"name":"HTTP_400","unit":"count","aggregation":"sum"},{"name":"HTTP_500","unit":"count","aggregation":"sum"},{"name":"HTTP_UNKNOWN","unit":"count","aggregation":"sum"}]}\n' +
      'nan\t1\t1\tnan\tnan\tnan\nnan\t1\tnan\t1\tnan\tnan\nnan\t1\tnan\tnan\t1\tnan\nnan\tnan\tnan\tnan\tnan\t1\n',
  );
  // too old: ignored
  assert.equal(cb.add(at(-3600), 1, 1), undefined);
});

test('headers are sanitised; errors', () => {
  const cb = new CircularBuffer(2, 2, 1);
  cb.setHeader(1, 'temp.gauge', 'ms/s*x-y', 'max');
  assert.deepEqual(cb.getHeader(1), ['temp_gauge', 'ms/s*x_', 'max']);
  cb.setHeader(2, 'a-very-long-column-name');
  assert.equal(cb.getHeader(2)[0], 'a_very_long_col');
  assert.throws(() => new CircularBuffer(1, 1, 1), /rows must be > 1/);
  assert.throws(() => cb.setHeader(3, 'x'), /column out of range/);
  assert.throws(() => cb.setHeader(1, 'x', 'u', 'avg'), /invalid option/);
});

test('set/min/max, compute and delta output', () => {
  const cb = new CircularBuffer(3, 3, 1, true);
  cb.setHeader(2, 'mn', 'count', 'min');
  cb.setHeader(3, 'mx', 'count', 'max');
  cb.add(10e9, 1, 2);
  cb.add(10e9, 1, 3);
  cb.set(10e9, 2, 5);
  cb.set(10e9, 2, 7);
  cb.set(10e9, 3, 5);
  cb.set(10e9, 3, 7);
  assert.equal(cb.get(10e9, 1), 5);
  assert.equal(cb.get(10e9, 2), 5);
  assert.equal(cb.get(10e9, 3), 7);
  assert.equal(cb.get(11e9, 1), undefined);
  cb.add(9e9, 1, 1);
  assert.deepEqual(cb.compute('sum', 1), [6, 2]);
  assert.deepEqual(cb.compute('avg', 1), [3, 2]);
  assert.deepEqual(cb.compute('sd', 1), [2, 2]);
  assert.deepEqual(cb.compute('min', 1, 9e9, 10e9), [1, 2]);
  assert.deepEqual(cb.compute('sum', 1, 1e9, 10e9), [undefined, 0]);
  cb.format('cbufd');
  const d = cb.output();
  assert.equal(d.split('\n').slice(1).join('\n'), '9\t1\tnan\tnan\n10\t5\t5\t7\n');
  assert.equal(cb.output(), '');
});

test('roc worked example (spec §7.3)', () => {
  const cb = new CircularBuffer(12, 1, 60);
  const base = 1392050760e9;
  [10, 12, 11, 13, 12, 11, 12, 13, 11, 12, 30, 31].forEach((v, i) => cb.add(base + i * 60e9, 1, v));
  const an = new AnomalyModule(new AnnotationModule());
  const cfg = parseAnomalyConfig('roc("Example", 1, 2, 0, 1.5, true, false)');
  const r = an.detect(cb.currentTime(), 'Example', cb, cfg);
  assert.ok(r);
  assert.equal(r[0], 'Example - algorithm: roc col: 1 msg: detected anomaly, standard deviation exceeds 1.5');
  assert.deepEqual(r[1][0], { x: cb.currentTime() / 1e6, col: 1, shortText: 'A', text: 'detected anomaly, standard deviation exceeds 1.5' });
});

test('mww_nonparametric worked example and the §7.5 rounding', () => {
  const an = new AnomalyModule(new AnnotationModule());
  const cb = new CircularBuffer(13, 1, 60);
  const base = 1392050760e9;
  [5, 6, 5, 7, 6, 5, 6, 7, 9, 10, 11, 12, 0].forEach((v, i) => cb.add(base + i * 60e9, 1, v));
  const r = an.detect(cb.currentTime(), 'Example', cb, parseAnomalyConfig('mww_nonparametric("Example", 1, 3, 4, 0.8)'));
  assert.equal(r?.[0], 'Example - algorithm: mww_nonparametric col: 1 msg: detected anomaly, pstat: 1');
});

test('anomaly_config grammar', () => {
  const c = parseAnomalyConfig('roc("HTTP Status", 2, 15, 0, 1.5, true, false) mww_nonparametric("HTTP Status", 5, 15, 10, 0.8)');
  assert.equal(c?.get('HTTP Status')?.length, 2);
  assert.deepEqual(c?.get('HTTP Status')?.[1], { type: 'mww_nonparametric', col: 5, win: 15, nwin: 10, pstat: 0.8 });
  assert.ok(parseAnomalyConfig('mww("a""b", 1, 2, 3, 0.05, decreasing)')?.get('a"b'));
  for (const bad of ['roc("x", 1, 2, 0, 1.5, true, false) ', 'roc( "x", 1, 2, 0, 1.5, true, false)', 'mww_nonparametric("x", 1, 2, 3, 1.0)', 'roc("x",1 ,2,0,1,true,false)', '', 'roc("x", -1, 2, 0, 1.5, true, false)']) {
    assert.throws(() => parseAnomalyConfig(bad), /could not parse the anomaly_config/, bad);
  }
  assert.equal(parseAnomalyConfig(undefined), undefined);
});

test('annotation prune and alert throttle', () => {
  const a = new AnnotationModule();
  a.add('G', 1392050880e9, 2, 'A', 'detected anomaly, standard deviation exceeds 1.5');
  assert.equal(a.prune('G', 1392050880e9), '{"annotations":[{"text":"detected anomaly, standard deviation exceeds 1.5","x":1392050880000,"shortText":"A","col":2}]}\n');
  assert.equal(a.prune('G', 1392050880e9 + 86400e9), '{"annotations":{}}\n');
  assert.equal(a.prune('nope', 0), undefined);
  const sent: string[] = [];
  const al = new AlertModule((m) => sent.push(m));
  al.setThrottle(10e9);
  assert.equal(al.send(100e9, 'a'), true);
  assert.equal(al.send(110e9, 'b'), false); // exactly throttle apart: still throttled
  assert.equal(al.send(110e9 + 1e6, 'c'), true);
  assert.equal(al.send(50e9, 'old'), false);
  assert.equal(al.throttled(0), false);
  assert.deepEqual(sent, ['a', 'c']);
});
