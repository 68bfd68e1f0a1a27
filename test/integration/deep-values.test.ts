import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';

/**
 * Issue 11 item 3, end to end on the real servers: a JSON value nested beyond what cdc decodes
 * (PostgreSQL jsonb accepts thousands of levels) used to wedge the table with a RangeError retried
 * forever. The application's write must succeed, the deep change must go to the dead-letter
 * topic naming its position, and the rows written after it must be delivered.
 * MariaDB's JSON type refuses 32 levels and more itself (with or without cdc), so there the
 * deepest value it accepts must be delivered like any other.
 */
const nested = (d: number) => '['.repeat(d) + '1' + ']'.repeat(d);

for (const dialect of DIALECTS) {
  describe(`deep JSON values (${dialect.name})`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await dialect.create();
      await db.exec(`CREATE TABLE docs (id int PRIMARY KEY, doc ${db.dialect === 'postgres' ? 'jsonb' : 'json'})`);
      const r = await runCli(['install-triggers', '--source', db.url, '--table', 'docs']);
      assert.equal(r.code, 0, r.stderr);
    });
    after(async () => db?.drop());

    test('a too-deep value is dead-lettered with its position; the rows behind it are delivered', async () => {
      const sid = uniqueId('deep');
      const topic = `cdc.${sid}.${db.qualified('docs')}`;
      const deepest = db.dialect === 'postgres' ? [3000, 10000] : [31];
      // Written before the service starts, so the deep rows sit in one batch with the others.
      await db.exec(`INSERT INTO docs VALUES (1, ${db.p(1)})`, ['{"a": 1}']);
      for (const [i, d] of deepest.entries()) await db.exec(`INSERT INTO docs VALUES (${10 + i}, ${db.p(1)})`, [nested(d)]);
      if (db.dialect === 'mysql') {
        // MariaDB refuses 32 levels with or without cdc (JSON_VALID); the trigger changes nothing about that.
        await assert.rejects(db.exec(`INSERT INTO docs VALUES (99, ${db.p(1)})`, [nested(32)]), /CONSTRAINT/);
      }
      await db.exec(`INSERT INTO docs VALUES (2, ${db.p(1)})`, ['[true]']);
      await db.exec(`UPDATE docs SET doc = ${db.p(1)} WHERE id = 1`, ['{"a": 2}']);
      const tooDeep = deepest.filter((d) => d > 1000).length;
      await withCdcRun(
        ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '50ms', '--on-oversize', 'dead-letter'],
        async () => {
          const expected = 3 + deepest.length - tooDeep;
          const events = await consumeAll([topic], { until: (m) => m.length >= expected, timeoutMs: 30_000 });
          assert.deepEqual(
            events.map((m) => [m.value.operation, m.value.primary_key.id]),
            [['INSERT', 1], ...deepest.filter((d) => d <= 1000).map((_, i) => ['INSERT', 10 + i]), ['INSERT', 2], ['UPDATE', 1]],
          );
          if (db.dialect === 'mysql') assert.equal(JSON.stringify(events[1]!.value.after_data.doc), nested(31));
          if (tooDeep > 0) {
            const dead = await consumeAll([`${topic}.dlq`], { until: (m) => m.length >= tooDeep, timeoutMs: 30_000 });
            assert.equal(dead.length, tooDeep);
            assert.deepEqual(dead.map((d) => d.value.primary_key), deepest.filter((d) => d > 1000).map((_, i) => ({ id: 10 + i })), 'named by their keys');
            assert.deepEqual(dead.map((d) => d.key), dead.map((d) => JSON.stringify(d.value.primary_key)), 'keyed like their events');
            for (const d of dead) {
              assert.equal(d.value.error, 'undecodable');
              assert.equal(d.value.table_name, db.qualified('docs'));
              assert.match(d.value.reason, /change log row \d+: a JSON value nests deeper than cdc decodes \(1000 levels\)/);
              assert.ok(d.value.source.position, 'the record names the change position');
            }
          }
        },
      );
    });
  });
}

describe('deep JSON values through polling (postgres)', () => {
  const STATE = process.env.CDC_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';
  let db: TestDatabase;
  before(async () => {
    db = await DIALECTS.find((d) => d.name === 'postgres')!.create();
    await db.exec(`CREATE TABLE pdocs (id int PRIMARY KEY, doc jsonb, updated_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  });
  after(async () => db?.drop());

  test('a too-deep value fails its one change (dead-lettered by key); the rows behind it are delivered', async () => {
    const r = await runCli(['install-poll', '--source', db.url, '--state', STATE, '--table', 'pdocs', '--column', 'updated_at', '--safety-lag', '200ms']);
    assert.equal(r.code, 0, r.stderr);
    await db.exec(`INSERT INTO pdocs (id, doc) VALUES (1, ${db.p(1)})`, ['{"a": 1}']);
    await db.exec(`INSERT INTO pdocs (id, doc) VALUES (2, ${db.p(1)})`, [nested(3000)]);
    await db.exec(`INSERT INTO pdocs (id, doc) VALUES (3, ${db.p(1)})`, ['[true]']);
    const sid = uniqueId('pdeep');
    const topic = `cdc.${sid}.${db.qualified('pdocs')}`;
    await withCdcRun(
      ['run', '--source', db.url, '--state', STATE, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '50ms', '--on-oversize', 'dead-letter'],
      async () => {
        const events = await consumeAll([topic], { until: (m) => m.length >= 2, timeoutMs: 30_000 });
        assert.deepEqual(events.map((m) => m.value.primary_key.id).sort(), [1, 3]);
        const dead = await consumeAll([`${topic}.dlq`], { until: (m) => m.length >= 1, timeoutMs: 30_000 });
        assert.deepEqual(dead.map((d) => d.value.primary_key), [{ id: 2 }]);
        assert.match(dead[0]!.value.reason, /polled row \[2\]: a JSON value nests deeper than cdc decodes/);
      },
    );
  });
});
