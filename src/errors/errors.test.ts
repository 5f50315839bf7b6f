import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIG_ERROR_CODES, ConfigError, ConfigErrors, ConfigWarning, formatConfigIssue } from './errors.js';

test('issues format as `file: [section] option: reason`, dropping empty parts', () => {
  const e = new ConfigError('HEKA_ERR_CONFIG_UNKNOWN_KEY', {
    file: 'sanity.toml',
    section: 'LogOutput',
    option: 'encodr',
    reason: "unknown option (did you mean 'encoder'?)",
  });
  assert.equal(e.toString(), "sanity.toml: [LogOutput] encodr: unknown option (did you mean 'encoder'?)");
  assert.equal(e.message, e.toString());
  assert.equal(e.code, 'HEKA_ERR_CONFIG_UNKNOWN_KEY');
  assert.ok(e instanceof Error);
  assert.equal(formatConfigIssue({ file: 'a.toml', section: '', option: '', reason: 'Empty configuration, exiting.' }), 'a.toml: Empty configuration, exiting.');
  assert.equal(formatConfigIssue({ file: 'a.toml', section: 's.sub', option: '', reason: 'r' }), 'a.toml: [s.sub] r');
  assert.equal(formatConfigIssue({ file: 'a.toml', section: '', option: '', reason: 'r', line: 3, column: 7 }), 'a.toml:3:7: r');
  assert.equal(formatConfigIssue({ file: '', section: '', option: '', reason: 'r' }), 'r');
  assert.equal(formatConfigIssue({ file: '', section: '', option: '', reason: 'r', line: 2, column: 6 }), 'line 2:6: r');
  const w = new ConfigWarning('HEKAWRN001', { file: 'b.toml', section: 'x', reason: 'replaces the section of the same name in a.toml' });
  assert.equal(String(w), 'b.toml: [x] replaces the section of the same name in a.toml');
});

test('withFile fills in the file and keeps everything else', () => {
  const e = new ConfigError('HEKA_ERR_CONFIG_ENV_MISSING_DELIMITER', { reason: 'Missing closing delimiter', line: 2, column: 5 });
  const f = e.withFile('c.toml');
  assert.deepEqual([f.code, f.file, f.line, f.column, f.toString()], [e.code, 'c.toml', 2, 5, 'c.toml:2:5: Missing closing delimiter']);
});

test('ConfigErrors lists every error; every code is documented', () => {
  const errs = [
    new ConfigError('HEKA_ERR_CONFIG_EMPTY', { file: 'a', reason: 'x' }),
    new ConfigError('HEKA_ERR_CONFIG_REQUIRED', { file: 'a', section: 's', option: 'o', reason: 'y' }),
  ];
  const all = new ConfigErrors(errs);
  assert.equal(all.message, '2 configuration errors:\n  a: x\n  a: [s] o: y');
  for (const [code, doc] of Object.entries(CONFIG_ERROR_CODES)) {
    assert.match(code, /^HEKA_ERR_CONFIG_[A-Z_]+$/);
    assert.ok(doc.endsWith('.'), code);
  }
});
