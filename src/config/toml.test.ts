import { test } from 'node:test';
import { goldenPath } from '../../test/harness/fake-output-context.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { expandEnv } from './env.js';
import { ConfigError } from '../errors/errors.js';
import { parseToml, quoteTableHeaders } from './toml.js';

test('lenient headers: [tcp:5565], dashes, dotted sub-tables, indentation, comments', () => {
  const text = [
    '[tcp:5565]',
    'address = ":5565"',
    '[statmetric-influx-encoder]',
    'type = "SandboxEncoder"',
    '\t[nginx_access.config]',
    '\tlog_format = "x"',
    '  [a-b.config] # trailing comment',
    '  k = 1',
    '[ spaced name ]',
    '[quoted."x.y"]',
    "[lit.'z']",
  ].join('\n');
  const doc = parseToml(text, 'f.toml') as any;
  assert.deepEqual(Object.keys(doc), ['tcp:5565', 'statmetric-influx-encoder', 'nginx_access', 'a-b', 'spaced name', 'quoted', 'lit']);
  assert.equal(doc['tcp:5565'].address, ':5565');
  assert.equal(doc['nginx_access'].config.log_format, 'x');
  assert.equal(doc['a-b'].config.k, 1n);
  assert.deepEqual(Object.keys(doc.quoted), ['x.y']);
  assert.deepEqual(Object.keys(doc.lit), ['z']);
});

test('header quoting keeps line count and leaves multi-line strings and arrays alone', () => {
  const text = [
    'a = """',
    '[not:a.header]',
    '"""',
    "b = '''",
    '[also:not]',
    "'''",
    'c = [',
    '  ["x:y"],',
    '  [1, 2],',
    ']',
    'd = "[not:header]" # [nor:this]',
    '[real:one]',
  ].join('\n');
  const out = quoteTableHeaders(text);
  assert.equal(out.split('\n').length, text.split('\n').length);
  assert.equal(out.split('\n').slice(0, 11).join('\n'), text.split('\n').slice(0, 11).join('\n'));
  assert.equal(out.split('\n')[11], '["real:one"]');
  const doc = parseToml(text, 'f.toml') as any;
  assert.equal(doc.a, '[not:a.header]\n');
  assert.deepEqual(doc.c, [['x:y'], [1n, 2n]]);
  assert.ok(doc['real:one']);
});

test('array-of-tables headers are quoted too', () => {
  assert.equal(quoteTableHeaders('[[x:y.z]]\n'), '[["x:y".z]]\n');
});

test('integers stay distinguishable from floats', () => {
  const doc = parseToml('[s]\ni = 5\nf = 5.0\n', 'f.toml') as any;
  assert.equal(doc.s.i, 5n);
  assert.equal(doc.s.f, 5);
});

test('parse errors carry file, line and column', () => {
  assert.throws(
    () => parseToml('[a]\nx = 1\n\nx = 2\n', 'conf/dup.toml'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.code, 'HEKA_ERR_CONFIG_TOML_PARSE');
      assert.equal(e.file, 'conf/dup.toml');
      assert.equal(e.line, 4);
      assert.equal(e.column, 1);
      assert.match(e.reason, /^Error decoding config file: /);
      assert.match(e.toString(), /^conf\/dup\.toml:4:1: Error decoding config file: /);
      return true;
    },
  );
  assert.throws(() => parseToml('[a]\nx = 5x\n', 'bad.toml'), (e: unknown) => e instanceof ConfigError && e.line === 2);
  // the same table twice in one file is a TOML error
  assert.throws(() => parseToml('[a]\n[b]\n[a]\n', 'two.toml'), (e: unknown) => e instanceof ConfigError && e.line === 3);
});

test('every golden Heka 0.10 config parses with its sections intact', (t) => {
  const root = goldenPath('');
  assert.ok(fs.existsSync(root), `golden captures not found at ${root} (set HEKA_GOLDEN)`);
  void t;
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.toml')) files.push(p);
    }
  };
  walk(root);
  assert.ok(files.length >= 10, `found ${files.length} configs`);
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const doc = parseToml(expandEnv(text, {}), f);
    // every [name] header at column 0 became a top-level table
    const headers = [...text.matchAll(/^\[([^\].]+)\]/gm)].map((m) => m[1]!.trim());
    assert.deepEqual(Object.keys(doc).sort(), [...new Set(headers)].sort(), f);
  }
});
