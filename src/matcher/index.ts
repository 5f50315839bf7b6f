/**
 * The message_matcher language (spec/message.md §4): parse once at config time, evaluate per
 * message through a closure tree. See grammar.md for the grammar and the evaluation table.
 */
import type { Message } from '../core/message.js';
import { compileAst, type MessageMatcher } from './compile.js';
import { parseMatcher, type MatcherAst } from './parser.js';

export { MatcherSyntaxError } from './lexer.js';
export type { StringVar, NumericVar, RelOp, ReOp, Op } from './lexer.js';
export { parseMatcher } from './parser.js';
export type {
  MatcherAst,
  MatcherAst as AST,
  Node,
  Literal,
  ConstNode,
  LogicalNode,
  StringTestNode,
  NumericTestNode,
  FieldTestNode,
} from './parser.js';
export { compileAst, compareCodePoints, type MessageMatcher } from './compile.js';

export interface CompileMatcherOptions {
  /**
   * Receives non-fatal findings, e.g. `error converting 1.2.3: invalid number literal, using 0`
   * (Heka logs these and carries on).
   */
  onWarning?: (warning: string) => void;
}

/**
 * Compile a matcher expression into a predicate. Throws MatcherSyntaxError (message
 * `syntax error: last token: <sym> pos: <n>: <reason>`, 1-based `column`). The predicate never
 * throws and allocates nothing for the common shapes.
 */
export function compileMatcher(expr: string, options: CompileMatcherOptions = {}): (msg: Message) => boolean {
  const ast: MatcherAst = parseMatcher(expr);
  if (options.onWarning !== undefined) for (const w of ast.warnings) options.onWarning(w);
  return compileAst(ast) satisfies MessageMatcher;
}
