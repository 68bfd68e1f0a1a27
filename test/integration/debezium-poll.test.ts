import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';

const STATE = process.env.CDC_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';

/**
 * Polled tables are described like captured ones, so `--format debezium` gives them Debezium's
 * value encodings too (the golden tests cover the encodings themselves; this checks the wiring).
 */
describe('--format debezium on polled tables', () => {
  for (const dialect of DIALECTS) {
    describe(dialect.name, () => {
      let db: TestDatabase;
      const redis = new Redis(STATE);
      after(async () => {
        if (db) for (const k of await redis.keys(`cdc:{*${db.name}}:*`)) await redis.del(k);
        redis.disconnect();
        await db?.drop();
      });

      test('numeric and timestamp columns get Debezium encodings', async () => {
        db = await dialect.create();
        const pg = dialect.name === 'postgres';
        const stamp = pg ? 'timestamptz(6) NOT NULL DEFAULT now()' : 'datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)';
        await db.exec(`CREATE TABLE priced (id int PRIMARY KEY, price ${pg ? 'numeric' : 'decimal'}(12,2), at ${pg ? 'timestamp(6)' : 'datetime(6)'}, updated_at ${stamp})`);
        await db.exec(`INSERT INTO priced (id, price, at) VALUES (1, 1234.50, '2024-02-29 13:14:15.123456')`);
        const reg = await runCli(['install-poll', '--source', db.url, '--state', STATE, '--table', 'priced', '--column', 'updated_at']);
        assert.equal(reg.code, 0, reg.stderr);
        const prefix = uniqueId('cdz');
        const args = ['run', '--source', db.url, '--state', STATE, '--kafka', KAFKA_BROKERS.join(','), '--format', 'debezium', '--topic-prefix', prefix];
        const topic = `${prefix}.${db.qualified('priced')}`;
        const msgs = await withCdcRun(args, () => consumeAll([topic], { until: (m) => m.length >= 1, timeoutMs: 30_000, content: 'other' }));
        const v = msgs[0]!.value;
        assert.deepEqual(v.after, { id: 1, price: 'AeI6', at: 1709212455123456, updated_at: v.after.updated_at });
        assert.equal(v.source.cdc.mode, 'poll');
        assert.equal(v.source.connector, pg ? 'postgresql' : 'mariadb');
        assert.equal(typeof v.after.updated_at, pg ? 'string' : 'number', 'timestamptz → ZonedTimestamp, DATETIME(6) → MicroTimestamp');
      });
    });
  }
});
