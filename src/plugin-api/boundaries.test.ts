/**
 * The plugin contract's boundaries (STYLE.md §2.3, issue 8 item 6): a plugin imports no other
 * plugin's folder (shared code lives in core/, net/, sandbox/ or plugin-api/), and no runner,
 * pipeline or CLI code reaches a plugin through a cast: every hook it calls is declared here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = join(fileURLToPath(new URL('.', import.meta.url)), '../../../src');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** `plugins/<kind>/<name>` of a file, or null outside src/plugins. */
function pluginFolder(file: string): string | null {
  const parts = relative(SRC, file).split(/[\\/]/);
  return parts[0] === 'plugins' && parts.length >= 4 ? parts.slice(0, 3).join('/') : null;
}

test('no plugin imports another plugin folder', () => {
  const offenders: string[] = [];
  for (const file of sources(join(SRC, 'plugins'))) {
    const own = pluginFolder(file);
    if (own === null) continue;
    // Test helpers may build fixtures from other plugins; plugin code may not.
    if (/test-helpers?\.ts$/.test(file)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = pluginFolder(resolve(dirname(file), m[1]!));
      if (target !== null && target !== own) offenders.push(`${relative(SRC, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('runners, pipeline and CLI call plugin hooks without casts', () => {
  const offenders: string[] = [];
  const cast = /\bas\s+(\(?\s*)?(Input|Output|Filter|Decoder|Encoder|Splitter)\b\s*&|\.(plugin|instance)\s+as\b|as\s+\{\s*\w+\??\s*:\s*\(/;
  for (const area of ['runners', 'pipeline', 'cli']) {
    for (const file of sources(join(SRC, area))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (cast.test(line)) offenders.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
        });
    }
  }
  assert.deepEqual(offenders, []);
});
