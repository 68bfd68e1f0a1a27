import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import { consumeAll, KAFKA_BROKERS, testKafka, topicOffset, uniqueId, type ConsumedMessage } from '../helpers/kafka.js';
import { runCli, withCdcRun, type CliResult } from '../helpers/cli.js';
import { formatInstant, inWindow, parseInstant } from '../../src/replay/window.js';

/**
 * `cdc replay --from-history` end to end, on each trigger dialect with real Kafka: capture with
 * `--retain`, write three groups of changes separated by pauses, drain with `cdc run`, then rebuild
 * the middle group's window from the kept change history into a new topic and compare it with what
 * the live pipeline wrote. A second table without retention proves the ack still only deletes.
 */
const PARTITIONS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const dialect of DIALECTS) {
  describe(`cdc replay --from-history (${dialect.name})`, () => {
    let db: TestDatabase;
    const sid = uniqueId('rh');
    let items = '';
    let plain = '';
    let sourceTopic = '';
    let b1 = '';
    let b2 = '';
    let b3 = '';
    let all: ConsumedMessage[] = [];
    const pg = dialect.name === 'postgres';
    // cdc's own tables: schema cdc, or MySQL's state database beside the test database.
    const cdcState = () => (pg ? 'cdc.' : `\`${stateDatabaseName(db.name)}\`.`);

    const dbNow = async () =>
      pg
        ? ((await db.query(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`))[0].t as string)
        : ((await db.query(`SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ') AS t`))[0].t as string);
    const tx = (...statements: string[]) =>
      db.transaction(async (exec) => {
        for (const s of statements) await exec(s);
      });
    const run = () => ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--partitions', String(PARTITIONS), '--schedule', '50ms'];
    const replay = (...args: string[]) =>
      runCli(['replay', '--from-history', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--partitions', String(PARTITIONS), ...args]);
    const inRange = (from: string, to: string) => (m: ConsumedMessage) =>
      inWindow({ from: parseInstant(from)!, to: parseInstant(to)! }, parseInstant(m.value.timestamp)!);
    const historyCount = async (table: string) =>
      Number((await db.query(`SELECT count(*) AS n FROM ${cdcState()}${pg ? "change_history" : "cdc_change_history"} WHERE table_name = ${db.p(1)}`, [table]))[0].n);

    before(async () => {
      db = await dialect.create();
      items = db.qualified('items');
      plain = db.qualified('plain');
      sourceTopic = `cdc.${sid}.${items}`;
      await db.exec(`CREATE TABLE items (id int PRIMARY KEY, v varchar(40), amount decimal(14,4))`);
      await db.exec(`CREATE TABLE plain (id int PRIMARY KEY, v varchar(40))`);
      const installed = await runCli(['install-triggers', '--source', db.url, '--table', 'items', '--retain', '1d']);
      assert.equal(installed.code, 0, installed.stderr);
      assert.match(installed.stdout, /retention: \S+items keeps acknowledged changes for 1d\n/);
      const plainInstalled = await runCli(['install-triggers', '--source', db.url, '--table', 'plain']);
      assert.equal(plainInstalled.code, 0, plainInstalled.stderr);

      const total = 8 + (pg ? 13 : 12) + 3;
      all = await withCdcRun(run(), async () => {
        // Keeping starts with the source's first read; the first group must come after it.
        const since = pg
          ? `SELECT history_since AS s FROM cdc.captured_tables WHERE table_name = $1`
          : `SELECT history_since AS s FROM ${cdcState()}cdc_history_settings WHERE table_name = ?`;
        for (let i = 0; i < 600 && !(await db.query(since, [items]))[0]?.s; i++) await sleep(100);
        b1 = await dbNow();
        await tx(`INSERT INTO items VALUES (1,'a',1.5),(2,'a',2.25),(3,'a',12345678.1234),(4,'a',NULL),(5,'a',0),(6,'a',-1)`);
        await tx(`UPDATE items SET v = 'b' WHERE id <= 2`);
        await tx(`INSERT INTO plain VALUES (1,'p'),(2,'p'),(3,'p')`);
        await sleep(1500);
        b2 = await dbNow();
        await tx(`UPDATE items SET v = 'c'`);
        await tx(`DELETE FROM items WHERE id IN (5, 6)`, `INSERT INTO items VALUES (7,'c',7),(8,'c',8)`);
        await tx(`UPDATE items SET v = 'd' WHERE id = 7`, `UPDATE items SET v = 'e' WHERE id = 7`);
        if (pg) {
          // A new column mid-window: the kept rows must carry the schema_version their events had.
          // The version is taken per read round, so the earlier changes are drained first.
          await consumeAll([sourceTopic], { until: (m) => m.length >= 8 + 12, timeoutMs: 60_000 });
          await db.exec(`ALTER TABLE items ADD COLUMN extra int`);
          await tx(`UPDATE items SET extra = 1 WHERE id = 1`);
        }
        await sleep(1500);
        b3 = await dbNow();
        await tx(`INSERT INTO items VALUES (9,'f',9),(10,'f',10)`);
        await tx(`UPDATE items SET v = 'g' WHERE id = 1`);
        return consumeAll([sourceTopic], { until: (m) => m.length >= total, timeoutMs: 60_000 });
      });
      assert.equal(all.length, total);
    });
    after(async () => db?.drop());

    test('a window replayed from the history equals the live events of that window', async () => {
      const expected = all.filter(inRange(b2, b3)).sort((a, b) => Number(BigInt(a.value.sequence_number) - BigInt(b.value.sequence_number)));
      assert.equal(expected.length, pg ? 13 : 12);
      if (pg) assert.deepEqual([...new Set(expected.map((m) => m.value.schema_version))], [1, 2], 'the window spans a schema change');

      const target = uniqueId('replayed');
      const r = await replay('--table', 'items', '--from', b2, '--to', b3, '--topic', target);
      assert.equal(r.code, 0, r.stderr);
      const [from, to] = [b2, b3].map((t) => formatInstant(parseInstant(t)!));
      assert.equal(r.stdout, `replayed ${expected.length} events of ${items} [${from}, ${to}) from the change history into ${target}\n`);

      assert.equal(await topicOffset(target), expected.length, 'nothing but the window was written');
      const arrived = await consumeAll([target], { until: (m) => m.length >= expected.length, timeoutMs: 30_000 });
      const got = [...arrived].sort((a, b) => Number(BigInt(a.value.sequence_number) - BigInt(b.value.sequence_number)));
      assert.equal(got.length, expected.length);
      got.forEach((m, i) => {
        const live = expected[i]!;
        assert.equal(m.value.event_id, live.value.event_id);
        assert.equal(m.value.sequence_number, live.value.sequence_number);
        assert.deepEqual(m.value, live.value, `event ${live.value.event_id}`);
        assert.equal(m.key, live.key);
        assert.deepEqual(m.headers, live.headers);
        assert.equal(m.partition, live.partition, 'same key, same partition count: same partition');
      });
      // Per partition, the replay keeps the live order.
      for (let p = 0; p < PARTITIONS; p++) {
        const inOrder = (ms: ConsumedMessage[]) => ms.filter((m) => m.partition === p).map((m) => m.value.event_id);
        const live = all.filter((m) => m.partition === p && inRange(b2, b3)(m)).map((m) => m.value.event_id);
        const dbg = arrived.filter((m) => m.partition === p).map((m) => `${m.value.sequence_number}@${m.offset}`);
        assert.deepEqual(inOrder(arrived), live, `partition ${p}: ${JSON.stringify(dbg)}`);
      }
    });

    test('without --to the window runs to now; the history holds exactly what was delivered', async () => {
      const target = uniqueId('replayed');
      const r = await replay('--table', items, '--from', b1, '--topic', target);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^replayed ${all.length} events of ${items.replace('.', '\\.')} `));
      const got = await consumeAll([target], { until: (m) => m.length >= all.length, timeoutMs: 30_000 });
      assert.deepEqual(got.map((m) => m.value).sort(bySeq), all.map((m) => m.value).sort(bySeq));
      assert.equal(await historyCount(items), all.length);
    });

    test('without retention the ack deletes as before: nothing is kept', async () => {
      const log = pg
        ? (await db.query(`SELECT log_table FROM cdc.captured_tables WHERE table_name = $1`, [plain]))[0].log_table
        : (await db.query(`SELECT log_table FROM ${cdcState()}cdc_captured_tables WHERE table_name = ?`, [plain]))[0].log_table;
      const left = await db.query(`SELECT count(*) AS n FROM ${cdcState()}${db.q(log)}`);
      assert.equal(Number(left[0].n), 0, 'the change log of the table without retention is drained');
      assert.equal(await historyCount(plain), 0);
      const plainEvents = await consumeAll([`cdc.${sid}.${plain}`], { until: (m) => m.length >= 3, timeoutMs: 30_000 });
      assert.equal(plainEvents.length, 3);
    });

    test('bad input: one-line error, non-zero exit, nothing produced', async () => {
      const oneLine = (res: CliResult, pattern: RegExp) => {
        assert.notEqual(res.code, 0, res.stdout);
        assert.equal(res.stdout, '');
        const lines = res.stderr.trim().split('\n');
        assert.equal(lines.length, 1, res.stderr);
        assert.match(lines[0]!, pattern);
      };
      const target = uniqueId('never');
      const hourBefore = formatInstant(parseInstant(b1)! - 3_600_000_000_000n);
      oneLine(await replay('--table', 'plain', '--from', b1, '--topic', target), /keeps no change history; enable it with cdc install-triggers .* --retain/);
      oneLine(await replay('--table', 'nosuch', '--from', b1, '--topic', target), /table \S+nosuch is not captured/);
      oneLine(await replay('--table', 'items', '--from', hourBefore, '--topic', target), /--from .* is before the kept history of \S+items, which is complete from /);
      oneLine(await replay('--table', 'items', '--from', b1, '--topic', sourceTopic), /--topic must differ from the table's own topic/);
      oneLine(await replay('--table', 'items', '--from', b1, '--topic', target, '--from-topic', sourceTopic), /--from-topic reads Kafka; --from-history reads the database/);
      oneLine(await runCli(['install-triggers', '--source', db.url, '--table', 'items', '--retain', '7 days']), /--retain must be a duration/);

      const admin = testKafka().admin();
      await admin.connect();
      const topics = await admin.listTopics();
      await admin.disconnect();
      assert.ok(!topics.includes(target), 'no target topic was created');
      assert.equal(await historyCount(items), all.length, 'the history is untouched');
    });

    test('cdc run prunes kept rows older than the retention and keeps the rest', async () => {
      // Age the first group's kept rows by two days (retention is 1d); cdc run prunes when it starts.
      const old = all.filter(inRange(b1, b2)).filter((m) => m.value.table_name === items);
      assert.equal(old.length, 8);
      const seqs = old.map((m) => m.value.sequence_number);
      const placeholders = seqs.map((_, i) => db.p(i + 2)).join(', ');
      await db.exec(
        pg
          ? `UPDATE cdc.change_history SET changed_at = changed_at - interval '2 days' WHERE table_name = $1 AND sequence_number IN (${placeholders})`
          : `UPDATE ${cdcState()}cdc_change_history SET changed_at = changed_at - INTERVAL 2 DAY WHERE table_name = ? AND sequence_number IN (${placeholders})`,
        [items, ...seqs],
      );
      await withCdcRun(run(), async () => {
        for (let i = 0; i < 600 && (await historyCount(items)) !== all.length - old.length; i++) await sleep(100);
      });
      assert.equal(await historyCount(items), all.length - old.length);
      const kept = await db.query(`SELECT sequence_number FROM ${cdcState()}${pg ? "change_history" : "cdc_change_history"} WHERE table_name = ${db.p(1)}`, [items]);
      const keptSeqs = new Set(kept.map((r: { sequence_number: unknown }) => String(r.sequence_number)));
      for (const s of seqs) assert.ok(!keptSeqs.has(s), `sequence ${s} was pruned`);
    });

    test('--retain off stops keeping and deletes the history', async () => {
      const r = await runCli(['install-triggers', '--source', db.url, '--table', 'items', '--retain', 'off']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /retention: \S+items off \(history deleted\)\n/);
      assert.equal(await historyCount(items), 0);
      const again = await replay('--table', 'items', '--from', b1, '--topic', uniqueId('never'));
      assert.match(again.stderr, /keeps no change history/);
    });
  });
}

function bySeq(a: { sequence_number: string }, b: { sequence_number: string }): number {
  return Number(BigInt(a.sequence_number) - BigInt(b.sequence_number));
}
