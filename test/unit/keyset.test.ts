import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keysetPredicate } from '../../src/core/keyset.js';

const col = (i: number) => ['a', 'b', 'c'][i]!;
const pg = (i: number) => `$${i + 1}`;

test('single-column key: plain comparisons', () => {
  assert.deepEqual(keysetPredicate('after', 1, col, pg), { sql: '(a > $1)', order: [0] });
  assert.deepEqual(keysetPredicate('upTo', 1, col, pg), { sql: '(a < $1 OR a = $1)', order: [0, 0] });
});

test('composite key: lexicographic order, placeholders listed for positional drivers', () => {
  const after = keysetPredicate('after', 2, col, () => '?');
  assert.equal(after.sql, '(a > ? OR (a = ? AND b > ?))');
  assert.deepEqual(after.order, [0, 0, 1]);
  const upTo = keysetPredicate('upTo', 2, col, pg);
  assert.equal(upTo.sql, '(a < $1 OR (a = $1 AND b < $2) OR (a = $1 AND b = $2))');
});

test('the predicates partition keys: every key is after or up to a boundary, never both', () => {
  // Evaluate the generated SQL shape against tuples, by interpreting it as JS.
  const evalPredicate = (sql: string, row: number[], key: number[]): boolean => {
    const js = sql
      .replace(/\$(\d)/g, (_, n: string) => String(key[Number(n) - 1]))
      .replace(/\b([abc])\b/g, (_, c: string) => String(row['abc'.indexOf(c)]))
      .replace(/ = /g, ' === ')
      .replace(/ OR /g, ' || ')
      .replace(/ AND /g, ' && ');
    return Function(`return ${js}`)() as boolean;
  };
  const after = keysetPredicate('after', 3, col, pg).sql;
  const upTo = keysetPredicate('upTo', 3, col, pg).sql;
  const boundary = [1, 2, 1];
  for (let a = 0; a < 3; a++)
    for (let b = 0; b < 3; b++)
      for (let c = 0; c < 3; c++) {
        const row = [a, b, c];
        const isAfter = a > 1 || (a === 1 && (b > 2 || (b === 2 && c > 1)));
        assert.equal(evalPredicate(after, row, boundary), isAfter, `after ${row}`);
        assert.equal(evalPredicate(upTo, row, boundary), !isAfter, `upTo ${row}`);
      }
});
