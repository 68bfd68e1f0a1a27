import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { TestDatabase } from '../helpers/dialects';
import { uniqueId } from '../helpers/kafka';
import { DEBEZIUM_VERSION } from '../../bench/lib/debezium';
import { captureMariadbWithDebezium } from './debezium-server';
import { FIXTURES, type Fixture } from './golden';
import { applyMariadbChanges, captureMariadbWithCdc, goldenMariadb, mariadbDifferences } from './golden-mariadb';
import { fixtureName, VARIANTS } from './variants';

/** mariadb-changes.sql: 3 inserts, 1 update, 1 delete and its tombstone. */
const EXPECTED_RECORDS = 6;

/**
 * `npm run test:compat`: Debezium Server's MariaDB connector and `cdc --format debezium` (trigger
 * mode) capture the same statements, once per option variant, and every record must match field
 * by field. Debezium reads the binlog from where it stood when it started, so the statements run
 * once it streams; cdc's triggers log them at the same time. CDC_RECORD=1 rewrites the fixtures.
 */
describe(`--format debezium against Debezium Server ${DEBEZIUM_VERSION} live (MariaDB, trigger mode)`, () => {
  const dbs: TestDatabase[] = [];
  after(async () => Promise.all(dbs.map((d) => d.drop())));

  for (const variant of VARIANTS) {
    test(`${variant.name}: ${JSON.stringify(variant.options)}`, { timeout: 300_000 }, async () => {
      const db = await goldenMariadb();
      dbs.push(db);
      const prefix = uniqueId('dbz');
      const url = new URL(db.url);
      const records = await captureMariadbWithDebezium({
        host: url.hostname,
        port: Number(url.port || 3306),
        db: db.name,
        table: 'dbz_types',
        topicPrefix: prefix,
        count: EXPECTED_RECORDS,
        changes: () => applyMariadbChanges(db),
        extra: variant.options,
      });
      const fixture: Fixture = { debezium: DEBEZIUM_VERSION, prefix: `${prefix}.${db.name}`, options: variant.options, records };
      if (process.env.CDC_RECORD === '1') writeFileSync(new URL(fixtureName(variant.name, 'mariadb'), FIXTURES), JSON.stringify(fixture, null, 1) + '\n');
      const got = await captureMariadbWithCdc({ db, mode: 'trigger', schemas: true, flags: variant.flags, count: records.length, changes: null });
      assert.deepEqual(mariadbDifferences(fixture, got, true), []);
    });
  }
});
