import { UserInputError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { qualifiedName, type TableRef } from '../../src/core/table-ref.js';
import { connectPool } from '../postgres/connect.js';
import type { PgDriver } from '../postgres/driver.js';
import { describeTable } from '../postgres/describe.js';
import type { TableSpec } from '../../src/core/table-spec.js';
import { quoteIdent } from '../postgres/identifiers.js';
import { hasCaptureCatalog } from '../postgres/state-store.js';
import { findTable, primaryKeyColumns } from '../postgres/introspect.js';
import type { PollColumnKind, PollRegistration } from './config.js';
import { sourceLocation, type PolledTable, type PollDialect, type ValidateOptions } from './dialect.js';
import { PostgresPolledTable } from './postgres-table.js';

/** Stamp columns polling understands: timestamptz and timestamp (microseconds). */
const STAMP_TYPES = new Set([1184, 1114]);
/** Version columns: smallint, integer, bigint, numeric (exact; a float version could not be bound back). */
const VERSION_TYPES = new Set([21, 23, 20, 1700]);
const COLUMN_TYPES: Record<PollColumnKind, { oids: Set<number>; needs: string }> = {
  timestamp: { oids: STAMP_TYPES, needs: 'polling needs timestamp or timestamptz' },
  version: { oids: VERSION_TYPES, needs: '--column-kind version needs smallint, integer, bigint or numeric' },
};
/** Key types that cannot be bound back from their canonical JSON form (base64, nested JSON). */
const UNSUPPORTED_KEY_TYPES = new Set([17, 114, 3802]);

interface Attribute {
  name: string;
  typeOid: number;
  typeName: string;
  notNull: boolean;
}

/**
 * PostgreSQL polling: read-only. Reuses the trigger adapter's pool (session TimeZone UTC, ISO
 * dates), catalog lookups and text decoder, so a polled row equals the trigger and WAL images.
 */
export async function openPostgresPoll(url: string): Promise<PollDialect> {
  const { driver, databaseName, defaultSchema } = await connectPool(url);
  return new PostgresPollDialect(driver, databaseName, defaultSchema, sourceLocation(url, 'postgres', 5432, databaseName));
}

class PostgresPollDialect implements PollDialect {
  readonly kind = 'postgres' as const;
  private zone: Promise<string> | null = null;

  describeTable(table: TableRef): Promise<TableSpec> {
    return describeTable(this.driver, this.databaseName, table);
  }

  constructor(
    private readonly driver: PgDriver,
    readonly databaseName: string,
    readonly defaultSchema: string,
    readonly location: string,
  ) {}

  async validate(table: TableRef, o: ValidateOptions): Promise<{ keyColumns: string[] }> {
    const name = qualifiedName(table);
    const found = await findTable(this.driver, table);
    if (!found || !['r', 'p', 'v', 'm', 'f'].includes(found.relkind)) throw new UserInputError(`table ${name} does not exist`);
    const attrs = new Map((await this.attributes(found.oid)).map((a) => [a.name, a]));
    const stamp = (flag: string, column: string): Attribute => {
      const a = attrs.get(column);
      if (!a) throw new UserInputError(`${flag} ${JSON.stringify(column)}: table ${name} has no such column`);
      const wanted = COLUMN_TYPES[o.columnKind];
      if (!wanted.oids.has(a.typeOid)) {
        const hint = o.columnKind === 'timestamp' && VERSION_TYPES.has(a.typeOid) ? ' (a version number from a sequence: --column-kind version)' : '';
        throw new UserInputError(`${flag} ${JSON.stringify(column)} of ${name} is ${a.typeName}; ${wanted.needs}${hint}`);
      }
      return a;
    };
    const s = stamp('--column', o.column);
    if (o.createdColumn !== null && stamp('--created-column', o.createdColumn).typeOid !== s.typeOid) {
      throw new UserInputError(`--created-column ${JSON.stringify(o.createdColumn)} must have the same type as --column (${s.typeName})`);
    }
    const keyColumns = o.keyColumns?.length ? o.keyColumns : await primaryKeyColumns(this.driver, found.oid);
    if (keyColumns.length === 0) {
      throw new UserInputError(`table ${name} has no primary key: pass --key-columns with columns that identify a row`);
    }
    for (const k of keyColumns) {
      const a = attrs.get(k);
      if (!a) throw new UserInputError(`--key-columns: table ${name} has no column ${JSON.stringify(k)}`);
      if (!a.notNull && o.keyColumns?.length) throw new UserInputError(`--key-columns: column ${JSON.stringify(k)} of ${name} allows NULL`);
      if (UNSUPPORTED_KEY_TYPES.has(a.typeOid)) throw new UserInputError(`key column ${JSON.stringify(k)} of ${name} is ${a.typeName}, which polling cannot use as a key`);
    }
    return { keyColumns };
  }

  async openTable(reg: PollRegistration, logger: Logger): Promise<PolledTable> {
    const table = { schema: reg.schema, name: reg.name };
    const found = await findTable(this.driver, table);
    if (!found) throw new UserInputError(`polled table ${reg.table} no longer exists`);
    const attrs = new Map((await this.attributes(found.oid)).map((a) => [a.name, a]));
    const typeName = (c: string) => {
      const a = attrs.get(c);
      if (!a) throw new UserInputError(`polled table ${reg.table} has no column ${JSON.stringify(c)} any more; run cdc install-poll again`);
      return a.typeName;
    };
    const version = reg.columnKind === 'version';
    const zoned = attrs.get(reg.column)?.typeOid === 1184;
    const t = new PostgresPolledTable(this.driver, table, found.oid, logger, {
      version,
      stamp: quoteIdent(reg.column),
      created: reg.createdColumn === null ? null : quoteIdent(reg.createdColumn),
      stampType: typeName(reg.column),
      keyColumns: reg.keyColumns,
      keyTypes: reg.keyColumns.map(typeName),
      // A zone-less stamp holds local time of the database's zone (docs/polling.md).
      zone: zoned || version ? null : await this.serverZone(),
    });
    await t.refresh();
    return t;
  }

  hasTriggerCatalog(): Promise<boolean> {
    return hasCaptureCatalog(this.driver);
  }

  close(): Promise<void> {
    return this.driver.end();
  }

  private async attributes(oid: number): Promise<Attribute[]> {
    const { rows } = await this.driver.query<{ name: string; type_oid: number; type_name: string; not_null: boolean }>(
      `SELECT attname::text AS name, atttypid::int AS type_oid, format_type(atttypid, atttypmod) AS type_name, attnotnull AS not_null
         FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [oid],
    );
    return rows.map((r) => ({ name: r.name, typeOid: Number(r.type_oid), typeName: r.type_name, notNull: r.not_null }));
  }

  /** The zone sessions start with (cdc's own sessions SET TimeZone UTC afterwards; reset_val is the default). */
  private serverZone(): Promise<string> {
    this.zone ??= this.driver
      .query<{ zone: string }>(`SELECT reset_val AS zone FROM pg_settings WHERE name = 'TimeZone'`)
      .then((r) => r.rows[0]?.zone ?? 'UTC');
    return this.zone;
  }
}
