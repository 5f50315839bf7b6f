/**
 * Go's `%f` (fixed, 6 decimals) for float64. JS toFixed rounds exact ties away from zero and drops
 * the sign of -0; Go rounds ties to even, keeps "-0.000000" and prints "+Inf"/"-Inf"/"NaN".
 */
export function goFixed6(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
  const a = Math.abs(v);
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  if (a >= 1e21) {
    // toFixed switches to exponent notation here; such doubles are integers, print them exactly.
    return sign + BigInt(a).toString() + '.000000';
  }
  let s = a.toFixed(6);
  // Cheap screen first: for a true tie a*1e6 is exactly k + 0.5 (exactly representable, so the
  // product is exact); only then look at the exact decimal expansion.
  const y = a * 1e6;
  if (y - Math.floor(y) !== 0.5) return sign + s;
  // A tie is a double whose exact decimal expansion ends with a 5 in the 7th decimal place.
  const wide = a.toFixed(25);
  const dot = wide.indexOf('.');
  if (wide.charCodeAt(dot + 7) === 0x35 && /^0*$/.test(wide.slice(dot + 8))) {
    const d6 = wide.charCodeAt(dot + 6) - 0x30;
    if (d6 % 2 === 0) s = wide.slice(0, dot + 7); // round down to the even digit (truncate)
  }
  return sign + s;
}
