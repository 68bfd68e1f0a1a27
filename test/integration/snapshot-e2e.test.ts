import { after, before, describe, test } from 'node:test';
import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS, createMysqlDatabase, createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, topicOffset, uniqueId, type ConsumedMessage } from '../helpers/kafka.js';
import { runCli, startCli, withCdcRun, type CliResult } from '../helpers/cli.js';

/**
 * Initial snapshot under concurrent writes (issue 5): a table that already holds ROWS rows is
 * captured, `cdc run` streams it while writers insert, update and delete, and `cdc snapshot` runs
 * through it — SIGKILLed part-way and resumed. A replica built only from the topic's events must
 * then equal the source table, compared by checksum: any change lost or any stale snapshot image
 * that overtook a newer change at the hand-over would show as a difference.
 */
const ROWS = 200_000;
const WRITERS = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createItems(db: TestDatabase, rows: number): Promise<void> {
  if (db.dialect === 'postgres') {
    await db.exec(`CREATE TABLE items (id bigint PRIMARY KEY, payload text NOT NULL, qty int NOT NULL, price numeric(10,2) NOT NULL)`);
    await db.exec(`INSERT INTO items SELECT g, md5(g::text), g % 100, round(g / 7.0, 2) FROM generate_series(1, ${rows}) g`);
    await db.exec('ANALYZE items');
  } else {
    await db.exec(`CREATE TABLE items (id bigint PRIMARY KEY, payload varchar(64) NOT NULL, qty int NOT NULL, price decimal(10,2) NOT NULL)`);
    await db.exec(`INSERT INTO items SELECT seq, md5(seq), seq % 100, round(seq / 7.0, 2) FROM seq_1_to_${rows}`);
    await db.exec('ANALYZE TABLE items');
  }
}

