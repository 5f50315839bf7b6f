/**
 * preserve_data (spec/sandbox.md §1.7): a sandbox's globals are saved at a normal stop to
 * `<base_dir>/sandbox_preservation/<name>.data` and restored after initialisation at start.
 *
 * Format (a deliberate difference: JSON instead of a Lua chunk): one JSON object
 * `{"hekad_preservation":1,"version":N,"state":{...}}`. A version that differs from the script's
 * current `_PRESERVATION_VERSION` discards the file; a corrupt file is reported and ignored.
 * Numbers that JSON cannot carry (NaN, ±Infinity) are written as {"$num":"nan"|"inf"|"-inf"}.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function preservationPath(baseDir: string, name: string): string {
  return path.join(baseDir, 'sandbox_preservation', name.replace(/\W/g, '_') + '.data');
}

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return { $num: v !== v ? 'nan' : v > 0 ? 'inf' : '-inf' };
  return v;
}

function reviver(_key: string, v: unknown): unknown {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const n = (v as { $num?: unknown }).$num;
    if (typeof n === 'string' && Object.keys(v).length === 1) return n === 'nan' ? NaN : n === 'inf' ? Infinity : -Infinity;
  }
  return v;
}

/** Serialise a state to the preservation text. */
export function encodePreservation(version: number, state: Record<string, unknown>): string {
  return JSON.stringify({ hekad_preservation: 1, version, state }, replacer) + '\n';
}

export type LoadResult =
  | { status: 'missing' }
  | { status: 'version'; saved: number }
  | { status: 'corrupt'; reason: string }
  | { status: 'ok'; state: Record<string, unknown> };

export function decodePreservation(text: string, version: number): LoadResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text, reviver);
  } catch (err) {
    return { status: 'corrupt', reason: (err as Error).message };
  }
  const d = doc as { hekad_preservation?: unknown; version?: unknown; state?: unknown };
  if (typeof d !== 'object' || d === null || d.hekad_preservation !== 1 || typeof d.version !== 'number' || typeof d.state !== 'object' || d.state === null) {
    return { status: 'corrupt', reason: 'not a hekad sandbox preservation file' };
  }
  if (d.version !== version) return { status: 'version', saved: d.version };
  return { status: 'ok', state: d.state as Record<string, unknown> };
}

export function loadPreservation(file: string, version: number): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'corrupt', reason: (err as Error).message };
  }
  return decodePreservation(text, version);
}

/** Write atomically (temp file + rename), so a crash mid-write leaves the previous file. */
export function savePreservation(file: string, version: number, state: Record<string, unknown>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, encodePreservation(version, state));
  renameSync(tmp, file);
}
