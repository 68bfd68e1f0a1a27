import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openMysql } from '../../adapters/mysql/index.js';
import { createMysqlDatabase, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId, type ConsumedMessage } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { assertValidEvent } from '../helpers/event-schema.js';

/**
 * The capture contract for MySQL/MariaDB binlog mode, end to end through `cdc run` into Kafka.
 * Every table has a trigger-mode twin that gets the same statements: the binlog events must be
 * the trigger events apart from what names the capture (event_id, source, timestamp,
 * transaction_id, sequence numbers, table). Resume after SIGKILL is the acceptance suite's
 * (test/acceptance/).
 */
describe('binlog capture end to end (mysql)', () => {
  let db: TestDatabase;
  const weird = 'We"ird `Name`; DROP TABLE x; --';
  const tables = ['users', 'order_items', 'keyless', weird];
  const twin = (t: string) => `${t}_trg`;

  before(async () => {
    db = await createMysqlDatabase();
    const { q } = db;
    for (const suffix of ['', '_trg']) {
      await db.exec(`CREATE TABLE ${q(`users${suffix}`)} (id int PRIMARY KEY, name varchar(100), score numeric(12,2))`);
      await db.exec(`CREATE TABLE ${q(`order_items${suffix}`)} (order_id int, line_no int, qty int, PRIMARY KEY (order_id, line_no))`);
      await db.exec(`CREATE TABLE ${q(`keyless${suffix}`)} (code varchar(20) NOT NULL, note varchar(100))`);
      await db.exec(`CREATE TABLE ${q(`${weird}${suffix}`)} (${q('Id')} int PRIMARY KEY, ${q('Val ue')} varchar(100))`);
    }
    // Installed through the adapter (each CLI start costs seconds); the switch through the CLI.
    const cdc = await openMysql(db.url);
    try {
      for (const t of [...tables, ...tables.map(twin)]) {
        await cdc.install({ schema: db.name, name: t }, t.startsWith('keyless') ? { keyColumns: ['code'] } : {});
      }
    } finally {
      await cdc.close();
    }
    const list = (names: string[]) => names.map((t) => `"${t.replaceAll('"', '""')}"`).join(',');
    const up = await runCli(['upgrade', '--source', db.url, '--table', list(tables), '--to', 'binlog']);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stdout.match(/trigger -> binlog \(switched\)/g)?.length, 4, up.stdout);
  });
  after(async () => db?.drop());

  const topic = (sid: string, table: string) => `cdc.${sid}.${db.qualified(table)}`.replace(/[^a-zA-Z0-9._-]/g, '_');

  /** The same statements on a table set: `t(name)` gives the table to write. */
  async function writes(t: (name: string) => string): Promise<void> {
    const { q } = db;
    await db.exec(`INSERT INTO ${q(t('users'))} (id, name, score) VALUES (1, 'ada', 12.50), (2, 'bob', 99999999.99)`);
    await db.exec(`UPDATE ${q(t('users'))} SET name = 'ada lovelace' WHERE id = 1`);
    await db.exec(`UPDATE ${q(t('users'))} SET score = score + 1`);
    await db.exec(`DELETE FROM ${q(t('users'))} WHERE id = 2`);
    await db.transaction(async (exec) => {
      await exec(`INSERT INTO ${q(t('order_items'))} VALUES (7, 1, 3), (7, 2, 5)`);
      await exec(`UPDATE ${q(t('order_items'))} SET qty = 4 WHERE order_id = 7 AND line_no = 2`);
      await exec(`UPDATE ${q(t('order_items'))} SET line_no = 3 WHERE order_id = 7 AND line_no = 1`);
    });
    await db.transaction(async (exec) => {
      await exec(`INSERT INTO ${q(t('users'))} (id, name, score) VALUES (9, 'rolled back', 0)`);
      return 'rollback';
    });
    await db.exec(`INSERT INTO ${q(t('keyless'))} VALUES ('k1', 'first'), ('k2', NULL)`);
    await db.exec(`DELETE FROM ${q(t('keyless'))}`);
    await db.exec(`INSERT INTO ${q(t(weird))} VALUES (1, 'odd')`);
  }

  const comparable = (m: ConsumedMessage) => ({
    key: m.key,
    operation: m.value.operation,
    before: m.value.before_data,
    after: m.value.after_data,
    primary_key: m.value.primary_key,
    schema_version: m.value.schema_version,
  });

  test('cdc run delivers the same events as trigger mode, with source.mode binlog', async () => {
    const sid = uniqueId('bl');
    const counts = { users: 6, order_items: 4, keyless: 4, [weird]: 1 };
    const total = Object.values(counts).reduce((a, b) => a + b, 0) * 2;
    const all = [...tables, ...tables.map(twin)].map((t) => topic(sid, t));
    const msgs = await withCdcRun(['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '50ms'], async () => {
      await writes((n) => n);
      await writes(twin);
      return consumeAll(all, { until: (m) => m.length >= total, timeoutMs: 30_000 });
    });
    for (const m of msgs) assertValidEvent(m.value);
    for (const t of tables) {
      const fromBinlog = msgs.filter((m) => m.topic === topic(sid, t));
      const fromTrigger = msgs.filter((m) => m.topic === topic(sid, twin(t)));
      assert.equal(fromBinlog.length, counts[t as keyof typeof counts], t);
      assert.deepEqual(fromBinlog.map(comparable), fromTrigger.map(comparable), `${t}: binlog events equal trigger events`);
      for (const m of fromBinlog) {
        assert.equal(m.value.source.mode, 'binlog');
        assert.match(m.value.source.position, /^mariadb-bin\.\d+:\d+:\d+$/);
        assert.equal(m.value.table_name, db.qualified(t));
        assert.match(m.value.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
      for (const m of fromTrigger) assert.equal(m.value.source.mode, 'trigger');
      const seqs = fromBinlog.map((m) => BigInt(m.value.sequence_number));
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), `sequence strictly increasing: ${seqs}`);
    }
    const users = msgs.filter((m) => m.topic === topic(sid, 'users')).map((m) => m.value);
    assert.equal(users[0].transaction_id, users[1].transaction_id, 'one statement, one transaction');
    assert.notEqual(users[0].transaction_id, users[2].transaction_id);
    assert.equal(users[0].source.position.replace(/:\d+$/, ''), users[1].source.position.replace(/:\d+$/, ''), 'same commit');
    assert.equal(new Set(msgs.map((m) => m.value.event_id)).size, msgs.length, 'event ids unique');
    const items = msgs.filter((m) => m.topic === topic(sid, 'order_items'));
    assert.equal(new Set(items.map((m) => m.value.transaction_id)).size, 1, 'a multi-statement transaction keeps one id');

    const cdc = await openMysql(db.url);
    try {
      const rows = await cdc.status();
      const users = rows.find((r) => r.table === db.qualified('users'))!;
      assert.equal(users.mode, 'binlog');
      assert.equal(typeof users.details?.bytesBehind, 'number');
      assert.match(users.checkpoint ?? '', /^mariadb-bin\.\d+:\d+:(\d+|\*)$/);
      assert.equal(rows.find((r) => r.table === db.qualified(twin('users')))?.mode, 'trigger');
      assert.deepEqual(
        (await cdc.listCaptured()).filter((c) => tables.includes(c.table.name)).map((c) => c.mode),
        ['binlog', 'binlog', 'binlog', 'binlog'],
      );
    } finally {
      await cdc.close();
    }
  });
});

