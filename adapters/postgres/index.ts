import type { PGlite } from '@electric-sql/pglite';
import { UserInputError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import type { SourceDatabase } from '../../src/core/source-database.js';
import { connectPool } from './connect.js';
import { PostgresDatabase } from './database.js';
import type { PgDriver } from './driver.js';
import { pgliteDriver } from './pglite-driver.js';
import { assertSupportedServer, driverForServer, readServerVersion } from './server-version.js';
import { walConfigFromEnv, type WalConfig } from './wal/config.js';

export type { PgDriver, PgQueryable, PgSession } from './driver.js';
export { poolDriver } from './pool-driver.js';
export { pgliteDriver } from './pglite-driver.js';

/** A PostgreSQL database (10+; WAL capture 14+) over node-postgres, from a `postgres://` or `postgresql://` URL. */
export async function openPostgres(url: string, options: { logger?: Logger } = {}): Promise<SourceDatabase> {
  const wal = walConfigFromEnv();
  const { driver, databaseName, defaultSchema } = await connectPool(url);
  return new PostgresDatabase(driver, databaseName, defaultSchema, options.logger, { url, wal });
}

/** Any PgDriver (tests, PGlite, a pool the caller configured); `url` enables WAL capture. */
export async function openPostgresWith(
  driver: PgDriver,
  databaseName: string,
  options: { logger?: Logger; url?: string; wal?: WalConfig } = {},
): Promise<SourceDatabase> {
  // The same version check and respelling as a URL gets (server-version.ts), for a driver made elsewhere.
  const version = await readServerVersion(driver);
  assertSupportedServer(version);
  const forServer = driverForServer(driver, version);
  const { rows } = await forServer.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  return new PostgresDatabase(forServer, databaseName, rows[0]?.schema ?? 'public', options.logger, { url: options.url, wal: options.wal });
}

/**
 * The embedded demo database: `pglite://memory` (in memory), `pglite:///abs/dir` or
 * `pglite://./rel/dir` (a data directory), or an already-created PGlite instance (then closing
 * the SourceDatabase closes it too). The source_id defaults to `pglite`.
 */
export async function openPglite(target: string | PGlite, options: { logger?: Logger } = {}): Promise<SourceDatabase> {
  let db: PGlite;
  if (typeof target === 'string') {
    const m = /^pglite:(?:\/\/)?(.*)$/i.exec(target);
    if (!m) throw new UserInputError(`invalid PGlite URL ${JSON.stringify(target)}: expected pglite://memory or pglite://<data directory>`);
    const dir = m[1] === '' || m[1] === 'memory' ? undefined : decodeURIComponent(m[1]!);
    const { PGlite } = await import('@electric-sql/pglite');
    db = new PGlite(dir);
  } else db = target;
  return openPostgresWith(await pgliteDriver(db), 'pglite', options);
}
