import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import mysql from 'mysql2/promise';

/**
 * A fresh, throwaway database per test file on the real servers, behind the few operations the
 * end-to-end tests need, so one test body runs against every dialect.
 */
export interface TestDatabase {
  dialect: 'postgres' | 'mysql';
  name: string;
  url: string;
  /** Qualifies a table for the CLI and the events: public.t or <db>.t */
  qualified(table: string): string;
  /** Quotes an identifier for this dialect. */
  q(ident: string): string;
  /** Placeholder for the i-th (1-based) bound parameter: $1 or ?. */
  p(i: number): string;
  exec(sql: string, params?: unknown[]): Promise<void>;
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in one transaction on its own connection; rolls back when fn throws or returns 'rollback'. */
  transaction(fn: (exec: (sql: string, params?: unknown[]) => Promise<any[]>) => Promise<unknown>): Promise<boolean>;
  /** Every cdc-visible object: tables, triggers, functions — to prove that bad input changed nothing. */
  objects(): Promise<string[]>;
  /** Closes this handle's connections without dropping the database (reattach with `attach*Database`). */
  close(): Promise<void>;
  drop(): Promise<void>;
}

/** Where a throwaway database is created; defaults to the shared test servers. */
export interface CreateOptions {
  /** Admin URL of another server (the fault harness's own instances), e.g. postgres://postgres@127.0.0.1:5434/postgres */
  adminUrl?: string;
}

export const PG_ADMIN_URL = process.env.CDC_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN_URL = process.env.CDC_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306/mysql';

export async function createPostgresDatabase(options: CreateOptions = {}): Promise<TestDatabase> {
  const adminUrl = options.adminUrl ?? PG_ADMIN_URL;
  const name = `cdc_e2e_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return attachPostgresDatabase(name, adminUrl);
}

/** A handle on an existing database `name` of the server at `adminUrl` (e.g. after a server restart). */
export function attachPostgresDatabase(name: string, adminUrl: string = PG_ADMIN_URL): TestDatabase {
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const pool = new pg.Pool({ connectionString: url, max: 24 });
  // An idle connection that dies (a server restart in the fault harness) must not crash the test.
  pool.on('error', () => undefined);
  const q = (i: string) => `"${i.replaceAll('"', '""')}"`;
  return {
    dialect: 'postgres',
    name,
    url,
    qualified: (t) => `public.${t}`,
    q,
    p: (i) => `$${i}`,
    exec: async (sql, params) => void (await pool.query(sql, params as any[])),
    query: async (sql, params) => (await pool.query(sql, params as any[])).rows,
    async transaction(fn) {
      const c = await pool.connect();
      // A connection that dies mid-transaction (a server crash in the fault harness) reports it here
      // as well as to the pending query; without a listener it would be an uncaught exception.
      const ignore = () => undefined;
      c.on('error', ignore);
      try {
        await c.query('BEGIN');
        const r = await fn(async (sql, params) => (await c.query(sql, params as any[])).rows);
        if (r === 'rollback') {
          await c.query('ROLLBACK');
          return false;
        }
        await c.query('COMMIT');
        return true;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.off('error', ignore);
        c.release();
      }
    },
    async objects() {
      const rows = await pool.query(
        `SELECT 'rel:' || n.nspname || '.' || c.relname AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ('pg_catalog','information_schema','pg_toast')
         UNION ALL SELECT 'trigger:' || tgname FROM pg_trigger WHERE NOT tgisinternal
         UNION ALL SELECT 'proc:' || n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname NOT IN ('pg_catalog','information_schema')
         UNION ALL SELECT 'schema:' || nspname FROM pg_namespace ORDER BY 1`,
      );
      return rows.rows.map((r) => r.o);
    },
    close: () => pool.end(),
    async drop() {
      await pool.end();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      const { rows } = await a.query(`SELECT current_setting('server_version_num')::int >= 130000 AS force`);
      // WITH (FORCE) is 13+; the version matrix's older servers get their sessions ended first.
      if (rows[0].force) await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      else {
        await a.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        await a.query(`DROP DATABASE IF EXISTS ${name}`);
      }
      await a.end();
    },
  };
}

export async function createMysqlDatabase(options: CreateOptions = {}): Promise<TestDatabase> {
  const adminUrl = options.adminUrl ?? MYSQL_ADMIN_URL;
  const name = `cdc_e2e_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = await mysql.createConnection(adminUrl);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return attachMysqlDatabase(name, adminUrl);
}

/** A handle on an existing database `name` of the server at `adminUrl` (e.g. after a server restart). */
export function attachMysqlDatabase(name: string, adminUrl: string = MYSQL_ADMIN_URL): TestDatabase {
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const pool = mysql.createPool({ uri: url, connectionLimit: 24, multipleStatements: false, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
  const q = (i: string) => `\`${i.replaceAll('`', '``')}\``;
  return {
    dialect: 'mysql',
    name,
    url,
    qualified: (t) => `${name}.${t}`,
    q,
    p: () => '?',
    exec: async (sql, params) => void (await pool.query(sql, params)),
    query: async (sql, params) => (await pool.query(sql, params))[0] as any[],
    async transaction(fn) {
      const c = await pool.getConnection();
      try {
        await c.query('BEGIN');
        const r = await fn(async (sql, params) => (await c.query(sql, params))[0] as any[]);
        if (r === 'rollback') {
          await c.query('ROLLBACK');
          return false;
        }
        await c.query('COMMIT');
        return true;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    },
    async objects() {
      // cdc's state database beside it counts too (adapters/mysql/state-database.ts).
      const [tables] = await pool.query(
        `SELECT CONCAT('table:', table_name) AS o FROM information_schema.tables WHERE table_schema IN (?, ?)
         UNION ALL SELECT 'database:cdc' FROM information_schema.schemata WHERE schema_name = ?`,
        [name, stateDatabaseName(name), stateDatabaseName(name)],
      );
      const [triggers] = await pool.query(`SELECT CONCAT('trigger:', trigger_name) AS o FROM information_schema.triggers WHERE trigger_schema = ?`, [name]);
      return [...(tables as any[]), ...(triggers as any[])].map((r) => r.o).sort();
    },
    close: () => pool.end(),
    async drop() {
      await pool.end();
      const a = await mysql.createConnection(adminUrl);
      await a.query(`DROP DATABASE IF EXISTS ${name}`);
      await a.query(`DROP DATABASE IF EXISTS \`${stateDatabaseName(name)}\``);
      await a.end();
    },
  };
}

export const DIALECTS = [
  { name: 'postgres' as const, create: createPostgresDatabase, attach: attachPostgresDatabase },
  { name: 'mysql' as const, create: createMysqlDatabase, attach: attachMysqlDatabase },
];
