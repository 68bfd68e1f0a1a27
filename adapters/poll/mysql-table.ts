import type { Logger } from '../../src/core/logger.js';
import type { TableRef } from '../../src/core/table-ref.js';
import type { MysqlDriver, SqlParam } from '../mysql/driver.js';
import { quoteIdent, quoteTable, sqlString } from '../mysql/identifiers.js';
import { columnsSignature, describeTable, type ColumnInfo } from '../mysql/introspect.js';
import { canonicalSelectList, decodeSelected, decodeSelectedRow } from '../mysql/types/select-decoder.js';
import type { Backlog, ChunkDigest, PageMarks, PolledRow, PolledTable, SafeUpper, Watermark } from './dialect.js';
import { isoMicros } from './dialect.js';
import type { InnodbTrxView } from './mysql-trx-view.js';
import { isoFromMicros, VersionBound } from './version-bound.js';
import { ValueLimitError } from '../../src/core/errors.js';
import type { Row } from '../../src/core/change-event.js';

export interface MysqlPollShape {
  /** A version column (inclusive settled bound) rather than a timestamp (exclusive clock bound). */
  version: boolean;
  column: string;
  createdColumn: string | null;
  keyColumns: readonly string[];
  /** DATETIME stamps: the zone their local times are in (@@GLOBAL.time_zone); null for TIMESTAMP. */
  zone: string | null;
}

const FORMAT = `'%Y-%m-%d %H:%i:%s.%f'`;

/** A bound value and its placeholder; casts keep comparisons exact (a quoted DECIMAL compares as a double). */
function bind(col: ColumnInfo | undefined, v: unknown): { sql: string; value: SqlParam } {
  const kind = col?.kind;
  if ((kind === 'int' || kind === 'bigint') && (typeof v === 'number' || typeof v === 'string')) return { sql: '?', value: BigInt(v) };
  if (kind === 'decimal') return { sql: 'CAST(? AS DECIMAL(65,30))', value: String(v) };
  if ((kind === 'datetime' || kind === 'timestamp') && typeof v === 'string') return { sql: '?', value: v.replace('T', ' ').replace(/Z$/, '') };
  return { sql: '?', value: typeof v === 'string' ? v : typeof v === 'number' ? v : JSON.stringify(v) };
}

/**
 * The queries of one polled MySQL/MariaDB table. Keyset predicates are written out as
 * `a > ? OR (a = ? AND b > ?)`, which both servers turn into an index range (MariaDB does not for
 * row-constructor comparisons on every version).
 */
export class MysqlPolledTable implements PolledTable {
  private columns: ColumnInfo[] = [];
  private byName = new Map<string, ColumnInfo>();
  private readonly from: string;
  private readonly stamp: string;
  private readonly keys: string[];
  /**
   * trx_started has whole seconds and an InnoDB transaction begins at its first row access, so a
   * version taken by the writing statement can precede it slightly: 1 s of slack. The view of open
   * transactions is only used when current (mysql-trx-view.ts), so it needs no age on top.
   */
  private readonly versionBound = new VersionBound({ startSlackUs: 1_000_000n, minAgeUs: 0n });
  /** The last bound of a timestamp column: kept while no current view of open transactions is had. */
  private lastUpper: SafeUpper = { upper: null, heldBy: null };

  constructor(
    private readonly driver: MysqlDriver,
    private readonly table: TableRef,
    private readonly logger: Logger,
    private readonly shape: MysqlPollShape,
    /** Open transactions of the server, shared by the tables of one source. */
    private readonly trx: InnodbTrxView,
  ) {
    this.from = quoteTable(table);
    this.stamp = quoteIdent(shape.column);
    this.keys = shape.keyColumns.map(quoteIdent);
  }

  get keyColumns(): readonly string[] {
    return this.shape.keyColumns;
  }

  async refresh(): Promise<string> {
    const info = await describeTable(this.driver, this.table);
    if (!info) throw new Error(`table ${this.table.schema}.${this.table.name} no longer exists`);
    this.columns = info.columns;
    this.byName = new Map(info.columns.map((c) => [c.name, c]));
    return columnsSignature(info.columns);
  }

  private toUtc(expr: string): string {
    return this.shape.zone === null ? expr : `CONVERT_TZ(${expr}, ${sqlString(this.shape.zone)}, '+00:00')`;
  }

  private fromUtc(expr: string): string {
    return this.shape.zone === null ? expr : `CONVERT_TZ(${expr}, '+00:00', ${sqlString(this.shape.zone)})`;
  }

  /** `(c1, c2…) op (v1, v2…)` for op > or <=, written out. */
  private compare(cols: readonly string[], names: readonly string[], values: readonly unknown[], op: '>' | '<=', out: SqlParam[]): string {
    const strict = op === '>' ? '>' : '<';
    const parts = (i: number): string => {
      const b = bind(this.byName.get(names[i]!), values[i]);
      if (i === cols.length - 1) {
        out.push(b.value);
        return `${cols[i]} ${op} ${b.sql}`;
      }
      out.push(b.value, b.value);
      const rest = parts(i + 1);
      return `(${cols[i]} ${strict} ${b.sql} OR (${cols[i]} = ${b.sql} AND ${rest}))`;
    };
    // Parameters appear in text order: push as the text is built (the recursion above does).
    return parts(0);
  }

