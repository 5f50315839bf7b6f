/**
 * File discovery (logstreamer.md §2-§4): the effective path regex, the recursive walk, the sort
 * value of every named group ("match parts"), the priority sort and the stream name.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { compileGoRegex } from '../../../core/go-regex.js';

export interface FileMatcher {
  re: RegExp;
  /** The effective pattern as Heka would print it. */
  source: string;
  groupNames: string[];
}

const GO_META = /[\\.+*?()|[\]{}^$]/g;

/** Go's regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(GO_META, '\\$&');
}

/** `^` + quoted root (+ separator) + file_match (+ `$`), as Heka builds it (§2 steps 1-2). */
export function buildFileMatcher(root: string, fileMatch: string): FileMatcher {
  let fm = fileMatch.endsWith('$') ? fileMatch : fileMatch + '$';
  let prefix = quoteMeta(root);
  if (!root.endsWith(sep) && !fm.startsWith(sep)) prefix += quoteMeta(sep);
  // A leading flag group such as (?i) would land mid-pattern, which JS cannot express: hoist it
  // (it then also applies to the root path, a harmless widening).
  let flags = '';
  const lead = /^\(\?[imsU]+\)/.exec(fm);
  if (lead) {
    flags = lead[0];
    fm = fm.slice(flags.length);
  }
  const source = `${flags}^${prefix}${fm}`;
  const re = compileGoRegex(source);
  const groups = new RegExp(`${re.source}|`, re.flags).exec('')!.groups ?? {};
  return { re, source: `^${prefix}${flags}${fm}`, groupNames: Object.keys(groups) };
}

/** The log_directory with symlinks resolved; throws when it does not exist (Init fails). */
export function resolveRoot(dir: string): string {
  return realpathSync(dir);
}

export interface ScanError {
  path: string;
  error: NodeJS.ErrnoException;
}

/**
 * Every non-directory below `root` whose full path matches and whose mtime is after
 * `nowMs - oldestMs` (0 disables the age filter). Links are not followed as directories.
 * Unreadable entries are skipped and reported through `errors`.
 */
export function scanFiles(root: string, re: RegExp, oldestMs: number, nowMs: number, errors: ScanError[] = []): string[] {
  const out: string[] = [];
  const cutoff = nowMs - oldestMs;
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      errors.push({ path: dir, error: e as NodeJS.ErrnoException });
      return;
    }
    for (const ent of entries) {
      const full = dir.endsWith(sep) ? dir + ent.name : dir + sep + ent.name;
      if (ent.isDirectory()) {
        walk(full);
        continue;
      }
      re.lastIndex = 0;
      if (!re.test(full)) continue;
      if (oldestMs > 0) {
        try {
          if (statSync(full).mtimeMs <= cutoff) continue;
        } catch (e) {
          errors.push({ path: full, error: e as NodeJS.ErrnoException });
          continue;
        }
      }
      out.push(full);
    }
  };
  walk(root);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Match parts (§3.1)

const MONTHS: Record<string, number> = {
  january: 1, jan: 1, february: 2, feb: 2, march: 3, mar: 3, april: 4, apr: 4, may: 5, june: 6, jun: 6,
  july: 7, jul: 7, august: 8, aug: 8, september: 9, sep: 9, october: 10, oct: 10, november: 11, nov: 11,
  december: 12, dec: 12,
};
const DAYS: Record<string, number> = {
  monday: 0, mon: 0, tuesday: 1, tue: 1, wednesday: 2, wed: 2, thursday: 3, thu: 3, friday: 4, fri: 4,
  saturday: 5, sat: 5, sunday: 6, sun: 6,
};

/** translation option with keys lower-cased (done once at Init). */
export type Translation = Map<string, Map<string, number>>;

export function normalizeTranslation(t: Record<string, Record<string, number | bigint>>): Translation {
  const out: Translation = new Map();
  for (const [group, map] of Object.entries(t ?? {})) {
    const m = new Map<string, number>();
    for (const [k, v] of Object.entries(map)) m.set(k.toLowerCase(), Number(v));
    if (m.size === 1 && !m.has('missing')) {
      throw new Error(`A translation map with one entry ('${group}') must be specifying a 'missing' key.`);
    }
    out.set(group, m);
  }
  return out;
}

