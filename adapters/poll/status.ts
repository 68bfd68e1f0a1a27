import type { TableStatus } from '../../src/core/change-source.js';
import type { Logger } from '../../src/core/logger.js';
import type { RedisState, SourceKeys } from '../redis/redis-state.js';
import type { PollRegistration } from './config.js';
import type { PollDialect } from './dialect.js';
import { changePosition, type PollCheckpoint } from './position.js';

/** Rows counted past the watermark at most: status must stay cheap on a large backlog. */
const BACKLOG_CAP = 100_000;

/**
 * `cdc status` for one polled table: backlog = rows past the watermark (capped), lag = age of the
 * oldest of them by the database clock, and the facts that explain a lag: the oldest open
 * transaction holding the watermark back, the last reconciliation cycle. A version column carries
 * no time, so its lag is not measured (reported as 0 with `lag_measured: false`): see the backlog.
 */
export async function pollStatus(dialect: PollDialect, state: RedisState, keys: SourceKeys, reg: PollRegistration, logger: Logger): Promise<TableStatus> {
  const polled = await dialect.openTable(reg, logger);
  const checkpoint = await state.getJson<PollCheckpoint>(keys.table(reg.table, 'checkpoint'));
  const [backlog, now, bound, reconcile] = await Promise.all([
    polled.backlog(checkpoint, BACKLOG_CAP),
    polled.clockIso(),
    polled.safeUpper(reg.safetyLagMs),
    state.redis.hgetall(keys.table(reg.table, 'reconcile')),
  ]);
  const lagSeconds = backlog.oldest === null ? 0 : Math.max(0, (Date.parse(now) - Date.parse(backlog.oldest)) / 1000);
  return {
    table: reg.table,
    mode: 'poll',
    backlog: backlog.rows,
    checkpoint: checkpoint ? changePosition(checkpoint.stamp, checkpoint.key) : null,
    lagSeconds,
    details: {
      column: reg.column,
      column_kind: reg.columnKind,
      ...(reg.columnKind === 'version' ? { lag_measured: false } : {}),
      watermark_time: checkpoint?.event_time ?? null,
      safety_lag_ms: reg.safetyLagMs,
      ...(bound.heldBy ? { held_back_by_transaction_started: bound.heldBy } : {}),
      ...(reconcile.completed_at ? { last_reconcile: reconcile.completed_at, last_reconcile_deletes: Number(reconcile.deletes) } : {}),
    },
  };
}
