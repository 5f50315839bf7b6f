/**
 * Heka's number-to-text conversions (spec/sandbox.md §1.8): the sandbox output format used by
 * add_to_payload / inject_payload / circular buffers, C's `%g` family (`%.14g` for Lua tostring and
 * cjson, `%G` for anomaly messages) and `%.17g` for large values.
 */

const INT_MAX = 2147483647;
const MAGNITUDE = 100_000_000; // 8 fraction digits

/** The sandbox output number format (lsb_output): `nan`, `inf`, 8-digit fractions, %.17g above INT_MAX. */
export function formatSandboxNumber(d: number): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  // Heka formats values below -INT_MAX through undefined behaviour; like positive ones here.
  if (d > INT_MAX || d < -INT_MAX) return formatG(d, 17, false);
  let negative = false;
  if (d < 0) {
    negative = true;
    d = -d;
  }
  let whole = Math.trunc(d);
  const scaled = (d - whole) * MAGNITUDE;
  let fraction = Math.trunc(scaled);
  const diff = scaled - fraction;
  if (diff > 0.5 || (diff === 0.5 && (fraction === 0 || (fraction & 1) === 1))) {
    fraction++;
    if (fraction >= MAGNITUDE) {
      fraction = 0;
      whole++;
    }
  }
  let s = negative ? '-' + whole : String(whole);
  if (fraction !== 0) {
    let f = String(fraction).padStart(8, '0');
    let end = f.length;
    while (end > 0 && f.charCodeAt(end - 1) === 48) end--;
    f = f.slice(0, end);
    s += '.' + f;
  }
  return s;
}

/**
 * C printf `%.<precision>g` (or `%G` when `upper`): shortest of fixed/exponent notation, trailing
 * zeros removed, exponent with at least two digits.
 */
export function formatG(v: number, precision = 14, upper = false): string {
  if (v !== v) return upper ? 'NAN' : 'nan';
  if (v === Infinity) return upper ? 'INF' : 'inf';
  if (v === -Infinity) return upper ? '-INF' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const p = precision === 0 ? 1 : precision;
  const exp = v.toExponential(p - 1); // d.ddddde±x, correctly rounded to p digits
  const ePos = exp.indexOf('e');
  const x = Number(exp.slice(ePos + 1));
  let out: string;
  if (x < -4 || x >= p) {
    let mant = exp.slice(0, ePos);
    if (mant.includes('.')) mant = mant.replace(/\.?0+$/, '');
    const ax = Math.abs(x);
    out = mant + (upper ? 'E' : 'e') + (x < 0 ? '-' : '+') + (ax < 10 ? '0' + ax : String(ax));
  } else {
    out = v.toFixed(Math.max(0, p - 1 - x));
    if (out.includes('.')) out = out.replace(/\.?0+$/, '');
  }
  return out;
}

/** Lua 5.1 `tostring(number)` / string coercion (`%.14g`). */
export function luaNumberToString(v: number): string {
  return formatG(v, 14, false);
}
