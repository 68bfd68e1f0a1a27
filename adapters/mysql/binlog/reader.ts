import ZongJi, { type AnyBinlogEvent, type ZongJiOptions } from '@vlasky/zongji';
import { rowFromEntries } from '../../../src/core/row.js';
import { mysql2Ssl, type MysqlConnectOptions } from '../mysql2-driver.js';
import type { BinlogCoord } from './position.js';
import { TransactionAssembler, type AssemblerOutput, type BinlogInput, type RawChange } from './transactions.js';

/** Which tables' row events to decode: database → table names (zongji's includeSchema). */
export type TableFilter = Record<string, string[]>;

export interface ReaderEvents extends AssemblerOutput {
  /** The stream failed; the reader has stopped itself and may be started again. */
  failed(err: Error): void;
}

/**
 * One binlog dump connection through @vlasky/zongji (plus zongji's control connection, which reads
 * column names from information_schema the first time it meets a table id). Translates zongji's
 * events into the assembler's inputs; positions are tracked by the assembler, not by zongji's
 * options, so a restart always resumes at a transaction boundary cdc has fully processed.
 *
 * Value options: dateStrings + timezone 'Z' keep DATETIME/TIMESTAMP as text with every
 * fractional digit (a Date would keep milliseconds only), TIMESTAMP in UTC; jsonStrings keeps JSON
 * text; decimalNumbers=false keeps DECIMAL as exact strings. zongji's own filter drops row events
 * of tables not in `filter` before decoding them, which matters on a server whose binlog carries
 * every database.
 */
export class BinlogReader {
  private zongji: ZongJi | null = null;
  private assembler: TransactionAssembler | null = null;

  constructor(
    private readonly connection: MysqlConnectOptions,
    private readonly serverId: number,
    private readonly events: ReaderEvents,
  ) {}

  /**
   * cdc's own database (adapters/mysql/state-database.ts): where cdc_snapshot_rows lives, whose
   * row events carry the snapshots of binlog-captured tables (snapshot-rows.ts).
   */
  get stateDatabase(): string {
    return this.connection.stateDatabase;
  }

  get running(): boolean {
    return this.zongji !== null;
  }

  /** The last transaction boundary processed; null before the first start. */
  get position(): BinlogCoord | null {
    return this.assembler?.position ?? null;
  }

  start(from: BinlogCoord, filter: TableFilter): void {
    this.stop();
    const zongji = new ZongJi({
      host: this.connection.host,
      port: this.connection.port,
      user: this.connection.user,
      password: this.connection.password,
      charset: 'UTF8MB4_GENERAL_CI',
      dateStrings: true,
      timezone: 'Z',
      jsonStrings: true,
      decimalNumbers: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      connectTimeout: 10_000,
      enableKeepAlive: true,
      ...(this.connection.tls ? { ssl: mysql2Ssl(this.connection.tls) } : {}),
    });
    const assembler = new TransactionAssembler(from, this.events);
    this.zongji = zongji;
    this.assembler = assembler;
    let failed = false;
    zongji.on('error', (err: Error) => {
      if (failed || this.zongji !== zongji) return;
      failed = true;
      this.stop();
      this.events.failed(err);
    });
    zongji.on('binlog', (event: AnyBinlogEvent) => {
      if (this.zongji !== zongji) return;
      const input = toInput(event);
      if (input) assembler.push(input);
    });
    const options: ZongJiOptions = {
      serverId: this.serverId,
      filename: from.file,
      position: from.pos,
      includeSchema: filter,
      // TableMap events must stay included: zongji builds its table-id map from them. Annotate and
      // rows-query events carry statement text we never use (and may contain secrets).
      excludeEvents: ['annotaterows', 'rowsquery', 'heartbeat'],
    };
    zongji.start(options);
  }

  stop(): void {
    const zongji = this.zongji;
    this.zongji = null;
    if (zongji) {
      zongji.removeAllListeners('binlog');
      // zongji.stop() can emit late errors of the connections it tears down; they are noise now.
      zongji.removeAllListeners('error');
      zongji.on('error', () => undefined);
      zongji.stop();
    }
  }
}

