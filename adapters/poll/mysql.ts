import { UserInputError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { qualifiedName, type TableRef } from '../../src/core/table-ref.js';
import { connectMysql } from '../mysql/connect.js';
import type { MysqlDriver } from '../mysql/driver.js';
import { describeSpec } from '../mysql/describe-spec.js';
import type { TableSpec } from '../../src/core/table-spec.js';
import { describeTable, type ColumnInfo, type TableInfo } from '../mysql/introspect.js';
import type { PollColumnKind, PollRegistration } from './config.js';
import { sourceLocation, type PolledTable, type PollDialect, type ValidateOptions } from './dialect.js';
import { MysqlPolledTable } from './mysql-table.js';
import { InnodbTrxView } from './mysql-trx-view.js';

/** Column kinds polling understands, per registration kind. YEAR reads as 'int' but is a date part. */
const COLUMN_KINDS: Record<PollColumnKind, { accepts: (c: ColumnInfo) => boolean; needs: string }> = {
  timestamp: { accepts: (c) => c.kind === 'datetime' || c.kind === 'timestamp', needs: 'polling needs DATETIME or TIMESTAMP' },
  version: { accepts: isVersionColumn, needs: '--column-kind version needs an integer or DECIMAL column' },
};

function isVersionColumn(c: ColumnInfo): boolean {
  return (c.kind === 'int' && c.dataType !== 'year') || c.kind === 'bigint' || c.kind === 'decimal';
}

/** Key kinds that cannot be bound back from their canonical JSON form (base64, nested JSON, WKT). */
const UNSUPPORTED_KEY_KINDS = new Set(['binary', 'json', 'geometry', 'bit']);

/**
 * MySQL / MariaDB polling: read-only. Reuses the trigger adapter's pool (session time zone UTC,
 * lossless text values), information_schema lookups and SELECT decoder.
 */
export async function openMysqlPoll(url: string): Promise<PollDialect> {
  const { driver, options, server } = await connectMysql(url);
  return new MysqlPollDialect(driver, options.database, sourceLocation(url, 'mysql', 3306, options.database), server.mariadb);
}

class MysqlPollDialect implements PollDialect {
  readonly kind = 'mysql' as const;
  readonly defaultSchema: string;
  private zone: Promise<string> | null = null;
  /** One view of the server's open transactions for all tables: INNODB_TRX must not be read too often. */
  private readonly trx: InnodbTrxView;

  constructor(
    private readonly driver: MysqlDriver,
    readonly databaseName: string,
    readonly location: string,
    private readonly mariadb: boolean,
  ) {
    this.defaultSchema = databaseName;
    this.trx = new InnodbTrxView(driver);
  }

  describeTable(table: TableRef): Promise<TableSpec> {
    return describeSpec(this.driver, table, this.mariadb);
  }

  async validate(table: TableRef, o: ValidateOptions): Promise<{ keyColumns: string[] }> {
    const name = qualifiedName(table);
    const info = await describeTable(this.driver, table);
    if (!info) throw new UserInputError(`table ${name} does not exist`);
    const cols = new Map(info.columns.map((c) => [c.name, c]));
    const stamp = (flag: string, column: string): ColumnInfo => {
      const c = cols.get(column);
      if (!c) throw new UserInputError(`${flag} ${JSON.stringify(column)}: table ${name} has no such column`);
      const wanted = COLUMN_KINDS[o.columnKind];
      if (!wanted.accepts(c)) {
        const hint = o.columnKind === 'timestamp' && isVersionColumn(c) ? ' (a version number from a sequence: --column-kind version)' : '';
        throw new UserInputError(`${flag} ${JSON.stringify(column)} of ${name} is ${c.columnType}; ${wanted.needs}${hint}`);
      }
      return c;
    };
    const s = stamp('--column', o.column);
    if (o.createdColumn !== null && stamp('--created-column', o.createdColumn).kind !== s.kind) {
      throw new UserInputError(`--created-column ${JSON.stringify(o.createdColumn)} must have the same type as --column (${s.columnType})`);
    }
    const keyColumns = o.keyColumns?.length ? o.keyColumns : info.primaryKey;
    if (keyColumns.length === 0) {
      throw new UserInputError(`table ${name} has no primary key: pass --key-columns with columns that identify a row`);
    }
    const nullable = o.keyColumns?.length ? await this.nullableColumns(info) : new Set<string>();
    for (const k of keyColumns) {
      const c = cols.get(k);
      if (!c) throw new UserInputError(`--key-columns: table ${name} has no column ${JSON.stringify(k)}`);
      if (nullable.has(k)) throw new UserInputError(`--key-columns: column ${JSON.stringify(k)} of ${name} allows NULL`);
      if (UNSUPPORTED_KEY_KINDS.has(c.kind)) throw new UserInputError(`key column ${JSON.stringify(k)} of ${name} is ${c.columnType}, which polling cannot use as a key`);
    }
    return { keyColumns };
  }

  async openTable(reg: PollRegistration, logger: Logger): Promise<PolledTable> {
    const table = { schema: reg.schema, name: reg.name };
    const info = await describeTable(this.driver, table);
    if (!info) throw new UserInputError(`polled table ${reg.table} no longer exists`);
    const stamp = info.columns.find((c) => c.name === reg.column);
    if (!stamp) throw new UserInputError(`polled table ${reg.table} has no column ${JSON.stringify(reg.column)} any more; run cdc install-poll again`);
    // DATETIME holds local time of the server's zone; TIMESTAMP is read in cdc's UTC session.
    const zone = stamp.kind === 'datetime' && reg.columnKind === 'timestamp' ? await this.serverZone() : null;
    const shape = { version: reg.columnKind === 'version', column: reg.column, createdColumn: reg.createdColumn, keyColumns: reg.keyColumns, zone };
    const t = new MysqlPolledTable(this.driver, table, logger, shape, this.trx);
    await t.refresh();
    return t;
  }

  async hasTriggerCatalog(): Promise<boolean> {
    const [r] = await this.driver.rows<{ n: string | number }>(
      `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'cdc_captured_tables'`,
    );
    return Number(r?.n) > 0;
  }

  async close(): Promise<void> {
    await this.trx.close().catch(() => undefined);
    await this.driver.end();
  }

  private async nullableColumns(info: TableInfo): Promise<Set<string>> {
    const rows = await this.driver.rows<{ name: string }>(
      `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND IS_NULLABLE = 'YES'`,
      [info.table.schema, info.table.name],
    );
    return new Set(rows.map((r) => r.name));
  }

  private serverZone(): Promise<string> {
    this.zone ??= this.driver.rows<{ zone: string }>('SELECT @@GLOBAL.time_zone AS zone').then((r) => String(r[0]?.zone ?? 'SYSTEM'));
    return this.zone;
  }
}
