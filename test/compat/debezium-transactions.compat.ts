import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DEBEZIUM_VERSION } from '../../bench/lib/debezium.js';
import { runCli, withCdcRun } from '../helpers/cli.js';
import type { TestDatabase as MysqlDatabase } from '../helpers/dialects.js';
import { KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { dropSlotsOf, waitForMode } from '../helpers/postgres-wal.js';
import { compareRecords, parseExact, type Difference } from './compare.js';
import { captureMariadbWithDebezium, captureWithDebezium, readRawTopic, type RawRecord } from './debezium-server.js';
import { goldenDatabase, sql } from './golden.js';
import { applyMariadbChanges, goldenMariadb } from './golden-mariadb.js';

/**
 * Debezium's `provide.transaction.metadata` against Debezium Server itself: the `transaction`
 * block of every data event and the BEGIN/END records of `<prefix>.transaction`, field by field,
 * with schemas. cdc reads the WAL (PostgreSQL) or the binlog (MariaDB) of a fresh copy of the
 * golden table; the changes include a one-table transaction of several statements. Not compared:
 * `ts_ms` (wall clock or commit clock) and the position inside ids (PostgreSQL's `<xid>:<lsn>`:
 * both numbers differ between two databases; their form, and that the xid is the event's
 * `source.txId`, are checked).
 */
const option = { 'provide.transaction.metadata': 'true' };

/** A second transaction of three row changes after the fixture's changes. */
const PG_TRANSACTION = `BEGIN; INSERT INTO public.dbz_types (id) VALUES (10); INSERT INTO public.dbz_types (id) VALUES (11);
  UPDATE public.dbz_types SET c_text = 'x' WHERE id = 10; COMMIT;`;

async function mariadbTransaction(db: MysqlDatabase): Promise<void> {
  await db.transaction(async (exec) => {
    await exec('INSERT INTO dbz_types (id) VALUES (10)');
    await exec('INSERT INTO dbz_types (id) VALUES (11)');
  });
}

/** Differences beyond the ids' position parts, which are checked for form and consistency instead. */
function transactionDifferences(dbz: RawRecord[], cdc: RawRecord[], prefixes: { debezium: string; cdc: string }, idForm: RegExp): Difference[] {
  return compareRecords(dbz, cdc, prefixes).filter((d) => !(/^(?:payload\.transaction\.id|payload\.id|key\.payload\.id)$/.test(d.path) && idForm.test(String(d.debezium)) && idForm.test(String(d.cdc))));
}

function payloads(records: RawRecord[]): any[] {
  return records.map((r) => (r.value === null ? null : (parseExact(r.value) as any).payload));
}

describe(`provide.transaction.metadata against Debezium Server ${DEBEZIUM_VERSION} live`, () => {
  const pgs: TestDatabase[] = [];
  const mysqls: MysqlDatabase[] = [];
  after(async () => {
    for (const d of pgs) await dropSlotsOf(d.name);
    await Promise.all([...pgs.map((d) => d.drop()), ...mysqls.map((d) => d.drop())]);
  });

  test('PostgreSQL, wal mode', { timeout: 300_000 }, async () => {
    const { db, client } = await goldenDatabase();
    pgs.push(db);
    const prefix = uniqueId('dbz');
    await client.query(`CREATE PUBLICATION ${prefix}_pub FOR TABLE public.dbz_types`);
    await client.query(`SELECT pg_create_logical_replication_slot('${prefix}_slot', 'pgoutput')`);
    await client.query(sql('pg-changes.sql'));
    await client.query(PG_TRANSACTION);
    // pg-changes.sql runs as one transaction (8 events, plus a tombstone), then 3 events.
    const data = await captureWithDebezium({
      dbname: db.name,
      port: Number(new URL(db.url).port || 5432),
      table: 'public.dbz_types',
      slot: `${prefix}_slot`,
      publication: `${prefix}_pub`,
      topicPrefix: prefix,
      count: 12,
      extra: option,
    });
    const txns = await readRawTopic(`${prefix}.transaction`, 4, 60_000);

    const again = await goldenDatabase();
    pgs.push(again.db);
    const cdcPrefix = uniqueId('cdz');
    const args = ['run', '--source', again.db.url, '--kafka', KAFKA_BROKERS.join(','), '--table', 'dbz_types', '--format', 'debezium', '--topic-prefix', cdcPrefix, '--debezium-schemas'];
    // The option is refused while the table is in trigger mode: a plain run performs the switch first.
    const refused = await runCli([...args, '--provide-transaction-metadata']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /provide\.transaction\.metadata needs wal or binlog capture; table public\.dbz_types is in trigger mode/);
    await withCdcRun(args, async () => {
      const up = await runCli(['upgrade', '--source', again.db.url, '--table', 'dbz_types', '--to', 'wal']);
      assert.equal(up.code, 0, up.stderr);
      await waitForMode(again.db.url, 'public.dbz_types', 'wal');
    });
    const got = await withCdcRun([...args, '--provide-transaction-metadata'], async () => {
      await again.client.query(sql('pg-changes.sql'));
      await again.client.query(PG_TRANSACTION);
      return {
        data: await readRawTopic(`${cdcPrefix}.public.dbz_types`, 12, 60_000),
        txns: await readRawTopic(`${cdcPrefix}.transaction`, 4, 60_000),
      };
    });

    const prefixes = { debezium: prefix, cdc: cdcPrefix };
    assert.deepEqual(transactionDifferences(data, got.data, prefixes, /^\d+:\d+$/), [], 'data events');
    assert.deepEqual(transactionDifferences(txns, got.txns, prefixes, /^\d+:\d+$/), [], 'transaction topic');
    // What the id comparison left out: cdc's ids are `<source.txId>:<a position>`, the first event's is BEGIN's.
    const events = payloads(got.data).filter((p) => p !== null);
    for (const e of events) assert.equal(e.transaction.id.split(':')[0], String(e.source.txId));
    const [begin1, , begin2] = payloads(got.txns);
    assert.equal(begin1.id, events[0].transaction.id);
    assert.equal(begin2.id, events[8].transaction.id);
    assert.notEqual(events[0].source.txId, events[8].source.txId);
  });

  test('MariaDB, binlog mode', { timeout: 300_000 }, async () => {
    const db = await goldenMariadb();
    mysqls.push(db);
    const prefix = uniqueId('dbz');
    const url = new URL(db.url);
    // mariadb-changes.sql: five autocommit statements (6 records with the tombstone), then one transaction of 2.
    const data = await captureMariadbWithDebezium({
      host: url.hostname,
      port: Number(url.port || 3306),
      db: db.name,
      table: 'dbz_types',
      topicPrefix: prefix,
      count: 8,
      extra: option,
      changes: async () => {
        await applyMariadbChanges(db);
        await mariadbTransaction(db);
      },
    });
    const txns = await readRawTopic(`${prefix}.transaction`, 12, 60_000);

    const again = await goldenMariadb();
    mysqls.push(again);
    const cdcPrefix = uniqueId('cdz');
    // With no service running the switch happens at once.
    const up = await runCli(['upgrade', '--source', again.url, '--table', 'dbz_types', '--to', 'binlog']);
    assert.equal(up.code, 0, up.stderr);
    const args = ['run', '--source', again.url, '--kafka', KAFKA_BROKERS.join(','), '--table', 'dbz_types', '--format', 'debezium', '--topic-prefix', cdcPrefix, '--debezium-schemas', '--provide-transaction-metadata'];
    const got = await withCdcRun(args, async () => {
      await applyMariadbChanges(again);
      await mariadbTransaction(again);
      return {
        data: await readRawTopic(`${cdcPrefix}.${again.name}.dbz_types`, 8, 60_000),
        txns: await readRawTopic(`${cdcPrefix}.transaction`, 12, 60_000),
      };
    });
    // The GTIDs differ between the two runs (the server's sequence moved on); data collections
    // name the database, which differs too.
    const gtid = /^\d+-\d+-\d+$/;
    const norm = (records: RawRecord[], dbName: string) => records.map((r) => ({ key: r.key, value: r.value?.replaceAll(`"${dbName}.dbz_types"`, '"DB.dbz_types"') ?? null }));
    const prefixes = { debezium: `${prefix}.${db.name}`, cdc: `${cdcPrefix}.${again.name}` };
    assert.deepEqual(transactionDifferences(data, got.data, prefixes, gtid), [], 'data events');
    assert.deepEqual(transactionDifferences(norm(txns, db.name), norm(got.txns, again.name), { debezium: prefix, cdc: cdcPrefix }, gtid), [], 'transaction topic');
    const events = payloads(got.data).filter((p) => p !== null);
    for (const e of events) assert.equal(e.transaction.id, e.source.gtid);
    assert.deepEqual(
      payloads(got.txns).map((t) => `${t.status} ${t.id}`),
      events.flatMap((e) => (e.transaction.total_order === 1 ? [`BEGIN ${e.transaction.id}`] : [])).flatMap((b) => [b, b.replace('BEGIN', 'END')]),
    );
  });
});
