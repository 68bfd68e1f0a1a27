import { sourceKind } from '../core/database-url.js';
import { CdcError, isPrivilegeError } from '../core/errors.js';
import type { SourceDatabase } from '../core/source-database.js';
import { parseTableRef, qualifiedName } from '../core/table-ref.js';
import { redactSecrets, redactUrl } from '../logging.js';
import { openSourceDatabase } from '../sources/open-source-database.js';
import { ApiError } from './api-route.js';
import type { CreateSource } from './schemas.js';

const KIND_OF: Record<CreateSource['db_type'], string> = { postgresql: 'postgres', mysql: 'mysql', mariadb: 'mysql', mongodb: 'mongodb' };
const CONNECT_TIMEOUT_MS = 10_000;

export interface CheckedSource {
  db: SourceDatabase;
  /** Qualified names (schema.table / db.table), in the order given. */
  tables: string[];
  databaseName: string;
}

/**
 * Registration validates at once: the URL fits db_type, the database answers, every table exists
 * with a primary key and the user may install capture on it (SourceDatabase.checkInstall changes
 * nothing). Errors name the field and never echo the password. The caller closes `db`.
 */
export async function checkSource(body: CreateSource): Promise<CheckedSource> {
  const url = body.connection_string;
  try {
    new URL(url);
  } catch {
    throw new ApiError(400, `body.connection_string: not a valid URL (${redactUrl(url)})`);
  }
  if (sourceKind(url) !== KIND_OF[body.db_type]) {
    throw new ApiError(400, `body.connection_string: ${redactUrl(url)} is not a ${body.db_type} URL`);
  }
  for (const name of Object.keys(body.options.tables)) {
    if (!body.tables.includes(name)) throw new ApiError(400, `body.options.tables.${name}: not one of the listed tables`);
  }
  const db = await connect(url);
  try {
    if (db.dialect === 'mongodb' && Object.values(body.options.tables).some((t) => t.mode) ) {
      throw new ApiError(400, 'body.options.tables: MongoDB collections are captured from the oplog; mode does not apply');
    }
    const tables: string[] = [];
    if (body.tables.length === 0) {
      const captured = await db.listCaptured();
      if (captured.length === 0) throw new ApiError(400, 'body.tables: no table is set up for capture in this database yet: list the tables to capture');
      tables.push(...captured.map((c) => c.qualifiedName));
    }
    for (const [i, name] of body.tables.entries()) {
      let table;
      try {
        table = parseTableRef(name, db.defaultSchema);
        await db.checkInstall(table, {});
      } catch (err) {
        throw tableError(`body.tables.${i}`, err);
      }
      const q = qualifiedName(table);
      if (tables.includes(q)) throw new ApiError(400, `body.tables.${i}: ${q} is listed twice`);
      tables.push(q);
    }
    return { db, tables, databaseName: db.databaseName };
  } catch (err) {
    await db.close();
    throw err;
  }
}

async function connect(url: string): Promise<SourceDatabase> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
  });
  const opening = openSourceDatabase(url);
  try {
    // Opening connects and reads the database's name: it proves the server answers and the login
    // works, and creates nothing (listCaptured would create cdc's schema).
    const db = await Promise.race([opening, timeout]);
    return db;
  } catch (err) {
    opening.then((db) => db.close()).catch(() => undefined);
    if (err instanceof ApiError) throw err;
    const detail = oneLine(err);
    throw new ApiError(400, `body.connection_string: ${detail.startsWith('cannot connect') ? detail : `cannot connect to ${redactUrl(url)}: ${detail}`}`);
  } finally {
    clearTimeout(timer);
  }
}

function tableError(field: string, err: unknown): ApiError {
  if (err instanceof CdcError) return new ApiError(400, `${field}: ${oneLine(err)}`);
  if (isPrivilegeError(err)) return new ApiError(400, `${field}: the database refused: ${oneLine(err)} (the grants capture needs are in docs/security.md)`);
  throw err;
}

export function oneLine(err: unknown): string {
  return redactSecrets((err as Error)?.message ?? String(err)).replace(/\s*\n\s*/g, ' ');
}
