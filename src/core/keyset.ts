/**
 * Keyset predicates over a (possibly composite) key, written as plain OR/AND comparisons rather
 * than row-value comparisons: `(a, b) > (?, ?)` is not index-friendly on every MySQL/MariaDB
 * version, this form is. Key columns are NOT NULL (primary key or validated key columns).
 *
 *   after:  rows strictly after the key       a > p0 OR (a = p0 AND b > p1)
 *   upTo:   rows at or before the key         a < p0 OR (a = p0 AND b < p1) OR (a = p0 AND b = p1)
 *
 * `column(i)` and `param(i)` give the SQL of key column i and of its placeholder. `order` lists the
 * key index behind each placeholder occurrence, for drivers with positional `?` parameters.
 */
export function keysetPredicate(
  kind: 'after' | 'upTo',
  width: number,
  column: (i: number) => string,
  param: (i: number) => string,
): { sql: string; order: number[] } {
  if (width < 1) throw new Error('a key has at least one column');
  const order: number[] = [];
  const term = (last: number, op: string): string => {
    const parts: string[] = [];
    for (let i = 0; i < last; i++) {
      parts.push(`${column(i)} = ${param(i)}`);
      order.push(i);
    }
    parts.push(`${column(last)} ${op} ${param(last)}`);
    order.push(last);
    return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
  };
  const terms: string[] = [];
  for (let i = 0; i < width; i++) terms.push(term(i, kind === 'after' ? '>' : '<'));
  if (kind === 'upTo') terms.push(term(width - 1, '='));
  return { sql: `(${terms.join(' OR ')})`, order };
}
