/**
 * Go RE2 syntax -> JavaScript RegExp, translated once at config time (message.md §4.1,
 * logstreamer.md §2.1). Used by the message matcher, LogstreamerInput's file_match and the
 * RegexSplitter/decoders, so every pattern a Heka config contains means the same thing here.
 *
 * The translator parses the whole RE2 pattern and re-emits canonical JS syntax; nothing is
 * passed through textually. Decisions:
 *
 * - The `u` flag is always set. Go matches by code point (`.` consumes a whole non-BMP
 *   character, `\p{..}` classes exist, (?i) uses Unicode simple case folding); only JS's `u`
 *   mode does the same. Because the output is re-emitted, the stricter `u` escape rules never
 *   bite (`\-`, `\/`, lone `]`/`}`/`{` are normalised).
 * - Flags m and s are emulated, never mapped to JS flags: Go's `(?m)^`/`$` only treat `\n` as a
 *   line break and `.` without s excludes only `\n`, while JS also breaks on `\r`, U+2028 and
 *   U+2029. So `.` -> `[^\n]` / `[^]`, `(?m)^` -> `(?<![^\n])`, `(?m)$` -> `(?![^\n])`; `\A` is
 *   `^` and `\z` is `$` (the JS `m` flag is never set, so those mean start/end of input).
 * - Flag i: when every atom of the pattern is case-insensitive (the usual leading `(?i)`), the JS
 *   `i` flag is used. Otherwise (scoped `(?i:..)`, `a(?i)b`, `(?-i)`) case-insensitive atoms are
 *   expanded into explicit case-fold classes (`k` -> `[Kk\u{212A}]`, ranges likewise). Limitation:
 *   `\p{..}` classes inside such a scoped group are not case-folded.
 * - Flag U swaps greedy and lazy quantifiers.
 * - Capture group names must be valid JS names: RE2 allows a leading digit (`(?P<1x>..)`), which
 *   is rejected here with a clear error rather than silently renamed.
 * - Backreferences (`\1`, `\k<n>`, `(?P=n)`) and lookarounds are rejected, as RE2 has none.
 */
export class GoRegexError extends Error {
  override name = 'GoRegexError';
  readonly code = 'HEKA_ERR_REGEX_SYNTAX';
  constructor(
    message: string,
    /** The offending pattern. */
    readonly pattern: string,
  ) {
    super(message);
  }
}

/** Flags accepted as `extraFlags` by compileGoRegex: they change how a caller iterates, not what matches. */
const EXTRA_FLAGS = /^[gyd]*$/;

/**
 * Compile a Go/RE2 pattern into a JS RegExp; throws GoRegexError with Go's wording of the reason.
 * `extraFlags` may add `g`, `y` or `d` for callers that scan a buffer with `exec`/`lastIndex`.
 */
export function compileGoRegex(pattern: string, extraFlags = ''): RegExp {
  if (!EXTRA_FLAGS.test(extraFlags)) throw new GoRegexError(`invalid extra RegExp flags '${extraFlags}'`, pattern);
  const { source, flags } = translateGoRegex(pattern);
  try {
    return new RegExp(source, flags + extraFlags);
  } catch (e) {
    throw new GoRegexError(`error parsing regexp: ${(e as Error).message} in \`${pattern}\``, pattern);
  }
}

/** The JS source and flags for a Go/RE2 pattern (exposed for tests and diagnostics). */
export function translateGoRegex(pattern: string): { source: string; flags: string } {
  const first = new Translator(pattern, false).run();
  if (first.sawFold && !first.sawCase) {
    // Every atom is case-insensitive: the native flag is shorter and faster than expansion.
    const native = new Translator(pattern, true).run();
    return { source: native.source, flags: 'iu' };
  }
  return { source: first.source, flags: 'u' };
}

// ---------------------------------------------------------------------------------------------

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

type Range = [number, number];

/** A bracket or Perl/POSIX class: code point ranges plus JS property escapes (`\p{L}`, `\P{Greek}`). */
interface CharClass {
  ranges: Range[];
  props: string[];
}

