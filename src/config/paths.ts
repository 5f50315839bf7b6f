/**
 * Relative plugin paths (spec/config.md §4): resources hekad reads resolve against `share_dir`
 * (sandbox `filename`, `module_directory`, dashboard `static_directory`), data it writes against
 * `base_dir` (journals, sandbox state, output queues). Absolute paths are kept as given.
 */
import path from 'node:path';
import type { GlobalConfig } from '../plugin-api/index.js';

/** Absolute on this OS, or a Windows path with a volume name / UNC prefix (as Go's filepath.IsAbs). */
export function isAbsolutePath(p: string): boolean {
  return path.isAbsolute(p) || (process.platform === 'win32' && path.win32.isAbsolute(p));
}

function resolveAgainst(dir: string, p: string): string {
  if (p === '') return dir;
  return isAbsolutePath(p) ? p : path.join(dir, p);
}

/** A path to a resource hekad reads, resolved against share_dir unless absolute. */
export function resolveSharePath(globals: Pick<GlobalConfig, 'share_dir'>, p: string): string {
  return resolveAgainst(globals.share_dir, p);
}

/** A path to data hekad writes, resolved against base_dir unless absolute. */
export function resolveBasePath(globals: Pick<GlobalConfig, 'base_dir'>, p: string): string {
  return resolveAgainst(globals.base_dir, p);
}
