import type { ChangeSource, TableStatus } from '../../src/core/change-source.js';
import type { SequenceStore } from '../../src/core/sequence-store.js';
import type { Logger } from '../../src/core/logger.js';
import { loadMigrations, runMigrations } from '../../src/core/migrate.js';
import type { CaptureMode } from '../../src/core/change-event.js';
import { UserInputError } from '../../src/core/errors.js';
import type { CapturedTableInfo, InstallOptions, InstallResult, SchemaVersionInfo, SourceDatabase, UpgradeResult } from '../../src/core/source-database.js';
import type { TableRef } from '../../src/core/table-ref.js';
import type { ChangeHistory, RetentionSetting } from '../../src/core/change-history.js';
import { qualifiedName } from '../../src/core/table-ref.js';
import type { PgDriver } from './driver.js';
import { checkTableName, logTableName } from './identifiers.js';
import { refuseNameClash } from '../../src/core/name-clash.js';
import { SourceLocks } from './locks.js';
import { pgMigrationDriver } from './migrations.js';
import { pgSequenceStore } from './sequence-store.js';
import { MIGRATIONS_DIR } from './sql-files.js';
import { clearCheckpoint, getCaptured, hasCaptureCatalog, listCapturedRows, schemaVersions } from './state-store.js';
import { tableStatuses } from './status.js';
import { listProgress } from './snapshot/progress-store.js';
import { PgSnapshotTarget } from './snapshot/target.js';
import type { SnapshotTarget } from '../../src/core/snapshot.js';
import type { TableSpec } from '../../src/core/table-spec.js';
import { describeTable } from './describe.js';
import { withSnapshots } from '../../src/snapshot/status.js';
import { checkInstallable, installTable, uninstallTable } from './trigger/install.js';
import { openPgHistory } from './trigger/history-reader.js';
import { setRetention } from './trigger/history-store.js';
import { TriggerWalSwitchingSource } from './upgrade/switching-source.js';
import { requestTrigger } from './upgrade/to-trigger.js';
import { requestWal } from './upgrade/to-wal.js';
import { dropWalObjects } from './wal/cleanup.js';
import { WAL_DEFAULTS, type WalConfig } from './wal/config.js';

export interface PostgresOptions {
  /** Connection string for replication connections (WAL capture); absent for PGlite. */
  url?: string;
  wal?: WalConfig;
}

/**
 * One PostgreSQL database, captured by triggers or from the WAL per table: wires the driver to
 * installation, capture-mode switches, sources, status and sequences. Every entry point migrates cdc's own schema first (once per object), so a CLI command
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
    private readonly options: PostgresOptions = {},
  ) {
    this.locks = new SourceLocks(driver);
    this.sequences = pgSequenceStore(driver, () => this.migrate());
  }

  migrate(): Promise<void> {
    this.migrated ??= (async () => {
      await runMigrations(pgMigrationDriver(this.driver, this.logger), await loadMigrations(MIGRATIONS_DIR), this.logger);
    })().catch((err: unknown) => {
      this.migrated = null; // let a later call retry (e.g. the database was restarting)
      throw err;
    });
    return this.migrated;
  }

  async checkInstall(table: TableRef, options: InstallOptions): Promise<void> {
    checkTableName(table);
    await checkInstallable(this.driver, table, options);
  }

  async install(table: TableRef, options: InstallOptions): Promise<InstallResult> {
    checkTableName(table);
    if (await hasCaptureCatalog(this.driver)) {
      const registered = (await listCapturedRows(this.driver)).map((r) => ({ table: r.tableName, derived: r.logTable }));
      refuseNameClash(qualifiedName(table), logTableName(table), registered);
    }
    await checkInstallable(this.driver, table, options); // before migrate: bad input creates nothing
    await this.migrate();
    return installTable(this.driver, table, options);
  }

  async uninstall(table: TableRef): Promise<boolean> {
    await this.migrate();
    const info = await getCaptured(this.driver, qualifiedName(table));
    const removed = await uninstallTable(this.driver, table);
    if (info && (info.walSlot || info.walPublication)) {
      // uninstallTable refused if a cdc run was streaming the table, so the slot is not in use by us.
      await dropWalObjects(this.driver, info.walSlot, info.walPublication);
      await clearCheckpoint(this.driver, info.tableName, 'wal');
    }
    return removed;
  }

  async upgrade(table: TableRef, to: CaptureMode): Promise<UpgradeResult> {
    checkTableName(table);
    await this.migrate();
    if (to === 'wal') return requestWal({ driver: this.driver, url: this.options.url ?? null, databaseName: this.databaseName, logger: this.logger }, table);
    if (to === 'trigger') return requestTrigger(this.driver, table);
    throw new UserInputError(`PostgreSQL tables switch between trigger and wal capture; --to ${to} is not available here`);
  }

  async listCaptured(): Promise<CapturedTableInfo[]> {
    await this.migrate();
    return (await listCapturedRows(this.driver)).map((r) => ({
      table: { schema: r.schema, name: r.name },
      qualifiedName: r.tableName,
      keyColumns: r.keyColumns,
      mode: r.mode,
    }));
  }

  async schemaHistory(table: TableRef): Promise<SchemaVersionInfo[]> {
    await this.migrate();
    const name = qualifiedName(table);
    const rows = await schemaVersions(this.driver, name);
    if (!rows) throw new UserInputError(`table ${name} is not captured; run cdc install-triggers --table ${name} first`);
    return rows;
  }

  async setRetention(table: TableRef, retainSeconds: number | null): Promise<RetentionSetting | null> {
    await this.migrate();
    return setRetention(this.driver, qualifiedName(table), retainSeconds);
  }

  async openHistory(table: TableRef): Promise<ChangeHistory> {
    await this.migrate();
    return openPgHistory(this.driver, table);
  }

  openSource(table: TableRef, ctx: { logger: Logger }): ChangeSource {
    return new TriggerWalSwitchingSource(table, {
      driver: this.driver,
      locks: this.locks,
      logger: ctx.logger,
      ready: () => this.migrate(),
      url: this.options.url ?? null,
      config: this.options.wal ?? WAL_DEFAULTS,
    });
  }

  describeTable(table: TableRef): Promise<TableSpec> {
    return describeTable(this.driver, this.databaseName, table);
  }

  async snapshotTarget(table: TableRef): Promise<SnapshotTarget> {
    await this.migrate();
    const name = qualifiedName(table);
    if (!(await getCaptured(this.driver, name))) throw new UserInputError(`table ${name} is not captured; run cdc install-triggers --table ${name} first`);
    return new PgSnapshotTarget(this.driver, table);
  }

  async status(): Promise<TableStatus[]> {
    // A database nobody set up for capture is only read: `cdc status` pointed at the wrong one
    // creates nothing there. One that was set up gets the tables of later migrations (snapshots).
    if (!(await hasCaptureCatalog(this.driver))) return [];
    await this.migrate();
    const [statuses, snapshots] = await Promise.all([tableStatuses(this.driver), listProgress(this.driver)]);
    return withSnapshots(statuses, snapshots);
  }

  async close(): Promise<void> {
    await this.locks.close().catch(() => undefined);
    await this.driver.end();
  }
}
