import { TransientError, UserInputError } from '../../src/core/errors.js';
import { redactUrl } from '../../src/logging.js';
import type { MysqlDriver } from './driver.js';
import { createMysql2Driver, type MysqlConnectOptions } from './mysql2-driver.js';
import { stateDatabaseName } from './identifiers.js';
import { parseMysqlTls } from './tls.js';

export interface MysqlServerInfo {
  version: string;
  /** MariaDB has CREATE OR REPLACE TRIGGER and a LONGTEXT-based JSON type; MySQL 8 has neither. */
  mariadb: boolean;
}

/** `mysql://user:secret@host/db?password=x` → `mysql://user:***@host/db?password=***`: the only form of a URL we ever print. */
export function redactMysqlUrl(url: string): string {
  return redactUrl(url);
}

/** `mysql://user:pass@host:port/db` (also `mariadb://`); the database is the default and captured schema. */
export function parseMysqlUrl(url: string): MysqlConnectOptions {
  const shown = JSON.stringify(redactMysqlUrl(url));
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not echoed: an unparseable string may still contain a password.
    throw new UserInputError('invalid MySQL URL: expected mysql://user[:password]@host[:port]/database');
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    throw new UserInputError(`invalid MySQL URL ${shown}: the scheme must be mysql:// or mariadb://`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw new UserInputError(`invalid MySQL URL ${shown}: name the database to capture, e.g. mysql://user@host:3306/shop`);
  }
  const poolSize = Number(u.searchParams.get('poolSize') ?? 10);
  if (!Number.isInteger(poolSize) || poolSize < 2 || poolSize > 1000) {
    throw new UserInputError(`invalid MySQL URL ${shown}: poolSize must be an integer from 2 to 1000`);
  }
  const serverIdParam = u.searchParams.get('binlogServerId');
  const binlogServerId = serverIdParam === null ? undefined : Number(serverIdParam);
  if (binlogServerId !== undefined && (!Number.isInteger(binlogServerId) || binlogServerId < 1 || binlogServerId > 4294967295)) {
    throw new UserInputError(`invalid MySQL URL ${shown}: binlogServerId must be an integer from 1 to 4294967295`);
  }
  const stateDatabase = u.searchParams.get('cdcDatabase') ?? stateDatabaseName(database);
  if (!stateDatabase || stateDatabase.length > 64 || stateDatabase === database) {
    throw new UserInputError(`invalid MySQL URL ${shown}: cdcDatabase must be 1 to 64 characters and differ from the captured database`);
  }
  const tls = parseMysqlTls(u.searchParams, shown);
  return {
    ...(binlogServerId !== undefined ? { binlogServerId } : {}),
    ...(tls ? { tls } : {}),
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
    stateDatabase,
    poolSize,
  };
}

/** Opens the pool and proves the server answers, turning driver errors into one human line. */
export async function connectMysql(url: string): Promise<{ driver: MysqlDriver; options: MysqlConnectOptions; server: MysqlServerInfo }> {
  const options = parseMysqlUrl(url);
  const driver = createMysql2Driver(options);
  try {
    const [row] = await driver.rows<{ version: string; state: number | string }>(
      'SELECT VERSION() AS version, (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?) AS state',
      [options.stateDatabase],
    );
    const version = String(row!.version);
    // cdc's statements name its own tables without a database: every session's default database
    // is the state database once it exists (until then nothing of cdc's exists to be read).
    if (Number(row!.state) > 0) await driver.useDatabase(options.stateDatabase);
    return { driver, options, server: { version, mariadb: /mariadb/i.test(version) } };
  } catch (err) {
    await driver.end().catch(() => undefined);
    throw connectError(err, options, redactMysqlUrl(url));
  }
}

function connectError(err: unknown, o: MysqlConnectOptions, shown: string): Error {
  const code = (err as { code?: string } | null)?.code ?? '';
  const where = `${o.host}:${o.port}`;
  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return new UserInputError(`cannot connect to ${shown}: access denied for user '${o.user}' (wrong user name or password)`, { cause: err });
    case 'ER_DBACCESS_DENIED_ERROR':
      return new UserInputError(`cannot connect to ${shown}: user '${o.user}' may not use database '${o.database}'`, { cause: err });
    case 'ER_BAD_DB_ERROR':
      return new UserInputError(`cannot connect to ${shown}: database '${o.database}' does not exist`, { cause: err });
    // A certificate that is not trusted, or a server without TLS, does not change by retrying.
    case 'HANDSHAKE_SSL_ERROR':
    case 'HANDSHAKE_NO_SSL_SUPPORT': {
      const detail = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      return new UserInputError(`TLS to MySQL at ${where} failed: ${detail} (check ssl-ca and ssl-mode in the URL)`, { cause: err });
    }
    default: {
      const detail = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      return new TransientError(`cannot reach MySQL at ${where} (${code || detail})`, { cause: err });
    }
  }
}
