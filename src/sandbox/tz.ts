/**
 * The decoder `tz` option (spec/sandbox.md §1.5): a timestamp whose UTC wall-clock reading is
 * really local time in zone `tz` is moved to the instant that local time denotes.
 */

/** A function that reinterprets ns timestamps in `zone`; throws on an unknown zone name. */
export function zoneReinterpreter(zone: string): (ns: number) => number {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  /** Offset of `zone` from UTC at instant `ms`, in ms. */
  const offset = (ms: number): number => {
    const p: Record<string, number> = {};
    for (const x of fmt.formatToParts(new Date(ms))) if (x.type !== 'literal') p[x.type] = Number(x.value);
    const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return asUtc - Math.floor(ms / 1000) * 1000;
  };
  return (ns: number): number => {
    const ms = Math.floor(ns / 1e6);
    const sub = ns - ms * 1e6;
    // Two passes settle the offset around DST changes.
    let t = ms - offset(ms);
    t = ms - offset(t);
    return t * 1e6 + sub;
  };
}
