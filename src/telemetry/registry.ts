/**
 * The one telemetry registry (DESIGN.md §5): every runner, and through its runner every plugin,
 * registers a report record (category + instance name) with a provider that is read on demand.
 * Nothing is copied or cached: `collect()` calls each provider at that moment, so the SIGUSR1
 * text, the `heka.all-report` message, `OutputContext.currentReport()` (the dashboard) and a
 * future Prometheus endpoint all see the same figures from the same counters.
 */
import type { ReportCategory, ReportField, ReportRecord } from '../plugin-api/index.js';

/** Reads one record's fields; called each time the report is collected. */
export type ReportProvider = () => readonly ReportField[];

/** Handle returned by register(): unregister() removes the record (a closed stream or connection). */
export interface ReportRegistration {
  readonly category: ReportCategory;
  readonly name: string;
  unregister(): void;
}

/**
 * Order in which collect() lists the categories: the order Heka builds its reports in
 * (pipeline/report.go). The JSON layout re-sorts them by name and the text report has its own
 * fixed order, so this order only shows through collect() itself.
 */
export const REPORT_CATEGORIES: readonly ReportCategory[] = [
  'globals',
  'inputs',
  'decoders',
  'splitters',
  'encoders',
  'filters',
  'outputs',
];

interface Entry {
  readonly category: ReportCategory;
  readonly name: string;
  readonly provider: ReportProvider;
  live: boolean;
}

const NO_FIELDS: ReportProvider = () => [];

export class TelemetryRegistry {
  private readonly byCategory = new Map<ReportCategory, Entry[]>(REPORT_CATEGORIES.map((c) => [c, []]));

  /**
   * Adds a record. Names need not be unique (Heka appends every record to its category's array),
   * but a runner registers each instance once. Without a provider the record carries only its name
   * (splitters, synchronous decoders in Heka).
   */
  register(category: ReportCategory, name: string, provider: ReportProvider = NO_FIELDS): ReportRegistration {
    const list = this.byCategory.get(category);
    if (list === undefined) throw new Error(`unknown report category '${String(category)}'`);
    const entry: Entry = { category, name, provider, live: true };
    list.push(entry);
    return {
      category,
      name,
      unregister: () => {
        if (!entry.live) return;
        entry.live = false;
        const at = list.indexOf(entry);
        if (at >= 0) list.splice(at, 1);
      },
    };
  }

  /** Number of records registered (all categories). */
  get size(): number {
    let n = 0;
    for (const list of this.byCategory.values()) n += list.length;
    return n;
  }

  /**
   * Every record with its fields as of now. A provider that throws yields a record holding only an
   * `Error` field with the message, as Heka does when a plugin's ReportMsg fails (dashboard.md §3.1);
   * one broken plugin never breaks the whole report.
   */
  collect(): ReportRecord[] {
    const out: ReportRecord[] = [];
    for (const category of REPORT_CATEGORIES) {
      for (const e of this.byCategory.get(category)!) out.push({ category, name: e.name, fields: read(e) });
    }
    return out;
  }
}

function read(e: Entry): readonly ReportField[] {
  try {
    return e.provider();
  } catch (err) {
    return [{ name: 'Error', value: err instanceof Error ? err.message : String(err), representation: '' }];
  }
}

/**
 * Heka's name for a per-input instance of a splitter or decoder template (pipeline/plugin_runners.go):
 * `<input>-<template>` when the input has one stream, `<input>-<template>-<token>` for a stream an
 * input opened with a token (LogstreamerInput numbers its log streams from 1, TcpInput uses the
 * peer address, ProcessInput `stdout`/`stderr`).
 */
export function instanceName(input: string, template: string, token?: string | number): string {
  return token === undefined || token === '' ? `${input}-${template}` : `${input}-${template}-${token}`;
}
