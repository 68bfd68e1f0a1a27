import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, startCli, withCdcRun } from '../helpers/cli.js';
import { createHotTables, HOT_TABLE, runWorkload, verify, type CommittedChange } from '../helpers/workload.js';
import { dropSlotsOf, waitForMode } from '../helpers/postgres-wal.js';

/**
 * `cdc upgrade` while `cdc run` runs and writers keep committing: trigger → wal → trigger. The
 * verifier requires every committed change exactly once, no rolled-back change, and each row's
 * changes in commit order, across both switches; then the same with SIGKILLs in the middle of
 * the switches, where only redeliveries with the same event_id are allowed.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the run logged `pattern` (its log lines mark the steps of a switch). */
async function logged(run: { stderr: string }, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pattern.test(run.stderr)) {
    if (Date.now() > until) throw new Error(`cdc run did not log ${pattern} within ${timeoutMs} ms:\n${run.stderr.slice(-2000)}`);
    await sleep(5);
  }
}

/** Consecutive runs of source.mode in delivery order, e.g. ['trigger', 'wal', 'trigger']. */
function modeRuns(events: { value: any }[]): string[] {
  const runs: string[] = [];
  for (const e of events) if (runs.at(-1) !== e.value.source.mode) runs.push(e.value.source.mode);
  return runs;
}

describe('postgres capture-mode switches under concurrent writers', () => {
  let db: TestDatabase;
  const cli = (...args: string[]) => runCli([...args, '--source', db.url]);
  const upgrade = async (to: string) => {
    const r = await cli('upgrade', '--table', HOT_TABLE, '--to', to);
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    db = await createPostgresDatabase();
    await createHotTables(db);
    await db.exec(`ALTER TABLE ${HOT_TABLE} REPLICA IDENTITY FULL`);
    const inst = await cli('install-triggers', '--table', HOT_TABLE);
    assert.equal(inst.code, 0, inst.stderr);
  });
  after(async () => {
    if (!db) return;
    await dropSlotsOf(db.name);
    await db.drop();
  });

  /** Writers run until `stop` aborts (the CLI's start-up time varies too much for a fixed duration). */
  const load = (stop: AbortSignal) => runWorkload(db, { writers: 12, keys: 6, durationMs: 120_000, maxSleepMs: 100, rollbackRatio: 0.15 }, stop);

  test('trigger → wal → trigger: every committed change exactly once, in per-row commit order', async () => {
    const sid = uniqueId('upg');
    const topic = `cdc.${sid}.${db.qualified(HOT_TABLE)}`;
    const args = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '20ms', '--batch-size', '50'];
    await withCdcRun(args, async () => {
      const stop = new AbortController();
      const writing = load(stop.signal);
      await sleep(1500);
      await upgrade('wal');
      await waitForMode(db.url, db.qualified(HOT_TABLE), 'wal');
      await sleep(1500);
      await upgrade('trigger');
      await waitForMode(db.url, db.qualified(HOT_TABLE), 'trigger');
      await sleep(1500);
      stop.abort();
      const committed = await writing;
      assert.ok(committed.length > 200, `workload too small to mean anything: ${committed.length}`);
      await consumeAll([topic], { until: (m) => m.length >= committed.length, timeoutMs: 60_000 });
      const events = await consumeAll([topic], { idleMs: 1500 });
      verify(committed, events, false);
      assert.deepEqual(modeRuns(events), ['trigger', 'wal', 'trigger']);
      const seqs = events.map((m) => BigInt(m.value.sequence_number));
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'sequence_number strictly increasing across both switches');
    });
  });

  test('SIGKILL in the middle of each switch: nothing lost, nothing duplicated except redeliveries with the same event_id', async () => {
    const sid = uniqueId('upk');
    const topic = `cdc.${sid}.${db.qualified(HOT_TABLE)}`;
    const args = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '20ms', '--batch-size', '20'];
    const stop = new AbortController();
    const writing = load(stop.signal);
    let run = startCli(args);
    try {
      await sleep(2000);
      await upgrade('wal');
      // Killed while draining the trigger log up to the boundary: the switch must start over.
      await logged(run, /draining the trigger log up to the boundary/);
      await run.kill();
      run = startCli(args);
      await waitForMode(db.url, db.qualified(HOT_TABLE), 'wal');
      await sleep(1500);
      await upgrade('trigger');
      // Killed once the WAL stream reached the marker, before (or while) the switch commits.
      await logged(run, /WAL stream reached the switch to trigger capture/);
      await run.kill();
      run = startCli(args);
      await waitForMode(db.url, db.qualified(HOT_TABLE), 'trigger');
      await sleep(1500);
      stop.abort();
      const committed: CommittedChange[] = await writing;
      await consumeAll([topic], { until: (m) => new Set(m.map((x) => x.value.event_id)).size >= committed.length, timeoutMs: 60_000 });
      const events = await consumeAll([topic], { idleMs: 1500 });
      const redelivered = verify(committed, events, true);
      assert.deepEqual(modeRuns(events), ['trigger', 'wal', 'trigger']);
      console.log(`# ${committed.length} committed changes, ${redelivered} redelivered after 2 SIGKILLs during switches`);
    } finally {
      const code = await run.stop();
      assert.equal(code, 0, run.stderr.slice(-3000));
    }
  });
});
