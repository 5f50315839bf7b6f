/**
 * Sampled matcher timing, as Heka does it (message.md §4.5): time every message until a baseline
 * of `capacity` samples exists, then one message after every R untimed ones, where
 * R = random(0..999) + sample_denominator.
 */
export class SampleTimer {
  samples = 0;
  totalNs = 0;
  private countdown = 0;
  private readonly every: number;

  constructor(private readonly baseline: number, sampleDenominator: number) {
    this.every = Math.floor(Math.random() * 1000) + sampleDenominator;
  }

  /** True when this call should be timed. */
  shouldTime(): boolean {
    if (this.samples <= this.baseline) return true;
    if (--this.countdown <= 0) {
      this.countdown = this.every;
      return true;
    }
    return false;
  }

  record(ns: number): void {
    this.samples++;
    this.totalNs += ns;
  }

  get avgNs(): number {
    return this.samples === 0 ? 0 : Math.floor(this.totalNs / this.samples);
  }
}

export function hrNs(): number {
  return Number(process.hrtime.bigint());
}
