import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createMysqlDatabase, createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';

/**
 * The old servers scripts/versions.sh starts, on the ports it gives them. The newest of each family
 * (PostgreSQL 15, MariaDB 10.11) is the shared server the integration suite already runs on.
 */
export interface MatrixServer {
  /** The script's name for it (scripts/versions.sh list). */
  name: string;
  dialect: 'postgres' | 'mysql';
  /** What `SELECT version()` starts with on it. */
  version: string;
  adminUrl: string;
}

export const PG10: MatrixServer = { name: 'pg10', dialect: 'postgres', version: 'PostgreSQL 10.23', adminUrl: 'postgres://postgres@127.0.0.1:54310/postgres' };
export const PG11: MatrixServer = { name: 'pg11', dialect: 'postgres', version: 'PostgreSQL 11.22', adminUrl: 'postgres://postgres@127.0.0.1:54311/postgres' };
export const PG12: MatrixServer = { name: 'pg12', dialect: 'postgres', version: 'PostgreSQL 12.22', adminUrl: 'postgres://postgres@127.0.0.1:54312/postgres' };
export const MARIADB_10_2: MatrixServer = { name: 'mariadb10.2', dialect: 'mysql', version: '10.2.11-MariaDB', adminUrl: 'mysql://root@127.0.0.1:33102/mysql' };

/** Below the minimum: cdc must refuse it with one line and write nothing. */
export const PG9_6: MatrixServer = {
  name: 'pg9.6',
  dialect: 'postgres',
  version: 'PostgreSQL 9.6.24',
  adminUrl: 'postgres://postgres@127.0.0.1:54396/postgres',
};

const SCRIPT = fileURLToPath(new URL('../../scripts/versions.sh', import.meta.url));

/** Starts the server if it is not running (idempotent, fast when it is), then a fresh database on it. */
export async function freshDatabase(server: MatrixServer): Promise<TestDatabase> {
  execFileSync('bash', [SCRIPT, server.name], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  return server.dialect === 'postgres' ? createPostgresDatabase({ adminUrl: server.adminUrl }) : createMysqlDatabase({ adminUrl: server.adminUrl });
}
