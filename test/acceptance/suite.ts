import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { consumeAll, KAFKA_BROKERS, topicOffset, uniqueId, type ConsumedMessage } from '../helpers/kafka.js';
import { runCli, startCli, withCdcRun } from '../helpers/cli.js';
import { verify, type CommittedChange } from '../helpers/workload.js';
import type { CaptureModeCase, ModeTarget, Row } from './contract.js';

/**
 * The acceptance body every capture mode passes (Conduit's connector acceptance tests): install,
 * a backlog plus concurrent writers, a SIGKILL of `cdc run` in the middle of the stream and a
 * resume, events checked against the schema (consumeAll does it for every native event) and
 * against the table, status, and an uninstall that leaves nothing of cdc's for the table.
 */

/** Rows written before the first run: enough that the kill lands while the backlog drains. */
const BACKLOG = 6000;
/** SIGKILLs, each after this many more delivered messages. */
const KILLS = 3;
const KILL_STEP = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The table rebuilt from events in delivery order; redeliveries replay earlier states in order, as a consumer would. */
function replica(t: ModeTarget, msgs: ConsumedMessage[]): Map<number, Row> {
  const rows = new Map<number, Row>();
  for (const m of msgs) {
    if (m.value.operation === 'DELETE') rows.delete(t.key(m.value));
    else {
      const row = t.image(m.value);
      if (row) rows.set(row.id, row);
    }
  }
  return rows;
}

const sameRows = (a: Map<number, Row>, b: Map<number, Row>) => a.size === b.size && [...a].every(([k, r]) => JSON.stringify(b.get(k)) === JSON.stringify(r));

/** First delivery of each event_id, in delivery order. */
function firstDeliveries(msgs: ConsumedMessage[]): ConsumedMessage[] {
  const seen = new Set<string>();
  return msgs.filter((m) => !seen.has(m.value.event_id) && seen.add(m.value.event_id));
}

export function acceptanceSuite(c: CaptureModeCase): void {
  // concurrency 1: the steps build on each other (node:test hands the parent's concurrency down otherwise).
  describe(`acceptance: ${c.name}`, { concurrency: 1 }, () => {
    let t: ModeTarget;
    const sid = uniqueId('acc');
    const topic = () => `cdc.${sid}.${t.table}`;
    const runArgs = () => ['run', ...t.args, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--batch-size', '100', '--schedule', '50ms'];

    before(async () => {
      t = await c.open();
    });
    after(async () => t?.drop());

    test('install puts the table under capture', async () => {
      assert.deepEqual(await t.leftovers(), [], 'nothing of cdc for the table before install');
      await t.install(runArgs());
      // The uninstall check below looks for these traces: it must be able to see them.
      assert.notDeepEqual(await t.leftovers(), [], 'install leaves traces the uninstall check can see');
    });

    test('SIGKILL mid-stream and resume: every change arrives, valid, in per-row order; the replica equals the table', async () => {
      const committed = await t.bulkInsert(BACKLOG);
      const stop = new AbortController();
      const workload = t.workload(stop.signal);
      let msgs: ConsumedMessage[];
      const kills: number[] = [];
      try {
        // Each run is killed after delivering KILL_STEP more events, mid-batch as often as not.
        for (let kill = 1; kill <= KILLS; kill++) {
          const from = await topicOffset(topic());
          const run = startCli(runArgs());
          try {
            const deadline = Date.now() + 90_000;
            while ((await topicOffset(topic())) < from + KILL_STEP && Date.now() < deadline) await sleep(20);
          } finally {
            await run.kill();
          }
          const at = await topicOffset(topic());
          assert.ok(at >= from + KILL_STEP, `run ${kill} delivered ${at - from} events in 90 s\n${run.stderr.slice(-2000)}`);
          assert.ok(at < BACKLOG, `kill ${kill} came after the backlog (${at} delivered): the test proves nothing`);
          kills.push(at);
        }
        await sleep(1000); // writers go on while cdc is down

        msgs = await withCdcRun(runArgs(), async () => {
          await sleep(1500);
          stop.abort();
          committed.push(...(await workload));
          const source = await t.rows();
          const done = (m: ConsumedMessage[]) =>
            c.delivery === 'final-state' ? sameRows(replica(t, m), source) : new Set(m.map((x) => x.value.event_id)).size >= committed.length;
          return consumeAll([topic()], { until: done, timeoutMs: 120_000 });
        });
      } finally {
        // On failure too: writers left running would outlive the database.
        stop.abort();
        await workload.catch(() => undefined);
      }

      for (const m of msgs) {
        assert.equal(m.value.source.mode, c.mode);
        assert.equal(m.value.table_name, t.table);
        assert.equal(m.key, JSON.stringify(m.value.primary_key));
      }
      // At-least-once: a change delivered again is the same change with the same event_id.
      const idsByPosition = new Map<string, Set<string>>();
      const positionsById = new Map<string, Set<string>>();
      for (const m of msgs) {
        idsByPosition.set(m.value.source.position, (idsByPosition.get(m.value.source.position) ?? new Set()).add(m.value.event_id));
        positionsById.set(m.value.event_id, (positionsById.get(m.value.event_id) ?? new Set()).add(m.value.source.position));
      }
      assert.deepEqual([...idsByPosition].filter(([, ids]) => ids.size > 1), [], 'a redelivered change keeps its event_id');
      assert.deepEqual([...positionsById].filter(([, p]) => p.size > 1), [], 'an event_id names one change');
      const firsts = firstDeliveries(msgs);
      for (const partition of new Set(firsts.map((m) => m.partition))) {
        const seqs = firsts.filter((m) => m.partition === partition).map((m) => BigInt(m.value.sequence_number));
        assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), `sequence numbers increase in partition ${partition}`);
      }
      checkChanges(c, t, committed, firsts);
      // The backlog was written in key order, statement after statement: it arrives in that order.
      for (const partition of new Set(firsts.map((m) => m.partition))) {
        const backlog = firsts.filter((m) => m.partition === partition && t.key(m.value) > 100_000).map((m) => t.key(m.value));
        assert.deepEqual(backlog, [...backlog].sort((a, b) => a - b), `backlog rows in commit order in partition ${partition}`);
      }
      assert.ok(sameRows(replica(t, msgs), await t.rows()), 'the replica rebuilt from the events equals the table');
      console.log(`# ${c.name}: ${committed.length} changes committed, ${firsts.length} distinct events, ${msgs.length - firsts.length} redelivered after SIGKILLs at ${kills.join(', ')} delivered`);
    });

    test('status shows the mode, no backlog and a checkpoint', async () => {
      const r = await runCli(['status', ...t.args, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const row = (JSON.parse(r.stdout) as any[]).find((x) => x.table === t.table);
      assert.equal(row?.mode, c.mode, r.stdout);
      assert.equal(row.backlog, 0, r.stdout);
      assert.ok(row.checkpoint, `a checkpoint: ${r.stdout}`);
    });

    test('uninstall leaves nothing of cdc for the table', async () => {
      const r = await t.uninstall();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await t.leftovers(), []);
    });
  });
}

