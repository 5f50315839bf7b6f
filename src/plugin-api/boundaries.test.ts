/**
 * The plugin contract's boundaries (STYLE.md §2.3, issue 8 item 6): a plugin imports no other
 * plugin's folder (shared code lives in core/, net/, sandbox/ or plugin-api/), and no runner,
 * pipeline or CLI code reaches a plugin through a cast: every hook it calls is declared here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SRC, sourceFiles } from '../../test/harness/source-files.js';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';



/** `plugins/<kind>/<name>` of a file, or null outside src/plugins. */
function pluginFolder(file: string): string | null {
  const parts = relative(SRC, file).split(/[\\/]/);
  return parts[0] === 'plugins' && parts.length >= 4 ? parts.slice(0, 3).join('/') : null;
}

test('no plugin imports another plugin folder', () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(join(SRC, 'plugins'))) {
    const own = pluginFolder(file);
    if (own === null) continue;
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
    for (const file of sourceFiles(join(SRC, area))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (cast.test(line)) offenders.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
        });
    }
  }
  assert.deepEqual(offenders, []);
});
