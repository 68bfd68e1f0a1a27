import type { MongoClient } from 'mongodb';
import type { ChangeSource, TableStatus } from '../../src/core/change-source.js';
import type { Logger } from '../../src/core/logger.js';
import type { CapturedTableInfo, InstallOptions, InstallResult, SourceDatabase } from '../../src/core/source-database.js';
import type { TableRef } from '../../src/core/table-ref.js';
import type { MongoServerInfo } from './connect.js';
import { checkInstallable, installCollection, KEY_COLUMNS, uninstallCollection, type InstallContext } from './install.js';
import { MongoSequenceStore } from './sequence-store.js';
import { OplogSource, type OplogSourceOptions } from './source.js';
import { listRegistrations } from './state-store.js';
import { collectionStatuses } from './status.js';

/**
 * One MongoDB deployment in oplog mode (change streams), seen through the URL's database: that
 * database is the default for unqualified collections, the default source_id, and where cdc keeps
 * its registrations, checkpoints and sequence reservations. Collections of other databases may be
 * captured as `otherdb.collection`.
 */
export class MongoSourceDatabase implements SourceDatabase {
  readonly dialect = 'mongodb' as const;
  readonly defaultSchema: string;
  readonly sequences: MongoSequenceStore;
  private readonly ctx: InstallContext;

  constructor(
    private readonly client: MongoClient,
    readonly databaseName: string,
    private readonly server: MongoServerInfo,
    private readonly sourceOptions: OplogSourceOptions,
  ) {
    this.defaultSchema = databaseName;
    this.sequences = new MongoSequenceStore(client.db(databaseName));
    this.ctx = { client, stateDb: databaseName };
  }

  /** Nothing to migrate: cdc_captured and cdc_checkpoints are created by their first write. */
  async migrate(): Promise<void> {}

  checkInstall(table: TableRef, options: InstallOptions): Promise<void> {
    return checkInstallable(this.ctx, table, options);
  }

  install(table: TableRef, options: InstallOptions): Promise<InstallResult> {
    return installCollection(this.ctx, table, options);
  }

  uninstall(table: TableRef): Promise<boolean> {
    return uninstallCollection(this.ctx, table);
  }

  async listCaptured(): Promise<CapturedTableInfo[]> {
    return (await listRegistrations(this.client.db(this.databaseName))).map((r) => ({
      table: r.table,
      qualifiedName: r.tableName,
      keyColumns: KEY_COLUMNS,
      mode: 'oplog' as const,
    }));
  }

  openSource(table: TableRef, ctx: { logger: Logger }): ChangeSource {
    return new OplogSource(table, {
      client: this.client,
      stateDb: this.databaseName,
      server: this.server,
      logger: ctx.logger.child({ source: 'mongodb-oplog' }),
      options: this.sourceOptions,
    });
  }

  status(): Promise<TableStatus[]> {
    return collectionStatuses(this.client, this.databaseName, this.server);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