const MAX_CP = 0x10ffff;
const MAX_REPEAT = 1000;

const PERL_CLASSES: Record<string, Range[]> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]], // Go's \s is [\t\n\f\r ] (no \v)
  w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
};

const POSIX_CLASSES: Record<string, Range[]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

/** Unicode general categories RE2 knows; anything else after \p is taken as a script name. */
const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);

function complement(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

function normalize(ranges: Range[]): Range[] {
  const sorted = ranges.slice().sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) {
      if (r[1] > last[1]) last[1] = r[1];
    } else out.push([r[0], r[1]]);
  }
  return out;
}

// ---- case folding (only built when a scoped (?i) needs expansion) ----

let foldOrbits: Map<number, number[]> | undefined;
let casedList: number[] | undefined;

/** Code point -> all code points that fold to the same key (simple case folding, as RE2 and JS /iu). */
function buildFoldTable(): void {
  const byKey = new Map<string, number[]>();
  const keyOf = (c: number): string | undefined => {
    const s = String.fromCodePoint(c);
    const up = s.toUpperCase();
    if (up.length !== s.length && [...up].length !== 1) return undefined;
    const key = up.toLowerCase();
    return [...key].length === 1 ? key : undefined;
  };
  // Every cased character lies below U+20000 (the last ones are Adlam, U+1E9xx).
  for (let c = 0; c < 0x20000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const s = String.fromCodePoint(c);
    if (s.toLowerCase() === s && s.toUpperCase() === s) continue;
    const key = keyOf(c);
    if (key === undefined) continue;
    let orbit = byKey.get(key);
    if (orbit === undefined) byKey.set(key, (orbit = []));
    orbit.push(c);
    const k = key.codePointAt(0)!;
    if (!orbit.includes(k)) orbit.push(k);
  }
  foldOrbits = new Map();
  for (const orbit of byKey.values()) {
    if (orbit.length < 2) continue;
    orbit.sort((a, b) => a - b);
    for (const c of orbit) foldOrbits.set(c, orbit);
  }
  casedList = [...foldOrbits.keys()].sort((a, b) => a - b);
}

function orbitOf(c: number): number[] | undefined {
  if (foldOrbits === undefined) buildFoldTable();
  return foldOrbits!.get(c);
}

function foldRanges(ranges: Range[]): Range[] {
  if (foldOrbits === undefined) buildFoldTable();
  const out = ranges.slice();
  for (const [lo, hi] of ranges) {
    for (const c of casedList!) {
      if (c < lo) continue;
      if (c > hi) break;
      for (const o of foldOrbits!.get(c)!) out.push([o, o]);
    }
  }
  return normalize(out);
}

// ---- emission helpers ----

const SYNTAX_OUTSIDE = new Set([...'^$\\.*+?()[]{}|/'].map((c) => c.codePointAt(0)!));
const SYNTAX_INSIDE = new Set([...'\\]-[^'].map((c) => c.codePointAt(0)!));

function hexEscape(c: number): string {
  return `\\u{${c.toString(16)}}`;
}

function needsHex(c: number): boolean {
  return c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f) || (c >= 0xd800 && c <= 0xdfff) || c === 0x2028 || c === 0x2029;
}

function emitLiteral(c: number): string {
  if (SYNTAX_OUTSIDE.has(c)) return '\\' + String.fromCharCode(c);
  if (needsHex(c)) return hexEscape(c);
  return String.fromCodePoint(c);
}

function emitClassChar(c: number): string {
  if (SYNTAX_INSIDE.has(c)) return '\\' + String.fromCharCode(c);
  if (needsHex(c)) return hexEscape(c);
  return String.fromCodePoint(c);
}

function emitClass(cls: CharClass, negated: boolean): string {
  let body = '';
  for (const [lo, hi] of normalize(cls.ranges)) {
    if (lo === hi) body += emitClassChar(lo);
    else if (hi === lo + 1) body += emitClassChar(lo) + emitClassChar(hi);
    else body += emitClassChar(lo) + '-' + emitClassChar(hi);
  }
  for (const p of cls.props) body += p;
  return (negated ? '[^' : '[') + body + ']';
}

