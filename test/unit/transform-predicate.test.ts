import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePredicate, expressionProblem, type Verdict } from '../../src/transform/predicate.js';
import { compareNumeric } from '../../src/transform/predicate-ops.js';

const row = {
  id: 42,
  status: 'active',
  country: 'DE',
  amount: '1234.50', // NUMERIC arrives as a digit string
  big: '9007199254740993', // beyond 2^53
  score: 7.5,
  deleted_at: null,
  zip: '01234',
  created_at: '2024-03-01T10:00:00.000Z',
  meta: { tier: 'gold', tags: ['a'] },
  flag: true,
  'odd col': 'x',
};

test('expressions evaluate against a row image', () => {
  const cases: [string, Verdict][] = [
    ['status == "active"', 'match'],
    ['status != "active"', 'no-match'],
    ['id == 42 and country == "DE"', 'match'],
    ['id == 41 or country == "DE"', 'match'],
    ['not (id == 42)', 'no-match'],
    ['country in ("DE", "FR")', 'match'],
    ['country not in ("DE", "FR")', 'no-match'],
    ['id in (1, 42)', 'match'],
    ['deleted_at == null', 'match'],
    ['deleted_at != null', 'no-match'],
    ['exists(deleted_at)', 'no-match'],
    ['empty(deleted_at)', 'match'],
    ['flag == true', 'match'],
    ['flag', 'match'],
    ['amount > 1000', 'match'],
    ['amount == 1234.5', 'match'],
    ['amount >= 1234.51', 'no-match'],
    ['big > 9007199254740992', 'match'],
    ['score < 10 and score > 7', 'match'],
    ['zip == "1234"', 'no-match'], // text keeps exact equality
    ['zip == 1234', 'match'], // a number against a digit string compares by value
    ['created_at >= "2024-01-01"', 'match'],
    ['status ~= "^act"', 'match'],
    ['tier of meta == "gold"', 'match'],
    ['missing of meta == null', 'match'],
    ["'odd col' == \"x\"", 'match'],
    ['if flag then id == 42 else false', 'match'],
    // Ordering with null is not true (as in SQL); a type mismatch does not match.
    ['deleted_at < 5', 'no-match'],
    ['deleted_at > 5', 'no-match'],
    ['flag > 1', 'no-match'],
    ['status and flag', 'no-match'],
    ['id', 'no-match'], // only a literal true matches
    // A column the image lacks cannot be judged.
    ['nosuch == 1', 'unknown'],
    ['id == 42 and nosuch == 1', 'unknown'],
    ['id == 41 and nosuch == 1', 'no-match'], // `and` short-circuits before the missing column
    ['exists(nosuch)', 'unknown'],
    ['constructor == null', 'unknown'], // own properties only
  ];
  for (const [expression, expected] of cases) assert.equal(compilePredicate(expression)(row), expected, expression);
});

test('malformed expressions are rejected at compile time, in one line', () => {
  const cases: [string, RegExp][] = [
    ['', /expression is empty/],
    ['status ==', /expression ends too early after "status =="/],
    ['status = "x"', /unrecognized text at "= "x""; compare with ==/],
    ['a && b', /write and \/ or/],
    ['!a', /write not/],
    ["status == 'x", /unterminated quote/],
    ['a == 1 b', /unexpected name at "b" after "a == 1"/],
    ['lenght(name) > 3', /unknown function "lenght" \(known: abs, .*exists, empty\)/],
    ['AND(a, b)', /operators are lower case: and/],
    ['a ? 1 : 2', /write if <condition> then <a> else <b>/],
    ['a % 2 == 0', /write <a> mod <b>/],
  ];
  for (const [expression, re] of cases) {
    const problem = expressionProblem(expression);
    assert.ok(problem !== null, expression);
    assert.match(problem, re, expression);
    assert.ok(!problem.includes('\n'), `one line: ${expression}`);
  }
  // Function names and punctuation inside quoted text are text, not syntax.
  assert.equal(expressionProblem('note == "call foo(1) ? or 50%"'), null);
});

test('numeric comparison is exact for digit strings', () => {
  const cases: [unknown, unknown, number | null][] = [
    ['10.50', 10.5, 0],
    ['-0.00', 0, 0],
    ['-1.5', '-1.25', -1],
    ['123456789012345678901234567890', '123456789012345678901234567891', -1],
    ['9007199254740993', 9007199254740992, 1],
    ['007', 7, 0],
    [1e21, '99999999999999999999', 1], // exponent form: compared as doubles,
    ['abc', 1, null],
    [true, 1, null],
  ];
  for (const [a, b, expected] of cases) assert.equal(compareNumeric(a, b), expected, `${String(a)} vs ${String(b)}`);
});
