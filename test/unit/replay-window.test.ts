import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventInstant, formatInstant, inWindow, makeWindow, parseInstant, parseInstantFlag, toMillis } from '../../src/replay/window.js';

const ns = (iso: string, extraNs = 0n) => BigInt(Date.parse(iso)) * 1_000_000n + extraNs;

test('parseInstant reads ISO-8601 with a zone, to the nanosecond', () => {
  const cases: [string, bigint][] = [
    ['2024-05-01T12:00:00Z', ns('2024-05-01T12:00:00Z')],
    ['2024-05-01T12:00Z', ns('2024-05-01T12:00:00Z')],
    ['2024-05-01 12:00:00z', ns('2024-05-01T12:00:00Z')],
    ['2024-05-01T12:00:00.5Z', ns('2024-05-01T12:00:00Z', 500_000_000n)],
    ['2024-05-01T12:00:00.500654Z', ns('2024-05-01T12:00:00Z', 500_654_000n)],
    ['2024-05-01T12:00:00.123456789Z', ns('2024-05-01T12:00:00Z', 123_456_789n)],
    ['2024-05-01T14:00:00.25+02:00', ns('2024-05-01T12:00:00Z', 250_000_000n)],
    ['2024-05-01T07:00:00-0500', ns('2024-05-01T12:00:00Z')],
    ['1969-12-31T23:59:59.5Z', -500_000_000n],
  ];
  for (const [input, expected] of cases) assert.equal(parseInstant(input), expected, input);
});

test('parseInstant refuses times without a zone, impossible dates and other shapes', () => {
  const bad = ['2024-05-01T12:00:00', '2024-05-01', '2024-02-30T00:00:00Z', '2024-13-01T00:00:00Z', '2024-05-01T24:00:00Z',
    '2024-05-01T12:00:00.1234567890Z', 'yesterday', '1714564800000', '', '2024-05-01T12:00:00Z junk'];
  for (const input of bad) assert.equal(parseInstant(input), null, input);
  assert.throws(() => parseInstantFlag('--from', 'yesterday'), /--from must be an ISO-8601 time with a zone.*"yesterday"/);
});

test('the window is half-open [from, to) at full precision', () => {
  const w = makeWindow(parseInstant('2024-05-01T12:00:00.5006Z')!, parseInstant('2024-05-01T12:00:01Z')!);
  const cases: [string, boolean][] = [
    ['2024-05-01T12:00:00.500599Z', false],
    ['2024-05-01T12:00:00.5006Z', true], // from is inclusive
    ['2024-05-01T12:00:00.500654Z', true], // would fall before `from` if rounded to milliseconds
    ['2024-05-01T12:00:00.999999999Z', true],
    ['2024-05-01T12:00:01Z', false], // to is exclusive
    ['2024-05-01T13:00:00Z', false],
  ];
  for (const [t, expected] of cases) assert.equal(inWindow(w, parseInstant(t)!), expected, t);
  assert.throws(() => makeWindow(w.to, w.from), /--to .* must be later than --from/);
  assert.throws(() => makeWindow(w.from, w.from), /must be later/);
});

test('eventInstant takes timestamp (native) or source.ts_ms (Debezium), never the envelope ts_ms', () => {
  const cases: [string | null, bigint | null][] = [
    [JSON.stringify({ event_id: 'e', timestamp: '2024-05-01T12:00:00.000001Z' }), ns('2024-05-01T12:00:00Z', 1_000n)],
    [JSON.stringify({ before: null, after: {}, op: 'c', ts_ms: 99, source: { ts_ms: Date.parse('2024-05-01T12:00:00.123Z') } }), ns('2024-05-01T12:00:00.123Z')],
    [JSON.stringify({ op: 'c', ts_ms: 99 }), null],
    [JSON.stringify({ timestamp: 'not a time' }), null],
    [JSON.stringify([1, 2]), null],
    ['not json', null],
    ['', null],
    [null, null],
  ];
  for (const [value, expected] of cases) assert.equal(eventInstant(value === null ? null : Buffer.from(value)), expected, String(value));
});

test('formatInstant shows 3, 6 or 9 fractional digits; toMillis rounds down', () => {
  const cases: [string, string][] = [
    ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T12:00:00.5Z', '2024-05-01T12:00:00.500Z'],
    ['2024-05-01T12:00:00.500654Z', '2024-05-01T12:00:00.500654Z'],
    ['2024-05-01T12:00:00.500600Z', '2024-05-01T12:00:00.500600Z'],
    ['2024-05-01T12:00:00.123456789Z', '2024-05-01T12:00:00.123456789Z'],
    ['2024-05-01T14:00:00.0000001+02:00', '2024-05-01T12:00:00.000000100Z'],
  ];
  for (const [input, expected] of cases) assert.equal(formatInstant(parseInstant(input)!), expected, input);
  assert.equal(toMillis(parseInstant('2024-05-01T12:00:00.999999Z')!), Date.parse('2024-05-01T12:00:00.999Z'));
  assert.equal(toMillis(-1n), -1);
});