/** Writers changing random rows (and adding new ones) in small transactions until stopped. */
async function runWriters(db: TestDatabase, rows: number, stop: AbortSignal): Promise<number> {
  let committed = 0;
  const writer = async (w: number) => {
    let next = 0;
    while (!stop.aborted) {
      const ok = await db
        .transaction(async (exec) => {
          for (let i = 0; i < 3; i++) {
            const id = 1 + Math.floor(Math.random() * rows);
            const roll = Math.random();
            if (roll < 0.6) {
              await exec(`UPDATE items SET qty = qty + 1, payload = ${db.p(1)} WHERE id = ${db.p(2)}`, [`w${w}-${next++}`, id]);
            } else if (roll < 0.8) {
              await exec(`DELETE FROM items WHERE id = ${db.p(1)}`, [id]);
            } else {
              const newId = rows + 1 + w * 1_000_000 + next++;
              await exec(`INSERT INTO items (id, payload, qty, price) VALUES (${db.p(1)}, ${db.p(2)}, 1, 1.50)`, [newId, `new-${w}`]);
            }
          }
        })
        .catch(() => false); // a deadlock between writers rolls the transaction back: fine
      if (ok) committed++;
      await sleep(2);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  return committed;
}

type Item = { id: number; payload: string; qty: number; price: string };
const normalize = (r: Record<string, unknown>): Item => ({ id: Number(r.id), payload: String(r.payload), qty: Number(r.qty), price: String(r.price) });

function checksum(items: Iterable<Item>): { rows: number; sha: string } {
  const sorted = [...items].sort((a, b) => a.id - b.id);
  const h = createHash('sha256');
  for (const r of sorted) h.update(`${JSON.stringify(r)}\n`);
  return { rows: sorted.length, sha: h.digest('hex') };
}

/** Applies the events in topic order (one partition per key, so per-row order is kept). */
function replicaOf(messages: ConsumedMessage[]): Map<number, Item> {
  const replica = new Map<number, Item>();
  for (const m of messages) {
    const e = m.value;
    if (e.operation === 'TRUNCATE') replica.clear();
    else if (e.operation === 'DELETE') replica.delete(Number(e.primary_key.id));
    else replica.set(Number(e.primary_key.id), normalize(e.after_data));
  }
  return replica;
}

/** `cdc snapshot` (chunks of 500) run to its end while the writers keep changing the table. */
async function snapshotUnderWriters(db: TestDatabase, rows: number): Promise<{ snap: CliResult; transactions: number }> {
  const stop = new AbortController();
  const writers = runWriters(db, rows, stop.signal);
  let snap: CliResult;
  try {
    snap = await runCli(['snapshot', '--source', db.url, '--table', 'items', '--chunk-size', '500'], {}, 300_000);
  } finally {
    stop.abort();
  }
  return { snap, transactions: await writers };
}

async function snapshotState(db: TestDatabase): Promise<{ state: string; rows_done: number } | null> {
  const table = db.dialect === 'postgres' ? 'cdc.snapshots' : `\`${stateDatabaseName(db.name)}\`.cdc_snapshots`;
  const [row] = await db.query(`SELECT state, rows_done FROM ${table}`);
  return row ? { state: String(row.state), rows_done: Number(row.rows_done) } : null;
}

async function waitForDrain(db: TestDatabase, topic: string, run: ReturnType<typeof startCli>): Promise<ConsumedMessage[]> {
  const deadline = Date.now() + 300_000;
  let exited = false;
  void run.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error('cdc run exited while the backlog was draining');
    const status = JSON.parse((await runCli(['status', '--source', db.url, '--json'])).stdout);
    if (status[0].backlog === 0) break;
    if (Date.now() > deadline) throw new Error(`backlog not drained: ${JSON.stringify(status[0])}`);
    await sleep(1000);
  }
  const total = await topicOffset(topic);
  return consumeAll([topic], { until: (m) => m.length >= total, timeoutMs: 180_000 });
}

async function assertReplicaEqualsSource(db: TestDatabase, messages: ConsumedMessage[]): Promise<void> {
  const source = checksum((await db.query('SELECT id, payload, qty, price FROM items')).map(normalize));
  const replica = checksum(replicaOf(messages).values());
  assert.equal(replica.rows, source.rows, 'replica and source have the same number of rows');
  assert.equal(replica.sha, source.sha, 'replica built from the events equals the source table');
}

for (const dialect of DIALECTS) {
  describe(`initial snapshot under concurrent writes (${dialect.name}, trigger capture)`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await dialect.create();
      await createItems(db, ROWS);
      const inst = await runCli(['install-triggers', '--source', db.url, '--table', 'items']);
      assert.equal(inst.code, 0, inst.stderr);
    });
    after(async () => db?.drop());

    test('snapshot + stream rebuild the table exactly; a killed snapshot resumes', { timeout: 900_000 }, async () => {
      const sid = uniqueId('snap');
      const topic = `cdc.${sid}.${db.qualified('items')}`;
      const runArgs = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--batch-size', '2000'];
      const snapArgs = ['snapshot', '--source', db.url, '--table', 'items', '--chunk-size', '1000'];
      await withCdcRun(runArgs, async (run) => {
        const stop = new AbortController();
        const writers = runWriters(db, ROWS, stop.signal);
        try {
          // First attempt: SIGKILL once a good part is done, mid-flight.
          const first = startCli(snapArgs);
          const deadline = Date.now() + 240_000;
          while (((await snapshotState(db))?.rows_done ?? 0) < ROWS / 4 && Date.now() < deadline) await sleep(100);
          await first.kill();
          const killed = await snapshotState(db);
          assert.equal(killed?.state, 'running', 'the first snapshot was killed before it finished');
          assert.ok(killed.rows_done >= ROWS / 4 && killed.rows_done < ROWS, `killed at ${killed.rows_done} rows`);

          const status = JSON.parse((await runCli(['status', '--source', db.url, '--json'])).stdout);
          assert.equal(status[0].snapshot.state, 'running', '`cdc status` shows the interrupted snapshot');

          // Second attempt resumes after the last committed chunk, while the writers go on.
          const second = await runCli(snapArgs, {}, 600_000);
          assert.equal(second.code, 0, second.stderr);
          assert.match(second.stdout, /done, \d+ rows in \d+ chunks, resumed after \d+ rows/);
          // Let the writers run on a little after the hand-over, too.
          await sleep(1000);
        } finally {
          stop.abort();
        }
        const transactions = await writers;
        assert.ok(transactions > 50, `writers committed ${transactions} transactions during the snapshot`);

        const messages = await waitForDrain(db, topic, run);
        const snapshotEvents = messages.filter((m) => m.value.operation === 'SNAPSHOT');
        const snapshotted = new Set(snapshotEvents.map((m) => Number(m.value.primary_key.id)));
        // Rows the writers never touched exist in the replica only through their SNAPSHOT event.
        assert.ok(snapshotted.size > ROWS * 0.8, `${snapshotted.size} rows snapshotted`);
        assert.ok(messages.length > snapshotEvents.length, 'the stream carried the writers’ changes too');
        for (const m of snapshotEvents.slice(0, 50)) {
          assert.equal(m.value.before_data, null);
          assert.equal(m.value.source.mode, 'trigger');
        }
        await assertReplicaEqualsSource(db, messages);
        const final = JSON.parse((await runCli(['status', '--source', db.url, '--json'])).stdout);
        assert.equal(final[0].snapshot.state, 'done');
        console.log(`# ${dialect.name}: ${messages.length} events, ${snapshotEvents.length} SNAPSHOT, ${transactions} writer transactions`);
      });
    });

    test('a finished snapshot is not repeated without --restart; bad input changes nothing', async () => {
      const again = await runCli(['snapshot', '--source', db.url, '--table', 'items']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /already done/);
      const unknown = await runCli(['snapshot', '--source', db.url, '--table', 'items,nosuchtable']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^cdc: .*nosuchtable.*\n$/);
      const badChunk = await runCli(['snapshot', '--source', db.url, '--table', 'items', '--chunk-size', '0']);
      assert.equal(badChunk.code, 1);
      assert.match(badChunk.stderr, /^cdc: --chunk-size/);
      const state = await snapshotState(db);
      assert.equal(state?.state, 'done', 'refused commands left the finished snapshot as it was');
      // SIGTERM stops a running snapshot after its current chunk: exit 130, resumable progress.
      const restarted = startCli(['snapshot', '--source', db.url, '--table', 'items', '--restart', '--chunk-size', '500']);
      const started = async () => {
        const st = await snapshotState(db);
        return st?.state === 'running' && st.rows_done > 0;
      };
      for (const t0 = Date.now(); !(await started()) && Date.now() - t0 < 60_000; ) await sleep(50);
      restarted.child.kill('SIGTERM');
      assert.equal(await restarted.exited, 130, restarted.stderr);
      assert.match(restarted.stdout, /^snapshot of \S+items: interrupted after \d+ rows \(\d+ chunks\); run the same command again to resume\n$/);
      const interrupted = await snapshotState(db);
      assert.equal(interrupted?.state, 'running');
      assert.ok(interrupted.rows_done > 0 && interrupted.rows_done < ROWS, `stopped at ${interrupted.rows_done} rows`);

      // --force: the interrupted snapshot's rows are still in the log, undelivered.
      const uninstalled = await runCli(['uninstall-triggers', '--source', db.url, '--table', 'items', '--force']);
      assert.equal(uninstalled.code, 0, uninstalled.stderr);
      assert.equal(await snapshotState(db), null, 'uninstall forgets the snapshot: a re-install gets a new one');
    });
  });
}

