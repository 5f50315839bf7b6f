/**
 * Recursive-descent parser for message_matcher expressions (spec/message.md §4.2). Produces a
 * small typed AST; compile.ts turns it into closures. `&&` binds tighter than `||`, both are left
 * associative, and several complete expressions written side by side are accepted, with only the
 * last one kept (Heka's `spec := spec expr` quirk).
 */
import { Lexer, type NumericVar, type Op, type RelOp, type StringVar, type Token } from './lexer.js';

export interface StringLiteral {
  kind: 'string';
  value: string;
}
export interface NumberLiteral {
  kind: 'number';
  value: number;
  /** False when the text was not a valid float and Heka's fallback value 0 is used. */
  valid: boolean;
  text: string;
}
export interface RegexLiteral {
  kind: 'regex';
  /** The Go/RE2 pattern after `\/` unescaping. */
  source: string;
  regex: RegExp;
}
export interface BoolLiteral {
  kind: 'bool';
  value: boolean;
}
export interface NilLiteral {
  kind: 'nil';
}
export type Literal = StringLiteral | NumberLiteral | RegexLiteral | BoolLiteral | NilLiteral;

export interface ConstNode {
  type: 'const';
  value: boolean;
  column: number;
}
export interface LogicalNode {
  type: 'and' | 'or';
  left: Node;
  right: Node;
  column: number;
}
/** Uuid/Type/Logger/Payload/EnvVersion/Hostname against a string (relational op) or regex (=~ !~). */
export interface StringTestNode {
  type: 'string-test';
  variable: StringVar;
  op: Op;
  literal: StringLiteral | RegexLiteral;
  column: number;
}
/** Timestamp/Severity/Pid against a number. */
export interface NumericTestNode {
  type: 'numeric-test';
  variable: NumericVar;
  op: RelOp;
  literal: NumberLiteral;
  column: number;
}
/** Fields[name][fi][ai] against any literal kind the grammar allows. */
export interface FieldTestNode {
  type: 'field-test';
  name: string;
  fi: number;
  ai: number;
  op: Op;
  literal: Literal;
  column: number;
}
export type Node = ConstNode | LogicalNode | StringTestNode | NumericTestNode | FieldTestNode;

export interface MatcherAst {
  /** The expression that is evaluated. */
  root: Node;
  /** Complete expressions written before `root` without an operator: parsed, never evaluated. */
  ignored: Node[];
  /** Non-fatal findings, e.g. an unparsable number literal replaced by 0. */
  warnings: string[];
}

const REL_OPS = new Set<string>(['==', '!=', '<', '<=', '>', '>=']);

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of input';
    case 'strvar':
    case 'numvar':
      return `variable ${t.name}`;
    case 'field':
      return `Fields[${t.name}]`;
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'regex':
      return 'a regular expression';
    case 'op':
      return `operator ${t.op}`;
    case 'true':
    case 'false':
    case 'nil':
      return t.kind.toUpperCase();
    default:
      return `'${t.kind}'`;
  }
}

class Parser {
  private readonly lexer: Lexer;
  private tok: Token;
  private readonly warnings: string[] = [];

  constructor(expr: string) {
    this.lexer = new Lexer(expr);
    this.tok = this.lexer.next();
  }

  private advance(): Token {
    const t = this.tok;
    this.tok = this.lexer.next();
    return t;
  }

  private column(t: Token): number {
    // Columns are counted in characters; tokens start on ASCII boundaries reached by the lexer.
    return [...this.lexer.src.slice(0, t.start)].length + 1;
  }

  private fail(t: Token, reason: string): never {
    return this.lexer.error(t.start, t.end, reason);
  }

  parseSpec(): MatcherAst {
    if (this.tok.kind === 'eof') this.fail(this.tok, 'empty matcher expression');
    const exprs: Node[] = [];
    while ((this.tok as Token).kind !== 'eof') exprs.push(this.parseOr());
    return { root: exprs[exprs.length - 1]!, ignored: exprs.slice(0, -1), warnings: this.warnings };
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.tok.kind === '||') {
      const op = this.advance();
      const right = this.parseAnd();
      left = { type: 'or', left, right, column: this.column(op) };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parsePrimary();
    while (this.tok.kind === '&&') {
      const op = this.advance();
      const right = this.parsePrimary();
      left = { type: 'and', left, right, column: this.column(op) };
    }
    return left;
  }

