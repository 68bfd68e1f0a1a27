import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { TestDatabase } from '../helpers/dialects';
import { FIXTURES, type Fixture } from '../compat/golden';
import { applyMariadbChanges, captureMariadbWithCdc, goldenMariadb, mariadbDifferences } from '../compat/golden-mariadb';
import { fixtureName, VARIANTS } from '../compat/variants';

/**
 * Golden test of `--format debezium` for MariaDB against Debezium itself, without a JVM: the
 * fixtures are what Debezium Server 3.6.0's MariaDB connector (binlog, schemas enabled) wrote for
 * test/compat/fixtures/mariadb-*.sql with its defaults and other handling modes
 * (test/compat/variants.ts); `npm run test:compat` records them again live.
 */
const fixture = (variant: string) => JSON.parse(readFileSync(new URL(fixtureName(variant, 'mariadb'), FIXTURES), 'utf8')) as Fixture;

describe('--format debezium matches Debezium 3.6 (MariaDB)', () => {
  const dbs: TestDatabase[] = [];
  after(async () => Promise.all(dbs.map((d) => d.drop())));

  const cases: { mode: 'trigger' | 'binlog'; schemas: boolean; variant: string }[] = [
    { mode: 'trigger', schemas: true, variant: 'defaults' },
    { mode: 'trigger', schemas: false, variant: 'defaults' },
    { mode: 'binlog', schemas: true, variant: 'defaults' },
    ...VARIANTS.filter((v) => v.name !== 'defaults').map((v) => ({ mode: 'trigger' as const, schemas: true, variant: v.name })),
  ];
  for (const { mode, schemas, variant } of cases) {
    test(`${mode} mode, ${variant}: every record, field by field, schemas ${schemas ? 'enabled' : 'disabled'}`, async () => {
      const expected = fixture(variant);
      const db = await goldenMariadb();
      dbs.push(db);
      const flags = VARIANTS.find((v) => v.name === variant)!.flags;
      const got = await captureMariadbWithCdc({ db, mode, schemas, flags, count: expected.records.length, changes: () => applyMariadbChanges(db) });
      assert.deepEqual(mariadbDifferences(expected, got, schemas), []);
      const first = JSON.parse(got.records[0]!.value!);
      const source = (schemas ? first.payload : first).source;
      assert.equal(source.connector, 'mariadb');
      assert.equal(source.db, db.name);
      assert.equal(source.cdc.mode, mode);
    });
  }
});
