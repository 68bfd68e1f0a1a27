import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { assertValidEvent } from '../helpers/event-schema.js';

/**
 * The trigger pipeline end to end, through the real CLI, real databases and a real Kafka broker,
 * for every dialect: install → run → changes → events on the topics, then status and uninstall.
 */
for (const dialect of DIALECTS) {
  describe(`trigger capture end to end (${dialect.name})`, () => {
    let db: TestDatabase;
    const weird = 'We"ird `Name`; DROP TABLE x; --';

    before(async () => {
      db = await dialect.create();
      const { q } = db;
      const text = db.dialect === 'postgres' ? 'text' : 'varchar(100)';
      await db.exec(`CREATE TABLE users (id int PRIMARY KEY, name ${text}, score numeric(12,2))`);
      await db.exec(`CREATE TABLE order_items (order_id int, line_no int, qty int, PRIMARY KEY (order_id, line_no))`);
      await db.exec(`CREATE TABLE keyless (code varchar(20) NOT NULL, note ${text})`);
      await db.exec(`CREATE TABLE ${q(weird)} (${q('Id')} int PRIMARY KEY, ${q('Val ue')} ${text})`);
    });
    after(async () => db?.drop());

    const topic = (sid: string, table: string) => `cdc.${sid}.${db.qualified(table)}`.replace(/[^a-zA-Z0-9._-]/g, '_');
    const cli = (...args: string[]) => runCli([...args, '--source', db.url]);

    test('install-triggers is idempotent and refuses a keyless table without --key-columns', async () => {
      const first = await cli('install-triggers', '--table', 'users,order_items');
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^installed: .*users \(key: id\)$/m);
      assert.match(first.stdout, /^installed: .*order_items \(key: order_id, line_no\)$/m);
      const again = await cli('install-triggers', '--table', 'users');
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^already installed: .*users/m);

      const objectsBefore = await db.objects();
      const refused = await cli('install-triggers', '--table', 'keyless');
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /--key-columns/);
      assert.equal(refused.stderr.trim().split('\n').length, 1, `one line: ${refused.stderr}`);
      assert.deepEqual(await db.objects(), objectsBefore, 'a refused install changes nothing');

      const keyed = await cli('install-triggers', '--table', 'keyless', '--key-columns', 'code');
      assert.equal(keyed.code, 0, keyed.stderr);
      const odd = await cli('install-triggers', '--table', db.dialect === 'postgres' ? `public."${weird.replaceAll('"', '""')}"` : `"${weird.replaceAll('"', '""')}"`);
      assert.equal(odd.code, 0, odd.stderr);
    });

    test('run delivers inserts, updates, deletes (and TRUNCATE on PostgreSQL) with keys, images and order', async () => {
      const sid = uniqueId('e2e');
      await withCdcRun(['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '50ms'], async () => {
        const { q } = db;
        await db.exec(`INSERT INTO users (id, name, score) VALUES (1, 'ada', 12.50), (2, 'bob', 99999999.99)`);
        await db.exec(`UPDATE users SET name = 'ada lovelace' WHERE id = 1`);
        await db.exec(`DELETE FROM users WHERE id = 2`);
        await db.exec(`INSERT INTO order_items VALUES (7, 1, 3), (7, 2, 5)`);
        await db.exec(`UPDATE order_items SET qty = 4 WHERE order_id = 7 AND line_no = 2`);
        await db.exec(`INSERT INTO keyless VALUES ('k1', 'first')`);
        await db.exec(`INSERT INTO ${q(weird)} VALUES (1, 'odd')`);
        if (db.dialect === 'postgres') {
          await db.exec(`TRUNCATE users`);
          await db.exec(`INSERT INTO users (id, name, score) VALUES (3, 'cy', 0.10)`);
        }
        const usersExpected = db.dialect === 'postgres' ? 6 : 4;
        const topics = ['users', 'order_items', 'keyless', weird].map((t) => topic(sid, t));
        const msgs = await consumeAll(topics, {
          until: (m) => m.length >= usersExpected + 3 + 1 + 1,
          timeoutMs: 30_000,
        });
        for (const m of msgs) assertValidEvent(m.value);
        const of = (t: string) => msgs.filter((m) => m.topic === topic(sid, t));

        const users = of('users');
        assert.deepEqual(
          users.map((m) => m.value.operation),
          db.dialect === 'postgres'
            ? ['INSERT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'INSERT']
            : ['INSERT', 'INSERT', 'UPDATE', 'DELETE'],
        );
        const [ins1, ins2, upd, del] = users.map((m) => m.value);
        assert.deepEqual(ins1.after_data, { id: 1, name: 'ada', score: '12.50' });
        assert.equal(ins1.before_data, null);
        assert.deepEqual(ins2.after_data, { id: 2, name: 'bob', score: '99999999.99' });
        assert.equal(ins1.transaction_id, ins2.transaction_id, 'one statement, one transaction');
        assert.deepEqual(upd.before_data, { id: 1, name: 'ada', score: '12.50' });
        assert.deepEqual(upd.after_data, { id: 1, name: 'ada lovelace', score: '12.50' });
        assert.deepEqual(del.before_data, { id: 2, name: 'bob', score: '99999999.99' });
        assert.equal(del.after_data, null);
        assert.deepEqual(users.slice(0, 4).map((m) => m.key), ['{"id":1}', '{"id":2}', '{"id":1}', '{"id":2}']);
        for (const m of users) {
          assert.equal(m.value.source_db, sid);
          assert.equal(m.value.table_name, db.qualified('users'));
          assert.equal(m.value.source.mode, 'trigger');
          assert.equal(m.headers['cdc.event_id'], m.value.event_id);
        }
        const seqs = users.map((m) => BigInt(m.value.sequence_number));
        assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), `sequence strictly increasing: ${seqs}`);
        assert.equal(new Set(users.map((m) => m.value.event_id)).size, users.length);
        if (db.dialect === 'postgres') {
          const trunc = users[4]!;
          assert.equal(trunc.key, null);
          assert.equal(trunc.value.primary_key, null);
          assert.deepEqual(users[5]!.value.after_data, { id: 3, name: 'cy', score: '0.10' });
        }

        const items = of('order_items');
        assert.deepEqual(items.map((m) => m.key), ['{"order_id":7,"line_no":1}', '{"order_id":7,"line_no":2}', '{"order_id":7,"line_no":2}']);
        assert.deepEqual(items[2]!.value.after_data, { order_id: 7, line_no: 2, qty: 4 });

        const keyless = of('keyless');
        assert.equal(keyless.length, 1);
        assert.equal(keyless[0]!.key, '{"code":"k1"}');

        const odd = of(weird);
        assert.equal(odd.length, 1);
        assert.equal(odd[0]!.value.table_name, db.qualified(weird));
        assert.deepEqual(odd[0]!.value.after_data, { Id: 1, 'Val ue': 'odd' });
        assert.equal(odd[0]!.key, '{"Id":1}');
      });
      const status = await cli('status', '--json');
      assert.equal(status.code, 0, status.stderr);
      const rows = JSON.parse(status.stdout) as { table: string; backlog: number; mode: string }[];
      const users = rows.find((r) => r.table === db.qualified('users'));
      assert.ok(users, status.stdout);
      assert.equal(users.backlog, 0);
      assert.equal(users.mode, 'trigger');
    });

    test('--format debezium emits the Debezium envelope on the same key', async () => {
      await db.exec(`INSERT INTO users (id, name, score) VALUES (10, 'dee', 1.00)`);
      await db.exec(`UPDATE users SET score = 2.00 WHERE id = 10`);
      await db.exec(`DELETE FROM users WHERE id = 10`);
      // Debezium's default skipped.operations=t: no truncate event (MySQL captures none anyway).
      await db.exec(`TRUNCATE TABLE users`);
      await db.exec(`INSERT INTO users (id, name, score) VALUES (11, 'eve', 3.00)`);
      const sid = uniqueId('dbz');
      const args = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--format', 'debezium', '--table', 'users'];
      const msgs = await withCdcRun(args, () => consumeAll([topic(sid, 'users')], { until: (m) => m.length >= 5, timeoutMs: 30_000, content: 'other' }));
      assert.deepEqual(msgs.map((m) => m.value?.op ?? null), ['c', 'u', 'd', null, 'c'], 'a tombstone follows the delete; the truncate is skipped');
      // numeric(12,2) gets Debezium's default encoding: the unscaled value's two's-complement
      // bytes in base64 (100 → ZA==, 200 → AMg=).
      const [one, two] = ['ZA==', 'AMg='];
      assert.deepEqual(msgs[1]!.value.before, { id: 10, name: 'dee', score: one });
      assert.deepEqual(msgs[1]!.value.after, { id: 10, name: 'dee', score: two });
      assert.equal(msgs[2]!.value.after, null);
      assert.equal(msgs[0]!.value.source.table, 'users');
      assert.equal(typeof msgs[0]!.value.ts_ms, 'number');
      assert.ok(msgs.slice(0, 4).every((m) => m.key === '{"id":10}'));
    });

    test('uninstall-triggers removes capture and leaves the data', async () => {
      const out = await cli('uninstall-triggers', '--table', 'order_items');
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /uninstalled/);
      await db.exec(`INSERT INTO order_items VALUES (8, 1, 1)`);
      const rows = await db.query(`SELECT count(*) AS n FROM order_items`);
      assert.equal(Number(rows[0].n), 3);
      const objects = await db.objects();
      assert.ok(!objects.some((o) => /order_items/.test(o) && /cdc|log/.test(o)), objects.join('\n'));
      const again = await cli('uninstall-triggers', '--table', 'order_items');
      assert.equal(again.code, 0);
      assert.match(again.stdout, /was not installed/);
    });
  });
}
