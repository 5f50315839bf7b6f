/**
 * The self-report's two renderings (dashboard.md §3): Heka's `heka.all-report` JSON layout and the
 * plain-text report printed on SIGUSR1. Both take the records of TelemetryRegistry.collect(), the
 * one source the dashboard, the signal and the progress line read (DESIGN.md §5).
 */
import type { ReportCategory, ReportRecord } from '../plugin-api/index.js';

export type { ReportCategory, ReportRecord };

/** Byte-order comparison of ASCII keys, as Go's map encoding sorts them. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's json encoder escapes <, > and & (and U+2028/U+2029) inside strings. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Heka's all-report JSON (without the trailing newline of the message payload): categories and the
 * keys of each record sorted by byte order, `Name` plus one `{representation, value}` object per
 * field; a field name given twice keeps its last value, as Go's map does.
 */
export function reportJson(records: readonly ReportRecord[]): string {
  const byCat = new Map<string, ReportRecord[]>();
  for (const r of records) {
    let list = byCat.get(r.category);
    if (!list) byCat.set(r.category, (list = []));
    list.push(r);
  }
  const cats = [...byCat.keys()].sort(byteOrder);
  const parts: string[] = [];
  for (const cat of cats) {
    const recs = byCat.get(cat)!.map((r) => {
      const entries = new Map<string, string>([['Name', goJson(r.name)]]);
      for (const f of r.fields) {
        entries.set(f.name, `{"representation":${goJson(f.representation ?? '')},"value":${goJson(f.value)}}`);
      }
      const keys = [...entries.keys()].sort(byteOrder);
      return '{' + keys.map((k) => `${goJson(k)}:${entries.get(k)!}`).join(',') + '}';
    });
    parts.push(`${goJson(cat)}:[${recs.join(',')}]`);
  }
  return '{' + parts.join(',') + '}';
}

/** The categories of the text report, in its fixed order, with their headings. */
const TEXT_CATEGORIES: ReadonlyArray<readonly [ReportCategory, string]> = [
  ['globals', 'Globals'],
  ['inputs', 'Inputs'],
  ['splitters', 'Splitters'],
  ['decoders', 'Decoders'],
  ['filters', 'Filters'],
  ['outputs', 'Outputs'],
  ['encoders', 'Encoders'],
];

/** The only fields the text report prints, in this order (dashboard.md §3.4). */
export const TEXT_REPORT_COLUMNS: readonly string[] = [
  'InChanCapacity',
  'InChanLength',
  'MatchChanCapacity',
  'MatchChanLength',
  'MatchAvgDuration',
  'ProcessMessageCount',
  'InjectMessageCount',
  'Memory',
  'MaxMemory',
  'MaxInstructions',
  'MaxOutput',
  'ProcessMessageAvgDuration',
  'TimerEventAvgDuration',
  'SynchronousDecode',
];

/**
 * A number as Go's `%v` prints a float64 (Heka's text report decodes the JSON into float64s):
 * shortest digits, exponent form when the decimal exponent is below -4 or at least 6
 * (8388608 -> `8.388608e+06`), with at least two exponent digits.
 */
export function goFloatText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const e = v.toExponential(); // shortest round-trip digits, e.g. "8.388608e+6"
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${e.slice(0, at)}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

function textValue(v: number | string | boolean): string {
  return typeof v === 'number' ? goFloatText(v) : String(v);
}

/**
 * The plain-text report printed on SIGUSR1 (dashboard.md §3.4), ending in `\n========\n`. The
 * daemon writes it to stderr through the error logger, which adds its prefix and one more newline.
 */
export function reportText(records: readonly ReportRecord[]): string {
  const parts: string[] = [];
  for (const [cat, title] of TEXT_CATEGORIES) {
    parts.push(`\n====${title}====`);
    const recs = records.filter((r) => r.category === cat);
    if (recs.length === 0) {
      parts.push('NONE\n');
      continue;
    }
    for (const r of recs) {
      const values = new Map<string, number | string | boolean>();
      for (const f of r.fields) values.set(f.name, f.value);
      const lines = [`${r.name}:`];
      for (const col of TEXT_REPORT_COLUMNS) {
        const v = values.get(col);
        if (v !== undefined) lines.push(`    ${col}: ${textValue(v)}`);
      }
      parts.push(lines.join('\n'));
    }
  }
  return `========[heka.all-report]========\n${parts.join('\n')}\n========\n`;
}
