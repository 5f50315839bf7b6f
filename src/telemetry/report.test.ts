import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ReportCategory, ReportField, ReportRecord } from '../plugin-api/index.js';
import { goldenPath } from '../../test/harness/fake-output-context.js';
import { goFloatText, reportJson, reportText } from './report.js';

type GoldenRecord = Record<string, unknown> & { Name: string };

/** Records equal to what the golden file holds, in its array order. */
function recordsOf(golden: Record<string, GoldenRecord[]>): ReportRecord[] {
  const out: ReportRecord[] = [];
  for (const [category, recs] of Object.entries(golden)) {
    for (const rec of recs) {
      const fields: ReportField[] = [];
      for (const [k, v] of Object.entries(rec)) {
        if (k === 'Name') continue;
        const f = v as { representation: string; value: number | string };
        fields.push({ name: k, value: f.value, representation: f.representation });
      }
      out.push({ category: category as ReportCategory, name: rec.Name, fields: fields.reverse() });
    }
  }
  return out;
}

test("reportJson reproduces Heka 0.10's heka_report.json byte for byte from the same records", () => {
  const text = readFileSync(goldenPath('dashboard/data/heka_report.json'), 'utf8');
  // The fields are handed over in reverse order: key order must come from the encoder's sort.
  const records = recordsOf(JSON.parse(text));
  assert.equal(reportJson(records) + '\n', text);
});

test('reportJson escapes like Go and keeps the last of two fields with one name', () => {
  const json = reportJson([
    { category: 'inputs', name: 'a<b>&c', fields: [{ name: 'x', value: 1, representation: 'count' }, { name: 'x', value: 2, representation: 'count' }] },
  ]);
  assert.equal(json, '{"inputs":[{"Name":"a\\u003cb\\u003e\\u0026c","x":{"representation":"count","value":2}}]}');
});

test('goFloatText prints like Go %v of a float64', () => {
  // Hand-worked from Go's rule: %e when the decimal exponent is < -4 or >= 6 (shortest digits).
  assert.equal(goFloatText(8388608), '8.388608e+06'); // dashboard.md §3.4
  assert.equal(goFloatText(1_000_000), '1e+06');
  assert.equal(goFloatText(999_999), '999999');
  assert.equal(goFloatText(1279310), '1.27931e+06');
  assert.equal(goFloatText(30), '30');
  assert.equal(goFloatText(0), '0');
  assert.equal(goFloatText(1.5), '1.5');
  assert.equal(goFloatText(0.0001), '0.0001');
  assert.equal(goFloatText(0.00001), '1e-05');
  assert.equal(goFloatText(-2.5e21), '-2.5e+21');
  assert.equal(goFloatText(1e100), '1e+100');
});

test("reportText follows Heka's layout: fixed categories, NONE, fixed columns only", () => {
  const records: ReportRecord[] = [
    {
      category: 'globals',
      name: 'Router',
      fields: [{ name: 'ProcessMessageCount', value: 26, representation: 'count' }],
    },
    { category: 'inputs', name: 'StatsdInput', fields: [{ name: 'PacketsReceived', value: 3 }] },
    {
      category: 'filters',
      name: 'HttpStatus',
      fields: [
        // Out of column order and with fields the text does not print.
        { name: 'TimerEventAvgDuration', value: 104652, representation: 'ns' },
        { name: 'InChanLength', value: 0, representation: 'count' },
        { name: 'InChanCapacity', value: 30, representation: 'count' },
        { name: 'ProcessMessageFailures', value: 0, representation: 'count' },
        { name: 'MaxMemory', value: 8388608, representation: 'B' },
      ],
    },
    { category: 'inputs', name: 'nginx', fields: [{ name: 'SynchronousDecode', value: 'true' }] },
  ];
  const expected = [
    '========[heka.all-report]========',
    '',
    '====Globals====',
    'Router:',
    '    ProcessMessageCount: 26',
    '',
    '====Inputs====',
    'StatsdInput:',
    'nginx:',
    '    SynchronousDecode: true',
    '',
    '====Splitters====',
    'NONE',
    '',
    '',
    '====Decoders====',
    'NONE',
    '',
    '',
    '====Filters====',
    'HttpStatus:',
    '    InChanCapacity: 30',
    '    InChanLength: 0',
    '    MaxMemory: 8.388608e+06',
    '    TimerEventAvgDuration: 104652',
    '',
    '====Outputs====',
    'NONE',
    '',
    '',
    '====Encoders====',
    // Go: "NONE\n" joined by "\n" and followed by "\n========\n".
    'NONE',
    '',
    '========',
    '',
  ].join('\n');
  assert.equal(reportText(records), expected);
});
