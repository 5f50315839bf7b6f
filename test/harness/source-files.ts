/** The project's TypeScript sources (not tests, not declarations), for tests that check code rules. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's src/ folder (tests run from dist/, sources stay in place). */
export const SRC = join(fileURLToPath(new URL('.', import.meta.url)), '../../../src');

export function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}
