import type { PgQueryable } from '../driver.js';
import { quoteIdent } from '../identifiers.js';

/** A key column and its declared type, for casting bound key values back (`$1::numeric(12,2)`). */
export interface KeyColumn {
  name: string;
  type: string;
}

/** Where a chunk's rows go: the table's trigger change log, or a message into its WAL stream. */
export type ChunkDestination = { kind: 'trigger'; logTable: string } | { kind: 'wal'; messagePrefix: string };

/**
 * The key of the chunk's last row: the `chunkSize`-th row after `after` in key order, or null when
 * fewer rows are left (the chunk then runs to the end of the table). Not locked: it only bounds
 * the range the emitting statement locks and reads, so a row moving meanwhile cannot open a gap.
 */
export async function chunkBoundary(
  q: PgQueryable,
  tableSql: string,
  keys: readonly KeyColumn[],
  after: readonly string[] | null,
  chunkSize: number,
): Promise<string[] | null> {
  const range = rangeSql(keys, after, null);
  const { rows } = await q.query<Record<string, string>>(
    `SELECT ${keys.map((k, i) => `t.${quoteIdent(k.name)}::text AS k${i}`).join(', ')}
       FROM ${tableSql} AS t ${range.where}
      ORDER BY ${orderBy(keys)} OFFSET ${chunkSize - 1} LIMIT 1`,
    range.params,
  );
  const row = rows[0];
  return row ? keys.map((_, i) => row[`k${i}`]!) : null;
}

/**
 * Emits every row in (after, upTo] as a SNAPSHOT image and returns how many. The rows are read
 * with FOR SHARE: a writer that changed a row before us has committed by the time we read it (we
 * wait for it and read its version), and one that changes it after us waits until our commit. So
 * the image lands in the table's stream after every change it reflects and before every change it
 * does not — the hand-over property (docs/snapshots.md). The image is the row's record text with
 * the column names beside it (types/record-image.ts), never to_jsonb/row_to_json: those apply
 * user-defined casts to json, which a table's owner can create, and a snapshot may run as a
 * superuser (docs/security.md).
 */
export async function emitChunk(
  q: PgQueryable,
  tableSql: string,
  keys: readonly KeyColumn[],
  after: readonly string[] | null,
  upTo: readonly string[] | null,
  destination: ChunkDestination,
): Promise<number> {
  const range = rangeSql(keys, after, upTo);
  const chunk = `chunk AS (SELECT t.* FROM ${tableSql} AS t ${range.where} ORDER BY ${orderBy(keys)} FOR SHARE OF t)`;
  const tableParam = `$${range.params.length + 1}`;
  // `t.*` lists the live columns in attribute order, as does this.
  const columns = `cols AS (SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum) AS names FROM pg_catalog.pg_attribute AS a
                             WHERE a.attrelid = ${tableParam}::regclass AND a.attnum > 0 AND NOT a.attisdropped)`;
  const image = 'pg_catalog.textin(pg_catalog.record_out(c))';
  if (destination.kind === 'trigger') {
    const { rows } = await q.query<{ n: number }>(
      `WITH ${chunk}, ${columns},
            logged AS (INSERT INTO cdc.${quoteIdent(destination.logTable)} (op, columns, after)
                       SELECT 'S', cols.names, pg_catalog.to_json(${image}) FROM chunk AS c, cols RETURNING 1)
       SELECT count(*)::int AS n FROM logged`,
      [...range.params, tableSql],
    );
    return Number(rows[0]?.n ?? 0);
  }
  // One transactional message per row, in key order: decoded at the commit of this transaction, in
  // commit order with the table's row changes (adapters/postgres/wal/assembler.ts). The message is
  // the JSON array [column names, record text].
  const prefixParam = `$${range.params.length + 2}`;
  const { rows } = await q.query<{ n: number }>(
    `WITH ${chunk}, ${columns}
     SELECT count(pg_logical_emit_message(true, ${prefixParam}, pg_catalog.json_build_array(cols.names, ${image})::text))::int AS n
       FROM chunk AS c, cols`,
    [...range.params, tableSql, destination.messagePrefix],
  );
  return Number(rows[0]?.n ?? 0);
}

function orderBy(keys: readonly KeyColumn[]): string {
  return keys.map((k) => `t.${quoteIdent(k.name)}`).join(', ');
}

/**
 * `WHERE (k…) > (after…) AND (k…) <= (upTo…)` with parameters: $1..$n the lower key, $n+1..$2n the
 * upper one. A row comparison, which PostgreSQL turns into one index range over the key (the OR
 * form MySQL needs would become a BitmapOr here).
 */
function rangeSql(keys: readonly KeyColumn[], after: readonly string[] | null, upTo: readonly string[] | null): { where: string; params: string[] } {
  const row = `(${keys.map((k) => `t.${quoteIdent(k.name)}`).join(', ')})`;
  const parts: string[] = [];
  const params: string[] = [];
  for (const [op, key] of [['>', after], ['<=', upTo]] as const) {
    if (!key) continue;
    const base = params.length;
    parts.push(`${row} ${op} (${keys.map((k, i) => `$${base + i + 1}::${k.type}`).join(', ')})`);
    params.push(...key);
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}
