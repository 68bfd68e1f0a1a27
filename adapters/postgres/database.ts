import type { ChangeSource, TableStatus } from '../../src/core/change-source';
import type { SequenceStore } from '../../src/core/checkpoint-store';
import type { Logger } from '../../src/core/logger';
import { loadMigrations, runMigrations } from '../../src/core/migrate';
import type { CapturedTableInfo, InstallOptions, InstallResult, SourceDatabase } from '../../src/core/source-database';
import type { TableRef } from '../../src/core/table-ref';
import type { PgDriver } from './driver';
import { SourceLocks } from './locks';
import { pgMigrationDriver } from './migrations';
import { pgSequenceStore } from './sequence-store';
import { MIGRATIONS_DIR } from './sql-files';
import { listCapturedRows } from './state-store';
import { tableStatuses } from './status';
import { checkInstallable, installTable, uninstallTable } from './trigger/install';
import { TriggerSource } from './trigger/source';

/**
 * One PostgreSQL database in trigger mode: wires the driver to installation, sources, status and
 * sequences. Every entry point migrates cdc's own schema first (once per object), so a CLI command
 * never meets a database without `cdc.captured_tables`.
 */
export class PostgresDatabase implements SourceDatabase {
  readonly dialect = 'postgres' as const;
  readonly sequences: SequenceStore;
  private readonly locks: SourceLocks;
  private migrated: Promise<void> | null = null;

  constructor(
    private readonly driver: PgDriver,
    readonly databaseName: string,
    readonly defaultSchema: string,
    private readonly logger?: Logger,
  ) {
    this.locks = new SourceLocks(driver);
    this.sequences = pgSequenceStore(driver, () => this.migrate());
  }

  migrate(): Promise<void> {
    this.migrated ??= (async () => {
      await runMigrations(pgMigrationDriver(this.driver), await loadMigrations(MIGRATIONS_DIR), this.logger);
    })().catch((err: unknown) => {
      this.migrated = null; // let a later call retry (e.g. the database was restarting)
      throw err;
    });
    return this.migrated;
  }

  async checkInstall(table: TableRef, options: InstallOptions): Promise<void> {
    await checkInstallable(this.driver, table, options);
  }

  async install(table: TableRef, options: InstallOptions): Promise<InstallResult> {
    await checkInstallable(this.driver, table, options); // before migrate: bad input creates nothing
    await this.migrate();
    return installTable(this.driver, table, options);
  }

  async uninstall(table: TableRef): Promise<boolean> {
    await this.migrate();
    return uninstallTable(this.driver, table);
  }

  async listCaptured(): Promise<CapturedTableInfo[]> {
    await this.migrate();
    return (await listCapturedRows(this.driver)).map((r) => ({
      table: { schema: r.schema, name: r.name },
      qualifiedName: r.tableName,
      keyColumns: r.keyColumns,
      mode: 'trigger' as const,
    }));
  }

  openSource(table: TableRef, ctx: { logger: Logger }): ChangeSource {
    return new TriggerSource(table, { driver: this.driver, locks: this.locks, logger: ctx.logger, ready: () => this.migrate() });
  }

  async status(): Promise<TableStatus[]> {
    await this.migrate();
    return tableStatuses(this.driver);
  }

  async close(): Promise<void> {
    await this.locks.close().catch(() => undefined);
    await this.driver.end();
  }
}
