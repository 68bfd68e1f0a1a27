import { cdcObjectNames, checkTableName } from './identifiers.js';
import { refuseNameClash } from '../../src/core/name-clash.js';
import { randomInt } from 'node:crypto';
import type { CaptureMode } from '../../src/core/change-event.js';
import type { ChangeSource, TableStatus } from '../../src/core/change-source.js';
import type { Logger } from '../../src/core/logger.js';
import { loadMigrations, runMigrations } from '../../src/core/migrate.js';
import { UserInputError } from '../../src/core/errors.js';
import type { CapturedTableInfo, InstallOptions, InstallResult, SchemaVersionInfo, SourceDatabase, UpgradeResult } from '../../src/core/source-database.js';
import { qualifiedName, type TableRef } from '../../src/core/table-ref.js';
import type { ChangeHistory, RetentionSetting } from '../../src/core/change-history.js';
import { BinlogDemux } from './binlog/demux.js';
import { BinlogReader } from './binlog/reader.js';
import { BinlogTableSource } from './binlog/table-source.js';
import { connectMysql, type MysqlServerInfo } from './connect.js';
import type { MysqlDriver } from './driver.js';
import { mysqlMigrationDriver } from './migrations.js';
import { ensureStateDatabase } from './state-database.js';
import type { MysqlConnectOptions } from './mysql2-driver.js';
import { MysqlSequenceStore } from './sequence-store.js';
import { MIGRATIONS_DIR } from './sql-files.js';
import { schemaVersions } from './schema-history.js';
import { listCaptured } from './state-store.js';
import { captureStatuses } from './status.js';
import { listProgress } from './snapshot/progress-store.js';
import { MysqlSnapshotTarget } from './snapshot/target.js';
import type { SnapshotTarget } from '../../src/core/snapshot.js';
import { withSnapshots } from '../../src/snapshot/status.js';
import { checkInstallable, installTrigger, refuseBinlogMode, type InstallContext } from './trigger/install.js';
import { MysqlTriggerSource, type TriggerSourceOptions } from './trigger/source.js';
import { uninstallTrigger } from './trigger/uninstall.js';
import { openMysqlHistory } from './trigger/history-reader.js';
import { setRetention } from './trigger/history-store.js';
import { requestUpgrade } from './upgrade/request.js';
import type { SnapshotStrategy } from './upgrade/snapshot.js';
import { TriggerBinlogSwitchingSource } from './upgrade/switching-source.js';
import type { TableSpec } from '../../src/core/table-spec.js';
import { describeSpec } from './describe-spec.js';

export interface MysqlAdapterOptions extends Partial<TriggerSourceOptions> {
  /** lock_wait_timeout (s) for install/uninstall DDL; default 10. */
  ddlLockWaitSeconds?: number;
  /** Override server detection of CREATE OR REPLACE TRIGGER (tests run MySQL 8's path on MariaDB). */
  canReplaceTrigger?: boolean;
  /** How a switch boundary is taken (upgrade/snapshot.ts); default by server. Tests force 'table-lock'. */
  snapshotStrategy?: SnapshotStrategy;
  /** How often a running source looks for a switch requested by `cdc upgrade`; default 1000 ms. */
  switchPollMs?: number;
  /** How often an idle binlog table's checkpoint follows the stream; default 5000 ms. */
  binlogKeepAliveMs?: number;
  /** Changes queued in memory before the binlog stream stops reading for a while; default 20 000. */
  binlogHighWater?: number;
}

const DEFAULTS: TriggerSourceOptions = { longTransactionWarnSeconds: 60, maxRoundMs: 5_000, ackWaitMs: 500 };


/**
 * MySQL / MariaDB capture: triggers (docs/mysql-trigger.md) or the binlog (docs/mysql-binlog.md),
 * per table. `url` is mysql://user:pass@host:port/db; the database is the default schema for
 * unqualified tables, and cdc keeps its state and change logs in a database of its own beside it
 * (`cdc_<db>`, or `?cdcDatabase=`; adapters/mysql/state-database.ts).
 */
export async function openMysql(url: string, options: MysqlAdapterOptions = {}): Promise<MysqlSourceDatabase> {
  const { driver, options: conn, server } = await connectMysql(url);
  return new MysqlSourceDatabase(driver, conn, server, options);
}

