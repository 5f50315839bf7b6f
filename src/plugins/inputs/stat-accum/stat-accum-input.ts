/**
 * StatAccumInput (spec/statsd.md §2): aggregates stats handed to it by StatsdInputs (and other
 * feeders) and emits one `heka.statmetric` message per ticker_interval, with Heka's reset
 * semantics. Accumulation and flushing run on the one JS thread, so they never interleave.
 */
import { untilAborted } from '../../../core/abort.js';
import { FieldType, Message, newUuid } from '../../../core/message.js';
import type { Input, InputContext, ReportField, StatAccumulator } from '../../../plugin-api/index.js';
import { goFloatFromString } from '../../../core/go-float.js';
import { goFixed6 } from './go-format.js';
import type { StatAccumConfig } from './config.js';

/** Appends `<prefix>.` unless the prefix is empty or already ends in a dot (Heka's namespaceTree). */
function ns(parent: string, prefix: string): string {
  if (prefix.length === 0 || prefix.endsWith('.')) return parent + prefix;
  return parent + prefix + '.';
}

/**
 * Timer values and set members accepted while flushes are held back (downstream full): about
 * 16 MB of numbers. Beyond it new ones are refused and counted rather than let memory grow with
 * the length of an outage.
 */
const MAX_HELD_VALUES = 1_000_000;

export class StatAccumInput implements Input, StatAccumulator {
  readonly isStatAccumulator = true as const;
  private counters = new Map<string, number>();
  private timers = new Map<string, number[]>();
  private gauges = new Map<string, number>();
  private sets = new Map<string, Set<string>>();
  private stopped = false;
  private ctx: InputContext | null = null;
  private flushes = 0;
  /** Ticks whose flush was held back because downstream was full (the stats kept accumulating). */
  private heldTicks = 0;
  private heldTotal = 0;
  /** Timer values and set members taken while a flush is held: bounded by MAX_HELD_VALUES. */
  private heldValues = 0;
  private refusedWhileHeld = 0;
  private readonly payloadWriter = new TextWriter();
  private lastFlushStats = 0;
  private readonly G: string;
  private readonly C: string;
  private readonly T: string;
  private readonly Gg: string;
  private readonly S: string;
  private readonly statsdNs: string;

  constructor(private readonly cfg: StatAccumConfig) {
    if (!cfg.emit_in_payload && !cfg.emit_in_fields) {
      throw new Error('One of either `EmitInPayload` or `EmitInFields` must be set to true.');
    }
    if (!(cfg.ticker_interval > 0)) throw new Error('TickerInterval must be greater than 0.');
    this.G = ns('', cfg.global_prefix);
    this.C = ns(this.G, cfg.counter_prefix);
    this.T = ns(this.G, cfg.timer_prefix);
    this.Gg = ns(this.G, cfg.gauge_prefix);
    this.S = ns(this.G, cfg.set_prefix);
    this.statsdNs = cfg.legacy_namespaces ? ns('', cfg.statsd_prefix) : ns(this.G, cfg.statsd_prefix);
  }

  // --- accumulation (hot path: one map lookup, no allocation for known keys) ---------------

  counter(key: string, inc: number): boolean {
    if (this.stopped) return false;
    const c = this.counters.get(key);
    this.counters.set(key, c === undefined ? inc : c + inc);
    return true;
  }

  timer(key: string, value: number): boolean {
    if (this.stopped || (this.heldTicks > 0 && !this.takeHeldValue())) return false;
    const t = this.timers.get(key);
    if (t === undefined) this.timers.set(key, [value]);
    else t.push(value);
    return true;
  }

  gauge(key: string, value: number, relative: boolean): boolean {
    if (this.stopped) return false;
    if (relative) this.gauges.set(key, (this.gauges.get(key) ?? 0) + value);
    else this.gauges.set(key, value);
    return true;
  }

  set(key: string, member: string): boolean {
    if (this.stopped || (this.heldTicks > 0 && !this.takeHeldValue())) return false;
    const s = this.sets.get(key);
    if (s === undefined) this.sets.set(key, new Set([member]));
    else s.add(member);
    return true;
  }

  /** While a flush is held, timer values and set members grow with traffic: stop at a bound. */
  private takeHeldValue(): boolean {
    if (this.heldValues >= MAX_HELD_VALUES) {
      this.refusedWhileHeld++;
      return false;
    }
    this.heldValues++;
    return true;
  }

