/**
 * The self-report (dashboard.md §3): one record per component, folded into the JSON layout of
 * Heka's `heka.all-report` message. The dashboard, the SIGUSR1 text report and the progress line
 * all read this one source (DESIGN.md §5).
 */
import type { ReportField } from '../plugin-api/index.js';

export type ReportCategory = 'decoders' | 'encoders' | 'filters' | 'globals' | 'inputs' | 'outputs' | 'splitters';

export interface ReportRecord {
  category: ReportCategory;
  name: string;
  fields: ReportField[];
}

/** Byte-order comparison of ASCII keys, as Go's map encoding sorts them. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's json encoder escapes <, > and & inside strings. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => '\\u00' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

/** Heka's all-report JSON (without the trailing newline of the message payload). */
export function reportJson(records: ReportRecord[]): string {
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
      const entries: Array<[string, string]> = [['Name', goJson(r.name)]];
      for (const f of r.fields) {
        entries.push([
          f.name,
          `{"representation":${goJson(f.representation ?? '')},"value":${goJson(f.value)}}`,
        ]);
      }
      entries.sort((a, b) => byteOrder(a[0], b[0]));
      return '{' + entries.map(([k, v]) => `${goJson(k)}:${v}`).join(',') + '}';
    });
    parts.push(`${goJson(cat)}:[${recs.join(',')}]`);
  }
  return '{' + parts.join(',') + '}';
}

/** The plain-text report printed on SIGUSR1. */
export function reportText(records: ReportRecord[]): string {
  const lines: string[] = ['========[heka.all-report]========'];
  for (const r of records) {
    lines.push(`${r.name}:`);
    for (const f of r.fields) lines.push(`    ${f.name}: ${f.value}`);
  }
  lines.push('========');
  return lines.join('\n') + '\n';
}
