import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { TestDatabase } from '../helpers/dialects.js';
import { uniqueId } from '../helpers/kafka.js';
import { DEBEZIUM_VERSION } from '../../bench/lib/debezium.js';
import { captureMariadbWithDebezium } from './debezium-server.js';
import type { Fixture } from './golden.js';
import { applyMariadbChanges, captureMariadbWithCdc, goldenMariadb, mariadbDifferences } from './golden-mariadb.js';
import { VARIANTS } from './variants.js';

/** mariadb-changes.sql: 3 inserts, 1 update, 1 delete and its tombstone. */
const EXPECTED_RECORDS = 6;

/**
 * `npm run test:compat`: Debezium Server's MariaDB connector and `cdc --format debezium` (trigger
 * mode) capture the same statements, once per option variant, and every record must match field
 * by field. Debezium reads the binlog from where it stood when it started, so the statements run
 * once it streams; cdc's triggers log them at the same time. Debezium's output is never recorded into the repository; with
 * the defaults, cdc reading the binlog itself is compared against the same records.
 */
describe(`--format debezium against Debezium Server ${DEBEZIUM_VERSION} live (MariaDB, trigger and binlog mode)`, () => {
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
      for (const schemas of [true, false]) {
        // cdc's trigger log was drained by the first run; the second reads a fresh copy of the changes.
        const target = schemas ? db : await goldenMariadb();
        if (!schemas) dbs.push(target);
        const got = await captureMariadbWithCdc({ db: target, mode: 'trigger', schemas, flags: variant.flags, count: records.length, changes: schemas ? null : () => applyMariadbChanges(target) });
        assert.deepEqual(mariadbDifferences(fixture, got, schemas), [], `schemas ${schemas}`);
      }
      if (variant.name === 'defaults') {
        // cdc reading the binlog itself, on a fresh copy of the table, against the same records.
        const again = await goldenMariadb();
        dbs.push(again);
        const got = await captureMariadbWithCdc({ db: again, mode: 'binlog', schemas: true, flags: variant.flags, count: records.length, changes: () => applyMariadbChanges(again) });
        assert.deepEqual(mariadbDifferences(fixture, got, true), [], 'binlog mode');
      }
    });
  }
});
