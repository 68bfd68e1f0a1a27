import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { openPostgres } from '../../adapters/postgres/index.js';
import { MIGRATIONS_DIR } from '../../adapters/postgres/sql-files.js';
import { BATCH_ROWS } from '../../adapters/postgres/trigger/ack-query.js';
import { TriggerAck } from '../../adapters/postgres/trigger/position.js';
import { loadMigrations } from '../../src/core/migrate.js';
import type { CapturedChange } from '../../src/core/change-event.js';
import type { ChangeSource } from '../../src/core/change-source.js';
import { TransientError, UserInputError } from '../../src/core/errors.js';
import type { SourceDatabase } from '../../src/core/source-database.js';
import type { TableRef } from '../../src/core/table-ref.js';
import { createTestDatabase, testLogger, type TestDatabase } from '../helpers/postgres.js';

const T = (name: string, schema = 'public'): TableRef => ({ schema, name });

/** Reads and acknowledges until a read comes back empty. */
async function drain(src: ChangeSource, batch = 100): Promise<CapturedChange[]> {
  const out: CapturedChange[] = [];
  for (;;) {
    const b = await src.read(batch);
    if (b.changes.length === 0) return out;
    out.push(...b.changes);
    await src.ack(b.ack);
  }
}

async function opened(db: SourceDatabase, t: TableRef): Promise<ChangeSource> {
  const src = db.openSource(t, { logger: testLogger() });
  await src.open();
  return src;
}

