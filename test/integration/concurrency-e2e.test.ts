import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { createHotTables, HOT_TABLE, runWorkload, verify } from '../helpers/workload.js';

/**
 * SPEC "Commit-order gaps": 16 writers on 6 hot keys, transactions that sleep longer than the poll
 * interval, rollbacks and multi-row statements, drained by `cdc run` into Kafka. Every committed
 * change must arrive exactly once, no rolled-back change may arrive, and each row's changes must
 * arrive in commit order.
 */
for (const dialect of DIALECTS) {
  describe(`concurrent writers end to end (${dialect.name})`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await dialect.create();
      await createHotTables(db);
      const inst = await runCli(['install-triggers', '--source', db.url, '--table', HOT_TABLE]);
      assert.equal(inst.code, 0, inst.stderr);
    });
    after(async () => db?.drop());

    test('every committed change once, no rolled-back change, per-row commit order', async () => {
      const sid = uniqueId('conc');
      let committed;
      await withCdcRun(['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '20ms', '--batch-size', '50'], async () => {
        committed = await runWorkload(db, { writers: 16, keys: 6, durationMs: 8_000, maxSleepMs: 150, rollbackRatio: 0.15 });
        assert.ok(committed.length > 200, `workload too small to mean anything: ${committed.length}`);
        const topic = `cdc.${sid}.${db.qualified(HOT_TABLE)}`;
        const events = await consumeAll([topic], { until: (m) => m.length >= committed!.length, timeoutMs: 60_000 });
        // Give a wrongly duplicated or rolled-back event time to show up before judging.
        const settled = await consumeAll([topic], { idleMs: 1500 });
        assert.ok(settled.length >= events.length);
        verify(committed, settled, false);
      });
    });
  });
}