// ---- the translator ----

interface Atom {
  text: string;
  /** JS cannot quantify assertions directly; they are wrapped in (?:..) first. */
  assertion: boolean;
  /** This atom already carries a quantifier: RE2 rejects stacking another one. */
  repeated: boolean;
}

class Translator {
  private readonly cps: number[];
  private pos = 0;
  private readonly names = new Set<string>();
  sawFold = false;
  sawCase = false;

  constructor(
    private readonly pattern: string,
    private readonly nativeI: boolean,
  ) {
    this.cps = [...pattern].map((ch) => ch.codePointAt(0)!);
  }

  run(): { source: string; sawFold: boolean; sawCase: boolean } {
    const flags: Flags = { i: false, m: false, s: false, U: false };
    const source = this.parseAlternation(flags, true);
    return { source: source === '' ? '(?:)' : source, sawFold: this.sawFold, sawCase: this.sawCase };
  }

  private fail(code: string, arg: string): never {
    throw new GoRegexError(`error parsing regexp: ${code}: \`${arg}\``, this.pattern);
  }

  private peek(off = 0): number | undefined {
    return this.cps[this.pos + off];
  }

  private is(ch: string, off = 0): boolean {
    return this.cps[this.pos + off] === ch.charCodeAt(0);
  }

  private rest(): string {
    return String.fromCodePoint(...this.cps.slice(this.pos));
  }

  private noteCase(flags: Flags): void {
    if (flags.i) this.sawFold = true;
    else this.sawCase = true;
  }

  /** Parse until an unmatched ')' (or the end); flags changed by (?x) persist across '|'. */
  private parseAlternation(flags: Flags, top: boolean): string {
    let out = '';
    let atoms: Atom[] = [];
    const flush = (): void => {
      for (const a of atoms) out += a.text;
      atoms = [];
    };
    for (;;) {
      const c = this.peek();
      if (c === undefined) break;
      const ch = String.fromCodePoint(c);
      if (ch === ')') {
        if (top) this.fail('unexpected )', this.pattern);
        break;
      }
      if (ch === '|') {
        this.pos++;
        flush();
        out += '|';
        continue;
      }
      if (ch === '*' || ch === '+' || ch === '?' || (ch === '{' && this.repeatAhead())) {
        this.applyRepeat(atoms, flags);
        continue;
      }
      const atom = this.parseAtom(flags);
      if (atom !== null) atoms.push(atom);
    }
    flush();
    return out;
  }

  /** True when the text at pos is a well-formed RE2 counted repetition; otherwise '{' is a literal. */
  private repeatAhead(): boolean {
    return /^\{\d+(,\d*)?\}/.test(this.rest());
  }

