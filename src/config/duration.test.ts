import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseGoDuration } from './duration.js';

test('parseGoDuration: valid Go durations in milliseconds', () => {
  const cases: Array<[string, number]> = [
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['1m', 60_000],
    ['0', 0],
    ['-0', 0],
    ['+5s', 5000],
    ['-1.5s', -1500],
    ['1h1m1s1ms', 3_661_001],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['2000000ns', 2],
    ['.5s', 500],
    ['5.s', 5000],
    ['30s', 30000],
    ['0s', 0],
  ];
  for (const [s, ms] of cases) assert.equal(parseGoDuration(s), ms, s);
});

test('parseGoDuration: rejects what Go rejects', () => {
  for (const s of ['', '5', '1x', 's', '.s', '-', '+', '1m 5s', ' 1s', '1s ', 'ms', '1.2.3s', '1e3s', '1S', '10000000000h']) {
    assert.throws(() => parseGoDuration(s), Error, JSON.stringify(s));
  }
  assert.throws(() => parseGoDuration('5'), /missing unit/);
  assert.throws(() => parseGoDuration('5d'), /unknown unit "d"/);
});

test('formatGoDuration prints Go-like text', () => {
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(250), '250ms');
  assert.equal(formatGoDuration(90_000), '1m30s');
  assert.equal(formatGoDuration(9_900_000), '2h45m0s');
});
