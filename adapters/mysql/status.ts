import type { TableStatus } from '../../src/core/change-source.js';
import type { MysqlDriver } from './driver.js';
import { cdcObjectNames, quoteIdent } from './identifiers.js';
import { columnsSignature, describeTable } from './introspect.js';
import { getCheckpoint, listCaptured, type CapturedTable } from './state-store.js';
import { oldestWriteTransaction } from './trigger/long-transactions.js';
import { tableExists } from './trigger/install.js';
import { binlogTableStatus, readBinlogServerState, type BinlogServerState } from './binlog/status.js';
import { listSwitches } from './upgrade/switch-store.js';

/**
 * `cdc status` for every captured table, in its mode (binlog/status.ts for binlog tables), with a
 * pending `cdc upgrade` switch in `details.switch`. Backlog is an exact COUNT(*) of the log, which holds only
 * undelivered rows (a scan of the log; fine for a status command). Lag is the age of the lowest-id row, the
 * oldest committed change not yet delivered. TRUNCATE of a captured table cannot be seen here
 * (docs/mysql-trigger.md): it fires no trigger and leaves no trace in the log.
 */
export async function captureStatuses(driver: MysqlDriver): Promise<TableStatus[]> {
  const captured = await listCaptured(driver);
  if (captured.length === 0) return [];
  const oldest = await oldestWriteTransaction(driver);
  const switches = await listSwitches(driver);
  let server: BinlogServerState | null = null;
  const out: TableStatus[] = [];
  for (const t of captured) {
    let status: TableStatus;
    if (t.mode === 'binlog') {
      server ??= await readBinlogServerState(driver);
      status = await binlogTableStatus(driver, t, server);
    } else {
      status = await tableStatus(driver, t, oldest);
    }
    const pending = switches.get(t.tableName);
    if (pending) status.details = { ...status.details, switch: { to: pending.target, phase: pending.phase, requestedAt: pending.requestedAt } };
    out.push(status);
  }
  return out;
}

async function tableStatus(
  driver: MysqlDriver,
  t: CapturedTable,
  oldest: Awaited<ReturnType<typeof oldestWriteTransaction>>,
): Promise<TableStatus> {
  const logRef = `${quoteIdent(driver.database)}.${quoteIdent(t.logTable)}`;
  const logExists = await tableExists(driver, driver.database, t.logTable);
  let backlog = 0;
  let lagSeconds = 0;
  if (logExists) {
    const [count] = await driver.rows<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${logRef}`);
    backlog = Number(count?.n ?? 0);
    const [first] = await driver.rows<{ lag_us: string | number | null }>(
      `SELECT TIMESTAMPDIFF(MICROSECOND, changed_at, UTC_TIMESTAMP(6)) AS lag_us FROM ${logRef} ORDER BY id LIMIT 1`,
    );
    if (first?.lag_us !== undefined && first.lag_us !== null) lagSeconds = Math.max(0, Number(first.lag_us) / 1e6);
  }
  const checkpoint = await getCheckpoint(driver, t.tableName);
  const triggers = Object.values(cdcObjectNames(t.table).triggers);
  const [present] = await driver.rows<{ n: string | number }>(
    `SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME IN (?, ?, ?)`,
    [t.table.schema, ...triggers],
  );
  const info = await describeTable(driver, t.table);
  const problems: string[] = [];
  if (!info) problems.push('the captured table no longer exists');
  else if (columnsSignature(info.columns) !== t.columnsSignature) {
    problems.push('columns changed since install: re-run install-triggers (a dropped column makes writes to the table fail)');
  }
  if (!logExists) problems.push('change-log table is missing: re-run install-triggers');
  if (Number(present?.n ?? 0) !== 3) problems.push(`${present?.n ?? 0} of 3 triggers installed: re-run install-triggers`);
  return {
    table: t.tableName,
    mode: 'trigger',
    backlog,
    checkpoint: checkpoint?.position ?? null,
    lagSeconds,
    details: {
      logTable: t.logTable,
      generation: t.generation,
      schemaVersion: t.schemaVersion,
      keyColumns: t.keyColumns,
      // False means changes are not being captured (a trigger was dropped), as on PostgreSQL.
      triggersActive: Number(present?.n ?? 0) === 3,
      oldestOpenWriteTransaction: oldest ? { trxId: oldest.trxId, threadId: oldest.threadId, ageSeconds: oldest.ageSeconds } : null,
      ...(problems.length > 0 ? { problems } : {}),
    },
  };
}
