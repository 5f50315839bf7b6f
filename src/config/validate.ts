/**
 * Schema-driven validation of one TOML table against an OptionSchema (plugin-api/options.ts):
 * case-insensitive key matching, type checks, enums, required options, durations, nested tables
 * and defaults. It never throws on user input; every problem is collected in an IssueSink.
 */
import { TomlDate } from 'smol-toml';
import { ConfigError, ConfigWarning } from '../errors/errors.js';
import type { ConfigErrorCode, ConfigWarningCode } from '../errors/errors.js';
import type { OptionSchema, OptionSpec } from '../plugin-api/options.js';
import { parseGoDuration } from './duration.js';
import { didYouMean } from './suggest.js';

/** Collects errors and warnings for one file. */
export class IssueSink {
  constructor(
    readonly file: string,
    readonly errors: ConfigError[],
    readonly warnings: ConfigWarning[],
  ) {}

  error(code: ConfigErrorCode, section: string, option: string, reason: string): void {
    this.errors.push(new ConfigError(code, { file: this.file, section, option, reason }));
  }

  warn(code: ConfigWarningCode, section: string, option: string, reason: string): void {
    this.warnings.push(new ConfigWarning(code, { file: this.file, section, option, reason }));
  }

  forFile(file: string): IssueSink {
    return new IssueSink(file, this.errors, this.warnings);
  }
}

export type RawTable = Record<string, unknown>;

export function isTable(v: unknown): v is RawTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** How a TOML value is named in messages. */
export function tomlTypeName(v: unknown): string {
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'datetime';
  if (isTable(v)) return 'table';
  return typeof v;
}

function show(v: unknown): string {
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return s.length > 60 ? s.slice(0, 57) + '..."' : s;
  }
  if (typeof v === 'number' && Number.isInteger(v)) return v.toFixed(1); // it was written as a float
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return tomlTypeName(v);
}

function describe(v: unknown): string {
  const t = tomlTypeName(v);
  return t === 'array' || t === 'table' || t === 'datetime' ? t : `${t} ${show(v)}`;
}

const EXPECTED: Record<OptionSpec['type'], string> = {
  string: 'a string',
  bool: 'a boolean',
  int: 'an integer',
  uint: 'a non-negative integer',
  float: 'a float',
  'string[]': 'an array of strings',
  'int[]': 'an array of integers',
  duration: 'a duration string (e.g. "250ms", "1m30s")',
  table: 'a table',
  any: 'a value',
};

/** Own-property set that also works for a key named __proto__. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * Deep copy of a free-form TOML value into plain JS: integers become numbers (exact up to 2^53),
 * tables become plain objects; dates stay TomlDate.
 */
export function toPlain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Date) return v;
  if (isTable(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setOwn(out, k, toPlain(v[k]));
    return out;
  }
  return v;
}

function cloneDefault(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof TomlDate) return v;
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}

function intValue(
  v: bigint,
  unsigned: boolean,
  sink: IssueSink,
  section: string,
  option: string,
): number | undefined {
  if (unsigned && v < 0n) {
    sink.error('HEKA_ERR_CONFIG_OUT_OF_RANGE', section, option, `expected a non-negative integer, got ${v}`);
    return undefined;
  }
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    sink.error('HEKA_ERR_CONFIG_OUT_OF_RANGE', section, option, `integer ${v} is too large (limit ${Number.MAX_SAFE_INTEGER})`);
    return undefined;
  }
  return n;
}

const INVALID = Symbol('invalid');

