import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CapturedChange } from '../../src/core/change-event.js';
import type { ChangeBatch, ChangeSource } from '../../src/core/change-source.js';
import { openMysql, type MysqlAdapterOptions, type MysqlSourceDatabase } from '../../adapters/mysql/index.js';
import type { SnapshotStrategy } from '../../adapters/mysql/upgrade/snapshot.js';
import { createTestDatabase, recordingLogger, type MysqlTestDatabase } from '../helpers/mysql.js';

/**
 * Crash safety of both switches, at the source level: the process "dies" (its sources close
 * without acknowledging what they handed out, which is what a SIGKILL leaves behind) at each
 * awkward step — inside the trigger source's boundary round, after the switch to binlog committed
 * but before the triggers could be dropped, and after the binlog → trigger boundary was taken but
 * before the binlog side drained. A fresh process must then deliver every change exactly once
 * across the boundaries: a change may come again only unacknowledged and with the same mode and
 * change id (so the same event_id), never once from each mode.
 */

let db: MysqlTestDatabase;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Seen {
  mode: string;
  changeId: string;
  change: CapturedChange;
}

interface Process {
  cdc: MysqlSourceDatabase;
  source: ChangeSource;
}

/** One table, its writes and everything its sources handed out. */
class Scenario {
  readonly table: string;
  readonly options: MysqlAdapterOptions;
  readonly seen: Seen[] = [];
  readonly expected = new Map<number, number[]>();
  /** Processes not yet crashed, closed in any case so a failing test cannot hang the run. */
  readonly live = new Set<Process>();
  private version = 0;

  constructor(readonly strategy: SnapshotStrategy) {
    this.table = `c_${strategy.replace('-', '_')}`;
    this.options = { switchPollMs: 0, ackWaitMs: 50, binlogKeepAliveMs: 100, ddlLockWaitSeconds: 1, snapshotStrategy: strategy };
  }

  get ref() {
    return { schema: db.name, name: this.table };
  }

  /** One INSERT or UPDATE per key, each stamped with a new version. */
  async write(keys = [1, 2, 3]): Promise<void> {
    for (const k of keys) {
      this.version++;
      await db.exec(`INSERT INTO ${this.table} (id, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)`, [k, this.version]);
      this.expected.set(k, [...(this.expected.get(k) ?? []), this.version]);
    }
  }

  async start(): Promise<Process> {
    const cdc = await openMysql(db.url, this.options);
    try {
      const source = cdc.openSource(this.ref, { logger: recordingLogger() });
      await source.open();
      const p = { cdc, source };
      this.live.add(p);
      return p;
    } catch (err) {
      await cdc.close();
      throw err;
    }
  }

  /** A SIGKILL leaves no acknowledgement behind; closing the connections is all the server sees. */
  async crash(p: Process): Promise<void> {
    this.live.delete(p);
    await p.source.close();
    await p.cdc.close();
  }

  async read(source: ChangeSource): Promise<ChangeBatch> {
    const batch = await source.read(100);
    for (const change of batch.changes) this.seen.push({ mode: source.mode, changeId: change.changeId, change });
    return batch;
  }

  /** Reads and acknowledges until `done` holds. */
  async drainUntil(source: ChangeSource, done: () => boolean): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!done()) {
      if (Date.now() > deadline) assert.fail('timed out draining');
      const batch = await this.read(source);
      if (batch.changes.length > 0) await source.ack(batch.ack);
      else await sleep(20);
    }
  }

  /** Reads without acknowledging until at least `n` changes came. */
  async readUnacked(source: ChangeSource, n: number): Promise<void> {
    let got = 0;
    const deadline = Date.now() + 15_000;
    while (got < n) {
      if (Date.now() > deadline) assert.fail('timed out reading');
      got += (await this.read(source)).changes.length;
      if (got < n) await sleep(20);
    }
  }

  allDelivered = (): boolean =>
    [...this.expected].every(([k, versions]) => this.seen.some((s) => s.change.after?.id === k && s.change.after?.v === versions.at(-1)));

  async cdcObjects(): Promise<string[]> {
    return (await db.objects()).filter((o) => /^(trigger:cdc_|table:cdc_log_)/.test(o) && o.includes(this.table));
  }

  verify(): void {
    const identities = new Map<string, Set<string>>();
    for (const s of this.seen) {
      const image = s.change.after ?? s.change.before!;
      const id = `${image.id}/${image.v}/${s.change.operation}`;
      identities.set(id, (identities.get(id) ?? new Set()).add(`${s.mode}:${s.changeId}`));
    }
    assert.ok(this.seen.length > identities.size, 'the crashes caused redeliveries');
    assert.deepEqual([...identities].filter(([, ids]) => ids.size > 1), [], 'no change delivered by two modes or under two ids');
    for (const [k, versions] of this.expected) {
      const order = this.seen.filter((s) => s.change.after?.id === k).map((s) => s.change.after!.v as number);
      assert.deepEqual(order.filter((v, i) => order.indexOf(v) === i), versions, `key ${k}: every version, in commit order`);
    }
    const modes = this.seen.map((s) => s.mode).filter((m, i, all) => i === 0 || all[i - 1] !== m);
    assert.deepEqual(modes, ['trigger', 'binlog', 'trigger']);
  }
}

