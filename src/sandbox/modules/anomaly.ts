/**
 * Heka's anomaly module (spec/sandbox.md §7): `anomaly_config` parsing and detection with rate of
 * change (roc) and Mann-Whitney-Wilcoxon (mww, mww_nonparametric) over a circular buffer column.
 * All ns arithmetic is in doubles, in Heka's order (the §7.5 rounding note follows from it).
 */
import type { CircularBuffer } from '../circular-buffer.js';
import { formatG } from '../number-format.js';
import type { Annotation, AnnotationModule } from './annotation.js';

export interface RocConfig {
  type: 'roc';
  col: number;
  win: number;
  hwin: number;
  sd: number;
  loss_of_data: boolean;
  start_of_data: boolean;
}
export interface MwwConfig {
  type: 'mww';
  col: number;
  win: number;
  nwin: number;
  pvalue: number;
  trend: 'decreasing' | 'increasing' | 'any';
}
export interface MwwNonparametricConfig {
  type: 'mww_nonparametric';
  col: number;
  win: number;
  nwin: number;
  pstat: number;
}
export type AlgorithmConfig = RocConfig | MwwConfig | MwwNonparametricConfig;
export type AnomalyConfig = Map<string, AlgorithmConfig[]>;

export class AnomalyConfigError extends Error {
  override name = 'AnomalyConfigError';
  constructor() {
    super('could not parse the anomaly_config');
  }
}

const WS = ' \t\n\v\f\r';

class Cursor {
  i = 0;
  constructor(readonly s: string) {}
  lit(t: string): boolean {
    if (this.s.startsWith(t, this.i)) {
      this.i += t.length;
      return true;
    }
    return false;
  }
  ws(): void {
    while (this.i < this.s.length && WS.includes(this.s[this.i]!)) this.i++;
  }
  name(): string | null {
    if (this.s[this.i] !== '"') return null;
    let j = this.i + 1;
    let out = '';
    for (;;) {
      if (j >= this.s.length) return null;
      const ch = this.s[j]!;
      if (ch === '"') {
        if (this.s[j + 1] === '"') {
          out += '"';
          j += 2;
          continue;
        }
        break;
      }
      out += ch;
      j++;
    }
    if (out === '') return null;
    this.i = j + 1;
    return out;
  }
  int(): number | null {
    const m = /^[0-9]+/.exec(this.s.slice(this.i));
    if (!m) return null;
    this.i += m[0].length;
    return Number(m[0]);
  }
  dec(): number | null {
    const m = /^[0-9]+(\.[0-9]+)?/.exec(this.s.slice(this.i));
    if (!m) return null;
    this.i += m[0].length;
    return Number(m[0]);
  }
  pstat(): number | null {
    const m = /^0(\.[0-9]+)?/.exec(this.s.slice(this.i));
    if (!m) return null;
    this.i += m[0].length;
    return Number(m[0]);
  }
  oneOf<T extends string>(words: readonly T[]): T | null {
    for (const w of words) if (this.lit(w)) return w;
    return null;
  }
  /** ',' WS* */
  sep(): boolean {
    if (!this.lit(',')) return false;
    this.ws();
    return true;
  }
}

/** Parses an anomaly_config string; undefined/empty input means "no anomaly detection" (undefined). */
export function parseAnomalyConfig(text: string | undefined): AnomalyConfig | undefined {
  if (text === undefined) return undefined;
  const cur = new Cursor(text);
  const out: AnomalyConfig = new Map();
  let items = 0;
  while (cur.i < text.length) {
    cur.ws();
    const start = cur.i;
    const parsed = parseRoc(cur) ?? ((cur.i = start), parseMwwNp(cur)) ?? ((cur.i = start), parseMww(cur));
    if (parsed === null) throw new AnomalyConfigError();
    const [name, cfg] = parsed;
    let list = out.get(name);
    if (list === undefined) out.set(name, (list = []));
    list.push(cfg);
    items++;
  }
  if (items === 0) throw new AnomalyConfigError();
  return out;
}

function parseRoc(c: Cursor): [string, RocConfig] | null {
  if (!c.lit('roc(')) return null;
  const name = c.name();
  if (name === null || !c.sep()) return null;
  const col = c.int();
  if (col === null || !c.sep()) return null;
  const win = c.int();
  if (win === null || !c.sep()) return null;
  const hwin = c.int();
  if (hwin === null || !c.sep()) return null;
  const sd = c.dec();
  if (sd === null || !c.sep()) return null;
  const loss = c.oneOf(['true', 'false'] as const);
  if (loss === null || !c.sep()) return null;
  const start = c.oneOf(['true', 'false'] as const);
  if (start === null || !c.lit(')')) return null;
  return [name, { type: 'roc', col, win, hwin, sd, loss_of_data: loss === 'true', start_of_data: start === 'true' }];
}

function parseMww(c: Cursor): [string, MwwConfig] | null {
  if (!c.lit('mww(')) return null;
  const name = c.name();
  if (name === null || !c.sep()) return null;
  const col = c.int();
  if (col === null || !c.sep()) return null;
  const win = c.int();
  if (win === null || !c.sep()) return null;
  const nwin = c.int();
  if (nwin === null || !c.sep()) return null;
  const pvalue = c.dec();
  if (pvalue === null || !c.sep()) return null;
  const trend = c.oneOf(['decreasing', 'increasing', 'any'] as const);
  if (trend === null || !c.lit(')')) return null;
  return [name, { type: 'mww', col, win, nwin, pvalue, trend }];
}

