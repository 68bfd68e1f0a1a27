/**
 * Comparison operators for `where` expressions, replacing filtrex's defaults.
 *
 * Row values follow the type-fidelity rules: NUMERIC/DECIMAL and 64-bit integers beyond 2^53 arrive
 * as digit strings ("1234.50", "9007199254740993"). filtrex's own `<` rejects strings and its `==`
 * is `===`, so `amount > 100` would fail on every row and `price == 10.5` would never match "10.50".
 * These operators compare a number with a digit string as numbers, exactly (digit by digit, no
 * rounding through a double), and compare two non-numeric strings in code-unit order, which is
 * the right order for ISO-8601 timestamps of one precision.
 */

const DECIMAL = /^-?\d+(?:\.\d+)?$/;

interface Decimal {
  negative: boolean;
  /** Integer digits without leading zeros ("" for zero). */
  int: string;
  /** Fraction digits without trailing zeros. */
  frac: string;
}

function parseDecimal(text: string): Decimal | null {
  if (!DECIMAL.test(text)) return null;
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const int = (dot < 0 ? body : body.slice(0, dot)).replace(/^0+/, '');
  const frac = dot < 0 ? '' : body.slice(dot + 1).replace(/0+$/, '');
  // "-0" and "-0.00" are zero, not less than zero.
  return { negative: negative && (int !== '' || frac !== ''), int, frac };
}

function compareDigits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  let magnitude = a.int.length - b.int.length || compareDigits(a.int, b.int);
  if (magnitude === 0) {
    const width = Math.max(a.frac.length, b.frac.length);
    magnitude = compareDigits(a.frac.padEnd(width, '0'), b.frac.padEnd(width, '0'));
  }
  return Math.sign(a.negative ? -magnitude : magnitude);
}

/** −1/0/1 when both sides are numbers or digit strings, else null. */
export function compareNumeric(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : null;
  const isNumA = typeof a === 'number';
  const isNumB = typeof b === 'number';
  if (!(isNumA || typeof a === 'string') || !(isNumB || typeof b === 'string')) return null;
  const da = parseDecimal(String(a));
  const db = parseDecimal(String(b));
  if (da && db) return compareDecimals(da, db);
  // A double printed in exponent form (>= 1e21 or < 1e-6) against a digit string: compare as
  // doubles. Approximate, but only at magnitudes where the literal was approximate to begin with.
  if ((isNumA && db) || (isNumB && da)) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : null;
  }
  return null;
}

export function looseEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Only a number against a digit string is compared by value; "1" == "01" stays false, so text
  // columns such as zip codes keep exact equality.
  if (typeof a === 'number' ? typeof b === 'string' : typeof b === 'number' && typeof a === 'string') {
    return compareNumeric(a, b) === 0;
  }
  return false;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'string' ? 'text' : typeof v;
}

/**
 * Ordering: null on either side is not comparable and yields false (as SQL's NULL < 1 is not
 * true). Other mismatches (a boolean, an object) throw, which makes the whole expression not match.
 */
function order(a: unknown, b: unknown): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  const numeric = compareNumeric(a, b);
  if (numeric !== null) return numeric;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TypeError(`cannot order ${typeName(a)} and ${typeName(b)}`);
}

const REGEX_CACHE_LIMIT = 64;

type Comparison = (a: unknown, b: unknown) => boolean;
export type ComparisonOperators = Record<'==' | '!=' | '<' | '<=' | '>' | '>=' | '~=', Comparison>;

/** The operator table passed to filtrex's `operators` option; one instance per compiled predicate. */
export function comparisonOperators(): ComparisonOperators {
  // filtrex builds `new RegExp` on every evaluation; patterns are almost always literals, so a
  // small cache keeps `~=` off the allocation profile of the hot path.
  const regexes = new Map<string, RegExp>();
  const regex = (pattern: string): RegExp => {
    let re = regexes.get(pattern);
    if (!re) {
      re = new RegExp(pattern);
      if (regexes.size < REGEX_CACHE_LIMIT) regexes.set(pattern, re);
    }
    return re;
  };
  const ordered = (test: (c: number) => boolean): Comparison => (a, b) => {
    const c = order(a, b);
    return c !== null && test(c);
  };
  return {
    '==': looseEquals,
    '!=': (a, b) => !looseEquals(a, b),
    '<': ordered((c) => c < 0),
    '<=': ordered((c) => c <= 0),
    '>': ordered((c) => c > 0),
    '>=': ordered((c) => c >= 0),
    '~=': (a, b) => {
      if (typeof b !== 'string') throw new TypeError(`~= needs a text pattern, got ${typeName(b)}`);
      return typeof a === 'string' && regex(b).test(a);
    },
  };
}
