/**
 * LogstreamerInput: discovers logstreams below log_directory, reads each one through its own
 * LogStream and journals acknowledged positions (logstreamer.md). Init (the constructor) resolves
 * the root, compiles the regex, performs the first scan and loads the journals; any error there
 * aborts startup, as in Heka. Later rescan errors are only logged.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Input, InputContext, PluginContext, ReportField, SplitterChoice } from '../../../plugin-api/index.js';
import type { LogstreamerConfig } from './config.js';
import {
  buildFileMatcher,
  groupStreams,
  normalizeTranslation,
  resolveRoot,
  scanFiles,
  type FileMatcher,
  type ScanError,
  type StreamFiles,
  type Translation,
} from './discovery.js';
import { readJournal, type JournalPosition } from './journal.js';
import { LogStream, type StreamCounters, type StreamHost } from './stream-reader.js';

// A rescan forced by an identity change that did not resolve (deleted file) repeats at most this often.
const MIN_FORCED_RESCAN_MS = 1000;

export class LogstreamerInput implements Input {
  readonly root: string;
  readonly matcher: FileMatcher;
  readonly journalDir: string;
  private readonly translation: Translation;
  private readonly differentiator: string[];
  private readonly initial: Array<{ stream: StreamFiles; journal: JournalPosition | null }> = [];
  private readonly streams = new Map<string, LogStream>();
  private readonly loops: Array<Promise<void>> = [];
  private readonly reported = new Set<string>();
  private readonly counters: StreamCounters = { errors: 0 };
  private ctx: InputContext | null = null;
  private host: StreamHost | null = null;
  private lastScanMs = 0;

  constructor(
    private readonly config: LogstreamerConfig,
    private readonly pctx: PluginContext,
  ) {
    if (!config.file_match) throw new Error('`file_match` setting is required.');
    try {
      this.root = resolveRoot(config.log_directory);
    } catch (e) {
      throw new Error(`log_directory '${config.log_directory}': ${(e as Error).message}`);
    }
    this.matcher = buildFileMatcher(this.root, config.file_match);
    this.translation = normalizeTranslation(config.translation as Record<string, Record<string, number>>);
    this.differentiator = config.differentiator.length > 0 ? config.differentiator : [pctx.name];
    this.journalDir = config.journal_directory || join(pctx.globals.base_dir, 'logstreamer');
    mkdirSync(this.journalDir, { recursive: true, mode: 0o744 });

    // The initial scan: every error is fatal here (Heka's Init).
    const scanErrors: ScanError[] = [];
    const paths = scanFiles(this.root, this.matcher.re, config.oldest_duration, pctx.clock.nowMs(), scanErrors);
    for (const se of scanErrors) pctx.log.warn(`Skipping unreadable '${se.path}': ${se.error.message}`);
    const errors: string[] = [];
    const streams = groupStreams(paths, this.matcher, this.translation, config.priority, this.differentiator, errors);
    if (errors.length > 0) throw new Error(errors.join('\n'));
    for (const s of streams) this.initial.push({ stream: s, journal: readJournal(join(this.journalDir, s.name)) });
    this.lastScanMs = pctx.clock.nowMs();
  }

  /** Stream names found so far (for heka-logstreamer style listings and tests). */
  streamFiles(): StreamFiles[] {
    if (this.streams.size === 0) return this.initial.map((i) => i.stream);
    return [...this.streams.values()].map((s) => ({ name: s.name, files: s.files }));
  }

  stream(name: string): LogStream | undefined {
    return this.streams.get(name);
  }

  async run(ctx: InputContext): Promise<void> {
    this.ctx = ctx;
    const self = this;
    this.host = {
      ctx,
      hostname: this.config.hostname || ctx.hostname,
      pollMs: Math.max(1, this.config.check_data_interval),
      initialTail: this.config.initial_tail,
      counters: this.counters,
      rescan: (force) => self.rescan(force),
      reportOnce: (key, err, what) => self.reportOnce(key, err, what),
      clearError: (key) => self.reported.delete(key),
    };
    // Register every stream before any loop runs: a loop rescans at once (before its first open),
    // and must find the others already known.
    const first = this.initial.splice(0).map(({ stream, journal }) => this.addStream(stream, journal, false));
    for (const s of first) this.loops.push(s.run());
    const rescans = this.rescanLoop(ctx.signal);
    await Promise.all([rescans, ...this.loops]);
    // Loops may still be appended by a late rescan; wait for every one of them.
    await Promise.all(this.loops);
    for (const s of this.streams.values()) s.writeJournal();
  }

  /**
   * Write every journal one last time (durably) and close the files. Call after the outputs have
   * flushed, so the acknowledgements they sent while draining are included.
   */
  async finalize(): Promise<void> {
    for (const s of this.streams.values()) {
      s.writeJournal(true);
      s.close();
    }
  }

  report(): ReportField[] {
    const fields: ReportField[] = [];
    let records = 0;
    let bytes = 0;
    let truncated = 0;
    let dropped = 0;
    for (const s of this.streams.values()) {
      fields.push(...s.report());
      const c = s.counts;
      records += c.records;
      bytes += c.bytes;
      truncated += c.truncated;
      dropped += c.dropped;
    }
    fields.push(
      { name: 'records', value: records, representation: 'count' },
      { name: 'bytes', value: bytes, representation: 'B' },
      { name: 'truncated', value: truncated, representation: 'count' },
      { name: 'dropped', value: dropped, representation: 'count' },
      { name: 'errors', value: this.counters.errors, representation: 'count' },
    );
    return fields;
  }

  private addStream(sf: StreamFiles, journal: JournalPosition | null, start = true): LogStream {
    const s = new LogStream(sf.name, join(this.journalDir, sf.name), this.host!, journal);
    s.setFiles(sf.files);
    this.streams.set(sf.name, s);
    if (start) this.loops.push(s.run());
    return s;
  }

  private async rescanLoop(signal: AbortSignal): Promise<void> {
    const interval = Math.max(1, this.config.rescan_interval);
    while (!signal.aborted) {
      await this.ctx!.clock.sleep(interval, signal);
      if (signal.aborted) break;
      this.rescan(true);
    }
  }

  /** Rescan the tree: update every stream's file list and start new streams. */
  rescan(force: boolean): void {
    const ctx = this.ctx;
    if (ctx === null || ctx.signal.aborted) return;
    const now = this.pctx.clock.nowMs();
    if (!force && now - this.lastScanMs < MIN_FORCED_RESCAN_MS) return;
    this.lastScanMs = now;
    const scanErrors: ScanError[] = [];
    const paths = scanFiles(this.root, this.matcher.re, this.config.oldest_duration, now, scanErrors);
    const seen = new Set<string>();
    for (const se of scanErrors) {
      const key = `scan:${se.path}`;
      seen.add(key);
      this.reportOnce(key, se.error, `Failed to read '${se.path}' while scanning; will retry.`);
    }
    for (const key of this.reported) if (key.startsWith('scan:') && !seen.has(key)) this.reported.delete(key);
    const errors: string[] = [];
    const streams = groupStreams(paths, this.matcher, this.translation, this.config.priority, this.differentiator, errors);
    for (const e of errors) this.reportOnce(`group:${e}`, new Error(e), 'Rescan error.');
    for (const sf of streams) {
      const existing = this.streams.get(sf.name);
      if (existing) {
        existing.setFiles(sf.files);
        continue;
      }
      let journal: JournalPosition | null;
      try {
        journal = readJournal(join(this.journalDir, sf.name));
      } catch (e) {
        this.reportOnce(`journal-load:${sf.name}`, e, `Cannot start stream '${sf.name}'.`);
        continue;
      }
      this.addStream(sf, journal);
    }
  }

  private reportOnce(key: string, err: unknown, what: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.counters.errors++;
    const detail = err instanceof Error ? err.message : String(err);
    if (this.ctx) {
      this.ctx.reportError(err, 'reading');
      this.ctx.log.error(`${what} ${detail}`);
    } else {
      this.pctx.log.error(`${what} ${detail}`);
    }
  }
}

/**
 * Heka 0.9's `parser_type` / `delimiter` / `delimiter_location` (used by the Getting Started guide,
 * rejected by 0.10): the equivalent Token or Regex splitter, which the pipeline creates.
 */
export function legacySplitter(config: LogstreamerConfig): SplitterChoice | null {
  if (config.parser_type === 'token') {
    return { type: 'TokenSplitter', config: { delimiter: config.delimiter || '\n' }, option: 'delimiter' };
  }
  if (config.parser_type === 'regexp') {
    const regex = { delimiter: config.delimiter || '\\n', delimiter_eol: config.delimiter_location !== 'start' };
    return { type: 'RegexSplitter', config: regex, option: 'delimiter' };
  }
  return null;
}