describe('initial snapshot of a WAL-captured table (postgres)', () => {
  const rows = 20_000;
  let db: TestDatabase;
  before(async () => {
    db = await createPostgresDatabase();
    await createItems(db, rows);
    await db.exec('ALTER TABLE items REPLICA IDENTITY FULL'); // WAL capture needs full before images
    assert.equal((await runCli(['install-triggers', '--source', db.url, '--table', 'items'])).code, 0);
    const up = await runCli(['upgrade', '--source', db.url, '--table', 'items', '--to', 'wal']);
    assert.equal(up.code, 0, up.stderr);
  });
  after(async () => {
    await runCli(['uninstall-triggers', '--source', db.url, '--table', 'items', '--force']); // drops the slot
    await db?.drop();
  });

  test('SNAPSHOT rows travel in the WAL stream, in commit order with the writers’ changes', { timeout: 600_000 }, async () => {
    const sid = uniqueId('snapw');
    const topic = `cdc.${sid}.${db.qualified('items')}`;
    const runArgs = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid];
    await withCdcRun(runArgs, async () => {
      // The running service performs the requested trigger → wal switch first.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const [s] = JSON.parse((await runCli(['status', '--source', db.url, '--json'])).stdout);
        if (s.mode === 'wal' && !s.details?.pendingMode) break;
        if (Date.now() > deadline) throw new Error(`switch to wal not done: ${JSON.stringify(s)}`);
        await sleep(500);
      }
      const { snap } = await snapshotUnderWriters(db, rows);
      assert.equal(snap.code, 0, snap.stderr);
      const messages = await drainThroughMarker(db, topic, 900_000_003);
      const snapshotEvents = messages.filter((m) => m.value.operation === 'SNAPSHOT');
      // Writers delete rows while the snapshot runs; most are still there when their chunk comes.
      assert.ok(snapshotEvents.length > rows * 0.5, `${snapshotEvents.length} SNAPSHOT events`);
      assert.equal(snapshotEvents[0]!.value.source.mode, 'wal');
      await assertReplicaEqualsSource(db, messages);
    });
  });
});

