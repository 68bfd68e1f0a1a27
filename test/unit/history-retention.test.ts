import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRetention, parseRetention, retainedFrom, sqlWindow } from '../../src/history/retention.js';
import { parseInstant } from '../../src/replay/window.js';
import { UserInputError } from '../../src/core/errors.js';

test('--retain durations parse to seconds; off stops retaining', () => {
  const cases: [string, number | null][] = [
    ['7d', 604_800],
    ['12h', 43_200],
    ['90m', 5_400],
    ['3600s', 3_600],
    ['2w', 1_209_600],
    [' 1D ', 86_400],
    ['off', null],
    ['OFF', null],
  ];
  for (const [text, seconds] of cases) assert.equal(parseRetention(text), seconds, text);
});

test('bad --retain values are one UserInputError naming the flag', () => {
  for (const text of ['7', '7 days', '-1d', '1.5h', 'd', '30s', '3651d', '']) {
    assert.throws(() => parseRetention(text), (err: unknown) => err instanceof UserInputError && /^--retain must be a duration/.test(err.message), text);
  }
});

test('retention prints in the largest unit that divides it', () => {
  assert.deepEqual([604_800, 86_400, 5_400, 7_200, 90, 1_209_600].map(formatRetention), ['1w', '1d', '90m', '2h', '90s', '2w']);
});

test('the history is complete from the later of its start and now minus the retention', () => {
  const now = Date.parse('2024-05-10T00:00:00Z');
  const day = 86_400;
  assert.equal(retainedFrom({ retainSeconds: 7 * day, since: null }, now), null);
  // Kept for 2 days only, retention 7d: complete from the start.
  assert.equal(retainedFrom({ retainSeconds: 7 * day, since: '2024-05-08T00:00:00.123456Z' }, now), parseInstant('2024-05-08T00:00:00.123Z'));
  // Kept for a month, retention 7d: older rows may be pruned.
  assert.equal(retainedFrom({ retainSeconds: 7 * day, since: '2024-04-01T00:00:00Z' }, now), parseInstant('2024-05-03T00:00:00Z'));
});

test('the SQL window rounds outwards to whole microseconds and never narrows', () => {
  const w = (from: string, to: string) => sqlWindow({ from: parseInstant(from)!, to: parseInstant(to)! });
  assert.deepEqual(w('2024-05-01T12:00:00Z', '2024-05-01T13:00:00Z'), { from: '2024-05-01 12:00:00.000000', to: '2024-05-01 13:00:00.000000' });
  assert.deepEqual(w('2024-05-01T12:00:00.1234567Z', '2024-05-01T12:00:00.7654321Z'), { from: '2024-05-01 12:00:00.123456', to: '2024-05-01 12:00:00.765433' });
  assert.deepEqual(w('2024-05-01T14:00:00.5+02:00', '2024-05-01T12:00:00.000001Z'), { from: '2024-05-01 12:00:00.500000', to: '2024-05-01 12:00:00.000001' });
});