function parseMwwNp(c: Cursor): [string, MwwNonparametricConfig] | null {
  if (!c.lit('mww_nonparametric(')) return null;
  const name = c.name();
  if (name === null || !c.sep()) return null;
  const col = c.int();
  if (col === null || !c.sep()) return null;
  const win = c.int();
  if (win === null || !c.sep()) return null;
  const nwin = c.int();
  if (nwin === null || !c.sep()) return null;
  const pstat = c.pstat();
  if (pstat === null || !c.lit(')')) return null;
  return [name, { type: 'mww_nonparametric', col, win, nwin, pstat }];
}

interface RunState {
  last_run: number;
  interval: number;
}

/** Per-sandbox detection state (rate limiting per payload name). */
export class AnomalyModule {
  private runs = new Map<string, RunState>();

  constructor(private readonly annotation: AnnotationModule) {}

  parseConfig(text: string | undefined): AnomalyConfig | undefined {
    return parseAnomalyConfig(text);
  }

  /** Returns [messages joined by '\n', annotations] when something fired, else undefined. */
  detect(ns: number, name: string, cbuf: CircularBuffer, config: AnomalyConfig | undefined): [string, Annotation[]] | undefined {
    if (cbuf.get(ns, 1) === undefined) cbuf.add(ns, 1, NaN);
    const algs = config?.get(name);
    if (algs === undefined) return undefined;
    let run = this.runs.get(name);
    if (run === undefined) {
      run = { last_run: 0, interval: cbuf.getConfiguration()[2] * 1e9 };
      this.runs.set(name, run);
    }
    if (!(ns > run.last_run && ns - run.last_run >= run.interval)) return undefined;
    run.last_run = ns;
    const msgs: string[] = [];
    const annos: Annotation[] = [];
    for (const a of algs) {
      const text = a.type === 'roc' ? roc(cbuf, a) : a.type === 'mww' ? mww(cbuf, a) : mwwNonparametric(cbuf, a);
      if (text === undefined) continue;
      if (text.startsWith('\0')) {
        msgs.push(`${name} - algorithm: ${a.type} col: ${a.col} msg: ${text.slice(1)}`);
        continue;
      }
      msgs.push(`${name} - algorithm: ${a.type} col: ${a.col} msg: ${text}`);
      annos.push(this.annotation.create(cbuf.currentTime(), a.col, 'A', text));
    }
    if (msgs.length === 0) return undefined;
    return [msgs.join('\n'), annos];
  }
}

// An argument error is reported as a message without an annotation; marked with a leading NUL.
function roc(cb: CircularBuffer, a: RocConfig): string | undefined {
  const [rows, , spr] = cb.getConfiguration();
  if (3 * a.win >= rows || (a.hwin > 0 && a.hwin < a.win)) {
    return `\0win=${a.win} hwin=${a.hwin} arguments out of range (rows=${rows})`;
  }
  const R = spr * 1e9;
  const C = cb.currentTime();
  const W = R * a.win;
  const hs = a.hwin > 0 ? C - 2 * W - a.hwin * R : undefined;
  const [hsd] = cb.compute('sd', a.col, hs ?? undefined, C - 2 * W - R);
  const [pavg, pn] = cb.compute('avg', a.col, C - 2 * W, C - W - R);
  const [cavg, cn] = cb.compute('avg', a.col, C - W, C - R);
  // A history window outside the buffer makes Heka's script fail; here it means "no history".
  const loss = a.loss_of_data && pn > 0 && cn === 0;
  const start = a.start_of_data && pn === 0 && cn > 0;
  const diff = cavg !== undefined && pavg !== undefined && hsd !== undefined && Math.abs(cavg - pavg) > hsd * a.sd;
  if (!(diff || loss || start)) return undefined;
  if (loss) return 'no new data';
  if (start) return 'unexpected data';
  return `detected anomaly, standard deviation exceeds ${formatG(a.sd, 6, true)}`;
}

function mww(cb: CircularBuffer, a: MwwConfig): string | undefined {
  const [rows, , spr] = cb.getConfiguration();
  if (a.win * a.nwin >= rows) return '\0arguments out of range';
  const R = spr * 1e9;
  const C = cb.currentTime();
  const W = a.win * R;
  const xs = C - W;
  const xe = C - R;
  const [mean] = cb.compute('avg', a.col, xs, xe);
  let result = 0;
  for (let s = C - 2 * W; s >= C - W * a.nwin + 1; s -= W) {
    const ye = s + W - R;
    if (a.trend !== 'any') {
      const [yavg] = cb.compute('avg', a.col, s, ye);
      if (yavg === undefined || mean === undefined) continue;
      const d = yavg - mean;
      if (a.trend === 'decreasing' ? !(d > 0) : !(d < 0)) continue;
    }
    const r = cb.mannwhitneyu(a.col, xs, xe, s, ye);
    if (r !== undefined && r[1] < a.pvalue) result++;
  }
  if (!(result > a.nwin / 4)) return undefined;
  return a.trend === 'any' ? 'detected anomaly' : `detected anomaly, ${a.trend} values`;
}

function mwwNonparametric(cb: CircularBuffer, a: MwwNonparametricConfig): string | undefined {
  const [rows, , spr] = cb.getConfiguration();
  if (a.win * a.nwin >= rows) return '\0arguments out of range';
  const R = spr * 1e9;
  const C = cb.currentTime();
  const W = a.win * R;
  const xs = C - W;
  const xe = C - R;
  let result = 0;
  for (let s = C - 2 * W; s >= C - W * a.nwin + 1; s -= W) {
    const r = cb.mannwhitneyu(a.col, xs, xe, s, s + W - R);
    if (r !== undefined) result += r[0] / (a.win * a.win) - 0.5;
  }
  const P = result / (a.nwin - 1) + 0.5;
  const fires = (a.pstat < 0.5 && P < a.pstat) || (a.pstat > 0.5 && P > a.pstat);
  if (!fires) return undefined;
  return `detected anomaly, pstat: ${formatG(P, 6, true)}`;
}