  dropStat(bucket: string, value: string, modifier: string, sampling: number): boolean {
    if (modifier === 'ms') return this.timer(bucket, parseOr0(value));
    if (modifier === 'g') return this.gauge(bucket, parseOr0(value), false);
    const v = Math.fround(parseOr0(value));
    const inc = Math.trunc(Math.fround(v * Math.fround(1 / Math.fround(sampling))));
    return this.counter(bucket, Number.isFinite(inc) ? inc : 0);
  }

  // --- lifecycle ----------------------------------------------------------------------------

  async run(ctx: InputContext): Promise<void> {
    this.ctx = ctx;
    this.stopped = false;
    const intervalS = ctx.tickerInterval > 0 ? ctx.tickerInterval : this.cfg.ticker_interval;
    const timer = ctx.clock.interval(() => this.flushTo(ctx, intervalS, false), intervalS * 1000);
    await untilAborted(ctx.signal);
    timer.cancel();
    // Heka flushes once more at shutdown, after the last tick.
    this.flushTo(ctx, intervalS, true);
    this.stopped = true;
  }

  /**
   * One tick. A statsd source cannot be paused, so when downstream is full (an output stuck,
   * its queue at capacity) the flush is held back instead of queued: the stats keep accumulating
   * and the next flush that goes out covers every held interval (rates over the whole span). That
   * keeps the queue bounded without losing counts; while held, timer values and set members are
   * bounded too, and stats beyond it are refused (StatsdInput counts them as UndeliveredStats).
   */
  private flushTo(ctx: InputContext, intervalS: number, final: boolean): void {
    if (!final && ctx.blocked) {
      if (this.heldTicks === 0) ctx.log.warn('Downstream is full: holding the flush back; stats keep accumulating.');
      this.heldTicks++;
      this.heldTotal++;
      return;
    }
    const span = intervalS * (this.heldTicks + 1);
    if (this.heldTicks > 0) {
      ctx.log.info(
        `Flushing ${this.heldTicks + 1} intervals at once after downstream drained` +
          (this.refusedWhileHeld > 0 ? `; ${this.refusedWhileHeld} timer values / set members were refused meanwhile.` : '.'),
      );
    }
    this.heldTicks = 0;
    this.heldValues = 0;
    this.refusedWhileHeld = 0;
    const msg = this.flush(ctx.clock.nowMs(), ctx.clock.nowNs(), span);
    msg.hostname = ctx.hostname;
    msg.logger = ctx.name;
    ctx.deliver(msg);
    // A flush of many keys (100,000 keys: ~9 MB of text) leaves its garbage in the old generation,
    // which V8 lets grow far before collecting: collect once the flush has been handed on, so the
    // peak RSS follows the live data (bin/hekad.js runs node with --expose-gc).
    if ((msg.payload?.length ?? 0) >= BIG_FLUSH_BYTES && typeof globalThis.gc === 'function') {
      ctx.clock.timeout(() => globalThis.gc?.(), 50, { keepAlive: false });
    }
  }

