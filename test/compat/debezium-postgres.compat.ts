import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { TestDatabase } from '../helpers/postgres';
import { dropSlotsOf } from '../helpers/postgres-wal';
import { uniqueId } from '../helpers/kafka';
import { captureWithDebezium } from './debezium-server';
import { captureSnapshotWithCdc, captureWithCdc, FIXTURES, goldenDatabase, goldenDifferences, snapshotDatabase, snapshotDifferences, sql, type Fixture } from './golden';
import { fixtureName, VARIANTS } from './variants';
import { DEBEZIUM_VERSION } from '../../bench/lib/debezium';

/**
 * `npm run test:compat`: Debezium Server itself (Maven Central, as the benchmark runs it) and
 * `cdc --format debezium` capture the same statements on the same table, once per option variant;
 * every record must match field by field (test/compat/compare.ts). One JVM at a time, stopped
 * after each capture. CDC_RECORD=1 also rewrites the fixtures that test/integration/
 * debezium-postgres.test.ts compares against without a JVM.
 */
/** pg-changes.sql: 5 inserts, 2 updates, 1 delete and its tombstone. */
const EXPECTED_RECORDS = 9;
/** Rows left after pg-changes.sql: what a snapshot reads. */
const SNAPSHOT_ROWS = 4;

describe(`--format debezium against Debezium Server ${DEBEZIUM_VERSION} live (PostgreSQL, trigger mode)`, () => {
  const dbs: TestDatabase[] = [];
  after(async () => {
    for (const d of dbs) await dropSlotsOf(d.name);
    await Promise.all(dbs.map((d) => d.drop()));
  });

  for (const variant of VARIANTS) {
    test(`${variant.name}: ${JSON.stringify(variant.options)}`, { timeout: 300_000 }, async () => {
      const { db, client } = await goldenDatabase();
      dbs.push(db);
      const prefix = uniqueId('dbz');
      await client.query(`CREATE PUBLICATION ${prefix}_pub FOR TABLE public.dbz_types`);
      await client.query(`SELECT pg_create_logical_replication_slot('${prefix}_slot', 'pgoutput')`);
      // The same changes reach cdc's change log (triggers) and Debezium's slot (WAL).
      await client.query(sql('pg-changes.sql'));
      const records = await captureWithDebezium({
        dbname: db.name,
        port: Number(new URL(db.url).port || 5432),
        table: 'public.dbz_types',
        slot: `${prefix}_slot`,
        publication: `${prefix}_pub`,
        topicPrefix: prefix,
        count: EXPECTED_RECORDS,
        extra: variant.options,
      });
      const fixture: Fixture = { debezium: DEBEZIUM_VERSION, prefix, options: variant.options, records };
      if (process.env.CDC_RECORD === '1') writeFileSync(new URL(fixtureName(variant.name), FIXTURES), JSON.stringify(fixture, null, 1) + '\n');
      for (const schemas of [true, false]) {
        const got = await (async () => {
          // cdc's trigger log was drained by the first run; the second reads a fresh copy of the changes.
          if (!schemas) {
            const again = await goldenDatabase();
            dbs.push(again.db);
            await again.client.query(sql('pg-changes.sql'));
            return captureWithCdc({ db: again.db, mode: 'trigger', schemas, flags: variant.flags, count: records.length, changes: null });
          }
          return captureWithCdc({ db, mode: 'trigger', schemas, flags: variant.flags, count: records.length, changes: null });
        })();
        assert.deepEqual(goldenDifferences(fixture, got, 'trigger', schemas), [], `schemas ${schemas}`);
      }
    });
  }

  test('snapshot events (snapshot.mode=initial against cdc snapshot)', { timeout: 300_000 }, async () => {
    const { db, client } = await snapshotDatabase();
    dbs.push(db);
    const prefix = uniqueId('dbz');
    await client.query(`CREATE PUBLICATION ${prefix}_pub FOR TABLE public.dbz_types`);
    await client.query(`SELECT pg_create_logical_replication_slot('${prefix}_slot', 'pgoutput')`);
    const options = { 'snapshot.mode': 'initial' };
    const records = await captureWithDebezium({
      dbname: db.name,
      port: Number(new URL(db.url).port || 5432),
      table: 'public.dbz_types',
      slot: `${prefix}_slot`,
      publication: `${prefix}_pub`,
      topicPrefix: prefix,
      count: SNAPSHOT_ROWS,
      extra: options,
    });
    const fixture: Fixture = { debezium: DEBEZIUM_VERSION, prefix, options, records };
    if (process.env.CDC_RECORD === '1') writeFileSync(new URL(fixtureName('snapshot'), FIXTURES), JSON.stringify(fixture, null, 1) + '\n');
    assert.deepEqual(snapshotDifferences(fixture, await captureSnapshotWithCdc(db, records.length)), []);
  });
});
