import type { ChangeSource, TableStatus } from '../../src/core/change-source.js';
import type { SequenceStore } from '../../src/core/sequence-store.js';
import { sourceKind } from '../../src/core/database-url.js';
import { UserInputError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import type { TableRef } from '../../src/core/table-ref.js';
import type { TableSpec } from '../../src/core/table-spec.js';
import { redactUrl } from '../../src/logging.js';
import type { RedisState, SourceKeys } from '../redis/redis-state.js';
import type { PollRegistration } from './config.js';
import type { PollDialect } from './dialect.js';
import { listRegistrations, registerTable, unregisterTable, type RegisterOptions } from './register.js';
import { PollSource } from './source.js';
import { pollStatus } from './status.js';

export type { PollRegistration } from './config.js';

/**
 * Polling capture of one source (docs/polling.md): the read-only connection to the source plus
 * its namespace in the state store. Used by `cdc install-poll`, `cdc run` and `cdc status`.
 */
export class PollCatalog {
  readonly keys: SourceKeys;
  readonly sequences: SequenceStore;

  private constructor(
    readonly dialect: PollDialect,
    readonly state: RedisState,
  ) {
    this.keys = state.source(dialect.location);
    this.sequences = state.sequences(this.keys);
  }

  /** Connects to the source (read-only); `state` stays owned by the caller. */
  static async open(url: string, state: RedisState): Promise<PollCatalog> {
    return new PollCatalog(await openPollDialect(url), state);
  }

  get defaultSchema(): string {
    return this.dialect.defaultSchema;
  }

  get databaseName(): string {
    return this.dialect.databaseName;
  }

  register(table: TableRef, options: RegisterOptions) {
    return registerTable(this.dialect, this.state, this.keys, table, options);
  }

  unregister(table: TableRef): Promise<boolean> {
    return unregisterTable(this.state, this.keys, table);
  }

  registrations(): Promise<PollRegistration[]> {
    return listRegistrations(this.state, this.keys);
  }

  describeTable(table: TableRef): Promise<TableSpec> {
    return this.dialect.describeTable(table);
  }

  openSource(registration: PollRegistration, logger: Logger): ChangeSource {
    return new PollSource({ state: this.state, keys: this.keys, dialect: this.dialect, registration, logger });
  }

  async status(logger: Logger): Promise<TableStatus[]> {
    const out: TableStatus[] = [];
    for (const reg of await this.registrations()) out.push(await pollStatus(this.dialect, this.state, this.keys, reg, logger));
    return out;
  }

  close(): Promise<void> {
    return this.dialect.close();
  }
}

/** Lazily loads the dialect of a source URL (a PostgreSQL user never loads mysql2). */
async function openPollDialect(url: string): Promise<PollDialect> {
  switch (sourceKind(url)) {
    case 'postgres':
      return (await import('./postgres.js')).openPostgresPoll(url);
    case 'mysql':
      return (await import('./mysql.js')).openMysqlPoll(url);
    default:
      throw new UserInputError(`polling supports postgres:// and mysql:// (mariadb://) sources, not ${JSON.stringify(redactUrl(url))}`);
  }
}
