import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveHistoryReplayRequest } from '../../src/replay/history-options.js';
import type { ReplayFlags } from '../../src/replay/options.js';
import { parseInstant } from '../../src/replay/window.js';
import { UserInputError } from '../../src/core/errors.js';

const NOW = Date.parse('2024-05-01T13:00:00Z');
const base: ReplayFlags = {
  fromHistory: true,
  source: 'postgres://cdc@db/shop',
  table: 'users',
  kafka: 'k1:9092',
  maxClockSkew: 60,
  stallTimeout: 60,
  connectTimeout: 30,
  from: '2024-05-01T12:00:00Z',
  topic: 'users.rebuilt',
};

test('a history request keeps the table as typed and defaults format, partitions and source id', () => {
  const r = resolveHistoryReplayRequest(base, NOW);
  assert.equal(r.table, 'users');
  assert.equal(r.sourceId, null);
  assert.equal(r.format, 'native');
  assert.equal(r.partitions, 1);
  assert.equal(r.topicTemplate, 'cdc.{source_id}.{table}');
  assert.equal(r.window.from, parseInstant('2024-05-01T12:00:00Z'));
  assert.equal(r.window.to, parseInstant('2024-05-01T13:00:00Z'));
  assert.equal(r.toIsNow, true);
  const d = resolveHistoryReplayRequest({ ...base, format: 'debezium', partitions: 6, sourceId: 'shop-eu' }, NOW);
  assert.deepEqual([d.format, d.partitions, d.sourceId], ['debezium', 6, 'shop-eu']);
});

test('bad history requests are one UserInputError naming the flag', () => {
  const cases: [Partial<ReplayFlags>, RegExp][] = [
    [{ source: undefined }, /--from-history needs --source/],
    [{ table: undefined }, /--from-history needs --table/],
    [{ table: 'a,b' }, /one table at a time/],
    [{ fromTopic: 'cdc.shop.public.users' }, /--from-topic reads Kafka/],
    [{ kafka: '' }, /missing --kafka/],
    [{ topic: undefined }, /missing --topic/],
    [{ topic: 'bad topic' }, /--topic "bad topic" is not a valid Kafka topic name/],
    [{ format: 'avro' }, /--format must be one of native, debezium/],
    [{ partitions: 0 }, /--partitions must be at least 1/],
    [{ from: undefined }, /missing --from/],
    [{ to: '2024-05-01T11:00:00Z' }, /--to .* must be later than --from/],
  ];
  for (const [flags, pattern] of cases) {
    assert.throws(() => resolveHistoryReplayRequest({ ...base, ...flags }, NOW), (e: unknown) => e instanceof UserInputError && pattern.test(e.message), JSON.stringify(flags));
  }
});
