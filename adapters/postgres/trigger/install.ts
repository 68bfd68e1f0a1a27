import { createHash, randomUUID } from 'node:crypto';
import { TransientError, UserInputError } from '../../../src/core/errors.js';
import type { InstallOptions, InstallResult } from '../../../src/core/source-database.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import { qualifiedName } from '../../../src/core/table-ref.js';
import type { PgDriver, PgQueryable } from '../driver.js';
import { asTransient, oneLine, pgErrorCode } from '../errors.js';
import { advisoryKey, logTableName, quoteIdent, quoteTable, triggerFunctionName } from '../identifiers.js';
import { findTable, loadColumns, primaryKeyColumns, type ColumnDefinition } from '../introspect.js';
import { sqlTemplate } from '../sql-files.js';
import { clearCheckpoint, deleteCaptured, ensureCheckpointRow, getCaptured, upsertCaptured } from '../state-store.js';
import { assertTrustedCdcSchema } from '../trust.js';
import { renderSql } from '../../../src/core/sql-template.js';

/**
 * CREATE TRIGGER needs a lock that conflicts with writers, and waiting for it behind a long
 * transaction would queue every later writer of the table behind us: give up after a few seconds.
 */
export const LOCK_TIMEOUT = '5s';

/**
 * Installs capture for one table in ONE transaction: validation, change log, trigger function,
 * triggers and registry row commit together or not at all (PostgreSQL DDL is transactional).
 */
export async function installTable(driver: PgDriver, t: TableRef, options: InstallOptions): Promise<InstallResult> {
  const name = qualifiedName(t);
  return guarded(name, 'install capture on', () =>
    driver.transaction(async (q) => {
      await lockForChange(q, name);
      const { oid, signature, definition, keyColumns } = await checkInstallable(q, t, options);
      const logTable = logTableName(t);
      const fn = triggerFunctionName(t);
      const objects = await captureObjects(q, t, oid);
      const definitionHash = objects.definitionHash;
      const existing = await getCaptured(q, name);
      if (existing && (existing.mode !== 'trigger' || existing.pendingMode)) {
        // Triggers next to a WAL stream would capture every change twice.
        const what = existing.pendingMode ? `is switching to ${existing.pendingMode} capture` : `is captured from the ${existing.mode}`;
        throw new UserInputError(`table ${name} ${what}; use cdc upgrade --table ${JSON.stringify(name)} --to trigger to return to triggers`);
      }
      if (existing && (existing.schema !== t.schema || existing.name !== t.name)) {
        // qualifiedName() joins with a dot, so schema "a.b" + table "c" reads like schema "a" + table "b.c".
        throw new UserInputError(`table ${name} is ambiguous: schema ${JSON.stringify(existing.schema)} table ${JSON.stringify(existing.name)} is already captured under that name`);
      }
      const state = await installedState(q, oid, logTable, fn);
      const unchanged =
        existing !== null &&
        existing.logTable === logTable &&
        existing.definitionHash === definitionHash &&
        sameList(existing.keyColumns, keyColumns) &&
        state.logExists &&
        state.triggersOk;
      if (unchanged) return { table: name, changed: false, keyColumns };

      // Change ids restart with a new log table, so they get a new generation to stay unique.
      const generation = state.logExists && existing?.logTable === logTable ? existing.generation : randomUUID();
      await objects.create();
      await upsertCaptured(q, { tableName: name, schema: t.schema, name: t.name, keyColumns, logTable, generation, definitionHash, columnSignature: signature }, definition);
      await ensureCheckpointRow(q, name, 'trigger');
      return { table: name, changed: true, keyColumns };
    }),
  );
}

/**
 * Removes triggers, function, change log and registry row in one transaction; the checkpoint row
 * keeps its sequence reservation. Refuses while a cdc process streams the table. Returns false when
 * nothing was installed.
 */
export async function uninstallTable(driver: PgDriver, t: TableRef): Promise<boolean> {
  const name = qualifiedName(t);
  return guarded(name, 'uninstall capture from', () =>
    driver.transaction(async (q) => {
      await lockForChange(q, name);
      const { rows } = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS ok', [advisoryKey('source', name)]);
      if (!rows[0]?.ok) throw new TransientError(`table ${name} is being captured by a running cdc process; stop it before uninstalling`);
      const existing = await getCaptured(q, name);
      const table = await findTable(q, t);
      const logTable = existing?.logTable ?? logTableName(t);
      const fn = triggerFunctionName(t);
      const state = await installedState(q, table?.oid ?? 0, logTable, fn);
      if (!existing && !state.logExists && !state.functionExists) return false;
      if (table) await q.exec(renderSql(sqlTemplate('uninstall-triggers.sql'), { table: quoteTable(t) }));
      await q.exec(renderSql(sqlTemplate('uninstall-table.sql'), { log_table: quoteIdent(logTable), function: quoteIdent(fn) }));
      await deleteCaptured(q, name);
      await clearCheckpoint(q, name, 'trigger');
      return true;
    }),
  );
}

export async function lockForChange(q: PgQueryable, name: string): Promise<void> {
  await q.query(`SELECT set_config('lock_timeout', $1, true)`, [LOCK_TIMEOUT]);
  // Two installers of one table serialise here instead of failing on each other's DDL.
  await q.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryKey('install', name)]);
}

/**
 * Everything install validates, read-only: the table exists and is a table, and it has a primary
 * key or the requested key columns exist. Also run before migrating, so bad input leaves even a
 * database without schema cdc untouched.
 */
