/**
 * `where` expressions, compiled once at start-up with filtrex.
 *
 * Why filtrex (3.x): an expression language written for end users (`status == "active" and
 * country in ("DE", "FR")`), no runtime dependencies, TypeScript types, maintained (3.1, 2024). It
 * parses the text with its own grammar and only then builds a function from the parse tree: names
 * become `prop("…")` look-ups (own properties only), strings become JSON literals, and calls are
 * limited to a fixed function table — the user's text is never evaluated as JavaScript. The
 * result is a plain closure, so evaluating it per event costs about as much as hand-written code.
 * jexl was the alternative: an AST interpreter, but async-first, `==` is JavaScript's loose `==`,
 * and it pulls in @babel/runtime. json-logic-js takes JSON trees, not a one-line expression.
 */
import { compileExpression } from 'filtrex';
import type { Row } from '../core/change-event.js';
import { comparisonOperators } from './predicate-ops.js';

/** `unknown`: the image lacks a column the expression reads (a key-only before image, a typo). */
export type Verdict = 'match' | 'no-match' | 'unknown';
export type RowPredicate = (row: Row) => Verdict;

/** Thrown by the property look-up for an absent column. Not an Error: no stack trace on the hot path. */
const MISSING_COLUMN: object = Object.freeze({ missingColumn: true });

const FUNCTIONS = new Set(['abs', 'ceil', 'floor', 'log', 'log2', 'log10', 'max', 'min', 'round', 'sqrt', 'exists', 'empty']);
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'of', 'if', 'then', 'else', 'mod']);
/** `null`, `true`, `false` are not filtrex literals; a column with such a name is written `'null'`. */
const CONSTANTS = { null: null, true: true, false: false };

export class ExpressionError extends Error {}

/** Compiles `expression` or throws ExpressionError with a one-line description of what is wrong. */
export function compilePredicate(expression: string): RowPredicate {
  checkTokens(expression);
  let current: Row | null = null;
  let evaluate: (row: Row) => unknown;
  try {
    evaluate = compileExpression(expression, {
      constants: CONSTANTS,
      operators: comparisonOperators(),
      customProp: (name: string, _get: unknown, obj: unknown) => {
        if (obj === current) {
          if (!Object.hasOwn(current!, name)) throw MISSING_COLUMN;
          return current![name];
        }
        // `field of json_column`: a missing nested field reads as null.
        return obj !== null && typeof obj === 'object' && Object.hasOwn(obj, name) ? (obj as Row)[name] : null;
      },
    });
  } catch (err) {
    throw new ExpressionError(describeSyntaxError(err instanceof Error ? err.message : String(err)));
  }
  return (row) => {
    current = row;
    // filtrex returns (does not throw) errors raised while evaluating: a type mismatch is a
    // non-match, only a literal `true` matches.
    const result = evaluate(row);
    current = null;
    return result === true ? 'match' : result === MISSING_COLUMN ? 'unknown' : 'no-match';
  };
}

/** For the config schema: null when `expression` compiles, else what is wrong. */
export function expressionProblem(expression: string): string | null {
  try {
    compilePredicate(expression);
    return null;
  } catch (err) {
    if (err instanceof ExpressionError) return err.message;
    throw err;
  }
}

/**
 * filtrex resolves function names only when a call is evaluated, so a typo such as `lenght(x)`
 * would silently fail on every row. Scan the text (outside quotes) for calls and for filtrex's
 * deprecated `?:` and `%`, which still work but print warnings to stderr at run time.
 */
function checkTokens(expression: string): void {
  const bare = expression.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, ' ');
  for (const m of bare.matchAll(/([A-Za-z$_][.A-Za-z0-9$_]*)\s*\(/g)) {
    const name = m[1]!;
    if (KEYWORDS.has(name) || FUNCTIONS.has(name)) continue;
    const hint = KEYWORDS.has(name.toLowerCase()) ? `; operators are lower case: ${name.toLowerCase()}` : '';
    throw new ExpressionError(`unknown function "${name}" (known: ${[...FUNCTIONS].join(', ')})${hint}`);
  }
  if (/[?:]/.test(bare)) throw new ExpressionError('"? :" is not supported: write if <condition> then <a> else <b>');
  if (bare.includes('%')) throw new ExpressionError('"%" is not supported: write <a> mod <b>');
}

const HINTS: [RegExp, string][] = [
  [/^=(?!=)/, '; compare with =='],
  [/^(&&|\|\|)/, '; write and / or'],
  [/^!(?!=)/, '; write not'],
  [/^["']/, '; unterminated quote? text is "double-quoted", odd column names are \'single-quoted\''],
];

/** filtrex's (jison's) messages span lines with a caret under the offending spot; make them one line. */
function describeSyntaxError(message: string): string {
  const lines = message.split('\n');
  const caretLine = lines.findIndex((l) => /^-*\^$/.test(l));
  if (caretLine < 1) return `invalid expression: ${lines.join(' ')}`;
  const shown = lines[caretLine - 1]!;
  const at = lines[caretLine]!.length - 1;
  const before = shown.slice(0, at).trimEnd();
  const rest = shown.slice(at);
  if (message.startsWith('Lexical error')) {
    const hint = HINTS.find(([re]) => re.test(rest))?.[1] ?? '';
    return `unrecognized text at "${rest}"${hint}`;
  }
  const got = /got '([^']+)'/.exec(message)?.[1];
  if (got === 'EndOfExpression') return before ? `expression ends too early after "${before}"` : 'expression is empty';
  return `unexpected ${got === 'Symbol' ? 'name' : (got ?? 'token')} at "${rest}"${before ? ` after "${before}"` : ''}`;
}
