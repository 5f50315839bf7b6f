/**
 * Go `strconv.ParseFloat` on bytes, without allocating on the common path (statsd values are
 * short decimals). Anything unusual (exponents, long mantissas, inf/nan, hex floats) takes a slower
 * path that still follows Go's grammar, so what Heka rejects is rejected here too.
 */

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Result of the last parse when it failed (NaN is a valid parse result, so it cannot signal failure). */
export const parseState = { ok: true };

/**
 * Parses buf[start, end) as Go's ParseFloat(s, 64) would. On failure returns 0 and sets
 * parseState.ok = false (also for out-of-range values, which Go reports as ErrRange).
 */
export function parseGoFloat(buf: Uint8Array, start: number, end: number): number {
  parseState.ok = true;
  let i = start;
  if (i >= end) return fail();
  let neg = false;
  let c = buf[i]!;
  if (c === 0x2d || c === 0x2b) {
    neg = c === 0x2d;
    i++;
  }
  // Fast path: up to 15 significant digits, optional '.', no exponent -> exact by Clinger's rule.
  let mant = 0;
  let digits = 0;
  let fracDigits = 0;
  let sawDot = false;
  let sawDigit = false;
  let j = i;
  for (; j < end; j++) {
    c = buf[j]!;
    if (c >= 0x30 && c <= 0x39) {
      sawDigit = true;
      if (digits === 0 && c === 0x30 && !sawDot) continue; // leading zeros
      if (digits >= 15) break;
      mant = mant * 10 + (c - 0x30);
      if (mant !== 0) digits++;
      if (sawDot) fracDigits++;
    } else if (c === 0x2e && !sawDot) {
      sawDot = true;
    } else break;
  }
  if (j === end && sawDigit) {
    if (fracDigits > 22) return slow(buf, start, end);
    const v = fracDigits === 0 ? mant : mant / POW10[fracDigits]!;
    return neg ? -v : v;
  }
  return slow(buf, start, end);
}

/** Go's ParseFloat(s, 32): the value rounded to float32; out of float32 range is a failure. */
export function parseGoFloat32(buf: Uint8Array, start: number, end: number): number {
  const v = parseGoFloat(buf, start, end);
  if (!parseState.ok) return 0;
  const f = Math.fround(v);
  if (!Number.isFinite(f) && Number.isFinite(v)) return fail();
  return f;
}

function fail(): number {
  parseState.ok = false;
  return 0;
}

function slow(buf: Uint8Array, start: number, end: number): number {
  let s = '';
  for (let k = start; k < end; k++) s += String.fromCharCode(buf[k]!);
  const v = goFloatFromString(s);
  if (v === undefined) return fail();
  return v;
}

/** Go ParseFloat grammar on a string; undefined when Go would return an error. */
export function goFloatFromString(s: string): number | undefined {
  let i = 0;
  let sign = 1;
  if (s[0] === '+' || s[0] === '-') {
    if (s[0] === '-') sign = -1;
    i = 1;
  }
  const body = s.slice(i);
  const lower = body.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return sign * Infinity;
  if (lower === 'nan') return i === 0 ? NaN : undefined;
  if (lower.startsWith('0x')) return hexFloat(lower.slice(2), sign);
  // Decimal: digits [. digits] [e [+-] digits], at least one mantissa digit; '_' only between digits.
  let k = 0;
  let mantDigits = 0;
  const n = body.length;
  let clean = '';
  let prevDigit = false;
  const digitRun = (): void => {
    while (k < n) {
      const ch = body[k]!;
      if (ch >= '0' && ch <= '9') {
        clean += ch;
        mantDigits++;
        prevDigit = true;
        k++;
      } else if (ch === '_' && prevDigit && k + 1 < n && body[k + 1]! >= '0' && body[k + 1]! <= '9') {
        // Go accepts underscores only with a base prefix; a plain decimal with '_' is an error.
        mantDigits = -1e9;
        k++;
      } else break;
    }
  };
  digitRun();
  if (body[k] === '.') {
    clean += '.';
    k++;
    prevDigit = false;
    digitRun();
  }
  if (mantDigits <= 0) return undefined;
  if (body[k] === 'e' || body[k] === 'E') {
    clean += 'e';
    k++;
    if (body[k] === '+' || body[k] === '-') clean += body[k++];
    let expDigits = 0;
    while (k < n && body[k]! >= '0' && body[k]! <= '9') {
      clean += body[k++];
      expDigits++;
    }
    if (expDigits === 0) return undefined;
  }
  if (k !== n) return undefined;
  const v = Number(clean);
  if (!Number.isFinite(v)) return undefined; // ErrRange
  return sign * v;
}

function hexFloat(s: string, sign: number): number | undefined {
  // 0x mantissa [. mantissa] p [+-] exponent (the p exponent is mandatory in Go)
  const m = /^([0-9a-f]*)(?:\.([0-9a-f]*))?p([+-]?[0-9]+)$/.exec(s.replace(/_/g, ''));
  if (!m || (m[1]! + (m[2] ?? '')).length === 0) return undefined;
  const int = m[1]!;
  const frac = m[2] ?? '';
  let v = 0;
  for (const ch of int + frac) v = v * 16 + parseInt(ch, 16);
  v = v * 2 ** (Number(m[3]) - 4 * frac.length);
  if (!Number.isFinite(v)) return undefined;
  return sign * v;
}