  private applyRepeat(atoms: Atom[], flags: Flags): void {
    const start = this.pos;
    const ch = String.fromCodePoint(this.peek()!);
    let q: string;
    if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.rest())!;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
      if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min)) this.fail('invalid repeat count', m[0]);
      q = m[2] === undefined ? `{${min}}` : max < 0 ? `{${min},}` : `{${min},${max}}`;
      this.pos += m[0].length;
    } else {
      q = ch;
      this.pos++;
    }
    let lazy = false;
    if (this.is('?')) {
      lazy = true;
      this.pos++;
    }
    const opText = String.fromCodePoint(...this.cps.slice(start, this.pos));
    const last = atoms[atoms.length - 1];
    if (last === undefined) this.fail('missing argument to repetition operator', opText);
    if (last.repeated) {
      // RE2 reports the stacked operators together, e.g. `**`.
      this.fail('invalid nested repetition operator', last.text.slice(-1) + opText);
    }
    if (flags.U) lazy = !lazy;
    const base = last.assertion ? `(?:${last.text})` : last.text;
    atoms[atoms.length - 1] = { text: base + q + (lazy ? '?' : ''), assertion: false, repeated: true };
  }

  private parseAtom(flags: Flags): Atom | null {
    const c = this.peek()!;
    const ch = String.fromCodePoint(c);
    switch (ch) {
      case '(':
        return this.parseGroup(flags);
      case '[':
        return this.lit(this.parseClass(flags));
      case '.':
        this.pos++;
        return this.lit(flags.s ? '[^]' : '[^\\n]');
      case '^':
        this.pos++;
        return this.assertion(flags.m ? '(?<![^\\n])' : '^');
      case '$':
        this.pos++;
        return this.assertion(flags.m ? '(?![^\\n])' : '$');
      case '\\':
        return this.parseEscapeAtom(flags);
      default:
        this.pos++;
        return this.lit(this.literalChar(c, flags));
    }
  }

  private lit(text: string): Atom {
    return { text, assertion: false, repeated: false };
  }

  private assertion(text: string): Atom {
    return { text, assertion: true, repeated: false };
  }

  private literalChar(c: number, flags: Flags): string {
    this.noteCase(flags);
    if (flags.i && !this.nativeI) {
      const orbit = orbitOf(c);
      if (orbit !== undefined) return emitClass({ ranges: orbit.map((o) => [o, o] as Range), props: [] }, false);
    }
    return emitLiteral(c);
  }

  private parseGroup(flags: Flags): Atom | null {
    const start = this.pos;
    this.pos++; // '('
    if (!this.is('?')) {
      const inner = this.parseAlternation({ ...flags }, false);
      this.closeParen(start);
      return this.lit(`(${inner})`);
    }
    // (?...
    const rest = this.rest();
    let m: RegExpExecArray | null;
    if ((m = /^\?P?<([^>]*)>/.exec(rest)) !== null && !/^\?<[=!]/.test(rest)) {
      const name = m[1]!;
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail('invalid named capture', `(${m[0]}`);
      if (/^[0-9]/.test(name)) {
        throw new GoRegexError(
          `error parsing regexp: capture group name must not start with a digit in this implementation: \`(${m[0]}\``,
          this.pattern,
        );
      }
      if (this.names.has(name)) this.fail('duplicate capture group name', name);
      this.names.add(name);
      this.pos += m[0].length;
      const inner = this.parseAlternation({ ...flags }, false);
      this.closeParen(start);
      return this.lit(`(?<${name}>${inner})`);
    }
    if (/^\?P?<(?![=!])/.test(rest)) this.fail('invalid named capture', '(' + rest);
    if (/^\?(<?[=!])/.test(rest)) {
      throw new GoRegexError(
        `error parsing regexp: lookahead/lookbehind assertions are not supported by RE2: \`(${rest.slice(0, 3)}\``,
        this.pattern,
      );
    }
    if (/^\?P[=>]/.test(rest)) {
      throw new GoRegexError(
        `error parsing regexp: backreferences are not supported by RE2: \`(${rest.slice(0, 3)}\``,
        this.pattern,
      );
    }
    // Flag group: (?flags) or (?flags:re)
    m = /^\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
    if (m === null) {
      const end = rest.search(/[):]/);
      this.fail('invalid or unsupported Perl syntax', '(' + (end < 0 ? rest : rest.slice(0, end + 1)));
    }
    const [all, on, off, term] = m as unknown as [string, string, string | undefined, string];
    if (all === '?:') {
      this.pos += all.length;
      const inner = this.parseAlternation({ ...flags }, false);
      this.closeParen(start);
      return this.lit(`(?:${inner})`);
    }
    if (off === '') this.fail('invalid or unsupported Perl syntax', `(${all}`); // (?-) and (?i-)
    const next: Flags = { ...flags };
    for (const f of on) next[f as keyof Flags] = true;
    for (const f of off ?? '') next[f as keyof Flags] = false;
    this.pos += all.length;
    if (term === ')') {
      // (?flags) changes the rest of the current group.
      Object.assign(flags, next);
      return null;
    }
    const inner = this.parseAlternation(next, false);
    this.closeParen(start);
    return this.lit(`(?:${inner})`);
  }

  private closeParen(start: number): void {
    if (!this.is(')')) this.fail('missing closing )', String.fromCodePoint(...this.cps.slice(start)));
    this.pos++;
  }

  private parseEscapeAtom(flags: Flags): Atom | null {
    const next = this.peek(1);
    if (next === undefined) this.fail('trailing backslash at end of expression', '');
    const n = String.fromCodePoint(next);
    switch (n) {
      case 'A':
        this.pos += 2;
        return this.assertion('^');
      case 'z':
        this.pos += 2;
        return this.assertion('$');
      case 'b':
      case 'B':
        this.pos += 2;
        return this.assertion('\\' + n);
      case 'Q': {
        this.pos += 2;
        // \Q...\E: everything up to \E (or the end) is literal; each char is its own atom, so a
        // following quantifier applies to the last one only, as in RE2.
        let text = '';
        while (this.pos < this.cps.length) {
          if (this.is('\\') && this.is('E', 1)) {
            this.pos += 2;
            break;
          }
          text += this.literalChar(this.cps[this.pos++]!, flags);
        }
        // A quantifier appended to the joined text still binds to the last character only.
        return text === '' ? null : this.lit(text);
      }
    }
    const cls = this.tryClassEscape();
    if (cls !== null) {
      this.noteCase(flags);
      return this.lit(this.emitMaybeFolded(cls.cls, cls.negated, flags));
    }
    const c = this.parseEscapeChar();
    return this.lit(this.literalChar(c, flags));
  }

  /** \d \s \w (and negations), \pX / \p{Name} / \PX / \p{^Name}; null when the escape is not a class. */
  private tryClassEscape(): { cls: CharClass; negated: boolean } | null {
    const n = String.fromCodePoint(this.peek(1)!);
    const lower = n.toLowerCase();
    if (lower === 'd' || lower === 's' || lower === 'w') {
      this.pos += 2;
      return { cls: { ranges: PERL_CLASSES[lower]!, props: [] }, negated: n !== lower };
    }
    if (n === 'p' || n === 'P') {
      const start = this.pos;
      this.pos += 2;
      let name: string;
      if (this.is('{')) {
        const close = this.cps.indexOf(0x7d, this.pos);
        if (close < 0) this.fail('invalid character class range', String.fromCodePoint(...this.cps.slice(start)));
        name = String.fromCodePoint(...this.cps.slice(this.pos + 1, close));
        this.pos = close + 1;
      } else {
        const c = this.peek();
        if (c === undefined) this.fail('invalid character class range', String.fromCodePoint(...this.cps.slice(start)));
        name = String.fromCodePoint(c);
        this.pos++;
      }
      const text = String.fromCodePoint(...this.cps.slice(start, this.pos));
      let negated = n === 'P';
      if (name.startsWith('^')) {
        negated = !negated;
        name = name.slice(1);
      }
      if (name === 'Any') return { cls: { ranges: [[0, MAX_CP]], props: [] }, negated };
      if (!/^[A-Za-z_]+$/.test(name)) this.fail('invalid character class range', text);
      const body = CATEGORIES.has(name) ? name : `Script=${name}`;
      try {
        new RegExp(`\\p{${body}}`, 'u');
      } catch {
        this.fail('invalid character class range', text);
      }
      return { cls: { ranges: [], props: [`\\p{${body}}`] }, negated };
    }
    return null;
  }

  private emitMaybeFolded(cls: CharClass, negated: boolean, flags: Flags): string {
    if (flags.i && !this.nativeI) cls = { ranges: foldRanges(cls.ranges), props: cls.props };
    if (cls.props.length === 1 && cls.ranges.length === 0) {
      // A lone property escape needs no brackets: \P{L} rather than [^\p{L}].
      const p = cls.props[0]!;
      return negated ? (p[1] === 'p' ? '\\P' : '\\p') + p.slice(2) : p;
    }
    return emitClass(cls, negated);
  }

  /** A single-character escape (at pos, pointing at the backslash); returns its code point. */
  private parseEscapeChar(): number {
    const start = this.pos;
    this.pos++; // backslash
    const c = this.peek();
    if (c === undefined) this.fail('trailing backslash at end of expression', '');
    this.pos++;
    const ch = String.fromCodePoint(c);
    switch (ch) {
      case 'a':
        return 0x07;
      case 'f':
        return 0x0c;
      case 't':
        return 0x09;
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 'v':
        return 0x0b;
      case 'x': {
        const rest = this.rest();
        let m = /^\{([0-9A-Fa-f]+)\}/.exec(rest);
        if (m === null) m = /^([0-9A-Fa-f]{2})/.exec(rest);
        const v = m === null ? NaN : parseInt(m[1]!, 16);
        if (m === null || v > MAX_CP) {
          this.fail('invalid escape sequence', String.fromCodePoint(...this.cps.slice(start, this.pos + 2)));
        }
        this.pos += m[0].length;
        return v;
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        // RE2: \0 and \1..\7 followed by an octal digit start an octal escape (up to 3 digits);
        // a lone \1..\9 would be a backreference, which RE2 does not have.
        const o1 = this.peek();
        const isOct = (x: number | undefined): boolean => x !== undefined && x >= 0x30 && x <= 0x37;
        if (ch !== '0' && !isOct(o1)) {
          throw new GoRegexError(`error parsing regexp: backreferences are not supported by RE2: \`\\${ch}\``, this.pattern);
        }
        let v = c - 0x30;
        for (let k = 0; k < 2 && isOct(this.peek()); k++) v = v * 8 + (this.cps[this.pos++]! - 0x30);
        return v;
      }
      case '8':
      case '9':
        throw new GoRegexError(`error parsing regexp: backreferences are not supported by RE2: \`\\${ch}\``, this.pattern);
      case 'k':
        throw new GoRegexError(`error parsing regexp: backreferences are not supported by RE2: \`\\k\``, this.pattern);
    }
    // Escaped ASCII punctuation is always the character itself.
    if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) return c;
    this.fail('invalid escape sequence', '\\' + ch);
  }

  private parseClass(flags: Flags): string {
    const start = this.pos;
    this.pos++; // '['
    let negated = false;
    if (this.is('^')) {
      negated = true;
      this.pos++;
    }
    const cls: CharClass = { ranges: [], props: [] };
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('missing closing ]', String.fromCodePoint(...this.cps.slice(start)));
      if (c === 0x5d && !first) {
        this.pos++;
        break;
      }
      first = false;
      // POSIX class [:name:] / [:^name:]
      if (c === 0x5b && this.is(':', 1)) {
        const rest = this.rest();
        const end = rest.indexOf(':]', 2);
        if (end >= 0) {
          const text = rest.slice(0, end + 2);
          let name = text.slice(2, -2);
          let neg = false;
          if (name.startsWith('^')) {
            neg = true;
            name = name.slice(1);
          }
          const ranges = POSIX_CLASSES[name];
          if (ranges === undefined) this.fail('invalid character class range', text);
          cls.ranges.push(...(neg ? complement(ranges) : ranges));
          this.pos += [...text].length;
          continue;
        }
      }
      if (c === 0x5c) {
        const next = this.peek(1);
        if (next !== undefined && /[dDsSwWpP]/.test(String.fromCodePoint(next))) {
          const got = this.tryClassEscape()!;
          if (got.negated) {
            if (got.cls.props.length > 0) {
              for (const p of got.cls.props) cls.props.push((p[1] === 'p' ? '\\P' : '\\p') + p.slice(2));
            } else cls.ranges.push(...complement(got.cls.ranges));
          } else {
            cls.ranges.push(...got.cls.ranges);
            cls.props.push(...got.cls.props);
          }
          continue;
        }
      }
      const rangeStart = this.pos;
      const lo = this.classChar();
      let hi = lo;
      if (this.is('-') && this.peek(1) !== undefined && !this.is(']', 1)) {
        this.pos++;
        hi = this.classChar();
        if (hi < lo) {
          this.fail('invalid character class range', String.fromCodePoint(...this.cps.slice(rangeStart, this.pos)));
        }
      }
      cls.ranges.push([lo, hi]);
    }
    this.noteCase(flags);
    return this.emitMaybeFolded(cls, negated, flags);
  }

  private classChar(): number {
    if (this.is('\\')) return this.parseEscapeChar();
    return this.cps[this.pos++]!;
  }
}