  async safeUpper(lagMs: number): Promise<SafeUpper> {
    if (this.shape.version) {
      const candidate = await this.probeVersions();
      // Read after the candidate's clock: a reading older than the candidate settles only older ones.
      const seen = await this.trx.read(this.logger);
      return this.versionBound.next({ ...candidate, oldestOpen: seen?.oldestOpen ?? null, seenAt: seen?.at ?? null }, lagMs);
    }
    return this.clockUpper(lagMs);
  }

  /**
   * upper = min(clock − lag, oldest open start − 1 s), both from one current reading of the open
   * transactions (its NOW(6) precedes the moment the view was filled). trx_started has whole
   * seconds, hence the second of margin. Without a current reading the last bound stands.
   */
  private async clockUpper(lagMs: number): Promise<SafeUpper> {
    const seen = await this.trx.read(this.logger);
    if (!seen) return this.lastUpper;
    const lagged = seen.at - BigInt(Math.round(lagMs * 1000));
    const held = seen.oldestOpen === null ? null : seen.oldestOpen - 1_000_000n;
    const upperUs = held !== null && held < lagged ? held : lagged;
    const [r] = await this.driver.rows<{ upper: string }>(
      `SELECT DATE_FORMAT(${this.fromUtc('FROM_UNIXTIME(?) + INTERVAL ? MICROSECOND')}, ${FORMAT}) AS upper`,
      [upperUs / 1_000_000n, upperUs % 1_000_000n],
    );
    this.lastUpper = { upper: r!.upper, heldBy: held !== null && held < lagged ? isoFromMicros(held) : null };
    return this.lastUpper;
  }

  /**
   * The candidate: MAX() in one statement, NOW(6) in a second one (NOW(6) is its statement's start,
   * so the clock must come from a statement that begins after the one whose read view MAX() saw;
   * version-bound.ts relies on that order).
   */
  private async probeVersions(): Promise<{ highest: string | null; at: bigint }> {
    const [h] = await this.driver.rows<{ highest: string | number | null }>(`SELECT CAST(MAX(${this.stamp}) AS CHAR) AS highest FROM ${this.from}`);
    const [r] = await this.driver.rows<{ at: string | number }>(`SELECT CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED) AS at`);
    return { highest: h?.highest == null ? null : String(h.highest), at: BigInt(r!.at) };
  }

  async registrationMark(): Promise<string | null> {
    const expr = this.shape.version ? `(SELECT CAST(MAX(${this.stamp}) AS CHAR) FROM ${this.from})` : `DATE_FORMAT(${this.fromUtc('NOW(6)')}, ${FORMAT})`;
    const [r] = await this.driver.rows<{ mark: string | number | null }>(`SELECT ${expr} AS mark`);
    return r?.mark == null ? null : String(r.mark);
  }

  async clockIso(): Promise<string> {
    const [r] = await this.driver.rows<{ now: string }>(`SELECT DATE_FORMAT(NOW(6), ${FORMAT}) AS now`);
    return isoMicros(r!.now);
  }

  async readPage(after: Watermark | null, upper: string, marks: PageMarks, limit: number): Promise<PolledRow[]> {
    const params: SqlParam[] = [];
    const { version, createdColumn } = this.shape;
    const stampColumn = this.byName.get(this.shape.column);
    /** `expr op value`, the value bound with the stamp column's type (exact DECIMAL and BIGINT). */
    const compare = (expr: string, op: string, value: string): string => {
      const b = bind(stampColumn, value);
      params.push(b.value);
      return `(${expr} ${op} ${b.sql})`;
    };
    // A timestamp bound is exclusive (the clock may still stamp it); a settled version is inclusive.
    const below = version ? '<=' : '<';
    // A version carries no time: the clock at the read (SYSDATE, not the statement's start), never before the commit.
    const eventTime = version ? 'SYSDATE(6)' : this.toUtc(this.stamp);
    const select = [
      canonicalSelectList(this.columns),
      `${this.stamp} AS __cdc_stamp`,
      `DATE_FORMAT(${eventTime}, ${FORMAT}) AS __cdc_event_time`,
      `${marks.registeredAt === null ? 'FALSE' : compare(this.stamp, below, marks.registeredAt)} AS __cdc_before_reg`,
      `${createdColumn === null || marks.reference === null ? 'NULL' : compare(quoteIdent(createdColumn), '>', marks.reference)} AS __cdc_created_after`,
    ].join(', ');
    let where = compare(this.stamp, below, upper);
    if (after) {
      const names = [this.shape.column, ...this.shape.keyColumns];
      where += ` AND ${this.compare([this.stamp, ...this.keys], names, [after.stamp, ...after.key], '>', params)}`;
    }
    params.push(limit);
    const rows = await this.driver.rows<Record<string, any>>(
      `SELECT ${select} FROM ${this.from} AS src WHERE ${where} ORDER BY ${[this.stamp, ...this.keys].map((c) => `src.${c}`).join(', ')} LIMIT ?`,
      params,
    );
    return rows.map((r) => {
      let row: Row;
      let failure: string | undefined;
      try {
        row = decodeSelectedRow(r, this.columns);
      } catch (err) {
        // One row beyond the decoders' limits fails alone (with its key); the rows behind it still come.
        if (!(err instanceof ValueLimitError)) throw err;
        failure = err.message;
        row = decodeSelectedRow(r, this.columns, this.shape.keyColumns);
      }
      return {
        ...(failure !== undefined ? { failure } : {}),
        after: row,
        key: this.shape.keyColumns.map((k) => row[k] ?? null),
        stamp: String(r.__cdc_stamp),
        eventTime: isoMicros(String(r.__cdc_event_time)),
        beforeRegistration: Number(r.__cdc_before_reg) === 1,
        createdAfter: r.__cdc_created_after === null ? null : Number(r.__cdc_created_after) === 1,
      };
    });
  }

