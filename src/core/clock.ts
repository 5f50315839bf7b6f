/**
 * The one source of time (DESIGN.md §2). Every ticker, flush timer, retry backoff, reconnect
 * delay, throttle and rescan asks the clock, never `Date.now()`/`setTimeout`/`setInterval`
 * directly, so a test can run the whole daemon on a VirtualClock that advances instantly and
 * fires due timers in order.
 */
import { performance } from 'node:perf_hooks';

/** A pending one-shot or interval timer. */
export interface Timer {
  /** Stops it; a no-op when it already fired (one-shot) or was cancelled. Idempotent. */
  cancel(): void;
}

export interface TimerOptions {
  /**
   * Whether a real timer keeps the process alive (Node's ref/unref). Defaults to true; timers
   * that only bound a wait (a stop timeout) pass false so they never hold up exit.
   */
  keepAlive?: boolean;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
  /** Nanoseconds since the epoch as a double (sub-microsecond digits are not meaningful). */
  nowNs(): number;
  /** Runs `fn` once, `ms` milliseconds from now. */
  timeout(fn: () => void, ms: number, opts?: TimerOptions): Timer;
  /** Runs `fn` every `ms` milliseconds (first run `ms` from now) until cancelled. */
  interval(fn: () => void, ms: number, opts?: TimerOptions): Timer;
  /**
   * Resolves after `ms` milliseconds, or as soon as `signal` aborts (never rejects), so a backoff
   * or reconnect delay can be cut short by shutdown.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const origin = performance.timeOrigin;

function realTimer(handle: NodeJS.Timeout, clear: (h: NodeJS.Timeout) => void, opts?: TimerOptions): Timer {
  if (opts?.keepAlive === false) handle.unref();
  return { cancel: () => clear(handle) };
}

/** Sleep built on a clock's timeout, with abort support. */
function sleepOn(clock: Pick<Clock, 'timeout'>, ms: number, signal?: AbortSignal, opts?: TimerOptions): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      t.cancel();
      resolve();
    };
    const t = clock.timeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms, opts);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Wall-clock time and real Node timers: the daemon's clock. */
export const systemClock: Clock = {
  // The allow-listed place where real time enters (see clock-discipline.test.ts).
  nowMs: () => Date.now(),
  // performance.now() has sub-millisecond resolution and, unlike hrtime.bigint(), allocates
  // nothing: this runs once per message on the hot path.
  nowNs: () => Math.round((origin + performance.now()) * 1e6),
  timeout: (fn, ms, opts) => realTimer(setTimeout(fn, Math.max(0, ms)), clearTimeout, opts),
  interval: (fn, ms, opts) => realTimer(setInterval(fn, Math.max(1, ms)), clearInterval, opts),
  sleep: (ms, signal) => sleepOn(systemClock, ms, signal),
};

interface VirtualTimer extends Timer {
  due: number;
  seq: number;
  every: number; // 0 for one-shot
  fn: () => void;
  live: boolean;
}

/**
 * A clock for tests: time moves only when the test says so. `advance(ms)` moves time forward and
 * fires every timer that falls due on the way, in order of due time (then creation), each at its
 * own instant; `run(ms)` does the same but lets promise chains and I/O callbacks settle after each
 * timer, so async code woken by a timer (a retry, a reconnect) progresses before the next one.
 */
export class VirtualClock implements Clock {
  private timers: VirtualTimer[] = [];
  private seq = 0;

  constructor(public ms = 0) {}

  nowMs(): number {
    return this.ms;
  }
  nowNs(): number {
    return this.ms * 1e6;
  }

  timeout(fn: () => void, ms: number): Timer {
    return this.add(fn, Math.max(0, ms), 0);
  }
  interval(fn: () => void, ms: number): Timer {
    const every = Math.max(1, ms);
    return this.add(fn, every, every);
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Timers still pending. */
  get pending(): number {
    return this.timers.length;
  }

  /** When the next timer falls due, or null when none is pending. */
  nextDue(): number | null {
    return this.timers.length ? this.timers[0]!.due : null;
  }

  /** Moves time forward by `ms`, firing due timers synchronously in order. */
  advance(ms: number): void {
    const end = this.ms + Math.max(0, ms);
    for (let t = this.popDue(end); t !== null; t = this.popDue(end)) this.fire(t);
    this.ms = end;
  }

  /** Moves time forward by `ms`, letting async work settle after every timer it fires. */
  async run(ms: number): Promise<void> {
    const end = this.ms + Math.max(0, ms);
    await settle();
    for (let t = this.popDue(end); t !== null; t = this.popDue(end)) {
      this.fire(t);
      await settle();
    }
    this.ms = end;
    await settle();
  }

  /**
   * Advances through timers until `cond()` holds, at most `limitMs` of virtual time; resolves
   * true when it held. For "wait until the retry went through" without a wall-clock sleep.
   */
  async runUntil(cond: () => boolean, limitMs = 3_600_000): Promise<boolean> {
    const end = this.ms + limitMs;
    await settle();
    while (!cond()) {
      const t = this.popDue(end);
      if (t === null) {
        await settle();
        if (cond()) return true;
        const next = this.nextDue();
        if (next === null || next > end) return cond();
        continue;
      }
      this.fire(t);
      await settle();
    }
    return true;
  }

  private add(fn: () => void, delay: number, every: number): Timer {
    const t: VirtualTimer = {
      due: this.ms + delay,
      seq: this.seq++,
      every,
      fn,
      live: true,
      cancel: () => {
        if (!t.live) return;
        t.live = false;
        const i = this.timers.indexOf(t);
        if (i >= 0) this.timers.splice(i, 1);
      },
    };
    this.insert(t);
    return t;
  }

  private insert(t: VirtualTimer): void {
    // Timers are few in tests; a sorted array keeps firing order obvious.
    let i = this.timers.length;
    while (i > 0 && order(this.timers[i - 1]!, t) > 0) i--;
    this.timers.splice(i, 0, t);
  }

  private popDue(end: number): VirtualTimer | null {
    const t = this.timers[0];
    if (t === undefined || t.due > end) return null;
    this.timers.shift();
    return t;
  }

  private fire(t: VirtualTimer): void {
    if (t.due > this.ms) this.ms = t.due;
    if (t.every > 0) {
      t.due += t.every;
      t.seq = this.seq++;
      this.insert(t);
    } else {
      t.live = false;
    }
    t.fn();
  }
}

function order(a: VirtualTimer, b: VirtualTimer): number {
  return a.due - b.due || a.seq - b.seq;
}

/** Lets pending promise callbacks and already-queued I/O callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
