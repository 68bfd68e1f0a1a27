import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';

/** Filters and transforms from a config file, end to end through Kafka. */
let db: TestDatabase;
before(async () => {
  db = await createPostgresDatabase();
  await db.exec(`CREATE TABLE customers (id int PRIMARY KEY, email text, status text, secret text)`);
  const r = await runCli(['install-triggers', '--source', db.url, '--table', 'customers']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => db?.drop());

test('config-file transforms: where, operations, exclude, hash and rename reach Kafka', async () => {
  const sid = uniqueId('tx');
  const dir = mkdtempSync(join(tmpdir(), 'cdc-tx-'));
  const config = join(dir, 'cdc.yaml');
  writeFileSync(
    config,
    [
      'kafka:',
      `  brokers: [${KAFKA_BROKERS.join(', ')}]`,
      'defaults:',
      '  schedule: 50ms',
      'sources:',
      `  - url: ${db.url}`,
      `    id: ${sid}`,
      '    tables:',
      '      - name: public.customers',
      '        operations: [INSERT, UPDATE]',
      '        where: status == "active"',
      '        columns: { exclude: [secret] }',
      '        mask: { email: hash }',
      '        rename: { email: email_hash }',
    ].join('\n'),
  );
  const key = 'k'.repeat(32);
  await withCdcRun(['run', '--config', config], async () => {
    await db.exec(`INSERT INTO customers VALUES (1, 'a@x.io', 'active', 's1'), (2, 'b@x.io', 'inactive', 's2')`);
    await db.exec(`UPDATE customers SET status = 'active' WHERE id = 2`);
    await db.exec(`DELETE FROM customers WHERE id = 1`);
    await db.exec(`INSERT INTO customers VALUES (3, 'c@x.io', 'active', 's3')`);
    const topic = `cdc.${sid}.public.customers`;
    await consumeAll([topic], { until: (m) => m.some((x) => x.value.primary_key.id === 3), timeoutMs: 30_000 });
    const msgs = await consumeAll([topic], { idleMs: 1000 });
    assert.deepEqual(
      msgs.map((m) => [m.value.operation, m.value.primary_key.id]),
      [['INSERT', 1], ['UPDATE', 2], ['INSERT', 3]],
      'inactive insert filtered out, DELETE dropped by the operation filter',
    );
    const hash = (v: string) => createHmac('sha256', key).update(v).digest('hex');
    assert.deepEqual(msgs[0]!.value.after_data, { id: 1, email_hash: hash('a@x.io'), status: 'active' });
    assert.equal(msgs[1]!.value.before_data.email_hash, hash('b@x.io'));
    assert.ok(!JSON.stringify(msgs).includes('s1') && !JSON.stringify(msgs).includes('a@x.io'));
  }, { CDC_HASH_KEY: key });
});
