/**
 * The statsd line protocol, parsed from bytes (spec/statsd.md §1.2), straight into a
 * StatAccumulator. One datagram (or one TCP line batch) at a time, synchronously: the hot path
 * allocates nothing per metric except a set member string and, the first time a key is seen, the
 * key string (keys are interned by their bytes).
 */
import { parseGoFloat, parseGoFloat32, parseState } from '../../../core/go-float.js';
import type { StatAccumulator } from '../../../plugin-api/index.js';

const NL = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const COLON = 0x3a;
const PIPE = 0x7c;
const AT = 0x40;

export interface ParserOptions {
  /** Accept `|s` (sets), as Etsy statsd does; Heka rejects them. */
  sets: boolean;
  /** `+N`/`-N` gauges change the gauge (Etsy); Heka sets the signed value. */
  gaugeDeltas: boolean;
}

/** What a parse run found; counters are cumulative over the parser's life. */
export interface ParseCounters {
  metrics: number;
  badLines: number;
  /** Counter/timer/gauge values that did not parse as numbers; Heka stores 0 for them (not bad lines). */
  badValues: number;
  /** Stats refused because the accumulator was stopping. */
  undelivered: number;
}

interface KeyEntry {
  /** The key's bytes when it is not pure ASCII; ASCII keys compare against `str` (no Buffer kept). */
  bytes: Buffer | null;
  str: string;
  next: KeyEntry | null;
}

/** Interns key strings by their bytes so a known key costs a hash and a compare, no allocation. */
export class KeyCache {
  private table = new Map<number, KeyEntry>();
  private size = 0;
  constructor(private readonly maxEntries = 1 << 20) {}

  get(buf: Buffer, start: number, end: number): string {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const len = end - start;
    const head = this.table.get(h);
    for (let e: KeyEntry | null = head ?? null; e !== null; e = e.next) {
      const b = e.bytes;
      let k = 0;
      if (b === null) {
        const str = e.str;
        if (str.length !== len) continue;
        while (k < len && str.charCodeAt(k) === buf[start + k]) k++;
      } else {
        if (b.length !== len) continue;
        while (k < len && b[k] === buf[start + k]) k++;
      }
      if (k === len) return e.str;
    }
    if (this.size >= this.maxEntries) {
      this.table.clear();
      this.size = 0;
    }
    let ascii = true;
    for (let i = start; i < end; i++) if (buf[i]! > 0x7f) ascii = false;
    const str = buf.toString(ascii ? 'latin1' : 'utf8', start, end);
    // 100,000 keys would otherwise keep 100,000 small Buffers alive.
    this.table.set(h, { bytes: ascii ? null : Buffer.from(buf.subarray(start, end)), str, next: head ?? null });
    this.size++;
    return str;
  }
}

const TYPE_COUNTER = 1;
const TYPE_TIMER = 2;
const TYPE_GAUGE = 3;
const TYPE_SET = 4;

export class StatsdParser {
  readonly counters: ParseCounters = { metrics: 0, badLines: 0, badValues: 0, undelivered: 0 };
  private readonly keys = new KeyCache();

  constructor(
    private readonly opts: ParserOptions,
    private accum: StatAccumulator | null,
    /** Called for each bad line with its bytes (already trimmed). */
    private readonly onBadLine: (buf: Buffer, start: number, end: number) => void,
  ) {}

  setAccumulator(accum: StatAccumulator): void {
    this.accum = accum;
  }

  /** Parses every line of buf[start, end). */
  parse(buf: Buffer, start: number, end: number): void {
    let s = start;
    while (s < end) {
      let e = buf.indexOf(NL, s);
      if (e === -1 || e > end) e = end;
      // trim " \t\n" (CR is not trimmed, as in Heka)
      let ls = s;
      let le = e;
      while (ls < le && (buf[ls] === SP || buf[ls] === TAB)) ls++;
      while (le > ls && (buf[le - 1] === SP || buf[le - 1] === TAB)) le--;
      if (le > ls) this.line(buf, ls, le);
      s = e + 1;
    }
  }