  /** Builds the flush message and resets the stats (exported for tests and benchmarks). */
  flush(nowMs: number, nowNs: number, intervalS: number = this.cfg.ticker_interval): Message {
    const cfg = this.cfg;
    const nowUnix = Math.floor(nowMs / 1000);
    const ts = ' ' + nowUnix + '\n';
    const msg = new Message();
    const inPayload = cfg.emit_in_payload;
    const inFields = cfg.emit_in_fields;
    // Lines go into a byte buffer, not a string built with +=: with 100,000 keys a growing rope is
    // still reachable when the young generation is scavenged, so all of it would be promoted and the
    // old generation (and RSS) would balloon with garbage.
    const payload = this.payloadWriter;
    payload.reset();
    const emitD = (name: string, v: number): void => {
      if (inPayload) payload.add(name + ' ' + goFixed6(v) + ts);
      if (inFields) msg.addField(name, FieldType.DOUBLE, v, '');
    };
    const emitI = (name: string, v: number): void => {
      if (inPayload) payload.add(name + ' ' + v + ts);
      if (inFields) msg.addField(name, FieldType.INTEGER, v, '');
    };
    if (inFields) msg.addField('timestamp', FieldType.INTEGER, nowUnix, '');
    let numStats = 0;
    const del = cfg.delete_idle_stats;

    for (const [key, c] of this.counters) {
      const rate = c / intervalS;
      if (cfg.legacy_namespaces) {
        if (inFields) msg.addField(this.G + key, FieldType.INTEGER, Math.trunc(rate), '');
        if (inPayload) payload.add(this.G + key + ' ' + goFixed6(rate) + ts);
        emitI('stats_counts.' + key, c);
      } else {
        const k = this.C + key + '.';
        emitD(k + 'rate', rate);
        emitI(k + 'count', c);
      }
      numStats++;
    }
    if (del) this.counters.clear();
    else for (const key of this.counters.keys()) this.counters.set(key, 0);

    for (const [key, g] of this.gauges) {
      emitD(this.Gg + key, g);
      numStats++;
    }
    if (del) this.gauges.clear();

    const p = cfg.percent_threshold;
    for (const [key, list] of this.timers) {
      const k = this.T + key + '.';
      const n = list.length;
      let lower = 0, upper = 0, sum = 0, mean = 0, countPs = 0, meanP = 0, upperP = 0;
      if (n > 0) {
        const t = Float64Array.from(list).sort();
        let acc = 0;
        const cum = new Float64Array(n);
        for (let i = 0; i < n; i++) cum[i] = acc += t[i]!;
        countPs = n / intervalS;
        lower = t[0]!;
        upper = t[n - 1]!;
        meanP = lower;
        upperP = upper;
        if (n > 1) {
          const kk = n - Math.floor(((100 - p) / 100) * n + 0.5);
          if (kk > 0) {
            meanP = cum[kk - 1]! / kk;
            upperP = t[kk - 1]!;
          }
        }
        sum = cum[n - 1]!;
        mean = sum / n;
      }
      emitI(k + 'count', n);
      emitD(k + 'count_ps', countPs);
      emitD(k + 'lower', lower);
      emitD(k + 'upper', upper);
      emitD(k + 'sum', sum);
      emitD(k + 'mean', mean);
      emitD(k + 'mean_' + p, meanP);
      emitD(k + 'upper_' + p, upperP);
      numStats++;
      if (!del) list.length = 0;
    }
    if (del) this.timers.clear();

    for (const [key, s] of this.sets) {
      emitI(this.S + key + '.count', s.size);
      numStats++;
    }
    if (del) this.sets.clear();
    else for (const s of this.sets.values()) s.clear();

    emitI(this.statsdNs + 'numStats', numStats);

    msg.type = cfg.message_type;
    msg.timestamp = nowNs;
    msg.uuid = newUuid();
    msg.pid = process.pid;
    msg.severity = 7;
    msg.payload = payload.text();
    this.flushes++;
    this.lastFlushStats = numStats;
    return msg;
  }

  report(): ReportField[] {
    return [
      { name: 'Flushes', value: this.flushes, representation: 'count' },
      { name: 'NumStats', value: this.lastFlushStats, representation: 'count' },
      { name: 'PendingCounters', value: this.counters.size, representation: 'count' },
      { name: 'PendingTimers', value: this.timers.size, representation: 'count' },
      { name: 'PendingGauges', value: this.gauges.size, representation: 'count' },
      { name: 'PendingSets', value: this.sets.size, representation: 'count' },
      { name: 'HeldFlushes', value: this.heldTotal, representation: 'count' },
    ];
  }
}

/** Heka's accumulator parses Stat values with ParseFloat and stores 0 on failure. */
function parseOr0(s: string): number {
  return goFloatFromString(s) ?? 0;
}

/**
 * Builds a large text from many small pieces without a long-lived rope: pieces are written into a
 * fixed 64 KiB byte buffer, each full buffer becomes one flat chunk string, and the chunks are
 * joined once at the end.
 */
/** Payload size from which a flush is followed by a full garbage collection. */
const BIG_FLUSH_BYTES = 2 * 1024 * 1024;

class TextWriter {
  private readonly buf = Buffer.allocUnsafe(64 * 1024);
  private len = 0;
  private chunks: string[] = [];

  reset(): void {
    this.len = 0;
    this.chunks = [];
  }

  add(s: string): void {
    if (this.len + s.length * 3 > this.buf.length) {
      this.chunks.push(this.buf.toString('utf8', 0, this.len));
      this.len = 0;
      if (s.length * 3 > this.buf.length) {
        this.chunks.push(s);
        return;
      }
    }
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  text(): string {
    if (this.len > 0) this.chunks.push(this.buf.toString('utf8', 0, this.len));
    this.len = 0;
    const t = this.chunks.length === 1 ? this.chunks[0]! : this.chunks.join('');
    this.chunks = [];
    return t;
  }
}
