/**
 * Go duration strings (time.ParseDuration), the format Heka uses for `max_pack_idle` and the
 * `retries` table: an optional sign, then one or more <number><unit> pairs, e.g. "250ms", "1.5h",
 * "2h45m". Units: ns, us (or µs / μs), ms, s, m, h. "0" alone needs no unit.
 */

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's limit: durations are int64 nanoseconds. */
const MAX_NS = 9223372036854775807;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parses a Go duration and returns milliseconds (fractions kept, so "1500us" is 1.5).
 * Throws an Error whose message says what is wrong.
 */
export function parseGoDuration(s: string): number {
  if (typeof s !== 'string') throw new Error(`invalid duration: expected a string`);
  const orig = s;
  let i = 0;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    i = 1;
  }
  if (s.slice(i) === '0') return 0;
  if (i === s.length) throw new Error(`invalid duration ${JSON.stringify(orig)}`);
  let totalNs = 0;
  while (i < s.length) {
    // Number: digits, optionally '.' and more digits; at least one digit overall.
    const numStart = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    const intDigits = i - numStart;
    let fracDigits = 0;
    if (s[i] === '.') {
      i++;
      const fracStart = i;
      while (i < s.length && isDigit(s.charCodeAt(i))) i++;
      fracDigits = i - fracStart;
    }
    if (intDigits === 0 && fracDigits === 0) throw new Error(`invalid duration ${JSON.stringify(orig)}`);
    const num = Number(s.slice(numStart, i));
    const unitStart = i;
    while (i < s.length && s[i] !== '.' && !isDigit(s.charCodeAt(i))) i++;
    if (unitStart === i) throw new Error(`missing unit in duration ${JSON.stringify(orig)}`);
    const unit = s.slice(unitStart, i);
    const scale = UNIT_NS[unit];
    if (scale === undefined) {
      throw new Error(`unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(orig)}`);
    }
    totalNs += num * scale;
    if (!(totalNs <= MAX_NS)) throw new Error(`invalid duration ${JSON.stringify(orig)}: out of range`);
  }
  const ms = totalNs / 1e6;
  return neg && ms !== 0 ? -ms : ms;
}

/** Formats milliseconds the way Go prints a duration ("1m30s", "250ms", "0s"); for messages. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1) return `${sign}${+(rest * 1000).toFixed(3)}µs`;
  if (rest < 1000) return `${sign}${+rest.toFixed(6)}ms`;
  const h = Math.floor(rest / 3600000);
  rest -= h * 3600000;
  const m = Math.floor(rest / 60000);
  rest -= m * 60000;
  const sec = +(rest / 1000).toFixed(9);
  let out = sign;
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  return `${out}${sec}s`;
}
