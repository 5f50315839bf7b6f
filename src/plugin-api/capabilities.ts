/**
 * Capabilities: what one plugin instance offers another, found by section name through a typed
 * lookup (`InputContext.lookupInput(name, capability)`) instead of a cast or an import of the other
 * plugin's folder. A capability is an interface plus a guard that recognises an implementation.
 */

/** A named interface with a guard; `lookupInput` uses it to check what it found. */
export interface Capability<T> {
  /** What the error says the instance should have been ("a StatAccumulator"). */
  readonly name: string;
  is(x: unknown): x is T;
}

/**
 * What a StatsdInput (or a StatFilter) feeds: a StatAccumInput. Every method returns false when
 * the accumulator is stopping and the stat was not taken.
 */
export interface StatAccumulator {
  readonly isStatAccumulator: true;
  /** Add an already-scaled integer increment to a counter. */
  counter(key: string, inc: number): boolean;
  timer(key: string, value: number): boolean;
  /** Set a gauge, or change it by `value` when `relative`. */
  gauge(key: string, value: number, relative: boolean): boolean;
  /** Add a member to a set (counted as distinct members per flush). */
  set(key: string, member: string): boolean;
  /** Heka's string Stat (`modifier` "ms", "g" or anything else = counter), parsed as Heka does. */
  dropStat(bucket: string, value: string, modifier: string, sampling: number): boolean;
}

export const StatAccumulatorCapability: Capability<StatAccumulator> = {
  name: 'StatAccumulator',
  is: (x: unknown): x is StatAccumulator =>
    typeof x === 'object' && x !== null && (x as { isStatAccumulator?: unknown }).isStatAccumulator === true,
};