/**
 * WAL and binlog modes have no backlog count (`cdc status` says 0), so a drain waits for a marker
 * row written after everything else: once its event is in the topic, every earlier commit's are too.
 */
async function drainThroughMarker(db: TestDatabase, topic: string, markerId: number): Promise<ConsumedMessage[]> {
  await db.exec(`INSERT INTO items (id, payload, qty, price) VALUES (${db.p(1)}, 'marker', 0, 0.00)`, [markerId]);
  await consumeAll([topic], { until: (m) => m.some((x) => x.value.primary_key?.id === markerId), timeoutMs: 300_000 });
  const total = await topicOffset(topic);
  return consumeAll([topic], { until: (m) => m.length >= total, timeoutMs: 180_000 });
}

describe('initial snapshot of a binlog-captured table (mysql)', () => {
  const rows = 20_000;
  let db: TestDatabase;
  const sid = uniqueId('snapb');
  let topic = '';
  const runArgs = () => ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--table', 'items'];
  before(async () => {
    db = await createMysqlDatabase();
    topic = `cdc.${sid}.${db.qualified('items')}`;
    await createItems(db, rows);
    assert.equal((await runCli(['install-triggers', '--source', db.url, '--table', 'items'])).code, 0);
    const up = await runCli(['upgrade', '--source', db.url, '--table', 'items', '--to', 'binlog']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /trigger -> binlog \(switched\)/);
  });
  after(async () => db?.drop());

  test('SNAPSHOT rows travel in the binlog, in commit order with the writers’ changes', { timeout: 600_000 }, async () => {
    await withCdcRun(runArgs(), async () => {
      const { snap, transactions } = await snapshotUnderWriters(db, rows);
      assert.equal(snap.code, 0, snap.stderr);
      assert.match(snap.stdout, /snapshot of .*items: done, \d+ rows in \d+ chunks/);
      assert.ok(transactions > 20, `writers committed ${transactions} transactions during the snapshot`);
      const messages = await drainThroughMarker(db, topic, 900_000_001);
      const snapshotEvents = messages.filter((m) => m.value.operation === 'SNAPSHOT');
      assert.ok(snapshotEvents.length > rows * 0.8, `${snapshotEvents.length} SNAPSHOT events`);
      assert.ok(messages.length > snapshotEvents.length, 'the stream carried the writers’ changes too');
      for (const m of snapshotEvents.slice(0, 50)) {
        assert.equal(m.value.source.mode, 'binlog');
        assert.equal(m.value.before_data, null);
        assert.match(m.value.source.position, /^[^:]+:\d+:\d+$/);
      }
      assert.equal(new Set(messages.map((m) => m.value.event_id)).size, messages.length, 'event ids unique');
      await assertReplicaEqualsSource(db, messages);
      // The carrier table is emptied by each chunk's own transaction.
      assert.equal(Number((await db.query(`SELECT COUNT(*) AS n FROM \`${stateDatabaseName(db.name)}\`.cdc_snapshot_rows`))[0].n), 0);
    });
  });

  test('cdc run SIGKILLed while delivering a snapshot: redelivered SNAPSHOT events keep their event_id', { timeout: 600_000 }, async () => {
    const snapshotIds = (ms: ConsumedMessage[]) => new Set(ms.filter((m) => m.value.operation === 'SNAPSHOT').map((m) => m.value.event_id));
    const before = await topicOffset(topic);
    const earlier = snapshotIds(await consumeAll([topic], { until: (m) => m.length >= before, timeoutMs: 120_000 })).size;
    // The snapshot runs with no `cdc run` at all: its rows wait in the binlog.
    const snap = await runCli(['snapshot', '--source', db.url, '--table', 'items', '--restart', '--chunk-size', '2000'], {}, 300_000);
    assert.equal(snap.code, 0, snap.stderr);
    const snapshotted = Number(/done, (\d+) rows/.exec(snap.stdout)?.[1]);
    assert.equal(snapshotted, Number((await db.query('SELECT COUNT(*) AS n FROM items'))[0].n));

    const run = startCli([...runArgs(), '--batch-size', '200']);
    const deadline = Date.now() + 120_000;
    while ((await topicOffset(topic)) < before + 2000 && Date.now() < deadline) await sleep(10);
    await run.kill();
    assert.ok((await topicOffset(topic)) < before + snapshotted, 'the kill came before the snapshot was delivered; the test proves nothing');

    const messages = await withCdcRun(runArgs(), () => drainThroughMarker(db, topic, 900_000_002));
    const idsByPosition = new Map<string, Set<string>>();
    for (const m of messages) {
      const ids = idsByPosition.get(m.value.source.position) ?? new Set<string>();
      idsByPosition.set(m.value.source.position, ids.add(m.value.event_id));
    }
    assert.deepEqual([...idsByPosition].filter(([, ids]) => ids.size !== 1), [], 'one event_id per stream position, redelivered or not');
    assert.equal(new Set(messages.map((m) => m.value.event_id)).size, idsByPosition.size, 'one stream position per event_id');
    assert.equal(snapshotIds(messages).size, earlier + snapshotted, 'every row of the second snapshot delivered, none twice under another id');
    console.log(`# binlog snapshot: ${snapshotted} rows re-snapshotted; ${messages.length - idsByPosition.size} events redelivered after SIGKILL`);
    await assertReplicaEqualsSource(db, messages);
  });
});

