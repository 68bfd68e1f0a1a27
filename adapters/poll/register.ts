import { UserInputError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { qualifiedName, type TableRef } from '../../src/core/table-ref.js';
import type { RedisState, SourceKeys, TablePart } from '../redis/redis-state.js';
import { sameRegistration, type PollColumnKind, type PollRegistration } from './config.js';
import type { PollDialect } from './dialect.js';

export interface RegisterOptions {
  column: string;
  columnKind: PollColumnKind;
  createdColumn: string | null;
  keyColumns?: string[];
  safetyLagMs: number;
  reconcileEveryMs: number;
  chunkSize: number;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/**
 * `cdc install-poll`: validates against the source (read-only) and records the registration in
 * the state store. Nothing is created in the source. Idempotent; a registration with other
 * settings is refused rather than silently changed, because its checkpoint and known keys
 * describe the old column.
 */
export async function registerTable(
  dialect: PollDialect,
  state: RedisState,
  keys: SourceKeys,
  table: TableRef,
  o: RegisterOptions,
): Promise<{ changed: boolean; registration: PollRegistration }> {
  const name = qualifiedName(table);
  const { keyColumns } = await dialect.validate(table, o);
  const wanted = {
    table: name,
    schema: table.schema,
    name: table.name,
    column: o.column,
    columnKind: o.columnKind,
    createdColumn: o.createdColumn,
    keyColumns,
    safetyLagMs: o.safetyLagMs,
    reconcileEveryMs: o.reconcileEveryMs,
    chunkSize: o.chunkSize,
  };
  const existing = await state.redis.hget(keys.pollTables, name);
  if (existing !== null) {
    const current = parseRegistration(existing);
    if (sameRegistration(current, wanted)) return { changed: false, registration: current };
    throw new UserInputError(
      `table ${name} is already registered for polling with other settings (--column ${current.column} --column-kind ${current.columnKind}); run cdc uninstall-poll --table ${JSON.stringify(name)} first`,
    );
  }
  const polled = await dialect.openTable({ ...wanted, registeredAt: '' }, silent);
  const registration: PollRegistration = { ...wanted, registeredAt: await polled.registrationMark() };
  // HSETNX: of two concurrent installs exactly one records its registration.
  const created = await state.redis.hsetnx(keys.pollTables, name, JSON.stringify(registration));
  if (created === 0) return registerTable(dialect, state, keys, table, o);
  return { changed: true, registration };
}

const TABLE_STATE: TablePart[] = ['checkpoint', 'known', 'schema', 'reconcile', 'lease'];

/** `cdc uninstall-poll`: forgets the table's registration and state; keeps its sequence numbers. */
export async function unregisterTable(state: RedisState, keys: SourceKeys, table: TableRef): Promise<boolean> {
  const name = qualifiedName(table);
  const [[, removed]] = (await state.redis
    .multi()
    .hdel(keys.pollTables, name)
    .del(...TABLE_STATE.map((p) => keys.table(name, p)))
    .exec()) as [[unknown, number]];
  return Number(removed) === 1;
}

export async function listRegistrations(state: RedisState, keys: SourceKeys): Promise<PollRegistration[]> {
  const all = await state.redis.hgetall(keys.pollTables);
  return Object.values(all)
    .map(parseRegistration)
    .sort((a, b) => a.table.localeCompare(b.table));
}

/** Registrations recorded before version columns existed have no columnKind: they are timestamps. */
function parseRegistration(json: string): PollRegistration {
  return { columnKind: 'timestamp', ...(JSON.parse(json) as Partial<PollRegistration>) } as PollRegistration;
}