function toInput(e: AnyBinlogEvent): BinlogInput | null {
  switch (e.getEventName()) {
    case 'rotate': {
      const r = e as Extract<AnyBinlogEvent, { binlogName: string; position: number }>;
      return { kind: 'rotate', file: r.binlogName, pos: Number(r.position) };
    }
    case 'mariadbgtid': {
      const g = e as Extract<AnyBinlogEvent, { standalone: boolean }>;
      return { kind: 'gtid', gtid: g.gtid ?? null, begins: !g.standalone };
    }
    case 'gtid':
    case 'anonymousgtid':
      // MySQL: the transaction itself opens with a BEGIN query event that follows.
      return { kind: 'gtid', gtid: e.getEventName() === 'gtid' ? (e.gtid ?? null) : null, begins: false };
    case 'xid':
      return { kind: 'commit', end: e.nextPosition, xid: String((e as Extract<AnyBinlogEvent, { xid: unknown }>).xid), ts: e.timestamp };
    case 'xaprepare':
      return { kind: 'xa-prepare', end: e.nextPosition };
    case 'query':
      return queryInput((e as Extract<AnyBinlogEvent, { query: string }>).query, e.nextPosition, e.timestamp);
    case 'writerows':
      return rowsInput(e, 'INSERT');
    case 'updaterows':
      return rowsInput(e, 'UPDATE');
    case 'deleterows':
      return rowsInput(e, 'DELETE');
    case 'tablemap':
      shieldProtoColumn(e);
      // Inside a transaction; its end offset is no place to resume from.
      return null;
    default:
      return { kind: 'event', end: e.nextPosition };
  }
}

function queryInput(query: string, end: number, ts: number): BinlogInput {
  const q = query.trim().toUpperCase();
  if (q === 'BEGIN' || q.startsWith('XA START')) return { kind: 'begin' };
  if (q === 'COMMIT') return { kind: 'commit', end, xid: null, ts };
  if (q === 'ROLLBACK') return { kind: 'rollback', end };
  return { kind: 'event', end };
}

type RowsEvent = Extract<AnyBinlogEvent, { rows: unknown[]; tableId: number }>;

/**
 * zongji builds each row with `row[column.name] = value`; for a column named "__proto__" that sets
 * the row's prototype (null: the row loses Object.prototype) and the value is lost. The table map
 * event is emitted before the rows events that use it are parsed, and zongji rebuilds the map's
 * columns for every table map event, so renaming the column here is safe; rowsInput renames it
 * back as an own property. A NUL cannot occur in a MySQL column name, so the stand-in is unique.
 */
const PROTO_STAND_IN = '\u0000__proto__';

function shieldProtoColumn(e: AnyBinlogEvent): void {
  const t = e as unknown as { tableId?: number; tableMap?: Record<number, { columns?: { name: string }[] }> };
  const columns = t.tableId === undefined ? undefined : t.tableMap?.[t.tableId]?.columns;
  for (const c of columns ?? []) if (c.name === '__proto__') c.name = PROTO_STAND_IN;
}

function unshield(image: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(image, PROTO_STAND_IN)) return image;
  return rowFromEntries(Object.entries(image).map(([k, v]) => [k === PROTO_STAND_IN ? '__proto__' : k, v] as const));
}

function rowsInput(e: AnyBinlogEvent, op: RawChange['op']): BinlogInput {
  const r = e as RowsEvent;
  const map = r.tableMap[r.tableId]!;
  const base = { op, schema: map.parentSchema, table: map.tableName, ts: r.timestamp };
  const changes: RawChange[] = (r.rows as unknown[]).map((row) => {
    if (op === 'UPDATE') {
      const u = row as { before: Record<string, unknown>; after: Record<string, unknown> };
      return { ...base, before: unshield(u.before), after: unshield(u.after) };
    }
    const image = unshield(row as Record<string, unknown>);
    return op === 'INSERT' ? { ...base, before: null, after: image } : { ...base, before: image, after: null };
  });
  return { kind: 'rows', changes };
}