export interface MatchParts {
  /** Raw matched text per named group ("" when it did not participate). */
  raw: Record<string, string>;
  /** Sort value per named group; absent (treated as 0) after an error. */
  sort: Record<string, number>;
  error?: string;
}

const DIGITS = /^[0-9]+$/;

export function matchParts(path: string, fm: FileMatcher, translation: Translation): MatchParts | null {
  fm.re.lastIndex = 0;
  const m = fm.re.exec(path);
  if (m === null) return null;
  const raw: Record<string, string> = {};
  const sort: Record<string, number> = {};
  const groups = m.groups ?? {};
  for (const g of fm.groupNames) raw[g] = groups[g] ?? '';
  let error: string | undefined;
  for (const g of fm.groupNames) {
    const r = raw[g]!;
    const v = r === '' ? 'missing' : r;
    const lv = v.toLowerCase();
    const table = translation.get(g);
    let value: number | undefined;
    if (g === 'MonthName') {
      value = MONTHS[lv];
      if (value === undefined) error = `Unable to locate month name: ${r}`;
    } else if (g === 'DayName') {
      value = DAYS[lv];
      if (value === undefined) error = `Unable to locate day name: ${r}`;
    } else if (table !== undefined && table.size > 1) {
      value = table.get(lv);
      if (value === undefined) error = `Value '${r}' not found in translation map '${g}'.`;
    } else if (table !== undefined && lv === 'missing' && table.has('missing')) {
      value = table.get('missing');
    } else {
      value = DIGITS.test(v) ? parseInt(v, 10) : -1;
    }
    if (error !== undefined) break;
    sort[g] = value!;
  }
  return error === undefined ? { raw, sort } : { raw, sort, error };
}

// ------------------------------------------------------------------------------------------------
// Priority sort (§3.2) and stream names (§4)

/** Heka's less(a, b) over the priority keys. */
export function priorityLess(a: MatchParts, b: MatchParts, priority: readonly string[]): boolean {
  for (const p of priority) {
    const rev = p.startsWith('^');
    const key = rev ? p.slice(1) : p;
    const av = a.sort[key] ?? 0;
    const bv = b.sort[key] ?? 0;
    if (av < bv) return !rev;
    if (av > bv) return rev;
  }
  return false;
}

export function streamName(parts: MatchParts, differentiator: readonly string[], groupNames: readonly string[]): string {
  let name = '';
  for (const d of differentiator) name += groupNames.includes(d) ? parts.raw[d] ?? '' : d;
  return name;
}

export interface StreamFiles {
  name: string;
  /** Oldest -> newest. */
  files: string[];
}

/**
 * Group matching paths into streams and sort each stream. Streams that cannot be sorted (several
 * files, no priority) are left out and reported in `errors`.
 */
export function groupStreams(
  paths: readonly string[],
  fm: FileMatcher,
  translation: Translation,
  priority: readonly string[],
  differentiator: readonly string[],
  errors: string[] = [],
): StreamFiles[] {
  const byName = new Map<string, Array<{ path: string; parts: MatchParts }>>();
  for (const path of paths) {
    const parts = matchParts(path, fm, translation);
    if (parts === null) continue;
    // Heka ignores match-part errors here: the file is used with the values it got.
    const name = streamName(parts, differentiator, fm.groupNames);
    let list = byName.get(name);
    if (!list) byName.set(name, (list = []));
    list.push({ path, parts });
  }
  const out: StreamFiles[] = [];
  for (const [name, list] of byName) {
    if (list.length > 1 && priority.length === 0) {
      errors.push(
        `Found multiple logfiles without Priority to sort on for name: ${name}, filematch: ${fm.source}, files: [${list
          .map((f) => f.path)
          .join(' ')}]`,
      );
      continue;
    }
    list.sort((a, b) => (priorityLess(a.parts, b.parts, priority) ? -1 : priorityLess(b.parts, a.parts, priority) ? 1 : 0));
    out.push({ name, files: list.map((f) => f.path) });
  }
  return out;
}
