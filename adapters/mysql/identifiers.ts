import { createHash } from 'node:crypto';
import { UserInputError } from '../../src/core/errors.js';
import { qualifiedName, type TableRef } from '../../src/core/table-ref.js';

/** MySQL's identifier limit for tables, triggers, columns and user-level lock names. */
export const MAX_IDENTIFIER = 64;

/**
 * A backtick-quoted identifier. Backticks are doubled; everything else (quotes, spaces, `;`, `--`)
 * is inert inside backticks, so a name like ``We``ird; DROP TABLE x; --`` stays one identifier.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new UserInputError('an identifier must not be empty');
  if (name.includes('\u0000')) throw new UserInputError(`identifier ${JSON.stringify(name)} contains a NUL character`);
  return '`' + name.replaceAll('`', '``') + '`';
}

/**
 * Refuses a table reference MySQL/MariaDB cannot hold (one-line UserInputError): each part at
 * most 64 characters, not empty, no NUL, and no trailing space (the server refuses those names).
 */
export function checkTableName(t: TableRef): void {
  for (const [part, what] of [[t.schema, 'database name'], [t.name, 'table name']] as const) {
    if (part.length === 0) throw new UserInputError(`table name ${JSON.stringify(qualifiedName(t))} has an empty part`);
    if (part.includes('\u0000')) throw new UserInputError(`${what} ${JSON.stringify(part)} contains a NUL character`);
    const chars = [...part].length;
    if (chars > MAX_IDENTIFIER) {
      throw new UserInputError(`${what} ${JSON.stringify(part)} is ${chars} characters; MySQL and MariaDB names are at most ${MAX_IDENTIFIER}`);
    }
    if (part.endsWith(' ')) throw new UserInputError(`${what} ${JSON.stringify(part)} ends with a space, which MySQL and MariaDB do not allow`);
  }
}

/** `schema`.`table` */
export function quoteTable(t: TableRef): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

/**
 * A string literal that means the same under every sql_mode: plain printable ASCII without
 * backslashes is written as '…' with quotes doubled; anything else as a hex literal converted to
 * utf8mb4, because a backslash means different things with and without NO_BACKSLASH_ESCAPES and
 * the trigger keeps the sql_mode it was created with.
 */
export function sqlString(value: string): string {
  if (/^[\x20-\x5b\x5d-\x7e]*$/.test(value)) return `'${value.replaceAll("'", "''")}'`;
  return `CONVERT(X'${Buffer.from(value, 'utf8').toString('hex')}' USING utf8mb4)`;
}

function hash(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** Lower-case [a-z0-9_] rendering of a table name, for readable object names. */
export function sanitize(name: string, max: number): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return s.slice(0, max).replace(/_$/, '') || 't';
}

export interface CdcObjectNames {
  /** The change-log table, in the captured table's schema. */
  logTable: string;
  triggers: { insert: string; update: string; delete: string };
  /** GET_LOCK name held while a source drains the table (server-wide, hence the schema in the hash). */
  drainLock: string;
  /** GET_LOCK name held while `cdc snapshot` runs on the table (one snapshot per table at a time). */
  snapshotLock: string;
}

/**
 * Names of the objects cdc creates for one table: `cdc_log_<sanitized>_<8 hex of sha1(db.table)>`
 * and `cdc_ai_/cdc_au_/cdc_ad_` triggers. The hash keeps names unique when sanitizing folds two
 * tables together (`Users` and `users`, `a b` and `a_b`); the sanitized part keeps them readable.
 * Every name fits MySQL's 64-character limit.
 */
export function cdcObjectNames(table: TableRef): CdcObjectNames {
  const h = hash(qualifiedName(table));
  const base = `${sanitize(table.name, MAX_IDENTIFIER - 'cdc_log__'.length - 8)}_${h.slice(0, 8)}`;
  return {
    logTable: `cdc_log_${base}`,
    triggers: { insert: `cdc_ai_${base}`, update: `cdc_au_${base}`, delete: `cdc_ad_${base}` },
    drainLock: `cdc_drain_${h}`,
    snapshotLock: `cdc_snapshot_${h}`,
  };
}

/**
 * The database that holds cdc's state for an application database: registry, checkpoints,
 * history and every change log. Separate so that the application's users, whose grants are
 * usually `ON shop.*`, can neither forge changes into a log nor read or rewrite checkpoints
 * (docs/security.md). `cdc_` is a prefix, not a suffix, so a grant `ON \`shop%\`.*` does not cover
 * it either. Names that would pass 64 characters keep a readable prefix and a hash.
 */
export function stateDatabaseName(database: string): string {
  const plain = `cdc_${database}`;
  if (plain.length <= MAX_IDENTIFIER) return plain;
  return `cdc_${sanitize(database, MAX_IDENTIFIER - 'cdc_'.length - 9)}_${hash(database).slice(0, 8)}`;
}

/** GET_LOCK name serialising migrations of one database's cdc objects. */
export function migrationLockName(database: string): string {
  return `cdc_migrate_${hash(database)}`;
}

/** True for cdc's own tables, which must never be captured themselves. */
export function isCdcObject(name: string): boolean {
  return /^cdc_(log_|migrations$|knex_migrations(_lock)?$|captured_tables$|checkpoints$|mode_switches$)/.test(name);
}