async function run(strategy: SnapshotStrategy): Promise<void> {
  const s = new Scenario(strategy);
  await db.exec(`CREATE TABLE ${s.table} (id INT PRIMARY KEY, v INT NOT NULL)`);
  const admin = await openMysql(db.url, s.options);
  try {
    await admin.install(s.ref, {});

    // 1. Trigger mode; the switch is requested, then the process dies with its boundary round
    //    read but not acknowledged.
    let p = await s.start();
    await s.write();
    await s.drainUntil(p.source, s.allDelivered);
    assert.equal((await admin.upgrade(s.ref, 'binlog')).state, 'requested');
    await s.write();
    await s.readUnacked(p.source, 3);
    await s.crash(p);

    // 2. Restart: the switch completes, but a long transaction on the table keeps the triggers
    //    from being dropped; binlog changes are read, then the process dies again. (A table-lock
    //    boundary waits for such a transaction itself, so that run skips the blocker.)
    const blocker = await db.connection();
    const blocking = strategy === 'mariadb';
    if (blocking) {
      await blocker.query('START TRANSACTION');
      await blocker.query(`SELECT * FROM ${s.table} LIMIT 1`);
    }
    p = await s.start();
    await s.drainUntil(p.source, () => p.source.mode === 'binlog' && s.allDelivered());
    if (blocking) {
      assert.ok((await s.cdcObjects()).some((o) => o.startsWith('trigger:')), 'triggers still there: the drop timed out');
      await blocker.query('COMMIT');
    }
    await blocker.end();
    await s.write();
    await s.readUnacked(p.source, 3);
    await s.crash(p);

    // 3. Restart: the cleanup finishes at open; then back to triggers, and the process dies after
    //    the boundary was taken but before the binlog side drained.
    p = await s.start();
    assert.deepEqual(await s.cdcObjects(), [], 'triggers and log dropped');
    await s.drainUntil(p.source, s.allDelivered);
    assert.equal((await admin.upgrade(s.ref, 'trigger')).state, 'requested');
    await s.write();
    await s.readUnacked(p.source, 3);
    const [pending] = await db.query<{ phase: string }>(`SELECT phase FROM ${db.state}.cdc_mode_switches WHERE table_name = ?`, [`${db.name}.${s.table}`]);
    assert.equal(pending?.phase, 'boundary');
    await s.crash(p);

    // 4. Restart: the binlog side delivers up to the boundary, then triggers take over.
    p = await s.start();
    await s.drainUntil(p.source, () => p.source.mode === 'trigger' && s.allDelivered());
    await s.write();
    await s.drainUntil(p.source, s.allDelivered);
    await s.crash(p);
    s.verify();
  } finally {
    for (const p of s.live) await s.crash(p).catch(() => undefined);
    await admin.close();
  }
}

before(async () => {
  db = await createTestDatabase();
});
after(async () => db?.drop());

test('a crash at any step of trigger → binlog → trigger neither loses nor duplicates (MariaDB snapshot status)', () => run('mariadb'));

test('the same with the MySQL 8 boundary (FLUSH TABLES t WITH READ LOCK), forced on MariaDB', () => run('table-lock'));