  private parsePrimary(): Node {
    const t = this.tok;
    switch (t.kind) {
      case '(': {
        this.advance();
        const inner = this.parseOr();
        if (this.tok.kind !== ')') this.fail(this.tok, `expected ')' or an operator, found ${describe(this.tok)}`);
        this.advance();
        return inner;
      }
      case 'true':
      case 'false':
        this.advance();
        return { type: 'const', value: t.kind === 'true', column: this.column(t) };
      case 'strvar':
      case 'numvar':
      case 'field':
        return this.parseTest();
      case 'nil':
        return this.fail(t, 'NIL can only appear on the right of Fields[...] == or !=');
      default:
        return this.fail(t, `expected a test, TRUE, FALSE or '(', found ${describe(t)}`);
    }
  }

  private parseTest(): Node {
    const v = this.advance() as Extract<Token, { kind: 'strvar' | 'numvar' | 'field' }>;
    const column = this.column(v);
    const opTok = this.tok;
    if (opTok.kind !== 'op') {
      return this.fail(opTok, `expected a comparison operator after ${describe(v)}, found ${describe(opTok)}`);
    }
    this.advance();
    const op = opTok.op;
    const isRel = REL_OPS.has(op);
    const lit = this.tok;
    const bad = (why: string): never => this.fail(lit, `${describe(v)} ${op} ${describe(lit)}: ${why}`);

    if (v.kind === 'strvar') {
      if (isRel && lit.kind === 'string') {
        this.advance();
        return { type: 'string-test', variable: v.name, op, literal: { kind: 'string', value: lit.value }, column };
      }
      if (!isRel && lit.kind === 'regex') {
        this.advance();
        return { type: 'string-test', variable: v.name, op, literal: this.regexLit(lit), column };
      }
      if (lit.kind === 'nil') bad('NIL can only be compared with Fields[...]');
      return bad(isRel ? `${v.name} compares only with a string literal` : `${op} needs a /regex/ literal`);
    }

    if (v.kind === 'numvar') {
      if (!isRel) return this.fail(opTok, `${v.name} is numeric: regex operators are not allowed`);
      if (lit.kind === 'number') {
        this.advance();
        return { type: 'numeric-test', variable: v.name, op: op as RelOp, literal: this.numberLit(lit), column };
      }
      if (lit.kind === 'nil') bad('NIL can only be compared with Fields[...]');
      return bad(`${v.name} compares only with an unsigned number literal`);
    }

    const field = (literal: Literal): FieldTestNode => {
      this.advance();
      return { type: 'field-test', name: v.name, fi: v.fi, ai: v.ai, op, literal, column };
    };
    if (!isRel) {
      if (lit.kind === 'regex') return field(this.regexLit(lit));
      return bad(`${op} needs a /regex/ literal`);
    }
    switch (lit.kind) {
      case 'string':
        return field({ kind: 'string', value: lit.value });
      case 'number':
        return field(this.numberLit(lit));
      case 'true':
      case 'false':
        if (op !== '==') bad('TRUE and FALSE can only be tested with ==');
        return field({ kind: 'bool', value: lit.kind === 'true' });
      case 'nil':
        if (op !== '==' && op !== '!=') bad('NIL can only be tested with == or !=');
        return field({ kind: 'nil' });
      default:
        return bad('expected a string, number, TRUE, FALSE or NIL');
    }
  }

  private regexLit(t: Extract<Token, { kind: 'regex' }>): RegexLiteral {
    return { kind: 'regex', source: t.source, regex: t.regex };
  }

  private numberLit(t: Extract<Token, { kind: 'number' }>): NumberLiteral {
    const text = this.lexer.src.slice(t.start, t.end);
    if (!t.valid) this.warnings.push(`error converting ${text}: invalid number literal, using 0`);
    return { kind: 'number', value: t.value, valid: t.valid, text };
  }
}

/** Parse a matcher expression; throws MatcherSyntaxError (with a 1-based column). */
export function parseMatcher(expr: string): MatcherAst {
  return new Parser(expr).parseSpec();
}
