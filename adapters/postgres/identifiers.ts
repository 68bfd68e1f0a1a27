import { createHash } from 'node:crypto';
import { UserInputError } from '../../src/core/errors.js';
import type { TableRef } from '../../src/core/table-ref.js';
import { qualifiedName } from '../../src/core/table-ref.js';

/** cdc's own schema in the user's database. */
export const CDC_SCHEMA = 'cdc';

/** PostgreSQL's NAMEDATALEN − 1: longer identifiers are silently truncated, so we never produce one. */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * Quotes an identifier for SQL text: always double-quoted with `"` doubled, so capitals, spaces,
 * dots and SQL fragments in names stay part of the name. A NUL cannot be part of a PostgreSQL
 * identifier and would end the string early in the server, so it is rejected. So is a name
 * longer than 63 bytes: the server would truncate it and silently mean another object (a 64-byte
 * table name was registered under a name that does not exist, and its 63-byte prefix then took
 * over the same trigger).
 */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new UserInputError(`identifier ${JSON.stringify(name)} contains a NUL character`);
  checkIdentifierLength(name, 'identifier');
  return `"${name.replace(/"/g, '""')}"`;
}

function checkIdentifierLength(name: string, what: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) {
    throw new UserInputError(
      `${what} ${JSON.stringify(name)} is ${bytes} bytes; PostgreSQL names are at most ${MAX_IDENTIFIER_BYTES} bytes (it would truncate it to another name)`,
    );
  }
}

/** Refuses a table reference PostgreSQL would truncate or cannot hold (one-line UserInputError). */
export function checkTableName(t: TableRef): void {
  if (t.schema.length === 0 || t.name.length === 0) throw new UserInputError(`table name ${JSON.stringify(qualifiedName(t))} has an empty part`);
  for (const [part, what] of [[t.schema, 'schema name'], [t.name, 'table name']] as const) {
    if (part.includes('\u0000')) throw new UserInputError(`${what} ${JSON.stringify(part)} contains a NUL character`);
    checkIdentifierLength(part, what);
  }
}

export function quoteTable(t: TableRef): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

/**
 * `log_<sanitized>_<8 hex>`: readable for an operator looking into schema `cdc`, unique through the
 * hash of the exact qualified name (`public.Users` and `public.users` differ), and always a plain
 * lowercase identifier, so it is safe anywhere in a template (even inside the function body).
 */
export function logTableName(t: TableRef): string {
  return derivedName('log', t);
}

/** The per-table trigger function in schema `cdc`, named like the log table. */
export function triggerFunctionName(t: TableRef): string {
  return derivedName('capture', t);
}

function derivedName(prefix: string, t: TableRef): string {
  const q = qualifiedName(t);
  const hash = createHash('sha1').update(q).digest('hex').slice(0, 8);
  const room = MAX_IDENTIFIER_BYTES - prefix.length - hash.length - 2;
  const sanitized = q
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, room)
    .replace(/_+$/, '');
  return sanitized ? `${prefix}_${sanitized}_${hash}` : `${prefix}_${hash}`;
}

/**
 * 64-bit advisory-lock key for `purpose` on a table, as a decimal string for a `$1::bigint`
 * parameter. Derived from a hash so any table name maps to a key; the purpose keeps install locks
 * (per transaction) from colliding with the long-held per-source locks.
 */
export function advisoryKey(purpose: 'source' | 'install' | 'migrate' | 'snapshot', table = ''): string {
  const h = createHash('sha1').update(`cdc:${purpose}:${table}`).digest();
  return h.readBigInt64BE(0).toString();
}
