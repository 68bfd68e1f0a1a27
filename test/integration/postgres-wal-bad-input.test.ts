import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogicalReplicationService, TestDecodingPlugin } from 'pg-logical-replication';
import { openPostgres, openPostgresWith, poolDriver } from '../../adapters/postgres/index.js';
import type { PgDriver } from '../../adapters/postgres/driver.js';
import { walObjectName } from '../../adapters/postgres/wal/names.js';
import type { CaptureMode } from '../../src/core/change-event.js';
import { UserInputError } from '../../src/core/errors.js';
import type { SourceDatabase } from '../../src/core/source-database.js';
import { runCli } from '../helpers/cli.js';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { dropSlotsOf, walObjects } from '../helpers/postgres-wal.js';

/**
 * Bad input to `cdc upgrade --to wal`: a clear one-line error and nothing changed — no slot, no
 * publication, no trigger removed, the registry untouched. wal_level cannot be changed on the
 * shared server, so that check runs against a driver that reports a different setting.
 */
describe('postgres cdc upgrade: bad input', () => {
  let db: TestDatabase;
  let api: SourceDatabase;
  const cli = (...args: string[]) => runCli([...args, '--source', db.url]);
  const snapshot = async () => ({
    objects: await db.objects(),
    wal: await walObjects(db.url),
    registry: await db.query(`SELECT table_name, mode, pending_mode, wal_slot, switch_request FROM cdc.captured_tables ORDER BY 1`),
  });
  const refused = async (args: string[], pattern: RegExp) => {
    const before = await snapshot();
    const r = await cli(...args);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.deepEqual(await snapshot(), before, 'nothing changed');
  };
  /** The same through the SourceDatabase API (a CLI start costs seconds on a loaded machine). */
  const refusedApi = async (table: string, to: CaptureMode, pattern: RegExp) => {
    const before = await snapshot();
    await assert.rejects(api.upgrade!({ schema: 'public', name: table }, to), (err: Error) => {
      assert.ok(err instanceof UserInputError, String(err));
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), err.message);
      return true;
    });
    assert.deepEqual(await snapshot(), before, 'nothing changed');
  };

  before(async () => {
    db = await createPostgresDatabase();
    await db.exec(`CREATE TABLE plain (id int PRIMARY KEY, v text)`);
    await db.exec(`CREATE TABLE full_ri (id int PRIMARY KEY, v text)`);
    await db.exec(`ALTER TABLE full_ri REPLICA IDENTITY FULL`);
    await db.exec(`CREATE TABLE not_captured (id int PRIMARY KEY)`);
    const inst = await cli('install-triggers', '--table', 'plain,full_ri');
    assert.equal(inst.code, 0, inst.stderr);
    api = await openPostgres(db.url);
  });
  after(async () => {
    await api?.close();
    if (!db) return;
    await dropSlotsOf(db.name);
    await db.drop();
  });

  it('REPLICA IDENTITY not FULL: names the ALTER TABLE to run', async () => {
    await refused(['upgrade', '--table', 'plain', '--to', 'wal'], /REPLICA IDENTITY DEFAULT.*ALTER TABLE "public"\."plain" REPLICA IDENTITY FULL/);
  });

  it('a table not set up for capture, or a mode PostgreSQL does not have', async () => {
    await refusedApi('not_captured', 'wal', /not set up for capture: run cdc install-triggers/);
    await refusedApi('nope', 'wal', /not set up for capture/);
    await refusedApi('full_ri', 'binlog', /trigger and wal capture/);
  });

  it('wal_level other than logical: says how to change it', async () => {
    const real = poolDriver({ connectionString: db.url });
    const lying: PgDriver = {
      ...real,
      query: (async (text: string, params?: unknown[]) => {
        const r = await real.query(text, params);
        if (text.includes(`current_setting('wal_level')`)) for (const row of r.rows as Record<string, unknown>[]) row.wal_level = 'replica';
        return r;
      }) as PgDriver['query'],
    };
    const source = await openPostgresWith(lying, db.name, { url: db.url });
    const before = await snapshot();
    try {
      await assert.rejects(source.upgrade!({ schema: 'public', name: 'full_ri' }, 'wal'), (err: Error) => {
        assert.ok(err instanceof UserInputError);
        assert.match(err.message, /^wal_level is 'replica'; WAL capture needs wal_level = logical: run ALTER SYSTEM SET wal_level = logical and restart PostgreSQL$/);
        return true;
      });
    } finally {
      await source.close();
    }
    assert.deepEqual(await snapshot(), before, 'nothing changed');
  });

  it('the replication slot is in use by another process', async () => {
    const slot = walObjectName(db.name, { schema: 'public', name: 'full_ri' });
    await db.exec(`SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, [slot]);
    const other = new LogicalReplicationService({ connectionString: db.url }, { acknowledge: { auto: false, timeoutSeconds: 0 } });
    other.on('error', () => undefined);
    const started = new Promise((resolve) => other.once('start', resolve));
    void other.subscribe(new TestDecodingPlugin(), slot).catch(() => undefined);
    await started;
    try {
      await refused(['upgrade', '--table', 'full_ri', '--to', 'wal'], new RegExp(`replication slot ${slot} is already in use by PID \\d+`));
    } finally {
      await other.destroy();
      // Its walsender exits a moment later; the next test needs the slot inactive.
      for (let i = 0; i < 100; i++) {
        const [row] = await db.query(`SELECT active FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
        if (!row?.active) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  it('an idle leftover slot of an interrupted upgrade is replaced, and a second upgrade is a no-op', async () => {
    // An inactive pgoutput slot under cdc's name that no state records: what a SIGKILLed `cdc upgrade` leaves.
    const slot = walObjectName(db.name, { schema: 'public', name: 'full_ri' });
    await db.exec(`SELECT pg_drop_replication_slot($1)`, [slot]);
    await db.exec(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    const up = await cli('upgrade', '--table', 'full_ri', '--to', 'wal');
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /public\.full_ri: trigger -> wal \(switch requested/);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM cdc.captured_tables WHERE wal_slot = $1 AND pending_mode = 'wal'`, [slot]);
    assert.equal(n, 1);
    assert.equal((await api.upgrade!({ schema: 'public', name: 'full_ri' }, 'wal')).state, 'requested', 'asking again is harmless');
    await assert.rejects(api.install({ schema: 'public', name: 'full_ri' }, {}), /is switching to wal capture/);
    // Withdrawn while no cdc run picked it up: slot and publication go, the table stays on triggers.
    assert.deepEqual(await api.upgrade!({ schema: 'public', name: 'full_ri' }, 'trigger'), { table: 'public.full_ri', from: 'trigger', to: 'trigger', state: 'done' });
    assert.deepEqual(await walObjects(db.url), { slots: [], publications: [] });
    const [row] = await db.query(`SELECT mode, pending_mode, wal_slot FROM cdc.captured_tables WHERE table_name = 'public.full_ri'`);
    assert.deepEqual(row, { mode: 'trigger', pending_mode: null, wal_slot: null });
  });
});
