import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numberRanges } from '../../adapters/mysql/trigger/history-sequence.js';
import { compressIds } from '../../adapters/mysql/trigger/position.js';

test('each kept id gets the sequence_number its event carried (k-th id of the batch → first + k)', () => {
  const ids = [3n, 4n, 5n, 9n, 10n, 20n];
  const original = compressIds(ids);
  const numbered = numberRanges(original, original, 1000n);
  assert.deepEqual(numbered, [
    { first: 3n, last: 5n, firstSequence: 1000n },
    { first: 9n, last: 10n, firstSequence: 1003n },
    { first: 20n, last: 20n, firstSequence: 1005n },
  ]);
  // Spelled out per id: the sequence of id x in a run is firstSequence + (x − first).
  const perId = numbered.flatMap((r) => Array.from({ length: Number(r.last - r.first + 1n) }, (_, i) => [r.first + BigInt(i), r.firstSequence + BigInt(i)]));
  assert.deepEqual(perId, ids.map((id, k) => [id, 1000n + BigInt(k)]));
});

test('a retried ack keeps only the rows still in the log, with their original numbers', () => {
  const original = compressIds([3n, 4n, 5n, 9n, 10n]);
  assert.deepEqual(numberRanges(original, compressIds([4n, 5n, 10n]), 7n), [
    { first: 4n, last: 5n, firstSequence: 8n },
    { first: 10n, last: 10n, firstSequence: 11n },
  ]);
  assert.deepEqual(numberRanges(original, [], 7n), []);
});

test('ids outside the batch are refused', () => {
  assert.throws(() => numberRanges(compressIds([3n, 4n]), compressIds([5n]), 1n), /not part of the acknowledged batch/);
});
