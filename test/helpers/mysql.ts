import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { Logger } from '../../src/core/logger.js';
import { parseMysqlUrl } from '../../adapters/mysql/connect.js';
import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import type { MysqlDriver } from '../../adapters/mysql/driver.js';
import { createMysql2Driver } from '../../adapters/mysql/mysql2-driver.js';
import { MYSQL_ADMIN_URL } from './dialects.js';

/** Server for the MySQL integration tests (CDC_TEST_MYSQL, read once in dialects.ts); tests create their own databases. */
export const MYSQL_TEST_SERVER = MYSQL_ADMIN_URL;

export interface MysqlTestDatabase {
  name: string;
  /** cdc's state database for this one (`cdc_<name>`), backtick-quoted for SQL text. */
  state: string;
  /** mysql://…/cdc_test_<random> */
  url: string;
  /** The adapter's own driver (lossless session settings) on the test database. */
  driver: MysqlDriver;
  exec(sql: string, params?: unknown[]): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A plain mysql2 connection to the test database, for writers with their own session state. */
  connection(): Promise<mysql.Connection>;
  /** Tables and triggers of the test database and of its cdc state database, for "changed nothing" assertions. */
  objects(): Promise<string[]>;
  drop(): Promise<void>;
}

/** A fresh throwaway database per test file (graphile/worker style), dropped by `drop()`. */
export async function createTestDatabase(): Promise<MysqlTestDatabase> {
  const name = `cdc_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = await mysql.createConnection(MYSQL_TEST_SERVER);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await admin.end();
  const url = MYSQL_TEST_SERVER.replace(/\/[^/?]*(\?.*)?$/, `/${name}`);
  const driver = createMysql2Driver(parseMysqlUrl(url));
  const stateName = stateDatabaseName(name);
  return {
    name,
    state: `\`${stateName}\``,
    url,
    driver,
    exec: async (sql, params) => void (await driver.exec(sql, params as never)),
    query: async <T>(sql: string, params?: unknown[]) => (await driver.rows(sql, params as never)) as T[],
    connection: () => mysql.createConnection({ uri: url, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true }),
    async objects() {
      const rows = await driver.rows<{ o: string }>(
        `SELECT CONCAT('table:', TABLE_NAME) AS o FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?, ?)
         UNION ALL SELECT CONCAT('trigger:', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
         UNION ALL SELECT 'database:cdc' FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`,
        [name, stateName, name, stateName],
      );
      return rows.map((r) => r.o).sort();
    },
    async drop() {
      await driver.end();
      const a = await mysql.createConnection(MYSQL_TEST_SERVER);
      await a.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await a.query(`DROP DATABASE IF EXISTS \`${stateName}\``);
      await a.end();
    },
  };
}

export interface RecordingLogger extends Logger {
  records: Array<{ level: string; obj: object; msg?: string }>;
}

/** A Logger that keeps what it was told, for asserting warnings. */
export function recordingLogger(): RecordingLogger {
  const records: RecordingLogger['records'] = [];
  const make = (): RecordingLogger => {
    const log = (level: string) => (obj: object, msg?: string) => void records.push({ level, obj, msg });
    return { records, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => make() };
  };
  return make();
}
