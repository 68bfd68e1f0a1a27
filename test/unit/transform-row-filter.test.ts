import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent, Operation, Row } from '../../src/core/change-event.js';
import { compilePredicate } from '../../src/transform/predicate.js';
import { rowFilter } from '../../src/transform/row-filter.js';

function event(operation: Operation, before: Row | null, after: Row | null): ChangeEvent {
  return {
    event_id: '00000000-0000-5000-8000-000000000000',
    source_db: 'shop',
    table_name: 'public.users',
    operation,
    before_data: before,
    after_data: after,
    primary_key: operation === 'TRUNCATE' ? null : { id: 1 },
    timestamp: '2024-03-01T10:00:00.000Z',
    transaction_id: '7',
    sequence_number: '1',
    source: { mode: 'trigger', position: '1' },
    schema_version: 1,
  };
}

const active = { id: 1, status: 'active' };
const gone = { id: 1, status: 'gone' };
const keyOnly = { id: 1 };
type Outcome = 'pass' | 'drop' | 'left';

test('which image decides, per operation', () => {
  const filter = rowFilter(compilePredicate('status == "active"'), true);
  const cases: [string, ChangeEvent, Outcome][] = [
    ['INSERT matching', event('INSERT', null, active), 'pass'],
    ['INSERT not matching', event('INSERT', null, gone), 'drop'],
    ['SNAPSHOT matching', event('SNAPSHOT', null, active), 'pass'],
    ['SNAPSHOT not matching', event('SNAPSHOT', null, gone), 'drop'],
    ['DELETE of a matching row', event('DELETE', active, null), 'pass'],
    ['DELETE of a non-matching row', event('DELETE', gone, null), 'drop'],
    ['DELETE with a key-only before image', event('DELETE', keyOnly, null), 'pass'],
    ['TRUNCATE', event('TRUNCATE', null, null), 'pass'],
    ['UPDATE staying in', event('UPDATE', active, active), 'pass'],
    ['UPDATE entering', event('UPDATE', gone, active), 'pass'],
    ['UPDATE staying out', event('UPDATE', gone, gone), 'drop'],
    ['UPDATE leaving', event('UPDATE', active, gone), 'left'],
    ['UPDATE leaving, key-only before image', event('UPDATE', keyOnly, gone), 'left'],
    ['UPDATE without before image, not matching', event('UPDATE', null, gone), 'drop'],
    ['UPDATE without before image, matching', event('UPDATE', null, active), 'pass'],
    ['INSERT whose image lacks the column', event('INSERT', null, keyOnly), 'pass'],
  ];
  for (const [name, input, outcome] of cases) {
    const out = filter(input);
    if (outcome === 'drop') assert.equal(out, null, name);
    else if (outcome === 'pass') assert.equal(out, input, name);
    else {
      assert.deepEqual(
        out,
        { ...input, operation: 'DELETE', after_data: null, source: { ...input.source, row_filter: 'left' } },
        name,
      );
      assert.equal(input.operation, 'UPDATE', `${name}: input untouched`);
    }
  }
});

test('no DELETE is synthesized when DELETE is not among the wanted operations', () => {
  const filter = rowFilter(compilePredicate('status == "active"'), false);
  assert.equal(filter(event('UPDATE', active, gone)), null);
});
