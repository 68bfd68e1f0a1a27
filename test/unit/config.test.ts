import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/config/load.js';
import { parseSchedule } from '../../src/config/schedule.js';

test('defaults fill a minimal config', () => {
  const c = validateConfig({ sources: [{ url: 'postgres://x/db' }], kafka: { brokers: ['127.0.0.1:9092'] } });
  assert.equal(c.sink, 'kafka');
  assert.equal(c.format, 'native');
  assert.equal(c.kafka.topic_template, 'cdc.{source_id}.{table}');
  assert.equal(c.defaults.batch_size, 2000);
  assert.equal(c.defaults.schedule, '50ms');
});

test('config errors name the key and the allowed values', () => {
  const cases: [unknown, RegExp][] = [
    [{ format: 'avro' }, /key "format" must be one of "native", "debezium"/],
    [{ kafka: { on_oversize: 'drop' } }, /key "kafka.on_oversize" must be one of "stop", "dead-letter"/],
    [{ kafka: { brokers: ['nohostport'] } }, /key "kafka.brokers.0": expected host:port/],
    [{ defaults: { schedule: 'sometimes' } }, /key "defaults.schedule": expected a duration/],
    [{ sources: [{ url: 'x', tabels: [] }] }, /unknown key "sources.0.tabels"/],
    [{ defaults: { batch_size: 0 } }, /key "defaults.batch_size"/],
    [{ debezium: { 'decimal.handling.mode': 'string' } }, /key "debezium": applies only with format "debezium"/],
    [{ format: 'debezium', debezium: { 'decimal.handling.mode': 'exact' } }, /key "debezium.decimal.handling.mode" must be one of "precise", "double", "string"/],
    [{ format: 'debezium', debezium: { 'time.precision.mode': 'micro' } }, /key "debezium.time.precision.mode" must be one of "adaptive", "adaptive_time_microseconds", "connect"/],
    [{ format: 'debezium', debezium: { 'binary.handling.mode': 'raw' } }, /key "debezium.binary.handling.mode" must be one of "bytes", "base64", "hex"/],
    [{ format: 'debezium', debezium: { 'interval.handling.mode': 'iso' } }, /key "debezium.interval.handling.mode" must be one of "numeric", "string"/],
    [{ format: 'debezium', debezium: { 'tombstones.on.delete': 'no' } }, /key "debezium.tombstones.on.delete"/],
    [{ format: 'debezium', debezium: { 'column.include.list': 'x' } }, /unknown key "debezium.column.include.list"/],
    [{ format: 'debezium', debezium: { 'skipped.operations': 'truncate' } }, /key "debezium.skipped.operations": expected "none" or a comma list of c, u, d, t/],
    [{ format: 'debezium', debezium: { 'topic.prefix': 'p' }, kafka: { topic_template: 'x.{table}' } }, /key "debezium.topic.prefix": .*kafka.topic_template/],
    [{ format: 'debezium', debezium: { 'provide.transaction.metadata': 'yes' } }, /key "debezium.provide.transaction.metadata"/],
    [{ format: 'debezium', sink: 'stdout', debezium: { 'provide.transaction.metadata': true } }, /key "debezium.provide.transaction.metadata": writes the <prefix>.transaction topic: it needs sink "kafka"/],
    [{ debezium: { 'provide.transaction.metadata': true } }, /key "debezium": applies only with format "debezium"/],
  ];
  for (const [raw, re] of cases) assert.throws(() => validateConfig(raw), re, JSON.stringify(raw));
});

test('schedules: durations for sub-second polling, cron otherwise', () => {
  assert.deepEqual(parseSchedule('50ms'), { kind: 'interval', ms: 50 });
  assert.deepEqual(parseSchedule('2s'), { kind: 'interval', ms: 2000 });
  assert.deepEqual(parseSchedule('1.5m'), { kind: 'interval', ms: 90_000 });
  assert.deepEqual(parseSchedule('*/5 * * * * *'), { kind: 'cron', expression: '*/5 * * * * *' });
  assert.equal(parseSchedule('0ms'), null);
  assert.equal(parseSchedule('every minute'), null);
});

test('${VAR} in config strings comes from the environment; an unset one names the key', async () => {
  const { expandEnv } = await import('../../src/config/load.js');
  const raw = { sources: [{ url: 'mysql://cdc:${DB_PASS}@db/legacy' }], n: 3 };
  assert.deepEqual(expandEnv(raw, { DB_PASS: 's3cret' }, 'cdc.yaml', []), { sources: [{ url: 'mysql://cdc:s3cret@db/legacy' }], n: 3 });
  assert.throws(() => expandEnv(raw, {}, 'cdc.yaml', []), /key "sources\.0\.url" uses \$\{DB_PASS\}, which is not set/);
});