export async function checkInstallable(q: PgQueryable, t: TableRef, options: InstallOptions): Promise<{ oid: number; signature: string; definition: ColumnDefinition[]; keyColumns: string[] }> {
  const name = qualifiedName(t);
  if (options.keyColumns && options.keyColumns.length === 0) throw new UserInputError('--key-columns needs at least one column');
  const table = await findTable(q, t);
  if (!table) throw new UserInputError(`table ${name} does not exist`);
  if (table.relkind !== 'r' && table.relkind !== 'p') {
    throw new UserInputError(`${name} is not a table (relkind '${table.relkind}'); triggers capture ordinary and partitioned tables only`);
  }
  const { columns, signature, definition } = await loadColumns(q, table.oid);
  const keyColumns = await chooseKeyColumns(q, name, table.oid, columns.map((c) => c.name), options.keyColumns);
  return { oid: table.oid, signature, definition, keyColumns };
}

async function chooseKeyColumns(q: PgQueryable, name: string, oid: number, columns: string[], requested?: string[]): Promise<string[]> {
  if (requested) {
    const missing = requested.filter((c) => !columns.includes(c));
    if (missing.length > 0) {
      throw new UserInputError(`key column${missing.length > 1 ? 's' : ''} ${missing.map((c) => JSON.stringify(c)).join(', ')} not found in table ${name} (columns: ${columns.join(', ')})`);
    }
    if (new Set(requested).size !== requested.length) throw new UserInputError(`--key-columns names a column twice: ${requested.join(', ')}`);
    return requested;
  }
  const pk = await primaryKeyColumns(q, oid);
  if (pk.length === 0) {
    throw new UserInputError(`table ${name} has no primary key; pass --key-columns <column>[,<column>…] naming the columns that identify a row`);
  }
  return pk;
}

/**
 * The change log, trigger function and triggers of one table (sql/postgres/install-table.sql), for
 * a transaction that holds lockForChange(). `definitionHash` tells whether an installed copy is
 * current; `create()` first refuses a schema cdc that roles cdc does not trust could have prepared.
 */
export async function captureObjects(q: PgQueryable, t: TableRef, oid: number): Promise<{ definitionHash: string; create(): Promise<void> }> {
  const logTable = logTableName(t);
  const owner = await tableOwner(q, oid);
  const script = renderSql(sqlTemplate('install-table.sql'), {
    table: quoteTable(t),
    log_table: quoteIdent(logTable),
    function: quoteIdent(triggerFunctionName(t)),
    owner: quoteIdent(owner),
  });
  return {
    definitionHash: createHash('sha1').update(script).digest('hex'),
    async create() {
      await assertTrustedCdcSchema(q);
      await q.exec(script);
      await grantLogSequence(q, logTable, owner);
    },
  };
}

/** The role the trigger function runs as (see sql/postgres/install-table.sql). */
async function tableOwner(q: PgQueryable, oid: number): Promise<string> {
  const { rows } = await q.query<{ owner: string }>('SELECT pg_get_userbyid(relowner)::text AS owner FROM pg_class WHERE oid = $1', [oid]);
  return rows[0]!.owner;
}

/** The log's id sequence is named by PostgreSQL (and shortened to fit), so it is looked up. */
async function grantLogSequence(q: PgQueryable, logTable: string, owner: string): Promise<void> {
  const { rows } = await q.query<{ seq: string | null }>(`SELECT pg_get_serial_sequence($1, 'id') AS seq`, [`cdc.${quoteIdent(logTable)}`]);
  const seq = rows[0]?.seq;
  if (!seq) throw new Error(`change log cdc.${logTable} has no id sequence`);
  await q.exec(`GRANT USAGE ON SEQUENCE ${seq} TO ${quoteIdent(owner)}`);
}

interface InstalledState {
  logExists: boolean;
  functionExists: boolean;
  /** Both triggers exist, call our function and are enabled. */
  triggersOk: boolean;
}

async function installedState(q: PgQueryable, tableOid: number, logTable: string, fn: string): Promise<InstalledState> {
  const { rows } = await q.query<{ log_exists: boolean; function_exists: boolean; triggers: number }>(
    `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'cdc' AND c.relname = $2) AS log_exists,
            EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = 'cdc' AND p.proname = $3) AS function_exists,
            (SELECT count(*)::int FROM pg_trigger tg
               JOIN pg_proc p ON p.oid = tg.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE tg.tgrelid = $1 AND tg.tgname IN ('cdc_capture', 'cdc_capture_truncate')
                AND n.nspname = 'cdc' AND p.proname = $3 AND tg.tgenabled <> 'D') AS triggers`,
    [tableOid, logTable, fn],
  );
  const r = rows[0]!;
  return { logExists: r.log_exists, functionExists: r.function_exists, triggersOk: Number(r.triggers) === 2 };
}

/** Turns the expected database refusals into one-line errors that name the table. */
export async function guarded<T>(name: string, action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = pgErrorCode(err);
    if (code === '55P03') {
      throw new TransientError(`could not lock table ${name} within ${LOCK_TIMEOUT} to ${action} it: another transaction is using it; retry later`, { cause: err });
    }
    if (code === '42501') throw new UserInputError(`not allowed to ${action} ${name}: ${oneLine(err)}`, { cause: err });
    throw asTransient(err, `cannot ${action} ${name}`);
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
