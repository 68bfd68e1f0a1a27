import { after, before, describe, test } from 'node:test';
import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import assert from 'node:assert/strict';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { runCli } from '../helpers/cli.js';
import { KAFKA_BROKERS } from '../helpers/kafka.js';
import { logTableName } from '../../adapters/postgres/identifiers.js';
import { cdcObjectNames } from '../../adapters/mysql/identifiers.js';

/**
 * Issue 11 item 5 on the real servers: PostgreSQL truncates names at 63 bytes, so installing a
 * 64-byte name registered a table that does not exist, and the 63-byte one then took over the
 * same trigger. A name over the limit must be refused in one line, changing nothing; a name at
 * the limit installs and is captured under its own derived names.
 */
for (const dialect of DIALECTS) {
  describe(`table names at and over the limit (${dialect.name})`, () => {
    let db: TestDatabase;
    const limit = dialect.name === 'postgres' ? 63 : 64;
    const atLimit = 'T'.repeat(limit - 4) + '_end';
    before(async () => {
      db = await dialect.create();
      await db.exec(`CREATE TABLE ${db.q(atLimit)} (id int PRIMARY KEY)`);
    });
    after(async () => db?.drop());

    test('over the limit: one-line error, nothing changed; at the limit: installed', async () => {
      const before = await db.objects();
      const over = await runCli(['install-triggers', '--source', db.url, '--table', `"${atLimit}x"`]);
      assert.notEqual(over.code, 0);
      assert.match(over.stderr, dialect.name === 'postgres' ? /is 64 bytes; PostgreSQL names are at most 63 bytes/ : /is 65 characters; MySQL and MariaDB names are at most 64/);
      assert.equal(over.stderr.trim().split('\n').length, 1, over.stderr);
      assert.deepEqual(await db.objects(), before, 'a refused install changes nothing');

      const ok = await runCli(['install-triggers', '--source', db.url, '--table', `"${atLimit}"`]);
      assert.equal(ok.code, 0, ok.stderr);
      const status = await runCli(['status', '--source', db.url, '--json']);
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual(JSON.parse(status.stdout).map((r: { table: string }) => r.table), [db.qualified(atLimit)]);
    });

    test('two tables whose topic names fold together are refused at start, naming both', async () => {
      await db.exec(`CREATE TABLE ${db.q('a b')} (id int PRIMARY KEY)`);
      await db.exec(`CREATE TABLE ${db.q('a_b')} (id int PRIMARY KEY)`);
      const inst = await runCli(['install-triggers', '--source', db.url, '--table', '"a b",a_b']);
      assert.equal(inst.code, 0, inst.stderr);
      const run = await runCli(['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--table', '"a b",a_b']);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /tables \S+\/\S*a b and \S+\/\S*a_b would both write to Kafka topic \S+a_b; change key "kafka.topic_template"/);
    });

    test('a derived-name clash (forged: a hash collision is improbable) is refused, naming both tables', async () => {
      await db.exec(`CREATE TABLE clash_a (id int PRIMARY KEY)`);
      await db.exec(`CREATE TABLE clash_b (id int PRIMARY KEY)`);
      assert.equal((await runCli(['install-triggers', '--source', db.url, '--table', 'clash_a'])).code, 0);
      const schema = db.qualified('x').split('.')[0]!;
      if (db.dialect === 'postgres') {
        await db.exec(`UPDATE cdc.captured_tables SET log_table = $1 WHERE table_name = $2`, [logTableName({ schema, name: 'clash_b' }), db.qualified('clash_a')]);
      } else {
        await db.exec(`UPDATE \`${stateDatabaseName(db.name)}\`.cdc_captured_tables SET log_table = ? WHERE table_name = ?`, [cdcObjectNames({ schema, name: 'clash_b' }).logTable, db.qualified('clash_a')]);
      }
      const before = await db.objects();
      const refused = await runCli(['install-triggers', '--source', db.url, '--table', 'clash_b']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /^cdc: table \S+clash_b would share cdc's object \S+ with the captured table \S+clash_a; rename one of them\n$/);
      assert.deepEqual(await db.objects(), before);
    });
  });
}
