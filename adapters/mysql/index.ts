import type { ChangeSource, TableStatus } from '../../src/core/change-source';
import type { Logger } from '../../src/core/logger';
import { loadMigrations, runMigrations } from '../../src/core/migrate';
import type { CapturedTableInfo, InstallOptions, InstallResult, SourceDatabase } from '../../src/core/source-database';
import type { TableRef } from '../../src/core/table-ref';
import { connectMysql, type MysqlServerInfo } from './connect';
import type { MysqlDriver } from './driver';
import { mysqlMigrationDriver } from './migrations';
import { MysqlSequenceStore } from './sequence-store';
import { MIGRATIONS_DIR } from './sql-files';
import { listCaptured } from './state-store';
import { triggerStatuses } from './status';
import { checkInstallable, installTrigger, type InstallContext } from './trigger/install';
import { MysqlTriggerSource, type TriggerSourceOptions } from './trigger/source';
import { uninstallTrigger } from './trigger/uninstall';

export interface MysqlAdapterOptions extends Partial<TriggerSourceOptions> {
  /** lock_wait_timeout (s) for install/uninstall DDL; default 10. */
  ddlLockWaitSeconds?: number;
  /** Override server detection of CREATE OR REPLACE TRIGGER (tests run MySQL 8's path on MariaDB). */
  canReplaceTrigger?: boolean;
}

const DEFAULTS: TriggerSourceOptions = { longTransactionWarnSeconds: 60, maxRoundMs: 5_000, ackWaitMs: 500 };

/**
 * MySQL / MariaDB trigger capture (docs/mysql-trigger.md). `url` is mysql://user:pass@host:port/db;
 * the database is both the default schema for unqualified tables and where cdc keeps its state.
 */
export async function openMysql(url: string, options: MysqlAdapterOptions = {}): Promise<MysqlSourceDatabase> {
  const { driver, options: conn, server } = await connectMysql(url);
  return new MysqlSourceDatabase(driver, conn.database, server, options);
}

export class MysqlSourceDatabase implements SourceDatabase {
  readonly dialect = 'mysql' as const;
  readonly defaultSchema: string;
  readonly sequences: MysqlSequenceStore;
  private migrated: Promise<void> | null = null;
  private readonly ddl: InstallContext;
  private readonly sourceOptions: TriggerSourceOptions;

  constructor(
    private readonly driver: MysqlDriver,
    readonly databaseName: string,
    readonly server: MysqlServerInfo,
    options: MysqlAdapterOptions,
  ) {
    this.defaultSchema = databaseName;
    this.sequences = new MysqlSequenceStore(driver, () => this.migrate());
    this.ddl = {
      driver,
      canReplaceTrigger: options.canReplaceTrigger ?? server.mariadb,
      ddlLockWaitSeconds: options.ddlLockWaitSeconds ?? 10,
    };
    this.sourceOptions = {
      longTransactionWarnSeconds: options.longTransactionWarnSeconds ?? DEFAULTS.longTransactionWarnSeconds,
      maxRoundMs: options.maxRoundMs ?? DEFAULTS.maxRoundMs,
      ackWaitMs: options.ackWaitMs ?? DEFAULTS.ackWaitMs,
    };
  }

  /** Idempotent and safe concurrently (GET_LOCK); runs once per instance unless it failed. */
  migrate(): Promise<void> {
    this.migrated ??= (async () => {
      await runMigrations(mysqlMigrationDriver(this.driver, this.databaseName), await loadMigrations(MIGRATIONS_DIR));
    })().catch((err) => {
      this.migrated = null;
      throw err;
    });
    return this.migrated;
  }

  async checkInstall(table: TableRef, options: InstallOptions): Promise<void> {
    await checkInstallable(this.ddl, table, options);
  }

  install(table: TableRef, options: InstallOptions): Promise<InstallResult> {
    return installTrigger(this.ddl, table, options, () => this.migrate());
  }

  uninstall(table: TableRef): Promise<boolean> {
    return uninstallTrigger(this.ddl, table);
  }

  async listCaptured(): Promise<CapturedTableInfo[]> {
    return (await listCaptured(this.driver)).map((t) => ({ table: t.table, qualifiedName: t.tableName, keyColumns: t.keyColumns, mode: 'trigger' }));
  }

  openSource(table: TableRef, ctx: { logger: Logger }): ChangeSource {
    return new MysqlTriggerSource(this.driver, table, ctx.logger.child({ source: 'mysql-trigger' }), this.sourceOptions);
  }

  status(): Promise<TableStatus[]> {
    return triggerStatuses(this.driver);
  }

  async close(): Promise<void> {
    await this.driver.end();
  }
}