  private line(buf: Buffer, s: number, e: number): void {
    const len = e - s;
    let colon = -1;
    for (let i = s; i < e; i++) {
      if (buf[i] === COLON) {
        colon = i;
        break;
      }
    }
    if (colon < 0 || len < colon - s + 3) return this.bad(buf, s, e);
    let pipe = -1;
    for (let i = colon + 1; i < e; i++) {
      if (buf[i] === PIPE) {
        pipe = i;
        break;
      }
    }
    if (pipe < 0 || len < pipe - s + 2) return this.bad(buf, s, e);
    const r = pipe + 1; // modifier start
    const rlen = e - r;
    const m0 = buf[r]!;
    let type = 0;
    let tail = -1; // where a sample-rate suffix may start
    if (rlen === 1) {
      if (m0 === 0x63 /* c */ || m0 === 0x68 /* h */ || m0 === 0x6d /* m */) type = TYPE_COUNTER;
      else if (m0 === 0x67 /* g */) type = TYPE_GAUGE;
      else if (m0 === 0x73 /* s */ && this.opts.sets) type = TYPE_SET;
    } else if (rlen === 2) {
      if (m0 === 0x6d && buf[r + 1] === 0x73) type = TYPE_TIMER;
    } else if (m0 === 0x63) {
      type = TYPE_COUNTER;
      tail = r + 1;
    } else if (m0 === 0x67) {
      type = TYPE_GAUGE;
      tail = r + 1;
    } else if (m0 === 0x6d && buf[r + 1] === 0x73) {
      type = TYPE_TIMER;
      tail = r + 1;
    } else if (m0 === 0x73 && this.opts.sets) {
      type = TYPE_SET;
      tail = r + 1;
    }
    if (type === 0) return this.bad(buf, s, e);
    let rate = 1;
    if (tail >= 0) {
      if (buf[tail] === 0x73 /* s: the tail of "ms" */) tail++;
      if (e - tail >= 3 && buf[tail] === PIPE && buf[tail + 1] === AT) {
        rate = parseGoFloat32(buf, tail + 2, e);
        if (!parseState.ok) return this.bad(buf, s, e);
        // Deliberate difference: Heka divides by a zero/negative/NaN rate and adds garbage.
        if (!(rate > 0) || rate === Infinity) return this.bad(buf, s, e);
      }
    }
    const accum = this.accum;
    if (accum === null) return;
    const key = this.keys.get(buf, s, colon);
    const vs = colon + 1;
    let ok = true;
    switch (type) {
      case TYPE_COUNTER: {
        const v = parseGoFloat32(buf, vs, pipe);
        if (!parseState.ok) this.counters.badValues++;
        // Heka: all float32, truncated toward zero per stat.
        const inc = Math.trunc(Math.fround(v * Math.fround(1 / rate)));
        ok = accum.counter(key, Number.isFinite(inc) ? inc : 0);
        break;
      }
      case TYPE_TIMER: {
        const v = parseGoFloat(buf, vs, pipe);
        if (!parseState.ok) this.counters.badValues++;
        ok = accum.timer(key, v);
        break;
      }
      case TYPE_GAUGE: {
        const v = parseGoFloat(buf, vs, pipe);
        if (!parseState.ok) this.counters.badValues++;
        const c = buf[vs];
        ok = accum.gauge(key, v, this.opts.gaugeDeltas && (c === 0x2b || c === 0x2d));
        break;
      }
      default:
        ok = accum.set(key, buf.toString('utf8', vs, pipe));
    }
    this.counters.metrics++;
    if (!ok) this.counters.undelivered++;
  }

  private bad(buf: Buffer, s: number, e: number): void {
    this.counters.badLines++;
    this.onBadLine(buf, s, e);
  }
}
