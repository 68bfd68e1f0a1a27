import { keysetPredicate } from '../../../src/core/keyset.js';
import type { MysqlQueryable, SqlParam } from '../driver.js';
import type { ColumnInfo } from '../introspect.js';
import { quoteIdent } from '../identifiers.js';
import { triggerImageExpression } from '../trigger/image-expressions.js';
import { SNAPSHOT_ROWS_TABLE } from '../binlog/snapshot-rows.js';

/**
 * Key values travel as text: HEX for binary keys, the server's own text form otherwise, and are
 * cast back to the column's type when bound — a quoted number compared with a BIGINT column would
 * otherwise be compared as a double and lose digits.
 */
function keyText(c: ColumnInfo): string {
  const col = `t.${quoteIdent(c.name)}`;
  return c.kind === 'binary' ? `HEX(${col})` : `CAST(${col} AS CHAR)`;
}

function keyParam(c: ColumnInfo): string {
  switch (c.kind) {
    case 'binary':
      return 'UNHEX(?)';
    case 'int':
    case 'bigint':
    case 'bit':
      return /unsigned/i.test(c.columnType) ? 'CAST(? AS UNSIGNED)' : 'CAST(? AS SIGNED)';
    case 'decimal':
      return 'CAST(? AS DECIMAL(65,30))';
    case 'date':
      return 'CAST(? AS DATE)';
    case 'time':
      return 'CAST(? AS TIME(6))';
    case 'datetime':
    case 'timestamp':
      return 'CAST(? AS DATETIME(6))';
    default:
      return '?';
  }
}

/** `WHERE after(a) AND upTo(b)` with its positional parameters. */
function rangeSql(keys: readonly ColumnInfo[], after: readonly string[] | null, upTo: readonly string[] | null): { where: string; params: SqlParam[] } {
  const parts: string[] = [];
  const params: SqlParam[] = [];
  for (const [kind, key] of [['after', after], ['upTo', upTo]] as const) {
    if (!key) continue;
    const p = keysetPredicate(kind, keys.length, (i) => `t.${quoteIdent(keys[i]!.name)}`, (i) => keyParam(keys[i]!));
    parts.push(p.sql);
    params.push(...p.order.map((i) => key[i]!));
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

const orderBy = (keys: readonly ColumnInfo[]) => keys.map((k) => `t.${quoteIdent(k.name)}`).join(', ');

/**
 * The key of the chunk's last row, or null when fewer than `chunkSize` rows are left. A plain
 * (non-locking) read outside the chunk's transaction: it only bounds the range that is then locked.
 */
export async function chunkBoundary(
  q: MysqlQueryable,
  tableSql: string,
  keys: readonly ColumnInfo[],
  after: readonly string[] | null,
  chunkSize: number,
): Promise<string[] | null> {
  const range = rangeSql(keys, after, null);
  const [row] = await q.rows<Record<string, string>>(
    `SELECT ${keys.map((k, i) => `${keyText(k)} AS k${i}`).join(', ')} FROM ${tableSql} AS t ${range.where}
      ORDER BY ${orderBy(keys)} LIMIT 1 OFFSET ${chunkSize - 1}`,
    range.params,
  );
  return row ? keys.map((_, i) => String(row[`k${i}`])) : null;
}

/**
 * Where a chunk's rows go: the table's trigger change log, or — binlog capture — cdc_snapshot_rows,
 * whose row events the binlog stream turns into the table's SNAPSHOT changes (binlog/snapshot-rows.ts).
 */
export type ChunkDestination = { kind: 'trigger'; logSql: string } | { kind: 'binlog'; tableName: string };

/**
 * Copies every row in (after, upTo] into the table's stream as a SNAPSHOT image, in key order, with
 * the trigger's own image expressions. LOCK IN SHARE MODE makes it a locking read of the latest
 * committed versions (never a stale read view): a writer that changed a row first has committed —
 * with a smaller log id, earlier in the binlog — before we read it; one that changes it later waits
 * for our commit and comes after it. Returns the number of rows copied.
 */
export async function emitChunk(
  q: MysqlQueryable,
  tableSql: string,
  columns: readonly ColumnInfo[],
  keys: readonly ColumnInfo[],
  after: readonly string[] | null,
  upTo: readonly string[] | null,
  destination: ChunkDestination,
): Promise<number> {
  const range = rangeSql(keys, after, upTo);
  const select = `FROM ${tableSql} AS t ${range.where} ORDER BY ${orderBy(keys)} LOCK IN SHARE MODE`;
  // As the trigger writes it: a row too large for JSON_OBJECT is copied by key only, and its change
  // follows the oversize policy, instead of failing the chunk on every retry.
  const image = triggerImageExpression(columns, 't', keys.map((k) => k.name));
  if (destination.kind === 'trigger') {
    const { affectedRows } = await q.exec(
      `INSERT INTO ${destination.logSql} (op, trx_id, changed_at, before_image, after_image)
       SELECT 'S', NULL, UTC_TIMESTAMP(6), NULL, ${image} ${select}`,
      range.params,
    );
    return affectedRows;
  }
  // The rows enter the binlog inside this transaction, at its commit; deleting them again before
  // the commit keeps the table empty (the binlog still has the inserts, which is all we need).
  const { affectedRows } = await q.exec(
    `INSERT INTO ${SNAPSHOT_ROWS_TABLE} (table_name, image) SELECT ?, ${image} ${select}`,
    [destination.tableName, ...range.params],
  );
  await withMinimalRowImage(q, () => q.exec(`DELETE FROM ${SNAPSHOT_ROWS_TABLE} WHERE table_name = ?`, [destination.tableName]));
  return affectedRows;
}

/**
 * Runs `fn` with binlog_row_image=MINIMAL for this session, so the DELETE of the snapshot rows logs
 * their primary key only instead of every image a second time (FULL, the default, would double the
 * snapshot's binlog volume). MySQL 8 lets only users with SESSION_VARIABLES_ADMIN (or SUPER) set it;
 * when the server refuses, the DELETE runs under the server's setting — correct, just larger.
 */
async function withMinimalRowImage<T>(q: MysqlQueryable, fn: () => Promise<T>): Promise<T> {
  let set = false;
  try {
    await q.exec("SET SESSION binlog_row_image = 'MINIMAL'");
    set = true;
  } catch (err) {
    // A refusal by the server leaves the transaction open; a lost connection is another matter.
    if (!isServerRefusal(err)) throw err;
  }
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    // The connection goes back to the pool: reset, but never hide the error that matters.
    if (set) await q.exec('SET SESSION binlog_row_image = DEFAULT').catch(() => undefined);
    throw err;
  }
  if (set) await q.exec('SET SESSION binlog_row_image = DEFAULT');
  return result;
}

/** An error statement the server answered (it carries an SQLSTATE), not a broken connection. */
const isServerRefusal = (err: unknown): boolean => {
  const e = err as { sqlState?: unknown; fatal?: unknown } | null;
  return typeof e?.sqlState === 'string' && e.fatal !== true;
};
