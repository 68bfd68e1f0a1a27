import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';

/**
 * `cdc replay --from-history --config`: a table whose events `cdc run` filtered and transformed
 * (operation filter, excluded column, hashed and renamed column, debezium format) is replayed from
 * its kept history with the same config, and the replayed events equal the live ones exactly.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = { CDC_HASH_KEY: 'h'.repeat(32) };
let db: TestDatabase;

before(async () => {
  db = await createPostgresDatabase();
  await db.exec(`CREATE TABLE customers (id int PRIMARY KEY, email text, status text, secret text)`);
  const r = await runCli(['install-triggers', '--source', db.url, '--table', 'customers', '--retain', '1d']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => db?.drop());

test('replay with the run config rebuilds the filtered, transformed events', async () => {
  const sid = uniqueId('rhc');
  const config = join(mkdtempSync(join(tmpdir(), 'cdc-rhc-')), 'cdc.yaml');
  writeFileSync(
    config,
    [
      'format: debezium',
      'kafka:',
      `  brokers: [${KAFKA_BROKERS.join(', ')}]`,
      '  topic_template: "app.{source_id}.{table}"',
      'sources:',
      `  - url: ${db.url}`,
      `    id: ${sid}`,
      '    tables:',
      '      - name: customers',
      '        operations: [INSERT, UPDATE]',
      '        columns: { exclude: [secret] }',
      '        mask: { email: hash }',
      '        rename: { email: email_hash }',
    ].join('\n'),
  );
  const topic = `app.${sid}.public.customers`;
  let from = '';
  const live = await withCdcRun(
    ['run', '--config', config],
    async () => {
      for (let i = 0; i < 600 && !(await db.query(`SELECT history_since AS s FROM cdc.captured_tables`))[0]?.s; i++) await sleep(100);
      from = (await db.query(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`))[0].t;
      await db.exec(`INSERT INTO customers VALUES (1, 'a@x.io', 'new', 's1'), (2, 'b@x.io', 'new', 's2')`);
      await db.exec(`UPDATE customers SET status = 'active' WHERE id = 1`);
      await db.exec(`DELETE FROM customers WHERE id = 2`);
      await db.exec(`INSERT INTO customers VALUES (3, 'c@x.io', 'new', 's3')`);
      return consumeAll([topic], { until: (m) => m.length >= 4, timeoutMs: 60_000, content: 'other' });
    },
    env,
  );
  assert.equal(live.length, 4, 'the DELETE was filtered out by the live pipeline');

  const target = uniqueId('rhc-out');
  const r = await runCli(['replay', '--from-history', '--config', config, '--source', db.url, '--table', 'customers', '--from', from, '--topic', target], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^replayed 4 events of public\.customers /);
  const replayed = await consumeAll([target], { until: (m) => m.length >= 4, timeoutMs: 30_000, content: 'other' });
  // Debezium's top-level ts_ms/ts_us/ts_ns are when the event was produced (the replay's own time); all else matches.
  const comparable = (m: (typeof live)[number]) => [m.key, { ...m.value, ts_ms: typeof m.value.ts_ms, ts_us: typeof m.value.ts_us, ts_ns: typeof m.value.ts_ns }];
  assert.deepEqual(
    replayed.map(comparable),
    live.map(comparable),
    'same keys and values: format, filter, exclusion, hashing and renaming all applied as live',
  );
  assert.ok(!JSON.stringify(replayed).includes('a@x.io') && !JSON.stringify(replayed).includes('s1'));

  // Without the config the history is replayed raw: that is what --config is for.
  const raw = await runCli(['replay', '--from-history', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid,
    '--topic-template', 'app.{source_id}.{table}', '--table', 'customers', '--from', from, '--topic', uniqueId('rhc-raw')], env);
  assert.match(raw.stdout, /^replayed 5 events /);

  const wrong = await runCli(['replay', '--from-history', '--config', config, '--source', 'postgres://nobody@127.0.0.1/else', '--table', 'customers', '--from', from, '--topic', uniqueId('x')]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^cdc: config file .* has no source with the url given in --source\n$/);
});