for (const dialect of DIALECTS) {
  describe(`snapshot: initial in the config (${dialect.name})`, () => {
    const rows = 3_000;
    let db: TestDatabase;
    before(async () => {
      db = await dialect.create();
      await createItems(db, rows);
      await db.exec(`CREATE TABLE others (id int PRIMARY KEY)`);
      await db.exec(`INSERT INTO others VALUES (1), (2), (3)`);
      for (const t of ['items', 'others']) assert.equal((await runCli(['install-triggers', '--source', db.url, '--table', t])).code, 0);
    });
    after(async () => db?.drop());

    test('cdc run snapshots a never-snapshotted table once, per-table override respected', { timeout: 300_000 }, async () => {
      const sid = uniqueId('snapc');
      const dir = mkdtempSync(join(tmpdir(), 'cdc-snap-'));
      const config = join(dir, 'cdc.yaml');
      writeFileSync(
        config,
        [
          'kafka:',
          `  brokers: [${KAFKA_BROKERS.join(', ')}]`,
          'defaults:',
          '  snapshot: initial',
          '  snapshot_chunk_size: 700',
          'sources:',
          `  - url: ${db.url}`,
          `    id: ${sid}`,
          '    tables:',
          `      - ${db.qualified('items')}`,
          `      - name: ${db.qualified('others')}`,
          '        snapshot: never',
        ].join('\n'),
      );
      const topic = `cdc.${sid}.${db.qualified('items')}`;
      await withCdcRun(['run', '--config', config], async (run) => {
        await db.exec(`UPDATE items SET qty = -1 WHERE id = 1`);
        const messages = await waitForDrain(db, topic, run);
        const snapshotted = messages.filter((m) => m.value.operation === 'SNAPSHOT');
        assert.equal(new Set(snapshotted.map((m) => m.value.primary_key.id)).size, rows);
        await assertReplicaEqualsSource(db, messages);
      });
      const status = JSON.parse((await runCli(['status', '--source', db.url, '--json'])).stdout);
      const byTable = new Map(status.map((s: { table: string }) => [s.table, s]));
      assert.equal((byTable.get(db.qualified('items')) as any).snapshot.state, 'done');
      assert.equal((byTable.get(db.qualified('others')) as any).snapshot, undefined, 'snapshot: never left the other table alone');
      assert.equal(await topicOffset(`cdc.${sid}.${db.qualified('others')}`), 0);

      // A second start finds the snapshot done and emits nothing again.
      const before = await topicOffset(topic);
      await withCdcRun(['run', '--config', config], async () => {
        await sleep(4000);
      });
      assert.equal(await topicOffset(topic), before, 'a finished snapshot is not repeated on restart');
    });
  });
}