export class MysqlSourceDatabase implements SourceDatabase {
  readonly dialect = 'mysql' as const;
  readonly databaseName: string;
  readonly defaultSchema: string;
  readonly sequences: MysqlSequenceStore;
  private migrated: Promise<void> | null = null;
  private readonly ddl: InstallContext;
  private readonly sourceOptions: TriggerSourceOptions;
  private readonly strategy: SnapshotStrategy;
  private demux: BinlogDemux | null = null;

  constructor(
    private readonly driver: MysqlDriver,
    private readonly conn: MysqlConnectOptions,
    readonly server: MysqlServerInfo,
    private readonly options: MysqlAdapterOptions,
  ) {
    this.databaseName = conn.database;
    this.defaultSchema = conn.database;
    this.sequences = new MysqlSequenceStore(driver, () => this.migrate());
    this.ddl = {
      driver,
      canReplaceTrigger: options.canReplaceTrigger ?? server.mariadb,
      ddlLockWaitSeconds: options.ddlLockWaitSeconds ?? 10,
      stateDatabase: conn.stateDatabase,
    };
    this.sourceOptions = {
      longTransactionWarnSeconds: options.longTransactionWarnSeconds ?? DEFAULTS.longTransactionWarnSeconds,
      maxRoundMs: options.maxRoundMs ?? DEFAULTS.maxRoundMs,
      ackWaitMs: options.ackWaitMs ?? DEFAULTS.ackWaitMs,
    };
    this.strategy = options.snapshotStrategy ?? (server.mariadb ? 'mariadb' : 'table-lock');
  }

  /** Idempotent and safe concurrently (GET_LOCK); runs once per instance unless it failed. */
  migrate(): Promise<void> {
    this.migrated ??= (async () => {
      await ensureStateDatabase(this.driver, {
        database: this.databaseName,
        stateDatabase: this.conn.stateDatabase,
        canReplaceTrigger: this.ddl.canReplaceTrigger,
        ddlLockWaitSeconds: this.ddl.ddlLockWaitSeconds,
      });
      await runMigrations(mysqlMigrationDriver(this.driver, this.databaseName, this.conn.stateDatabase), await loadMigrations(MIGRATIONS_DIR));
    })().catch((err) => {
      this.migrated = null;
      throw err;
    });
    return this.migrated;
  }

