/**
 * Go RE2 syntax -> JavaScript RegExp, translated once at config time (message.md §4.1,
 * logstreamer.md §2.1). Minimal first version: named groups and leading flag groups.
 * TODO(matcher): complete translation (\z, \A, POSIX classes, \pN, inline flag groups).
 */
export class GoRegexError extends Error {
  override name = 'GoRegexError';
}

/** Compile a Go/RE2 pattern into a JS RegExp; throws GoRegexError with the reason. */
export function compileGoRegex(pattern: string): RegExp {
  let src = pattern.replace(/\(\?P</g, '(?<');
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
    src = src.slice(lead[0].length);
  }
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw new GoRegexError(`error parsing regexp: ${(e as Error).message}`);
  }
}
