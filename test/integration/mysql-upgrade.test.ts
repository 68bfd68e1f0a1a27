import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openMysql, type MysqlSourceDatabase } from '../../adapters/mysql/index.js';
import type { CaptureMode } from '../../src/core/change-event.js';
import { parseTableRef } from '../../src/core/table-ref.js';
import { createMysqlDatabase, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { withCdcRun } from '../helpers/cli.js';
import { createHotTables, HOT_TABLE, runWorkload, verify, type CommittedChange } from '../helpers/workload.js';

/**
 * `cdc upgrade` while `cdc run` runs and 16 writers commit (slow transactions, rollbacks, multi-row
 * statements): the table moves trigger → binlog → trigger, and every committed change still
 * arrives exactly once, in commit order per row, with no rolled-back change.
 */
describe('capture-mode switches under load (mysql)', () => {
  let db: TestDatabase;
  let cdc: MysqlSourceDatabase;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  before(async () => {
    db = await createMysqlDatabase();
    await createHotTables(db);
    cdc = await openMysql(db.url);
    await cdc.install(parseTableRef(HOT_TABLE, db.name), {});
  });
  after(async () => {
    await cdc?.close();
    await db?.drop();
  });

  /** Waits until the registry has the mode and no switch is pending any more. */
  async function settled(mode: CaptureMode, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await cdc.status()).find((s) => s.table === db.qualified(HOT_TABLE))!;
      if (status.mode === mode && !status.details?.switch) return;
      if (Date.now() > deadline) assert.fail(`no switch to ${mode} within ${timeoutMs} ms: ${JSON.stringify(status)}`);
      await sleep(100);
    }
  }

  test('trigger → binlog → trigger: every committed change exactly once, per-row order kept', async () => {
    const sid = uniqueId('upg');
    const topic = `cdc.${sid}.${db.qualified(HOT_TABLE)}`;
    const table = parseTableRef(HOT_TABLE, db.name);
    const args = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '20ms', '--batch-size', '50'];
    await withCdcRun(args, async () => {
      // The writers go on until after the switch back (a fixed 13 s ended before it on a busy CI
      // machine, leaving no trigger-mode change behind the binlog ones); 120 s only bounds them.
      const stop = new AbortController();
      const load = runWorkload(db, { writers: 16, keys: 6, durationMs: 120_000, maxSleepMs: 150, rollbackRatio: 0.15 }, stop.signal);
      // Long enough for the service to start and capture trigger-mode changes first.
      await sleep(4000);
      assert.equal((await cdc.upgrade(table, 'binlog')).state, 'requested', 'the running cdc run performs the switch');
      await settled('binlog');
      await sleep(2000);
      assert.deepEqual(await cdc.upgrade(table, 'trigger'), { table: db.qualified(HOT_TABLE), from: 'binlog', to: 'trigger', state: 'requested' });
      await settled('trigger');
      await sleep(1500); // trigger-mode changes after the switch back
      stop.abort();
      const committed: CommittedChange[] = await load;
      assert.ok(committed.length > 200, `workload too small to mean anything: ${committed.length}`);
      await consumeAll([topic], { until: (m) => m.length >= committed.length, timeoutMs: 60_000 });
      // Give a wrongly duplicated or rolled-back event time to show up before judging.
      const events = await consumeAll([topic], { idleMs: 1500 });
      verify(committed, events, false);
      const modes = events.map((m) => m.value.source.mode as string).filter((m, i, all) => i === 0 || all[i - 1] !== m);
      assert.deepEqual(modes, ['trigger', 'binlog', 'trigger'], 'the topic (one partition) switches mode exactly twice');
      const seqs = events.map((m) => BigInt(m.value.sequence_number));
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'sequence numbers keep increasing across both switches');
      const perMode = new Map<string, number>();
      for (const m of events) perMode.set(m.value.source.mode, (perMode.get(m.value.source.mode) ?? 0) + 1);
      console.log(`# ${committed.length} committed changes; ${[...perMode].map(([m, n]) => `${m}: ${n}`).join(', ')}`);
    });
    const objects = await db.objects();
    assert.equal(objects.filter((o) => o.startsWith('trigger:cdc_')).length, 3, 'back in trigger mode: three triggers');
  });
});
