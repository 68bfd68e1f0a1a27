import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { TestDatabase } from '../helpers/postgres.js';
import { dropSlotsOf } from '../helpers/postgres-wal.js';
import { uniqueId } from '../helpers/kafka.js';
import { captureWithDebezium } from './debezium-server.js';
import { captureSnapshotWithCdc, captureWithCdc, goldenDatabase, goldenDifferences, snapshotDatabase, snapshotDifferences, sql, type Fixture } from './golden.js';
import { VARIANTS } from './variants.js';
import { DEBEZIUM_VERSION } from '../../bench/lib/debezium.js';

/**
 * `npm run test:compat`: Debezium Server itself (Maven Central, as the benchmark runs it) and
 * `cdc --format debezium` capture the same statements on the same table, once per option variant;
 * every record must match field by field (test/compat/compare.ts). One JVM at a time, stopped
 * after each capture. Debezium's output is never recorded into the repository: it is the judge, so
 * it runs every time. With the defaults, cdc in wal mode is compared against the same records.
 */
/** pg-changes.sql: 5 inserts, 2 updates, 1 delete and its tombstone. */
const EXPECTED_RECORDS = 9;
/** Rows left after pg-changes.sql: what a snapshot reads. */
const SNAPSHOT_ROWS = 4;

describe(`--format debezium against Debezium Server ${DEBEZIUM_VERSION} live (PostgreSQL, trigger and wal mode, snapshots)`, () => {
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
      if (variant.name === 'defaults') {
        // cdc in wal mode on a fresh copy of the table, against the same Debezium records.
        const again = await goldenDatabase();
        dbs.push(again.db);
        const got = await captureWithCdc({ db: again.db, mode: 'wal', schemas: true, flags: variant.flags, count: records.length, changes: () => again.client.query(sql('pg-changes.sql')) });
        assert.deepEqual(goldenDifferences(fixture, got, 'wal', true), [], 'wal mode');
        const source = JSON.parse(got.records[0]!.value!).payload.source;
        assert.equal(source.db, again.db.name);
        assert.equal(typeof source.txId, 'number');
        assert.equal(typeof source.lsn, 'number');
        assert.equal(source.cdc.mode, 'wal');
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
    assert.deepEqual(snapshotDifferences(fixture, await captureSnapshotWithCdc(db, records.length)), []);
  });
});