/** What the mode promises about the first deliveries, against what committed. */
function checkChanges(c: CaptureModeCase, t: ModeTarget, committed: CommittedChange[], firsts: ConsumedMessage[]): void {
  if (c.delivery === 'every-change') {
    // Every committed change once, no rolled-back one, each row's changes in commit order.
    verify(committed, firsts, false);
    return;
  }
  const toks = new Set(committed.map((x) => x.tok));
  const byKey = new Map<number, ConsumedMessage[]>();
  for (const m of firsts) byKey.set(t.key(m.value), [...(byKey.get(t.key(m.value)) ?? []), m]);
  if (c.delivery === 'every-change-lookup') {
    // The operations of each key in order; an INSERT carries its own document.
    const want = new Map<number, string[]>();
    for (const x of [...committed].sort((a, b) => a.v - b.v)) want.set(x.key, [...(want.get(x.key) ?? []), x.op]);
    const got = new Map([...byKey].map(([k, ms]) => [k, ms.map((m) => m.value.operation as string)]));
    assert.deepEqual(Object.fromEntries(got), Object.fromEntries(want), 'every change of every key, in order');
    for (const x of committed.filter((y) => y.op === 'INSERT')) {
      const insert = byKey.get(x.key)!.find((m) => m.value.operation === 'INSERT' && t.image(m.value)?.v === x.v);
      assert.deepEqual(insert && t.image(insert.value), { id: x.key, v: x.v, tok: x.tok }, `insert of ${x.key} v${x.v}`);
    }
    return;
  }
  // final-state: row states only move forward and are committed ones.
  for (const [key, ms] of byKey) {
    const states = ms.map((m) => t.image(m.value)).filter((r): r is Row => r !== null);
    for (const s of states) assert.ok(toks.has(s.tok), `key ${key}: state ${s.tok} never committed`);
    const vs = states.map((s) => s.v);
    assert.ok(vs.every((v, i) => i === 0 || v >= vs[i - 1]!), `key ${key}: states go back in time: ${vs}`);
  }
}
