import { TransientError } from '../../../src/core/errors.js';
import type { PgDriver, PgQueryable } from '../driver.js';
import { asTransient, pgErrorCode } from '../errors.js';
import { quoteIdent, quoteTable, triggerFunctionName } from '../identifiers.js';
import { sqlTemplate } from '../sql-files.js';
import type { CapturedTableRow } from '../state-store.js';
import { LOCK_TIMEOUT } from '../trigger/install.js';
import { formatBoundary } from '../wal/boundary.js';
import { parseLsn } from '../wal/lsn.js';
import { coveredBy, parseSnapshot } from '../wal/snapshot.js';
import { lockSwitchState, markTriggerMode, markWalMode } from './state.js';
import { renderSql } from '../../../src/core/sql-template.js';

/**
 * The run-side steps that complete a switch, each ONE transaction, so a SIGKILL leaves the table
 * either wholly before or wholly after its switch.
 */

/**
 * The snapshot the trigger source ends at: taken now (after every earlier read round) and covering
 * the slot's exported snapshot S, retried for the microseconds in which a transaction counts as
 * committed for logical decoding but not yet for a fresh snapshot (see snapshot.ts). Plus an LSN
 * read afterwards: every transaction the snapshot shows committed has its commit record before it.
 */
export async function takeFinalSnapshot(q: PgQueryable, exported: string): Promise<{ snapshot: string; before: bigint }> {
  const s = parseSnapshot(exported);
  for (let attempt = 0; attempt < 500; attempt++) {
    const { rows } = await q.query<{ f: string }>('SELECT pg_current_snapshot()::text AS f');
    const f = rows[0]!.f;
    if (coveredBy(s, parseSnapshot(f))) {
      const lsn = await q.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l');
      return { snapshot: f, before: parseLsn(lsn.rows[0]!.l) };
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new TransientError('no current snapshot covers the replication slot\'s exported snapshot yet; retrying');
}

/**
 * trigger → wal, after the trigger source emitted (and the sink acknowledged) every log row visible
 * in `final`: remove triggers, function and log — the rows left are transactions the slot streams —
 * and record where the WAL source starts and what it must skip.
 */
export async function commitToWal(
  driver: PgDriver,
  info: CapturedTableRow,
  final: { snapshot: string; before: bigint },
  start: bigint,
): Promise<'switched' | 'cancelled'> {
  const name = info.tableName;
  try {
    return await driver.transaction(async (q) => {
      await q.query(`SELECT set_config('lock_timeout', $1, true)`, [LOCK_TIMEOUT]);
      const state = await lockSwitchState(q, name);
      if (state?.mode === 'wal' && state.pendingMode === null) return 'switched'; // by an earlier attempt whose reply was lost
      if (!state || state.mode !== 'trigger' || state.pendingMode !== 'wal') return 'cancelled'; // `cdc upgrade --to trigger` withdrew it
      const log = `cdc.${quoteIdent(info.logTable)}`;
      const { rows } = await q.query<{ left: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${log} WHERE pg_visible_in_snapshot(txid, $1::pg_snapshot)) AS left`,
        [final.snapshot],
      );
      // Cannot happen while acks delete exactly what was emitted; if it did, dropping would lose changes.
      if (rows[0]?.left) throw new Error(`change log of ${name} still holds rows inside the switch boundary; refusing to drop it`);
      await q.exec(renderSql(sqlTemplate('uninstall-triggers.sql'), { table: quoteTable(info) }));
      await q.exec(renderSql(sqlTemplate('uninstall-table.sql'), { log_table: quoteIdent(info.logTable), function: quoteIdent(triggerFunctionName(info)) }));
      await markWalMode(q, name, formatBoundary(start, final.snapshot, final.before), start);
      return 'switched' as const;
    });
  } catch (err) {
    if (pgErrorCode(err) === '55P03') throw new TransientError(`could not lock ${name} within ${LOCK_TIMEOUT} to remove its triggers; retrying`, { cause: err });
    throw asTransient(err, `cannot switch ${name} to WAL capture`);
  }
}

/** wal → trigger, after the WAL source delivered (and the sink acknowledged) everything before the marker. */
export async function commitToTrigger(driver: PgDriver, name: string): Promise<void> {
  await driver.transaction(async (q) => {
    const state = await lockSwitchState(q, name);
    if (state?.mode === 'trigger' && state.pendingMode === null) return; // committed by an earlier attempt whose reply was lost
    if (!state || state.mode !== 'wal' || state.pendingMode !== 'trigger') throw new TransientError(`the switch request of ${name} changed; re-reading it`);
    await markTriggerMode(q, name);
  });
}
