/**
 * Heka's circular buffer (lua_circular_buffer, spec/sandbox.md §4): a time-series of `rows` rows
 * of `seconds_per_row` seconds by `columns` columns, with Heka's exact text serialisation
 * (`cbuf`) and delta output (`cbufd`), compute() and the Mann-Whitney U test.
 *
 * Times are ns as doubles (DESIGN.md §1): row arithmetic happens in whole seconds.
 */
import { formatSandboxNumber } from './number-format.js';
import { ndtr } from './stats.js';

export type Aggregation = 'sum' | 'min' | 'max' | 'none';
export type ComputeFunction = 'sum' | 'avg' | 'sd' | 'variance' | 'min' | 'max';

export interface ColumnHeader {
  name: string;
  unit: string;
  aggregation: Aggregation;
}

/** A usage error raised to the calling script (Lua `luaL_error` equivalent). */
export class CircularBufferError extends Error {
  override name = 'CircularBufferError';
}

/** The preserved form of a buffer (preserve_data). */
export interface CircularBufferState {
  cbuf: 1;
  rows: number;
  columns: number;
  seconds_per_row: number;
  current_time: number;
  headers: ColumnHeader[];
  /** Row-major cells, oldest slot first as stored; null = NaN. */
  values: Array<number | null | string>;
  delta?: Array<[number, Array<number | null>]>;
  format: 'cbuf' | 'cbufd';
  delta_enabled?: boolean;
}

const AGGREGATIONS: readonly string[] = ['sum', 'min', 'max', 'none'];