describe('postgres trigger capture', () => {
  let tdb: TestDatabase;
  let db: SourceDatabase;
  let c: pg.Client;

  before(async () => {
    tdb = await createTestDatabase();
    db = await openPostgres(tdb.url);
    await db.migrate();
    c = await tdb.client();
  });
  after(async () => {
    await db?.close();
    await tdb?.drop();
  });

  const cdcObjects = async (relname: string) => {
    const { rows } = await c.query(
      `SELECT (SELECT count(*)::int FROM pg_trigger tg JOIN pg_class k ON k.oid = tg.tgrelid WHERE k.relname = $1 AND tg.tgname LIKE 'cdc_%') AS triggers,
              (SELECT count(*)::int FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace WHERE n.nspname = 'cdc' AND k.relkind = 'r' AND k.relname LIKE 'log\\_%') AS logs,
              (SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'cdc' AND p.proname LIKE 'capture_%') AS functions`,
      [relname],
    );
    return rows[0] as { triggers: number; logs: number; functions: number };
  };

  it('installs idempotently and uninstalls cleanly', async () => {
    await c.query('CREATE TABLE inst (id serial PRIMARY KEY, name text)');
    await c.query(`INSERT INTO inst (name) VALUES ('before')`);
    const first = await db.install(T('inst'), {});
    assert.deepEqual(first, { table: 'public.inst', changed: true, keyColumns: ['id'] });
    assert.deepEqual(await db.install(T('inst'), {}), { table: 'public.inst', changed: false, keyColumns: ['id'] });
    assert.deepEqual(await cdcObjects('inst'), { triggers: 2, logs: 1, functions: 1 });
    assert.deepEqual((await db.listCaptured()).map((t) => t.qualifiedName), ['public.inst']);

    // A trigger someone dropped is put back, in the same generation (the log survived).
    const gen = (await c.query(`SELECT generation::text AS g FROM cdc.captured_tables`)).rows[0].g;
    await c.query('DROP TRIGGER cdc_capture ON inst');
    assert.equal((await db.install(T('inst'), {})).changed, true);
    assert.equal((await c.query(`SELECT generation::text AS g FROM cdc.captured_tables`)).rows[0].g, gen);
    await db.sequences.reserve('public.inst', 5);

    await c.query(`INSERT INTO inst (name) VALUES ('captured')`);
    assert.equal(await db.uninstall(T('inst')), true);
    assert.deepEqual(await cdcObjects('inst'), { triggers: 0, logs: 0, functions: 0 });
    assert.equal((await c.query('SELECT count(*)::int AS n FROM cdc.captured_tables')).rows[0].n, 0);
    const cp = (await c.query(`SELECT position, seq_reserved::int AS s FROM cdc.checkpoints WHERE table_name = 'public.inst'`)).rows[0];
    assert.deepEqual(cp, { position: null, s: 5 }, 'sequence reservations survive uninstall');
    assert.deepEqual((await c.query('SELECT name FROM inst ORDER BY id')).rows, [{ name: 'before' }, { name: 'captured' }]);
    await c.query(`INSERT INTO inst (name) VALUES ('after')`); // writes still work without cdc
    assert.equal(await db.uninstall(T('inst')), false);
  });

  it('rejects bad input and changes nothing', async () => {
    await c.query('CREATE TABLE keyless (code text, v int)');
    const before = await cdcObjects('keyless');
    await assert.rejects(db.install(T('nope'), {}), (e) => e instanceof UserInputError && e.message === 'table public.nope does not exist');
    await assert.rejects(db.install(T('keyless'), {}), (e) => e instanceof UserInputError && /no primary key.*--key-columns/.test(e.message));
    await assert.rejects(db.install(T('keyless'), { keyColumns: ['code', 'missing'] }), (e) => e instanceof UserInputError && /"missing" not found in table public.keyless/.test(e.message));
    await c.query('CREATE VIEW a_view AS SELECT 1 AS x');
    await assert.rejects(db.install(T('a_view'), {}), (e) => e instanceof UserInputError && /not a table/.test(e.message));
    assert.deepEqual(await cdcObjects('keyless'), before);
    assert.equal((await c.query(`SELECT count(*)::int AS n FROM cdc.captured_tables WHERE table_name LIKE '%keyless%'`)).rows[0].n, 0);

    const r = await db.install(T('keyless'), { keyColumns: ['code'] });
    assert.deepEqual(r.keyColumns, ['code']);
    await c.query(`INSERT INTO keyless VALUES ('k1', 1)`);
    const src = await opened(db, T('keyless'));
    const changes = await drain(src);
    assert.deepEqual(changes.map((ch) => ch.primaryKey), [{ code: 'k1' }]);
    await src.close();
  });

  it('emits insert, update, delete and truncate in order with images and keys', async () => {
    await c.query('CREATE TABLE ops (a int, b text, v text, PRIMARY KEY (b, a))');
    assert.deepEqual((await db.install(T('ops'), {})).keyColumns, ['b', 'a']);
    await c.query(`INSERT INTO ops VALUES (1, 'x', 'one'), (2, 'y', 'two')`); // one multi-row statement
    await c.query('BEGIN');
    await c.query(`UPDATE ops SET v = 'uno' WHERE a = 1`);
    await c.query(`UPDATE ops SET v = 'eins' WHERE a = 1`);
    await c.query('COMMIT');
    await c.query('BEGIN');
    await c.query(`INSERT INTO ops VALUES (9, 'z', 'rolled back')`);
    await c.query('ROLLBACK');
    await c.query(`DELETE FROM ops WHERE a = 2`);
    await c.query('TRUNCATE ops');
    await c.query(`INSERT INTO ops VALUES (3, 'w', 'after truncate')`);

    const src = await opened(db, T('ops'));
    const changes = await drain(src, 3);
    await src.close();
    assert.deepEqual(
      changes.map((ch) => [ch.operation, ch.primaryKey, ch.before?.v ?? null, ch.after?.v ?? null]),
      [
        ['INSERT', { b: 'x', a: 1 }, null, 'one'],
        ['INSERT', { b: 'y', a: 2 }, null, 'two'],
        ['UPDATE', { b: 'x', a: 1 }, 'one', 'uno'],
        ['UPDATE', { b: 'x', a: 1 }, 'uno', 'eins'],
        ['DELETE', { b: 'y', a: 2 }, 'two', null],
        ['TRUNCATE', null, null, null],
        ['INSERT', { b: 'w', a: 3 }, null, 'after truncate'],
      ],
    );
    assert.deepEqual(changes[0]!.after, { a: 1, b: 'x', v: 'one' });
    assert.equal(changes[0]!.transactionId, changes[1]!.transactionId, 'one statement, one transaction');
    assert.equal(changes[2]!.transactionId, changes[3]!.transactionId);
    assert.notEqual(changes[1]!.transactionId, changes[2]!.transactionId);
    for (const ch of changes) {
      assert.match(ch.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.match(ch.changeId, /^[0-9a-f-]{36}:\d+$/);
      assert.equal(ch.position, `${ch.transactionId}/${ch.sourceExtra!.log_id}`);
    }
    assert.equal(new Set(changes.map((ch) => ch.changeId)).size, changes.length);
  });

  it('works end to end for tables with quotes, spaces, capitals, dots and SQL in their names', async () => {
    const names = [T('We"ird; DROP TABLE x; --'), T('Mixed.Case Table', 'My "Schema"'), T('{{log_table}}')];
    await c.query(`CREATE SCHEMA "My ""Schema"""`);
    for (const t of names) {
      const q = `"${t.schema.replace(/"/g, '""')}"."${t.name.replace(/"/g, '""')}"`;
      await c.query(`CREATE TABLE ${q} ("Id" int PRIMARY KEY, "a b" text)`);
      assert.equal((await db.install(t, {})).changed, true);
      assert.equal((await db.install(t, {})).changed, false);
      await c.query(`INSERT INTO ${q} VALUES (1, 'v')`);
      const src = await opened(db, t);
      const changes = await drain(src);
      await src.close();
      assert.deepEqual(changes.map((ch) => [ch.operation, ch.primaryKey, ch.after]), [['INSERT', { Id: 1 }, { Id: 1, 'a b': 'v' }]]);
      assert.equal(await db.uninstall(t), true);
      assert.equal((await c.query(`SELECT count(*)::int AS n FROM ${q}`)).rows[0].n, 1);
    }
    assert.equal((await c.query(`SELECT to_regclass('public.x') IS NULL AS gone`)).rows[0].gone, true);
  });

  it('acks delete exactly what was emitted; a reopened source redelivers the rest with the same ids', async () => {
    await c.query('CREATE TABLE acks (id int PRIMARY KEY)');
    await db.install(T('acks'), {});
    await c.query('INSERT INTO acks SELECT generate_series(1, 5)');
    const logCount = async () => {
      const { rows } = await c.query(`SELECT log_table FROM cdc.captured_tables WHERE table_name = 'public.acks'`);
      return (await c.query(`SELECT count(*)::int AS n FROM cdc."${rows[0].log_table}"`)).rows[0].n as number;
    };
    let src = await opened(db, T('acks'));
    const b1 = await src.read(2);
    await src.ack(b1.ack);
    assert.equal(await logCount(), 3);
    const b2 = await src.read(2); // never acknowledged: the process "crashes"
    assert.deepEqual(b2.changes.map((ch) => ch.after!.id), [3, 4]);
    await src.close();

    src = await opened(db, T('acks'));
    const again = await drain(src);
    assert.deepEqual(again.map((ch) => ch.after!.id), [3, 4, 5]);
    assert.deepEqual(again.slice(0, 2).map((ch) => ch.changeId), b2.changes.map((ch) => ch.changeId));
    assert.equal(await logCount(), 0);
    const status = (await db.status()).find((s) => s.table === 'public.acks')!;
    assert.equal(status.backlog, 0);
    assert.equal(status.lagSeconds, 0);
    assert.equal(JSON.parse(status.checkpoint!).log_id, again[2]!.sourceExtra!.log_id);
    await src.close();
  });

  it('acks by the batch\'s own id range, so a log bloated by a drained backlog is not scanned whole', async () => {
    // After a large backlog the log table is mostly dead rows until vacuum; an ack bounded below by
    // the round's start (id > 0) got a sequential scan of all of it per batch (problem 4 of
    // docs/benchmarks.md). The plan of the ack's own predicate with the batch's bounds shows it
    // (the table's scan counters do too, but other backends report theirs seconds late).
    await c.query('CREATE TABLE bloated (id int PRIMARY KEY, v text)');
    await db.install(T('bloated'), {});
    const { rows } = await c.query(`SELECT log_table FROM cdc.captured_tables WHERE table_name = 'public.bloated'`);
    const log = rows[0].log_table as string;
    await c.query(`INSERT INTO bloated SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g`);
    await c.query(`ANALYZE cdc."${log}"`); // the planner now knows 20K rows over the whole id range
    const src = await opened(db, T('bloated'));
    try {
      assert.equal((await drain(src, 5000)).length, 20000);
      await c.query(`INSERT INTO bloated SELECT g, 'new' FROM generate_series(20001, 20010) g`);
      const batch = await src.read(100);
      assert.deepEqual(batch.changes.map((ch) => ch.after!.id), [20001, 20002, 20003, 20004, 20005, 20006, 20007, 20008, 20009, 20010]);
      // The token of the trigger source, inside the mode-switching source's wrapper.
      const token = (batch.ack as { inner?: unknown }).inner ?? batch.ack;
      assert.ok(token instanceof TriggerAck && token.batch);
      const { fromId, toId, snapshot, prev } = token.batch;
      const plan = await c.query(`EXPLAIN (FORMAT JSON) SELECT 1 FROM cdc."${log}" ${BATCH_ROWS}`, [fromId, toId, snapshot, prev]);
      assert.doesNotMatch(JSON.stringify(plan.rows[0]['QUERY PLAN']), /Seq Scan/, 'the ack would scan the log table sequentially');
      await src.ack(batch.ack);
      assert.deepEqual(await drain(src), []);
    } finally {
      await src.close();
    }
  });

  it('holds back changes of open transactions without skipping them, and never emits rollbacks', async () => {
    await c.query('CREATE TABLE slow (id int PRIMARY KEY, v text)');
    await db.install(T('slow'), {});
    const slowWriter = await tdb.client();
    await slowWriter.query('BEGIN');
    await slowWriter.query(`INSERT INTO slow VALUES (1, 'slow')`); // lower log id, commits last
    await c.query(`INSERT INTO slow VALUES (2, 'fast')`);
    await c.query('BEGIN');
    await c.query(`INSERT INTO slow VALUES (3, 'rolled back')`);
    await c.query('ROLLBACK');

    const src = await opened(db, T('slow'));
    const first = await src.read(10);
    assert.deepEqual(first.changes.map((ch) => ch.after!.v), ['fast']);
    // The pipeline reads again before acking: the next round must not repeat 'fast'.
    await slowWriter.query('COMMIT');
    await c.query(`UPDATE slow SET v = 'fast 2' WHERE id = 2`);
    const second = await src.read(10);
    assert.deepEqual(second.changes.map((ch) => ch.after!.v), ['slow', 'fast 2']);
    assert.ok(Number(second.changes[0]!.sourceExtra!.log_id) < Number(first.changes[0]!.sourceExtra!.log_id));
    await src.ack(first.ack);
    await src.ack(second.ack);
    assert.deepEqual(await drain(src), []);
    const st = (await db.status()).find((s) => s.table === 'public.slow')!;
    assert.equal(st.backlog, 0);
    await src.close();
  });

  it("runs the definer trigger unaffected by the writer's search_path", async () => {
    await c.query('CREATE TABLE guarded (id int PRIMARY KEY)');
    await db.install(T('guarded'), {});
    await c.query(`CREATE SCHEMA evil;
      CREATE FUNCTION evil.to_jsonb(anyelement) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"hijacked": true}'::jsonb $$;
      CREATE FUNCTION evil.row_to_json(anyelement) RETURNS json LANGUAGE sql AS $$ SELECT '{"hijacked": true}'::json $$;
      CREATE FUNCTION evil.never(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
      CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.never);`);
    const w = await tdb.client(`SET search_path = evil, pg_catalog, public`);
    await w.query('INSERT INTO guarded VALUES (1)');
    await w.query('UPDATE guarded SET id = 2');
    const src = await opened(db, T('guarded'));
    const changes = await drain(src);
    await src.close();
    assert.deepEqual(changes.map((ch) => [ch.operation, ch.before, ch.after]), [
      ['INSERT', null, { id: 1 }],
      ['UPDATE', { id: 1 }, { id: 2 }],
    ]);
  });

  it('lets only one reader per table, across processes', async () => {
    await c.query('CREATE TABLE locked (id int PRIMARY KEY)');
    await db.install(T('locked'), {});
    const other = await openPostgres(tdb.url);
    try {
      const mine = await opened(db, T('locked'));
      const theirs = other.openSource(T('locked'), { logger: testLogger() });
      await assert.rejects(theirs.open(), (e) => e instanceof TransientError && /public\.locked is already being captured by another cdc process/.test(e.message));
      const twice = db.openSource(T('locked'), { logger: testLogger() });
      await assert.rejects(twice.open(), (e) => e instanceof TransientError && /public\.locked/.test(e.message));
      await assert.rejects(other.uninstall(T('locked')), /being captured by a running cdc process/);
      await mine.close();
      await theirs.open();
      await theirs.close();
      await assert.rejects(db.openSource(T('inst'), { logger: testLogger() }).open(), (e) => e instanceof UserInputError && /install-triggers/.test(e.message));
    } finally {
      await other.close();
    }
  });

  it('takes its lock again after losing the lock connection, without losing changes', async () => {
    await c.query('CREATE TABLE relock (id int PRIMARY KEY)');
    await db.install(T('relock'), {});
    const src = await opened(db, T('relock'));
    await c.query('INSERT INTO relock VALUES (1)');
    const first = await src.read(10);
    const { rows } = await c.query(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    assert.equal(rows.length, 1, 'one lock connection for all sources');
    await c.query('INSERT INTO relock VALUES (2)');
    await new Promise((r) => setTimeout(r, 100));
    const second = await src.read(10);
    assert.deepEqual(second.changes.map((ch) => ch.after!.id), [2]);
    await src.ack(first.ack);
    await src.ack(second.ack);
    const other = await openPostgres(tdb.url);
    try {
      await assert.rejects(other.openSource(T('relock'), { logger: testLogger() }).open(), /already being captured/);
    } finally {
      await other.close();
    }
    await src.close();
  });

  it('serialises concurrent installs and migrations of two processes', async () => {
    const fresh = await createTestDatabase();
    const [a, b] = await Promise.all([openPostgres(fresh.url), openPostgres(fresh.url)]);
    try {
      const fc = await fresh.client();
      await assert.rejects(a.install(T('nope'), {}), UserInputError);
      assert.equal((await fc.query(`SELECT to_regnamespace('cdc') IS NULL AS none`)).rows[0].none, true, 'bad input created nothing, not even schema cdc');
      await Promise.all([a.migrate(), b.migrate()]);
      await fc.query('CREATE TABLE both_ (id int PRIMARY KEY)');
      const results = await Promise.all([a.install(T('both_'), {}), b.install(T('both_'), {})]);
      assert.deepEqual(results.map((r) => r.changed).sort(), [false, true]);
      // Every migration applied exactly once, whichever process got there first.
      const versions = (await loadMigrations(MIGRATIONS_DIR)).length;
      assert.equal((await fc.query('SELECT count(*)::int AS n FROM cdc.knex_migrations')).rows[0].n, versions);
    } finally {
      await a.close();
      await b.close();
      await fresh.drop();
    }
  });

  it('reserves strictly increasing sequence numbers across reopen, for any table name', async () => {
    const a = await db.sequences.reserve('public.ops', 10);
    const b = await db.sequences.reserve('public.ops', 3);
    assert.equal(b, a + 10n);
    const reopened = await openPostgres(tdb.url);
    try {
      assert.equal(await reopened.sequences.reserve('public.ops', 1), b + 3n);
      assert.equal(await reopened.sequences.reserve('never.installed', 2), 1n);
      assert.equal(await reopened.sequences.reserve('never.installed', 2), 3n);
    } finally {
      await reopened.close();
    }
  });

  it('picks up added columns and bumps the schema version', async () => {
    await c.query('CREATE TABLE evolving (id int PRIMARY KEY)');
    await db.install(T('evolving'), {});
    const src = await opened(db, T('evolving'));
    await c.query('INSERT INTO evolving VALUES (1)');
    assert.equal((await drain(src)).length, 1);
    const v1 = src.schemaVersion();
    await c.query('ALTER TABLE evolving ADD COLUMN big int8');
    await c.query('INSERT INTO evolving VALUES (2, 9007199254740993)');
    const changes = await drain(src);
    assert.deepEqual(changes[0]!.after, { id: 2, big: '9007199254740993' });
    assert.equal(src.schemaVersion(), v1 + 1);
    await src.close();
  });

  it('fails to connect with one line that never shows the password', async () => {
    const refused = openPostgres('postgres://someone:s3cret-pw@127.0.0.1:1/db');
    await assert.rejects(refused, (e) => e instanceof TransientError && !/s3cret/.test(e.message) && !e.message.includes('\n') && /someone:\*\*\*@/.test(e.message));
    const url = new URL(tdb.url);
    url.password = 's3cret-pw';
    url.pathname = '/no_such_database_here';
    await assert.rejects(openPostgres(url.toString()), (e) => e instanceof UserInputError && /does not exist/.test(e.message) && !/s3cret/.test(e.message));
  });
});
