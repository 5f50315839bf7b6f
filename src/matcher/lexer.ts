/**
 * Tokenizer for the message_matcher language (spec/message.md §4.1). Lazy: the parser pulls one
 * token at a time, so the first error reported is the leftmost one, as in Heka's yacc lexer.
 */
import { compileGoRegex, GoRegexError } from '../core/go-regex.js';

export class MatcherSyntaxError extends Error {
  override name = 'MatcherSyntaxError';
  readonly code = 'HEKA_ERR_MATCHER_SYNTAX';
  constructor(
    message: string,
    /** 1-based column (in characters) where the offending token starts. */
    readonly column: number,
    /** Heka's `pos`: UTF-8 byte offset just past the offending token. */
    readonly pos: number,
    /** Text of the offending token (or of the last token, at end of input). */
    readonly sym: string,
    /** The human part of the message. */
    readonly reason: string,
  ) {
    super(message);
  }
}

export const STRING_VARS = ['Uuid', 'Type', 'Logger', 'Payload', 'EnvVersion', 'Hostname'] as const;
export const NUMERIC_VARS = ['Timestamp', 'Severity', 'Pid'] as const;
export type StringVar = (typeof STRING_VARS)[number];
export type NumericVar = (typeof NUMERIC_VARS)[number];

export type RelOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type ReOp = '=~' | '!~';
export type Op = RelOp | ReOp;

export type Token =
  | { kind: 'strvar'; name: StringVar; start: number; end: number }
  | { kind: 'numvar'; name: NumericVar; start: number; end: number }
  | { kind: 'field'; name: string; fi: number; ai: number; start: number; end: number }
  | { kind: 'true' | 'false' | 'nil'; start: number; end: number }
  | { kind: 'number'; value: number; valid: boolean; start: number; end: number }
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'regex'; source: string; regex: RegExp; start: number; end: number }
  | { kind: 'op'; op: Op; start: number; end: number }
  | { kind: '&&' | '||' | '(' | ')' | 'eof'; start: number; end: number };

const STRVAR_SET = new Set<string>(STRING_VARS);
const NUMVAR_SET = new Set<string>(NUMERIC_VARS);

const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLetter = (c: number): boolean => isUpper(c) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
/** Characters a number token continues with (Heka's rdigit). */
const isNumChar = (c: number): boolean => isDigit(c) || c === 0x2e || c === 0x65 || c === 0x2b || c === 0x2d;
/** What Go's strconv.ParseFloat accepts out of the characters a number token may contain. */
const VALID_NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/;

export class Lexer {
  /** The expression up to (not including) the first newline: a newline ends the input. */
  readonly src: string;
  private i = 0;
  /** The previous token's text, reported as Heka's "last token" at end of input. */
  lastText = '';

  constructor(expr: string) {
    const nl = expr.indexOf('\n');
    this.src = nl < 0 ? expr : expr.slice(0, nl);
  }

  /** Throw a MatcherSyntaxError for the token spanning [start, end). */
  error(start: number, end: number, reason: string, symOverride?: string): never {
    const sym = symOverride ?? (start < end ? this.src.slice(start, end) : this.lastText);
    const column = countChars(this.src, start) + 1;
    const pos = Buffer.byteLength(this.src.slice(0, end), 'utf8');
    throw new MatcherSyntaxError(`syntax error: last token: ${sym} pos: ${pos}: ${reason}`, column, pos, sym, reason);
  }

  next(): Token {
    const src = this.src;
    let i = this.i;
    while (i < src.length && (src.charCodeAt(i) === 0x20 || src.charCodeAt(i) === 0x09)) i++;
    const start = i;
    if (i >= src.length) {
      this.i = i;
      return { kind: 'eof', start, end: start };
    }
    const c = src.charCodeAt(i);
    let tok: Token;
    if (isUpper(c)) tok = this.identifier(start);
    else if (isDigit(c) || c === 0x2e) tok = this.number(start);
    else if (c === 0x27 || c === 0x22) tok = this.string(start, c);
    else if (c === 0x2f) tok = this.regex(start);
    else tok = this.operator(start, c);
    this.i = tok.end;
    this.lastText = src.slice(tok.start, tok.end);
    return tok;
  }

  private identifier(start: number): Token {
    const src = this.src;
    let i = start + 1;
    while (i < src.length && isLetter(src.charCodeAt(i))) i++;
    const word = src.slice(start, i);
    if (STRVAR_SET.has(word)) return { kind: 'strvar', name: word as StringVar, start, end: i };
    if (NUMVAR_SET.has(word)) return { kind: 'numvar', name: word as NumericVar, start, end: i };
    switch (word) {
      case 'TRUE':
        return { kind: 'true', start, end: i };
      case 'FALSE':
        return { kind: 'false', start, end: i };
      case 'NIL':
        return { kind: 'nil', start, end: i };
      case 'Fields':
        return this.fieldRef(start, i);
    }
    return this.error(
      start,
      i,
      `unknown identifier '${word}' (expected one of Uuid Type Logger Payload EnvVersion Hostname Timestamp Severity Pid Fields TRUE FALSE NIL)`,
    );
  }