function sanitizeName(s: string): string {
  return Buffer.from(s, 'utf8').subarray(0, 15).toString('latin1').replace(/[^A-Za-z0-9]/g, '_');
}
function sanitizeUnit(s: string): string {
  return Buffer.from(s, 'utf8').subarray(0, 7).toString('latin1').replace(/[^A-Za-z0-9/*]/g, '_');
}

function jsonString(s: string): string {
  return JSON.stringify(s);
}

export class CircularBuffer {
  readonly rows: number;
  readonly columns: number;
  readonly secondsPerRow: number;
  /** Start time (s) of the newest row. */
  private cur: number;
  private readonly cells: Float64Array;
  readonly headers: ColumnHeader[];
  private readonly deltaEnabled: boolean;
  /** Row time (s) -> per-column delta (NaN = untouched). */
  private delta: Map<number, Float64Array> | null;
  private outputFormat: 'cbuf' | 'cbufd' = 'cbuf';

  constructor(rows: number, columns: number, secondsPerRow: number, enableDelta = false) {
    if (!Number.isInteger(rows) || rows <= 1) throw new CircularBufferError('rows must be > 1');
    if (!Number.isInteger(columns) || columns <= 0) throw new CircularBufferError('columns must be > 0');
    if (!Number.isInteger(secondsPerRow) || secondsPerRow <= 0) throw new CircularBufferError('seconds_per_row must be > 0');
    this.rows = rows;
    this.columns = columns;
    this.secondsPerRow = secondsPerRow;
    this.cur = secondsPerRow * (rows - 1);
    this.cells = new Float64Array(rows * columns).fill(NaN);
    this.headers = [];
    for (let c = 1; c <= columns; c++) this.headers.push({ name: `Column_${c}`, unit: 'count', aggregation: 'sum' });
    this.deltaEnabled = enableDelta;
    this.delta = enableDelta ? new Map() : null;
  }

  private checkColumn(col: number): number {
    if (typeof col !== 'number' || !(col >= 1 && col <= this.columns)) throw new CircularBufferError('column out of range');
    return Math.trunc(col) - 1;
  }

  /** Sets a column header; returns `col`. */
  setHeader(col: number, name: string, unit = 'count', aggregation: string = 'sum'): number {
    const c = this.checkColumn(col);
    if (!AGGREGATIONS.includes(aggregation)) throw new CircularBufferError(`invalid option '${aggregation}'`);
    this.headers[c] = { name: sanitizeName(String(name)), unit: sanitizeUnit(String(unit)), aggregation: aggregation as Aggregation };
    return col;
  }

  getHeader(col: number): [string, string, Aggregation] {
    const h = this.headers[this.checkColumn(col)]!;
    return [h.name, h.unit, h.aggregation];
  }

  /** rows, columns, seconds_per_row */
  getConfiguration(): [number, number, number] {
    return [this.rows, this.columns, this.secondsPerRow];
  }

  /** Start of the newest row, in ns (a double). */
  currentTime(): number {
    return this.cur * 1e9;
  }

  /** Row time (s) of an ns time. */
  private rowTime(ns: number): number {
    const t = Math.trunc(ns / 1e9);
    return t - (t % this.secondsPerRow);
  }

  /** Row slot for a write (advancing the buffer), or -1 when too old. */
  private writeSlot(ns: number): number {
    const T = this.rowTime(ns);
    const spr = this.secondsPerRow;
    const d = T / spr - this.cur / spr;
    if (d > 0) {
      const n = Math.min(d, this.rows);
      const cols = this.columns;
      let slot = (this.cur / spr) % this.rows;
      for (let i = 0; i < n; i++) {
        slot = (slot + 1) % this.rows;
        this.cells.fill(NaN, slot * cols, slot * cols + cols);
      }
      this.cur = T;
    } else if (d <= -this.rows) {
      return -1;
    }
    return ((T / spr) % this.rows + this.rows) % this.rows;
  }

  /** Row slot for a read, or -1 when out of range (future or too old). */
  private readSlot(ns: number): number {
    const T = this.rowTime(ns);
    const spr = this.secondsPerRow;
    const d = T / spr - this.cur / spr;
    if (d > 0 || d <= -this.rows) return -1;
    return ((T / spr) % this.rows + this.rows) % this.rows;
  }

  private recordDelta(ns: number, c: number, value: number, aggregation: Aggregation, added: number): void {
    const T = this.rowTime(ns);
    let row = this.delta!.get(T);
    if (row === undefined) {
      row = new Float64Array(this.columns).fill(NaN);
      this.delta!.set(T, row);
    }
    if (aggregation === 'sum') {
      const prev = row[c]!;
      row[c] = prev !== prev ? added : prev + added;
    } else {
      row[c] = value;
    }
  }

  /** cell += v (cell = v when empty); returns the new value, or undefined when out of range. */
  add(ns: number, col: number, v: number): number | undefined {
    const c = this.checkColumn(col);
    const slot = this.writeSlot(ns);
    if (slot < 0) return undefined;
    const i = slot * this.columns + c;
    const old = this.cells[i]!;
    const nv = old !== old ? v : old + v;
    this.cells[i] = nv;
    if (this.delta !== null && v === v) this.recordDelta(ns, c, nv, this.headers[c]!.aggregation, v);
    return nv;
  }

  /** Stores v (min/max columns keep the extremum); returns the resulting cell value. */
  set(ns: number, col: number, v: number): number | undefined {
    const c = this.checkColumn(col);
    const slot = this.writeSlot(ns);
    if (slot < 0) return undefined;
    const i = slot * this.columns + c;
    const old = this.cells[i]!;
    const agg = this.headers[c]!.aggregation;
    let nv = v;
    if (agg === 'min') nv = old !== old || v < old ? v : old;
    else if (agg === 'max') nv = old !== old || v > old ? v : old;
    if (nv !== old || (old !== old && nv === nv)) {
      this.cells[i] = nv;
      if (this.delta !== null && nv === nv) this.recordDelta(ns, c, nv, agg, old !== old ? nv : nv - old);
    }
    return nv;
  }

  /** The cell value (NaN = no data), or undefined when the time is out of range. */
  get(ns: number, col: number): number | undefined {
    const c = this.checkColumn(col);
    const slot = this.readSlot(ns);
    if (slot < 0) return undefined;
    return this.cells[slot * this.columns + c];
  }

  /**
   * Aggregate column `col` over rows start..end (ns, inclusive; defaults: the whole buffer).
   * Returns [value, n non-NaN cells], or [undefined, 0] when a bound is out of range.
   */
  compute(fn: ComputeFunction, col: number, startNs?: number, endNs?: number): [number | undefined, number] {
    const c = this.checkColumn(col);
    const spr = this.secondsPerRow;
    const startT = startNs === undefined ? this.cur - spr * (this.rows - 1) : this.rowTime(startNs);
    const endT = endNs === undefined ? this.cur : this.rowTime(endNs);
    if (endT < startT) throw new CircularBufferError('end must be >= start');
    if (this.readSlot(startT * 1e9) < 0 || this.readSlot(endT * 1e9) < 0) return [undefined, 0];
    const n = (endT - startT) / spr + 1;
    let slot = ((startT / spr) % this.rows + this.rows) % this.rows;
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    const cols = this.columns;
    for (let k = 0; k < n; k++) {
      const v = this.cells[slot * cols + c]!;
      if (v === v) {
        count++;
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      slot = (slot + 1) % this.rows;
    }
    switch (fn) {
      case 'sum':
        return [sum, count];
      case 'avg':
        return [count ? sum / count : NaN, count];
      case 'min':
        return [count ? min : NaN, count];
      case 'max':
        return [count ? max : NaN, count];
      case 'variance':
      case 'sd': {
        if (count === 0) return [NaN, 0];
        const mean = sum / count;
        let acc = 0;
        slot = ((startT / spr) % this.rows + this.rows) % this.rows;
        for (let k = 0; k < n; k++) {
          const v = this.cells[slot * cols + c]!;
          if (v === v) acc += (v - mean) * (v - mean);
          slot = (slot + 1) % this.rows;
        }
        const variance = acc / count;
        return [fn === 'sd' ? Math.sqrt(variance) : variance, count];
      }
      default:
        throw new CircularBufferError(`invalid option '${String(fn)}'`);
    }
  }

  private columnValues(c: number, startNs: number, endNs: number): number[] | undefined {
    const spr = this.secondsPerRow;
    const s = this.rowTime(startNs);
    const e = this.rowTime(endNs);
    if (this.readSlot(s * 1e9) < 0 || this.readSlot(e * 1e9) < 0) return undefined;
    const out: number[] = [];
    let slot = ((s / spr) % this.rows + this.rows) % this.rows;
    for (let t = s; t <= e; t += spr) {
      out.push(this.cells[slot * this.columns + c]!);
      slot = (slot + 1) % this.rows;
    }
    return out;
  }

  /**
   * Mann-Whitney U test of rows s1..e1 (X) against s2..e2 (Y) in column `col` (spec §4.4).
   * Returns [U1, p] or undefined (a bound out of range, or every value tied).
   */
  mannwhitneyu(col: number, s1: number, e1: number, s2: number, e2: number, continuity = true): [number, number] | undefined {
    const c = this.checkColumn(col);
    if (e1 < s1 || e2 < s2) throw new CircularBufferError('end must be >= start');
    if ((s1 <= e2 && s2 <= e1)) throw new CircularBufferError('the ranges overlap');
    const xs = this.columnValues(c, s1, e1);
    const ys = this.columnValues(c, s2, e2);
    if (xs === undefined || ys === undefined) return undefined;
    const spr = this.secondsPerRow;
    const n1 = Math.trunc((e1 - s1) / 1e9 / spr) + 1;
    const n2 = Math.trunc((e2 - s2) / 1e9 / spr) + 1;
    const N = xs.length + ys.length;
    const idx: number[] = [];
    const vals = xs.concat(ys);
    for (let i = 0; i < N; i++) idx.push(i);
    // NaN sorts lowest; NaNs are equal among themselves.
    const cmp = (a: number, b: number): number => {
      const va = vals[a]!;
      const vb = vals[b]!;
      const na = va !== va;
      const nb = vb !== vb;
      if (na || nb) return na && nb ? 0 : na ? -1 : 1;
      return va < vb ? -1 : va > vb ? 1 : 0;
    };
    idx.sort(cmp);
    const ranks = new Float64Array(N);
    let tieSum = 0;
    for (let i = 0; i < N; ) {
      let j = i + 1;
      while (j < N && cmp(idx[i]!, idx[j]!) === 0) j++;
      const t = j - i;
      const avg = (i + 1 + j) / 2;
      for (let k = i; k < j; k++) ranks[idx[k]!] = avg;
      if (t > 1) tieSum += t * t * t - t;
      i = j;
    }
    const tc = 1 - tieSum / (N * N * N - N);
    if (tc === 0) return undefined;
    let r1 = 0;
    for (let i = 0; i < xs.length; i++) r1 += ranks[i]!;
    const u1 = r1 - (n1 * (n1 + 1)) / 2;
    const u2 = n1 * n2 - u1;
    const big = Math.max(u1, u2);
    const sd = Math.sqrt((tc * n1 * n2 * (n1 + n2 + 1)) / 12);
    const z = continuity ? Math.abs(big - 0.5 - (n1 * n2) / 2) / sd : Math.abs(big - (n1 * n2) / 2) / sd;
    return [u1, ndtr(-z)];
  }

  /** Selects the text output format ("cbuf" full, "cbufd" deltas since the last output). */
  format(f: string): this {
    if (f === 'cbuf') this.outputFormat = 'cbuf';
    else if (f === 'cbufd') {
      if (!this.deltaEnabled) throw new CircularBufferError('cbufd format requires a buffer created with enable_delta');
      this.outputFormat = 'cbufd';
    } else throw new CircularBufferError(`invalid option '${f}'`);
    return this;
  }

  private headerLine(): string {
    let s = `{"time":${this.cur - this.secondsPerRow * (this.rows - 1)},"rows":${this.rows},"columns":${this.columns},"seconds_per_row":${this.secondsPerRow},"column_info":[`;
    for (let c = 0; c < this.columns; c++) {
      const h = this.headers[c]!;
      if (c) s += ',';
      s += `{"name":${jsonString(h.name)},"unit":${jsonString(h.unit)},"aggregation":"${h.aggregation}"}`;
    }
    return s + ']}\n';
  }

  /** The text Heka emits for `inject_payload("cbuf", ...)`: header line then rows, oldest first. */
  output(): string {
    if (this.outputFormat === 'cbufd') return this.deltaOutput();
    const parts: string[] = [this.headerLine()];
    const cols = this.columns;
    let slot = ((this.cur / this.secondsPerRow + 1) % this.rows + this.rows) % this.rows; // oldest
    for (let r = 0; r < this.rows; r++) {
      let line = '';
      const base = slot * cols;
      for (let c = 0; c < cols; c++) {
        if (c) line += '\t';
        line += formatSandboxNumber(this.cells[base + c]!);
      }
      parts.push(line + '\n');
      slot = (slot + 1) % this.rows;
    }
    return parts.join('');
  }

  private deltaOutput(): string {
    const d = this.delta!;
    if (d.size === 0) return '';
    let s = this.headerLine();
    const times = [...d.keys()].sort((a, b) => a - b);
    for (const t of times) {
      const row = d.get(t)!;
      s += String(t);
      for (let c = 0; c < this.columns; c++) s += '\t' + formatSandboxNumber(row[c]!);
      s += '\n';
    }
    d.clear();
    return s;
  }

  toString(): string {
    return this.output();
  }

  /** Snapshot for preserve_data. */
  saveState(): CircularBufferState {
    const values: Array<number | null | string> = [];
    for (const v of this.cells) values.push(v !== v ? null : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v);
    const st: CircularBufferState = {
      cbuf: 1,
      rows: this.rows,
      columns: this.columns,
      seconds_per_row: this.secondsPerRow,
      current_time: this.cur,
      headers: this.headers.map((h) => ({ ...h })),
      values,
      format: this.outputFormat,
      delta_enabled: this.deltaEnabled,
    };
    if (this.delta !== null && this.delta.size > 0) {
      st.delta = [...this.delta].map(([t, row]) => [t, [...row].map((v) => (v !== v ? null : v))]);
    }
    return st;
  }

  /**
   * Restore a snapshot into this (freshly configured) buffer. Throws when the dimensions differ,
   * like Heka's `lsb_restore_global_data` (the caller reports it and keeps the fresh buffer).
   */
  restoreState(st: CircularBufferState): void {
    if (st.rows !== this.rows || st.columns !== this.columns || st.seconds_per_row !== this.secondsPerRow) {
      throw new CircularBufferError(
        `circular buffer dimensions changed (saved ${st.rows}x${st.columns}/${st.seconds_per_row}s, now ${this.rows}x${this.columns}/${this.secondsPerRow}s)`,
      );
    }
    if (!Array.isArray(st.values) || st.values.length !== this.cells.length || typeof st.current_time !== 'number') {
      throw new CircularBufferError('malformed circular buffer state');
    }
    for (let i = 0; i < this.cells.length; i++) {
      const v = st.values[i];
      this.cells[i] = v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);
    }
    this.cur = st.current_time;
    if (Array.isArray(st.headers) && st.headers.length === this.columns) {
      for (let c = 0; c < this.columns; c++) {
        const h = st.headers[c]!;
        if (h && AGGREGATIONS.includes(h.aggregation)) this.headers[c] = { name: String(h.name), unit: String(h.unit), aggregation: h.aggregation };
      }
    }
    if (st.format === 'cbufd' && this.deltaEnabled) this.outputFormat = 'cbufd';
    if (this.delta !== null && Array.isArray(st.delta)) {
      for (const [t, row] of st.delta) this.delta.set(t, Float64Array.from(row, (v) => (v === null ? NaN : v)));
    }
  }

  static isState(v: unknown): v is CircularBufferState {
    return typeof v === 'object' && v !== null && (v as { cbuf?: unknown }).cbuf === 1;
  }

  /** A buffer rebuilt from a snapshot (used when restoring user sandbox globals). */
  static fromState(st: CircularBufferState): CircularBuffer {
    const cb = new CircularBuffer(st.rows, st.columns, st.seconds_per_row, st.delta_enabled === true || st.format === 'cbufd');
    cb.restoreState(st);
    return cb;
  }
}

// Heka's Lua method names, so user sandboxes read like Heka's (cbuf:set_header(...) -> cbuf.set_header(...)).
export interface CircularBuffer {
  set_header: CircularBuffer['setHeader'];
  get_header: CircularBuffer['getHeader'];
  get_configuration: CircularBuffer['getConfiguration'];
  current_time: CircularBuffer['currentTime'];
}
Object.assign(CircularBuffer.prototype, {
  set_header: CircularBuffer.prototype.setHeader,
  get_header: CircularBuffer.prototype.getHeader,
  get_configuration: CircularBuffer.prototype.getConfiguration,
  current_time: CircularBuffer.prototype.currentTime,
});
