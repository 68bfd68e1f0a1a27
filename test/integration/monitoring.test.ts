import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { runCli, startCli } from '../helpers/cli.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { Redis } from 'ioredis';

/**
 * Issue 13 item 5: the committed alert rules pass promtool (syntax and their unit tests), and a
 * live `cdc worker` serves every metric the rules and the Grafana dashboard query, in a format
 * promtool accepts. promtool comes from Debian's prometheus package (scripts/services/promtool.sh).
 */
const run = promisify(execFile);
const MONITORING = fileURLToPath(new URL('../../monitoring/', import.meta.url));

let db: TestDatabase;
before(async () => {
  db = await createPostgresDatabase();
  await db.exec('CREATE TABLE m1 (id int PRIMARY KEY)');
  const r = await runCli(['install-triggers', '--source', db.url, '--table', 'm1']);
  assert.equal(r.code, 0, r.stderr);
});
const prefix = `cdc-test-${randomUUID()}`;
after(async () => {
  const redis = new Redis('redis://127.0.0.1:6379/0');
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await db?.drop();
});

test('promtool checks the alert rules and their unit tests', async () => {
  const check = await run('promtool', ['check', 'rules', 'alerts.yml'], { cwd: MONITORING });
  assert.match(check.stdout, /SUCCESS: 5 rules found/);
  const unit = await run('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: MONITORING });
  assert.match(unit.stdout, /SUCCESS/);
});

test('a live worker delivers into Kafka and serves the metrics the rules and the dashboard use', async () => {
  const port = 19_000 + Math.floor(Math.random() * 1000);
  const sourceId = uniqueId('mon');
  const w = startCli(['worker', '--source', db.url, '--source-id', sourceId, '--kafka', KAFKA_BROKERS.join(','), '--schedule', '100ms', '--redis', 'redis://127.0.0.1:6379/0', '--queue-prefix', prefix, '--metrics-port', String(port)]);
  try {
    await db.exec('INSERT INTO m1 VALUES (1)');
    await db.exec('UPDATE m1 SET id = 2');
    let text = '';
    const deadline = Date.now() + 60_000;
    while (!/cdc_changes_delivered_total\{[^}]*operation="UPDATE"/.test(text)) {
      assert.ok(Date.now() < deadline, `metrics never showed the delivered UPDATE; stderr: ${w.stderr.slice(-2000)}\n${text.slice(0, 3000)}`);
      await new Promise((r) => setTimeout(r, 500));
      text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    }
    const key = `${sourceId}/public.m1`;
    const topic = `cdc.${sourceId}.public.m1`;
    const inKafka = await consumeAll([topic], { until: (m) => m.length >= 2 });
    assert.deepEqual(
      inKafka.map((m) => m.value.operation),
      ['INSERT', 'UPDATE'],
    );
    assert.match(text, new RegExp(`cdc_worker_table_owned\\{table="${key}",worker="[^"]+"\\} 1`));
    assert.match(text, new RegExp(`cdc_table_state\\{table="${key}",state="running"\\} 1`));
    assert.match(text, /cdc_worker_tables_configured 1/);
    assert.match(text, /cdc_workers_live 1/);
    assert.match(text, /cdc_commit_to_ack_seconds_count\{table="public.m1"\} [1-9]/);
    assert.match(text, /cdc_lag_seconds\{table="public.m1"\} /);
    // Every metric a rule or a panel queries is one this worker serves.
    // (A counter no table has incremented yet is declared by its # TYPE line only.)
    const served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const dashboard = JSON.parse(readFileSync(`${MONITORING}grafana-dashboard.json`, 'utf8'));
    const exprs = [...dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)), readFileSync(`${MONITORING}alerts.yml`, 'utf8')];
    const used = new Set(exprs.flatMap((e: string) => [...e.matchAll(/\b(cdc_[a-z_]+?)(?:_bucket)?\b/g)].map((m) => m[1]!)));
    for (const name of used) assert.ok(served.has(name), `${name} is queried but not served`);
    // promtool's linter reads the exposition from stdin.
    const lint = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => resolve({ code: err ? ((err as any).code ?? 1) : 0, out: stdout + stderr }));
      p.stdin!.end(text);
    });
    assert.ok(!/error/i.test(lint.out), lint.out);
  } finally {
    assert.equal(await w.stop(), 0, w.stderr);
  }
});
