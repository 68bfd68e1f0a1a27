import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { TestDatabase } from '../helpers/postgres';
import { dropSlotsOf } from '../helpers/postgres-wal';
import { captureWithCdc, goldenDatabase, goldenDifferences, readFixture, sql } from '../compat/golden';
import { VARIANTS } from '../compat/variants';

/**
 * Golden test of `--format debezium` for PostgreSQL against Debezium itself, without a JVM: each
 * fixture holds what Debezium Server 3.6.0 (PostgreSQL connector, pgoutput, schemas enabled) wrote
 * for exactly the statements of test/compat/fixtures/pg-*.sql, with Debezium's defaults or other
 * handling modes (test/compat/variants.ts). `npm run test:compat` records them again live and
 * compares the same way. cdc captures the same statements and must match every field except
 * wall-clock and position fields (test/compat/compare.ts).
 */
describe('--format debezium matches Debezium 3.6 (PostgreSQL)', () => {
  const dbs: TestDatabase[] = [];
  after(async () => {
    for (const d of dbs) await dropSlotsOf(d.name);
    await Promise.all(dbs.map((d) => d.drop()));
  });

  const cases: { mode: 'trigger' | 'wal'; schemas: boolean; variant: string }[] = [
    { mode: 'trigger', schemas: true, variant: 'defaults' },
    { mode: 'trigger', schemas: false, variant: 'defaults' },
    { mode: 'wal', schemas: true, variant: 'defaults' },
    ...VARIANTS.filter((v) => v.name !== 'defaults').map((v) => ({ mode: 'trigger' as const, schemas: true, variant: v.name })),
  ];
  for (const { mode, schemas, variant } of cases) {
    test(`${mode} mode, ${variant}: every record, field by field, schemas ${schemas ? 'enabled' : 'disabled'}`, async () => {
      const fixture = readFixture(variant);
      const { db, client } = await goldenDatabase();
      dbs.push(db);
      const flags = VARIANTS.find((v) => v.name === variant)!.flags;
      const got = await captureWithCdc({ db, mode, schemas, flags, count: fixture.records.length, changes: () => client.query(sql('pg-changes.sql')) });
      assert.deepEqual(goldenDifferences(fixture, got, mode, schemas), []);
      assert.equal(got.records.length, fixture.records.length);
      // What the comparison skips is still Debezium-shaped.
      const first = JSON.parse(got.records[0]!.value!);
      const source = (schemas ? first.payload : first).source;
      assert.equal(source.name, got.prefix);
      assert.equal(source.db, db.name);
      assert.equal(typeof source.txId, 'number');
      assert.equal(source.cdc.mode, mode);
      if (mode === 'wal') assert.equal(typeof source.lsn, 'number');
    });
  }
});
