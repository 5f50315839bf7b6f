import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registry } from '../plugins/index.js';
import { BEGIN, END, renderPluginReference } from './plugin-docs.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

test('README plugin reference matches the option schemas (run `npm run docs` after changing options)', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const b = readme.indexOf(BEGIN);
  const e = readme.indexOf(END);
  assert.ok(b >= 0 && e > b, 'README has the generated block');
  assert.equal(readme.slice(b, e + END.length), renderPluginReference(root, registry.values()));
});

test('every registered plugin has a folder with index.ts, config.ts, sample.toml, README.md and a test', () => {
  const index = readFileSync(join(root, 'src/plugins/index.ts'), 'utf8');
  for (const def of registry.values()) {
    const m = new RegExp(`import ${def.type} from '\\./([^']+)/index\\.js'`).exec(index);
    assert.ok(m, `${def.type} is imported from its folder`);
    const folder = join(root, 'src/plugins', m[1]!);
    for (const f of ['index.ts', 'config.ts', 'sample.toml', 'README.md']) {
      assert.doesNotThrow(() => readFileSync(join(folder, f)), `${def.type}: ${f}`);
    }
  }
});
