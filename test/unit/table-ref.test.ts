import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTableRef, splitTableList } from '../../src/core/table-ref.js';

test('parseTableRef splits schema and name, honouring double quotes', () => {
  const cases: [string, { schema: string; name: string }][] = [
    ['users', { schema: 'public', name: 'users' }],
    ['shop.users', { schema: 'shop', name: 'users' }],
    ['"My Schema"."Odd.Name"', { schema: 'My Schema', name: 'Odd.Name' }],
    ['public."We""ird; DROP TABLE x; --"', { schema: 'public', name: 'We"ird; DROP TABLE x; --' }],
    ['a.b.c', { schema: 'a', name: 'b.c' }],
  ];
  for (const [input, expected] of cases) assert.deepEqual(parseTableRef(input, 'public'), expected, input);
});

test('parseTableRef rejects empty parts and unterminated quotes', () => {
  for (const bad of ['', '.users', 'public.', '"open']) assert.throws(() => parseTableRef(bad, 'public'), /table name/);
});

test('splitTableList keeps commas inside quotes', () => {
  assert.deepEqual(splitTableList('a, b ,"c,d",public.e'), ['a', 'b', '"c,d"', 'public.e']);
  assert.deepEqual(splitTableList(' , '), []);
});
