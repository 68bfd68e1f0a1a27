import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';

/**
 * Schema tracking (issue #5): a column added or dropped at the source bumps the events'
 * schema_version, the first event with the new column set already carries the new version, and
 * every version's columns are queryable with `cdc schema`. MySQL triggers list their columns, so
 * there an ALTER TABLE is followed by install-triggers (docs/mysql-trigger.md); PostgreSQL's
 * triggers pick new columns up by themselves.
 */
// The dialects share nothing but Kafka (unique topics), so they run side by side to stay well under a minute.
describe('schema tracking', { concurrency: true }, () => {
  for (const dialect of DIALECTS) {
    describe(`schema tracking (${dialect.name})`, () => {
      let db: TestDatabase;
      const cli = (...args: string[]) => runCli([...args, '--source', db.url]);
      const text = () => (db.dialect === 'postgres' ? 'text' : 'varchar(100)');

      before(async () => {
        db = await dialect.create();
        await db.exec(`CREATE TABLE items (id int PRIMARY KEY, name ${text()} NOT NULL)`);
        await db.exec(`CREATE TABLE plain (id int PRIMARY KEY)`);
        const installed = await cli('install-triggers', '--table', 'items');
        assert.equal(installed.code, 0, installed.stderr);
      });
      after(async () => db?.drop());

      const schema = async () => {
        const r = await cli('schema', '--table', 'items', '--json');
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout) as { table: string; currentVersion: number; history: { version: number; columns: { name: string; type: string; nullable: boolean }[]; recordedAt: string }[] };
      };
      /** After an ALTER: MySQL's triggers must be regenerated; PostgreSQL's follow by themselves. */
      const afterAlter = async () => {
        if (db.dialect !== 'mysql') return;
        const r = await cli('install-triggers', '--table', 'items');
        assert.equal(r.code, 0, r.stderr);
      };

      test('a column added or dropped bumps schema_version in events and in cdc schema', async () => {
        const sid = uniqueId('schema');
        const topic = `cdc.${sid}.${db.qualified('items')}`.replace(/[^a-zA-Z0-9._-]/g, '_');
        const initial = await schema();
        assert.equal(initial.table, db.qualified('items'));
        assert.equal(initial.history.length, 1);
        const v1 = initial.currentVersion;
        assert.deepEqual(initial.history[0]!.columns.map((c) => [c.name, c.nullable]), [['id', false], ['name', false]]);

        const events = (n: number) => consumeAll([topic], { until: (m) => m.length >= n, timeoutMs: 20_000 }).then((m) => m.map((x) => x.value));
        await withCdcRun(['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '50ms'], async () => {
          await db.exec(`INSERT INTO items (id, name) VALUES (1, 'a')`);
          await events(1);

          await db.exec(`ALTER TABLE items ADD COLUMN email ${text()}`);
          await afterAlter();
          await db.exec(`INSERT INTO items (id, name, email) VALUES (2, 'b', 'b@x')`);
          const [first, second] = await events(2);
          assert.equal(first.schema_version, v1);
          assert.deepEqual(Object.keys(first.after_data).sort(), ['id', 'name']);
          assert.equal(second.schema_version, v1 + 1);
          assert.equal(second.after_data.email, 'b@x');

          const added = await schema();
          assert.equal(added.currentVersion, v1 + 1);
          assert.deepEqual(added.history.map((h) => h.version), [v1, v1 + 1]);
          assert.deepEqual(added.history[0]!.columns.map((c) => c.name), ['id', 'name']);
          assert.deepEqual(added.history[1]!.columns.map((c) => c.name), ['id', 'name', 'email']);
          assert.equal(added.history[1]!.columns[2]!.nullable, true);
          assert.match(added.history[1]!.recordedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);

          await db.exec(`ALTER TABLE items DROP COLUMN name`);
          await afterAlter();
          await db.exec(`INSERT INTO items (id, email) VALUES (3, 'c@x')`);
          const third = (await events(3))[2];
          assert.equal(third.schema_version, v1 + 2);
          assert.deepEqual(Object.keys(third.after_data).sort(), ['email', 'id']);
        });

        const dropped = await schema();
        assert.equal(dropped.currentVersion, v1 + 2);
        assert.deepEqual(dropped.history.map((h) => h.version), [v1, v1 + 1, v1 + 2]);
        assert.deepEqual(dropped.history[2]!.columns.map((c) => c.name), ['id', 'email']);

        const human = await cli('schema', '--table', 'items');
        assert.equal(human.code, 0, human.stderr);
        assert.match(human.stdout, new RegExp(`schema version ${v1 + 2}`));
      });

      test('cdc schema refuses an unknown or uncaptured table with one line', async () => {
        for (const table of ['plain', 'no_such_table']) {
          const r = await cli('schema', '--table', table);
          assert.notEqual(r.code, 0);
          assert.match(r.stderr, /is not captured/);
          assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        }
      });
    });
  }
});
