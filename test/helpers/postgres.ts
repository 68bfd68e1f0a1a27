import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../src/core/logger.js';
import { PG_ADMIN_URL } from './dialects.js';

/** The server the integration tests use: one setting for every helper, CDC_TEST_PG (dialects.ts). */
export { PG_ADMIN_URL };

export interface TestDatabase {
  name: string;
  url: string;
  /** A plain client on the test database, for the test's own writes and checks. */
  client(settings?: string): Promise<pg.Client>;
  drop(): Promise<void>;
}

/** A fresh throwaway database per test file (graphile-worker style), dropped with FORCE at the end. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `cdc_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const clients: pg.Client[] = [];
  return {
    name,
    url: url.toString(),
    async client(settings) {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      if (settings) await c.query(settings);
      clients.push(c);
      return c;
    },
    async drop() {
      await Promise.allSettled(clients.map((c) => c.end()));
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      try {
        const { rows } = await a.query(`SELECT current_setting('server_version_num')::int >= 130000 AS force`);
        // WITH (FORCE) is 13+; on the version matrix's older servers the sessions are ended first.
        if (rows[0].force) await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        else {
          await a.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
          await a.query(`DROP DATABASE IF EXISTS ${name}`);
        }
      } finally {
        await a.end();
      }
    },
  };
}

/** Collects warnings so tests can assert on them; debug/info are dropped. */
export function testLogger(): Logger & { warnings: unknown[] } {
  const warnings: unknown[] = [];
  const logger = {
    warnings,
    debug() {},
    info() {},
    warn(obj: object, msg?: string) {
      warnings.push({ ...obj, msg });
    },
    error(obj: object, msg?: string) {
      warnings.push({ ...obj, msg });
    },
    child() {
      return logger;
    },
  };
  return logger;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