  private keyList(): string {
    return this.keys.map((k, i) => `${k} AS __cdc_k${i}`).join(', ');
  }

  private decodeKey(r: Record<string, unknown>): unknown[] {
    return this.shape.keyColumns.map((k, i) => decodeSelected(this.byName.get(k)!, r[`__cdc_k${i}`]));
  }

  async chunk(after: readonly unknown[] | null, size: number): Promise<ChunkDigest | null> {
    const params: SqlParam[] = [];
    const where = after ? `WHERE ${this.compare(this.keys, this.shape.keyColumns, after, '>', params)}` : '';
    params.push(size);
    const text = `CONCAT_WS(CHAR(31 USING utf8mb4), ${this.keys.map((k) => `CAST(${k} AS CHAR)`).join(', ')})`;
    const desc = this.keys.map((k) => `${k} DESC`).join(', ');
    const [r] = await this.driver.rows<Record<string, unknown>>(
      `WITH c AS (SELECT ${this.keys.join(', ')} FROM ${this.from} ${where} ORDER BY ${this.keys.join(', ')} LIMIT ?)
       SELECT s.n, s.h, l.* FROM
         (SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(${text}), 1, 15), 16, 10) AS UNSIGNED)), 0) AS CHAR) AS h FROM c) s
         CROSS JOIN (SELECT ${this.keyList()} FROM c ORDER BY ${desc} LIMIT 1) l`,
      params,
    );
    return r ? { count: Number(r.n), sum: String(r.h), last: this.decodeKey(r) } : null;
  }

  async keysIn(after: readonly unknown[] | null, upTo: readonly unknown[]): Promise<unknown[][]> {
    const params: SqlParam[] = [];
    let where = this.compare(this.keys, this.shape.keyColumns, upTo, '<=', params);
    if (after) where += ` AND ${this.compare(this.keys, this.shape.keyColumns, after, '>', params)}`;
    const rows = await this.driver.rows<Record<string, unknown>>(
      `SELECT ${this.keyList()} FROM ${this.from} WHERE ${where} ORDER BY ${this.keys.join(', ')}`,
      params,
    );
    return rows.map((r) => this.decodeKey(r));
  }

  async present(keys: readonly (readonly unknown[])[]): Promise<unknown[][]> {
    if (keys.length === 0) return [];
    const params: SqlParam[] = [];
    const tuples = keys.map(
      (k) =>
        `(${k
          .map((v, i) => {
            const b = bind(this.byName.get(this.shape.keyColumns[i]!), v);
            params.push(b.value);
            return b.sql;
          })
          .join(', ')})`,
    );
    const rows = await this.driver.rows<Record<string, unknown>>(
      `SELECT ${this.keyList()} FROM ${this.from} WHERE (${this.keys.join(', ')}) IN (${tuples.join(', ')})`,
      params,
    );
    return rows.map((r) => this.decodeKey(r));
  }

  async backlog(after: Watermark | null, cap: number): Promise<Backlog> {
    const params: SqlParam[] = [];
    const names = [this.shape.column, ...this.shape.keyColumns];
    const where = after ? `WHERE ${this.compare([this.stamp, ...this.keys], names, [after.stamp, ...after.key], '>', params)}` : '';
    params.push(cap);
    const oldest = this.shape.version ? 'NULL' : `DATE_FORMAT(${this.toUtc('MIN(b.s)')}, ${FORMAT})`;
    const [r] = await this.driver.rows<{ n: string | number; oldest: string | null }>(
      `SELECT COUNT(*) AS n, ${oldest} AS oldest FROM (SELECT ${this.stamp} AS s FROM ${this.from} ${where} LIMIT ?) b`,
      params,
    );
    return { rows: Number(r!.n), oldest: r!.oldest === null ? null : isoMicros(r!.oldest) };
  }
}