/** Converts and checks one value; returns INVALID after recording the problem. */
function convertValue(
  spec: OptionSpec,
  v: unknown,
  sink: IssueSink,
  section: string,
  option: string,
): unknown {
  const mismatch = (extra = ''): typeof INVALID => {
    sink.error('HEKA_ERR_CONFIG_TYPE_MISMATCH', section, option, `expected ${EXPECTED[spec.type]}, got ${describe(v)}${extra}`);
    return INVALID;
  };
  let out: unknown;
  switch (spec.type) {
    case 'string':
      if (typeof v !== 'string') return mismatch();
      out = v;
      break;
    case 'bool':
      if (typeof v !== 'boolean') return mismatch();
      out = v;
      break;
    case 'int':
    case 'uint': {
      if (typeof v !== 'bigint') {
        return mismatch(typeof v === 'number' ? ' (integers are written without a decimal point)' : '');
      }
      const n = intValue(v, spec.type === 'uint', sink, section, option);
      if (n === undefined) return INVALID;
      out = n;
      break;
    }
    case 'float':
      if (typeof v === 'bigint') {
        // Heka's TOML decoder refuses an integer literal for a float field; we follow it so a
        // config that loads here also loads in Heka, and say how to fix it.
        return mismatch(` (Heka rejects an integer literal for a float option; write ${v}.0)`);
      }
      if (typeof v !== 'number') return mismatch();
      out = v;
      break;
    case 'string[]':
      if (!Array.isArray(v)) return mismatch();
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] !== 'string') return mismatch(` (element ${i} is ${describe(v[i])})`);
      }
      out = v.slice();
      break;
    case 'int[]': {
      if (!Array.isArray(v)) return mismatch();
      const arr: number[] = [];
      for (let i = 0; i < v.length; i++) {
        const e = v[i];
        if (typeof e !== 'bigint') return mismatch(` (element ${i} is ${describe(e)})`);
        const n = intValue(e, false, sink, section, option);
        if (n === undefined) return INVALID;
        arr.push(n);
      }
      out = arr;
      break;
    }
    case 'duration': {
      if (typeof v !== 'string') return mismatch();
      let ms: number;
      try {
        ms = parseGoDuration(v);
      } catch (err) {
        sink.error('HEKA_ERR_CONFIG_BAD_DURATION', section, option, (err as Error).message);
        return INVALID;
      }
      if (ms < 0) {
        sink.error('HEKA_ERR_CONFIG_BAD_DURATION', section, option, `duration ${JSON.stringify(v)} must not be negative`);
        return INVALID;
      }
      out = ms;
      break;
    }
    case 'table':
      if (!isTable(v)) return mismatch();
      if (spec.schema) {
        const before = sink.errors.length;
        const t = validateTable(spec.schema, v, sink, `${section}.${option}`);
        if (sink.errors.length !== before) return INVALID;
        out = t;
      } else {
        if (spec.knownKeys) warnUnknownKeys(spec.knownKeys, v, sink, `${section}.${option}`);
        out = toPlain(v);
      }
      break;
    case 'any':
      out = toPlain(v);
      break;
    default:
      sink.error('HEKA_ERR_CONFIG_INVALID_VALUE', section, option, `option has unsupported schema type ${String(spec.type)}`);
      return INVALID;
  }
  if (spec.enum) {
    const vals = spec.type === 'string[]' ? (out as string[]) : typeof out === 'string' ? [out] : [];
    for (const s of vals) {
      if (!spec.enum.includes(s)) {
        sink.error(
          'HEKA_ERR_CONFIG_ENUM',
          section,
          option,
          `${JSON.stringify(s)} is not one of ${spec.enum.map((e) => JSON.stringify(e)).join(', ')}${didYouMean(s, spec.enum)}`,
        );
        return INVALID;
      }
    }
  }
  if (spec.check) {
    let reason: string | undefined;
    try {
      reason = spec.check(out);
    } catch (err) {
      reason = `check failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (reason !== undefined) {
      sink.error('HEKA_ERR_CONFIG_INVALID_VALUE', section, option, reason);
      return INVALID;
    }
  }
  return out;
}

function warnUnknownKeys(known: readonly string[], t: RawTable, sink: IssueSink, section: string): void {
  const set = new Set(known);
  for (const k of Object.keys(t)) {
    if (set.has(k)) continue;
    sink.warn('HEKAWRN002', section, k, `unknown key, ignored by the plugin${didYouMean(k, known)}`);
  }
}

/** The default of an absent option, converted like a configured value (durations to ms). */
export function defaultValue(spec: OptionSpec): unknown {
  if (spec.type === 'duration' && typeof spec.default === 'string') {
    try {
      return parseGoDuration(spec.default);
    } catch {
      return undefined; // a plugin bug; the schema test of that plugin catches it
    }
  }
  // An absent sub-table stays absent (a plugin may treat presence as "enabled", e.g. tls), unless
  // the schema gives it a default: then the default is completed with the nested defaults.
  if (spec.type === 'table' && spec.schema && spec.default !== undefined) {
    const out = applyDefaults(spec.schema);
    if (isTable(spec.default)) for (const k of Object.keys(spec.default)) setOwn(out, k, cloneDefault(spec.default[k]));
    return out;
  }
  return cloneDefault(spec.default);
}

/** An object holding every default of a schema (nested schema tables included). */
export function applyDefaults(schema: OptionSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    const d = defaultValue(schema[key]!);
    if (d !== undefined) setOwn(out, key, d);
  }
  return out;
}

export interface ValidateTableOptions {
  /** Lower-case keys accepted without validation and left out of the result (e.g. 'type'). */
  ignore?: ReadonlySet<string>;
}

/**
 * Validates `raw` against `schema`. Keys match case-insensitively and come back in the schema's
 * spelling; absent options get their defaults; required ones are reported. `section` is the
 * dotted path shown in messages.
 */
export function validateTable(
  schema: OptionSchema,
  raw: RawTable,
  sink: IssueSink,
  section: string,
  opts: ValidateTableOptions = {},
): Record<string, unknown> {
  const byLower = new Map<string, string>();
  for (const k of Object.keys(schema)) byLower.set(k.toLowerCase(), k);
  const seen = new Map<string, string>(); // schema key -> spelling used
  const out: Record<string, unknown> = {};
  for (const rawKey of Object.keys(raw)) {
    const lower = rawKey.toLowerCase();
    if (opts.ignore?.has(lower)) continue;
    const key = byLower.get(lower);
    if (key === undefined) {
      const candidates = [...Object.keys(schema), ...(opts.ignore ?? [])];
      sink.error('HEKA_ERR_CONFIG_UNKNOWN_KEY', section, rawKey, `unknown option${didYouMean(rawKey, candidates)}`);
      continue;
    }
    const prev = seen.get(key);
    if (prev !== undefined) {
      sink.error('HEKA_ERR_CONFIG_DUPLICATE_KEY', section, rawKey, `option given twice (also as '${prev}'); option names ignore case`);
      continue;
    }
    seen.set(key, rawKey);
    const v = convertValue(schema[key]!, raw[rawKey], sink, section, key);
    if (v !== INVALID) setOwn(out, key, v);
  }
  for (const key of Object.keys(schema)) {
    if (seen.has(key)) continue;
    const spec = schema[key]!;
    if (spec.required) {
      sink.error('HEKA_ERR_CONFIG_REQUIRED', section, key, 'missing required option');
      continue;
    }
    const d = defaultValue(spec);
    if (d !== undefined) setOwn(out, key, d);
  }
  return out;
}

/** The raw key matching `name` case-insensitively, if any. */
export function findKey(raw: RawTable, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const k of Object.keys(raw)) if (k.toLowerCase() === lower) return k;
  return undefined;
}