  /** `Fields[name]`, `Fields[name][fi]`, `Fields[name][fi][ai]` with no spaces anywhere. */
  private fieldRef(start: number, i: number): Token {
    const src = this.src;
    if (src.charCodeAt(i) !== 0x5b) {
      return this.error(start, i, "'Fields' must be followed directly by '[name]'");
    }
    const close = src.indexOf(']', i + 1);
    if (close < 0) return this.error(start, src.length, "unterminated field name: missing ']'");
    const name = src.slice(i + 1, close);
    if (name === '') return this.error(start, close + 1, 'empty field name in Fields[]');
    i = close + 1;
    const idx = [0, 0];
    for (let k = 0; k < 2 && src.charCodeAt(i) === 0x5b; k++) {
      const end = src.indexOf(']', i + 1);
      if (end < 0) return this.error(start, src.length, "unterminated field index: missing ']'");
      const digits = src.slice(i + 1, end);
      if (!/^[0-9]+$/.test(digits)) {
        return this.error(start, end + 1, `${k === 0 ? 'field' : 'array'} index must be a non-negative integer, got '${digits}'`);
      }
      const n = Number(digits);
      if (!Number.isSafeInteger(n)) return this.error(start, end + 1, `index too large: ${digits}`);
      idx[k] = n;
      i = end + 1;
    }
    return { kind: 'field', name, fi: idx[0]!, ai: idx[1]!, start, end: i };
  }

  private number(start: number): Token {
    const src = this.src;
    let i = start + 1;
    while (i < src.length && isNumChar(src.charCodeAt(i))) i++;
    const text = src.slice(start, i);
    // Heka logs an unparsable number and uses 0 instead of failing (spec §4.1); so does
    // ParseFloat's out-of-range error (e.g. 1e400).
    let value = VALID_NUMBER.test(text) ? Number(text) : NaN;
    const valid = Number.isFinite(value);
    if (!valid) value = 0;
    return { kind: 'number', value, valid, start, end: i };
  }

  private string(start: number, quote: number): Token {
    const src = this.src;
    let out = '';
    let i = start + 1;
    let run = i;
    for (;;) {
      if (i >= src.length) return this.error(start, src.length, 'unterminated string literal');
      const c = src.charCodeAt(i);
      if (c === quote) break;
      if (c === 0x5c && src.charCodeAt(i + 1) === quote) {
        // The only escape: backslash + the same quote. Anything else keeps its backslash.
        out += src.slice(run, i) + String.fromCharCode(quote);
        i += 2;
        run = i;
        continue;
      }
      if (c === 0x5c) {
        i += i + 1 < src.length ? 2 : 1;
        continue;
      }
      i++;
    }
    out += src.slice(run, i);
    return { kind: 'string', value: out, start, end: i + 1 };
  }

  private regex(start: number): Token {
    const src = this.src;
    let pattern = '';
    let i = start + 1;
    let run = i;
    for (;;) {
      if (i >= src.length) return this.error(start, src.length, 'unterminated regular expression');
      const c = src.charCodeAt(i);
      if (c === 0x2f) break;
      if (c === 0x5c && src.charCodeAt(i + 1) === 0x2f) {
        pattern += src.slice(run, i) + '/';
        i += 2;
        run = i;
        continue;
      }
      if (c === 0x5c) {
        i += i + 1 < src.length ? 2 : 1;
        continue;
      }
      i++;
    }
    pattern += src.slice(run, i);
    const end = i + 1;
    let regex: RegExp;
    try {
      regex = compileGoRegex(pattern);
    } catch (e) {
      const why = e instanceof GoRegexError ? e.message : String(e);
      return this.error(start, end, `invalid regular expression /${pattern}/: ${why}`);
    }
    return { kind: 'regex', source: pattern, regex, start, end };
  }

  private operator(start: number, c: number): Token {
    const src = this.src;
    const d = src.charCodeAt(start + 1);
    const two = (op: Op): Token => ({ kind: 'op', op, start, end: start + 2 });
    switch (c) {
      case 0x3d: // =
        if (d === 0x3d) return two('==');
        if (d === 0x7e) return two('=~');
        return this.error(start, start + 1, "lone '=' (did you mean '=='?)");
      case 0x21: // !
        if (d === 0x3d) return two('!=');
        if (d === 0x7e) return two('!~');
        return this.error(start, start + 1, "lone '!' (there is no negation; use '!=' or '!~')");
      case 0x3e: // >
        return d === 0x3d ? two('>=') : { kind: 'op', op: '>', start, end: start + 1 };
      case 0x3c: // <
        return d === 0x3d ? two('<=') : { kind: 'op', op: '<', start, end: start + 1 };
      case 0x26: // &
        if (d === 0x26) return { kind: '&&', start, end: start + 2 };
        return this.error(start, start + 1, "lone '&' (did you mean '&&'?)");
      case 0x7c: // |
        if (d === 0x7c) return { kind: '||', start, end: start + 2 };
        return this.error(start, start + 1, "lone '|' (did you mean '||'?)");
      case 0x28:
        return { kind: '(', start, end: start + 1 };
      case 0x29:
        return { kind: ')', start, end: start + 1 };
    }
    if (c === 0x2d || c === 0x2b) {
      return this.error(start, start + 1, `unexpected '${src[start]}': number literals have no sign`);
    }
    if (isLetter(c)) {
      let i = start + 1;
      while (i < src.length && isLetter(src.charCodeAt(i))) i++;
      return this.error(start, i, `unknown identifier '${src.slice(start, i)}' (identifiers start with an upper-case letter, e.g. Type)`);
    }
    const cp = src.codePointAt(start)!;
    const len = cp > 0xffff ? 2 : 1;
    const shown = cp < 0x20 || cp === 0x7f ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : String.fromCodePoint(cp);
    const hint = cp === 0x0d ? ' (carriage return is not allowed)' : '';
    return this.error(start, start + len, `invalid character ${shown}${hint}`, shown);
  }
}

/** Number of characters (code points) in src before code unit index `end`. */
function countChars(src: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = src.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
