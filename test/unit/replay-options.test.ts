import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveReplayRequest, type ReplayFlags } from '../../src/replay/options.js';
import { parseInstant } from '../../src/replay/window.js';

const NOW = Date.parse('2024-05-01T13:00:00Z');
const base: ReplayFlags = { kafka: 'k1:9092, k2:9092', maxClockSkew: 60, stallTimeout: 60, connectTimeout: 30, from: '2024-05-01T12:00:00Z', topic: 'replayed' };

test('the source topic comes from --from-topic or from --source-id and --table through the sink template', () => {
  const cases: [Partial<ReplayFlags>, string][] = [
    [{ fromTopic: 'cdc.shop.public.users' }, 'cdc.shop.public.users'],
    [{ sourceId: 'shop', table: 'public.users' }, 'cdc.shop.public.users'],
    [{ sourceId: 'shop', table: 'public."Order Items"' }, 'cdc.shop.public._Order_Items_'],
    [{ sourceId: 'shop', table: 'users', topicTemplate: 'x.{table}.{source_id}' }, 'x.users.shop'],
    [{ sourceId: 'from-env', fromTopic: 'direct' }, 'direct'], // CDC_SOURCE_ID alone does not conflict
  ];
  for (const [flags, expected] of cases) assert.equal(resolveReplayRequest({ ...base, ...flags }, NOW).sourceTopic, expected, JSON.stringify(flags));
});

test('a request without --to ends at the given now; brokers and seconds are converted', () => {
  const r = resolveReplayRequest({ ...base, fromTopic: 'src' }, NOW);
  assert.deepEqual(r.brokers, ['k1:9092', 'k2:9092']);
  assert.equal(r.window.from, parseInstant('2024-05-01T12:00:00Z'));
  assert.equal(r.window.to, parseInstant('2024-05-01T13:00:00Z'));
  assert.equal(r.toIsNow, true);
  assert.equal(r.maxClockSkewMs, 60_000);
  const withTo = resolveReplayRequest({ ...base, fromTopic: 'src', to: '2024-05-01T12:30:00Z' }, NOW);
  assert.equal(withTo.toIsNow, false);
  assert.equal(withTo.window.to, parseInstant('2024-05-01T12:30:00Z'));
});

test('bad input is refused with an error that names the flag', () => {
  const cases: [Partial<ReplayFlags>, RegExp][] = [
    [{ fromTopic: 'src', kafka: ' , ' }, /missing --kafka/],
    [{ fromTopic: 'src', kafka: undefined }, /missing --kafka/],
    [{}, /--source-id <id> with --table/],
    [{ sourceId: 'shop' }, /--source-id <id> with --table/],
    [{ fromTopic: 'src', table: 'users', sourceId: 'shop' }, /either --from-topic or --source-id/],
    [{ fromTopic: 'bad topic' }, /--from-topic "bad topic" is not a valid Kafka topic name/],
    [{ fromTopic: 'src', topic: undefined }, /missing --topic/],
    [{ fromTopic: 'src', topic: 'a/b' }, /--topic "a\/b" is not a valid/],
    [{ fromTopic: 'src', topic: 'src' }, /--topic must differ from the source topic src/],
    [{ sourceId: 'shop', table: 'public.users', topic: 'cdc.shop.public.users' }, /must differ/],
    [{ fromTopic: 'src', from: undefined }, /missing --from/],
    [{ fromTopic: 'src', from: '2024-05-01 noon' }, /--from must be an ISO-8601 time/],
    [{ fromTopic: 'src', to: '12:00' }, /--to must be an ISO-8601 time/],
    [{ fromTopic: 'src', to: '2024-05-01T11:00:00Z' }, /--to .* must be later than --from/],
    [{ fromTopic: 'src', from: '2024-05-01T14:00:00Z' }, /--to .* must be later than --from/], // now is before from
  ];
  for (const [flags, expected] of cases) assert.throws(() => resolveReplayRequest({ ...base, ...flags }, NOW), expected, JSON.stringify(flags));
});
