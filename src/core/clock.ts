/**
 * Time source injected wherever time matters (tickers, timestamps, throttles), so tests can run a
 * fake clock (DESIGN.md §2).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
  /** Nanoseconds since the epoch as a double (sub-microsecond digits are not meaningful). */
  nowNs(): number;
}

import { performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  // performance.now() has sub-millisecond resolution and, unlike hrtime.bigint(), allocates
  // nothing: this runs once per message on the hot path.
  nowNs: () => Math.round((origin + performance.now()) * 1e6),
};

export class FakeClock implements Clock {
  constructor(public ms = 0) {}
  nowMs(): number {
    return this.ms;
  }
  nowNs(): number {
    return this.ms * 1e6;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
