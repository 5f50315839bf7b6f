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

const hrBaseNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  // Date.now() has millisecond resolution; hrtime gives ordering within a millisecond.
  nowNs: () => Number(hrBaseNs + process.hrtime.bigint()),
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
