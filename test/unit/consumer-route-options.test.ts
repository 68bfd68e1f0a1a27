import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRouteFlags } from '../../src/consumers/options.js';
import { UserInputError } from '../../src/core/errors.js';

const base = { kafka: '127.0.0.1:9092', consumerId: 'c1', sourceTopic: ['cdc.shop.public.users'] };

test('flags become a validated route: lists split on commas, operations upper-cased, topic derived from the id', () => {
  const { brokers, route } = resolveRouteFlags({
    kafka: 'a:9092, b:9092',
    consumerId: 'billing',
    sourceTopic: ['cdc.shop.public.users,cdc.shop.public.orders', 'cdc.shop.public.users'],
    table: ['public.users'],
    column: ['email,status'],
    operation: ['insert', 'DELETE'],
  });
  assert.deepEqual(brokers, ['a:9092', 'b:9092']);
  assert.deepEqual(route, {
    consumerId: 'billing',
    sourceTopics: ['cdc.shop.public.users', 'cdc.shop.public.orders'],
    targetTopic: 'cdc.consumer.billing',
    tables: ['public.users'],
    columns: ['email', 'status'],
    operations: ['INSERT', 'DELETE'],
  });
});

test('bad flags: one line naming the flag', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...base, kafka: undefined }, /^missing --kafka/],
    [{ ...base, kafka: ' , ' }, /^missing --kafka/],
    [{ ...base, consumerId: undefined }, /^missing --consumer-id/],
    [{ ...base, sourceTopic: undefined }, /^missing --source-topic/],
    [{ ...base, consumerId: 'a/b' }, /^--consumer-id: consumer id "a\/b" is invalid/],
    [{ ...base, consumerId: 'x'.repeat(129) }, /^--consumer-id: /],
    [{ ...base, sourceTopic: ['bad topic'] }, /^--source-topic: source topic "bad topic" is not a valid Kafka topic name/],
    [{ ...base, sourceTopic: ['cdc.consumer.c1'] }, /^--source-topic: target topic cdc.consumer.c1 is also a source topic/],
    [{ ...base, table: ['users'] }, /^--table: table "users" must be qualified/],
    [{ ...base, table: ['.users'] }, /^--table: /],
    [{ ...base, operation: ['UPSERT'] }, /^--operation: operation "UPSERT" is not one of INSERT, UPDATE, DELETE/],
    [{ ...base, operation: ['SNAPSHOT'] }, /^--operation: /],
  ];
  for (const [flags, message] of cases) {
    assert.throws(
      () => resolveRouteFlags(flags),
      (err: unknown) => err instanceof UserInputError && message.test((err as Error).message) && !(err as Error).message.includes('\n'),
      JSON.stringify(flags),
    );
  }
});
