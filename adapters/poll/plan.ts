import type { SourceConfig, TableEntry } from '../../src/config/schema.js';
import { sourceKind } from '../../src/core/database-url.js';
import { UserInputError } from '../../src/core/errors.js';
import { parseTableRef, qualifiedName } from '../../src/core/table-ref.js';
import type { RedisState } from '../redis/redis-state.js';
import type { PollRegistration } from './config.js';
import { PollCatalog } from './index.js';

export interface PollPlan {
  catalog: PollCatalog;
  /** Polled tables to stream, with their config entry and its index (for config error keys). */
  tables: { registration: PollRegistration; entry: TableEntry | null; index: number }[];
  /** Qualified names registered for polling: the trigger path skips them. */
  polled: Set<string>;
  /** Whether the source also has tables for the trigger (or log) adapter to stream. */
  needsTriggerSource: boolean;
}

/**
 * Which of a source's tables `cdc run` polls: those registered in the state store (all of them,
 * or those the config lists). Null when the source has none, so the caller wires it exactly as
 * before. A poll-only source never opens the trigger adapter, which would create its schema in
 * a database cdc may only read.
 */
export async function planPolling(src: SourceConfig, state: RedisState): Promise<PollPlan | null> {
  const kind = sourceKind(src.url);
  if (kind !== 'postgres' && kind !== 'mysql') return null;
  const catalog = await PollCatalog.open(src.url, state);
  try {
    const registrations = new Map((await catalog.registrations()).map((r) => [r.table, r]));
    if (registrations.size === 0) {
      await catalog.close();
      return null;
    }
    const polled = new Set(registrations.keys());
    if (!src.tables || src.tables.length === 0) {
      const tables = [...registrations.values()].map((registration, index) => ({ registration, entry: null, index }));
      return { catalog, tables, polled, needsTriggerSource: await catalog.dialect.hasTriggerCatalog() };
    }
    const tables: PollPlan['tables'] = [];
    let needsTriggerSource = false;
    src.tables.forEach((entry, index) => {
      const name = qualifiedName(parseTableRef(typeof entry === 'string' ? entry : entry.name, catalog.defaultSchema));
      const registration = registrations.get(name);
      if (registration) tables.push({ registration, entry, index });
      else needsTriggerSource = true;
    });
    return { catalog, tables, polled, needsTriggerSource };
  } catch (err) {
    await catalog.close();
    throw err instanceof Error && /unterminated|empty part/.test(err.message) ? new UserInputError(err.message) : err;
  }
}