  /**
   * Points the connections at cdc's state database when it exists by now: another process may have
   * created it since this one connected. Creates nothing, so read-only commands stay read-only.
   */
  private async stateReady(): Promise<void> {
    if (this.driver.database === this.conn.stateDatabase) return;
    const [row] = await this.driver.rows<{ n: number | string }>('SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      this.conn.stateDatabase,
    ]);
    if (Number(row?.n) > 0) await this.driver.useDatabase(this.conn.stateDatabase);
  }

  async checkInstall(table: TableRef, options: InstallOptions): Promise<void> {
    await this.stateReady();
    checkTableName(table);
    await checkInstallable(this.ddl, table, options);
    await refuseBinlogMode(this.driver, qualifiedName(table));
  }

  async install(table: TableRef, options: InstallOptions): Promise<InstallResult> {
    await this.stateReady();
    checkTableName(table);
    // Every change log lives in cdc's state database: a derived-name clash matters across schemas.
    const registered = (await listCaptured(this.driver)).map((t) => ({ table: t.tableName, derived: t.logTable }));
    refuseNameClash(qualifiedName(table), cdcObjectNames(table).logTable, registered);
    return installTrigger(this.ddl, table, options, () => this.migrate());
  }

  async uninstall(table: TableRef): Promise<boolean> {
    await this.stateReady();
    return uninstallTrigger(this.ddl, table);
  }

  async upgrade(table: TableRef, to: CaptureMode): Promise<UpgradeResult> {
    await this.stateReady();
    checkTableName(table);
    return requestUpgrade(
      { ...this.ddl, mariadb: this.server.mariadb, strategy: this.strategy, ensureMigrated: () => this.migrate() },
      table,
      to,
    );
  }

  async listCaptured(): Promise<CapturedTableInfo[]> {
    await this.stateReady();
    return (await listCaptured(this.driver)).map((t) => ({
      table: t.table,
      qualifiedName: t.tableName,
      keyColumns: t.keyColumns,
      mode: t.mode === 'binlog' ? 'binlog' : 'trigger',
    }));
  }

  async schemaHistory(table: TableRef): Promise<SchemaVersionInfo[]> {
    await this.stateReady();
    const name = qualifiedName(table);
    // Not captured at all: say so without creating cdc's tables in a database that has none.
    if (!(await listCaptured(this.driver)).some((t) => t.tableName === name)) {
      throw new UserInputError(`table ${name} is not captured; run cdc install-triggers --table ${name} first`);
    }
    await this.migrate(); // a database captured before migration 003 gets its (empty) history table
    return (await schemaVersions(this.driver, name)) ?? [];
  }

  async setRetention(table: TableRef, retainSeconds: number | null): Promise<RetentionSetting | null> {
    await this.migrate();
    return setRetention(this.driver, qualifiedName(table), retainSeconds);
  }

  async openHistory(table: TableRef): Promise<ChangeHistory> {
    await this.migrate();
    return openMysqlHistory(this.driver, table);
  }

  /** The table's source in its stored mode, switching modes when `cdc upgrade` asks for it. */
  openSource(table: TableRef, ctx: { logger: Logger }): ChangeSource {
    const logger = ctx.logger;
    return new TriggerBinlogSwitchingSource({
      driver: this.driver,
      table,
      logger: logger.child({ source: 'mysql' }),
      strategy: this.strategy,
      pollMs: this.options.switchPollMs ?? 1000,
      ddlLockWaitSeconds: this.ddl.ddlLockWaitSeconds,
      ready: () => this.migrate(),
      trigger: () => new MysqlTriggerSource(this.driver, table, logger.child({ source: 'mysql-trigger' }), this.sourceOptions),
      binlog: () =>
        new BinlogTableSource(this.driver, this.binlogDemux(logger), table, logger.child({ source: 'mysql-binlog' }), {
          keepAliveMs: this.options.binlogKeepAliveMs ?? 5000,
          mariadb: this.server.mariadb,
        }),
    });
  }

  describeTable(table: TableRef): Promise<TableSpec> {
    return describeSpec(this.driver, table, this.server.mariadb);
  }

  async snapshotTarget(table: TableRef): Promise<SnapshotTarget> {
    await this.stateReady();
    const name = qualifiedName(table);
    if (!(await listCaptured(this.driver)).some((t) => t.tableName === name)) {
      throw new UserInputError(`table ${name} is not captured; run cdc install-triggers --table ${name} first`);
    }
    await this.migrate(); // a database captured before migration 004 gets cdc_snapshots
    return new MysqlSnapshotTarget(this.driver, table);
  }

  async status(): Promise<TableStatus[]> {
    await this.stateReady();
    const statuses = await captureStatuses(this.driver);
    if (statuses.length === 0) return statuses;
    if (this.driver.database !== this.conn.stateDatabase) {
      // Captured before cdc had a state database: status only reads, so it leaves the move (which
      // locks each captured table for a moment) to the next cdc run or install, and says so.
      const note = 'cdc state is still in the application database, where its users can write it: the next cdc run or install-triggers moves it (docs/security.md)';
      return withSnapshots(statuses.map((t) => ({ ...t, details: { ...t.details, stateLocation: note } })), await listProgress(this.driver).catch(() => []));
    }
    await this.migrate(); // cdc_snapshots (migration 004) in a database captured before it existed
    return withSnapshots(statuses, await listProgress(this.driver));
  }

  async close(): Promise<void> {
    this.demux?.close();
    await this.driver.end();
  }

  /**
   * One binlog stream for all binlog-mode tables of this source. Its replica server_id must be
   * unique among everything reading the server's binlog: the server disconnects an older dump
   * connection that announces the same id (MariaDB and MySQL both do).
   */
  private binlogDemux(logger: Logger): BinlogDemux {
    this.demux ??= new BinlogDemux(
      (events) => new BinlogReader(this.conn, this.conn.binlogServerId ?? randomInt(1_000_000_000, 2_147_483_647), events),
      logger.child({ component: 'mysql-binlog-stream' }),
      { highWater: this.options.binlogHighWater ?? 20_000, lowWater: Math.floor((this.options.binlogHighWater ?? 20_000) / 4) },
    );
    return this.demux;
  }
}
