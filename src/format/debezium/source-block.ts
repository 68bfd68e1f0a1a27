import type { ChangeEvent } from '../../core/change-event.js';
import type { TableSpec } from '../../core/table-spec.js';
import { RawJson } from './json-writer.js';
import { int64 } from './values.js';

/** The value of Debezium's `source.version`: cdc's own, so nobody mistakes cdc for a Debezium release. */
export const CDC_VERSION = 'cdc-0.1.0';

const CONNECTOR = { postgres: 'postgresql', mysql: 'mysql', mongodb: 'mongodb' } as const;

/** Debezium's connector name: the dialect's, except that MariaDB has a connector of its own. */
function connectorName(dialect: keyof typeof CONNECTOR, spec: TableSpec | undefined): string {
  return spec?.flavor === 'mariadb' ? 'mariadb' : CONNECTOR[dialect];
}

/** Source clock of the change, from the event's ISO timestamp (microseconds are kept). */
export function sourceTimes(iso: string): { ms: number; us: number | RawJson; ns: number | RawJson } {
  const ms = Date.parse(iso);
  const frac = /\.(\d+)Z$/.exec(iso)?.[1] ?? '';
  const micros = BigInt(Math.floor(ms / 1000)) * 1_000_000n + BigInt(frac.padEnd(6, '0').slice(0, 6) || '0');
  return { ms, us: int64(micros), ns: int64(micros * 1000n) };
}

/**
 * Debezium's `source` block for the event's connector, with Debezium's field order and JSON types.
 * What a capture mode does not know is null (trigger and poll modes have no LSN, no binlog file).
 * cdc's own fields sit under `cdc`, a key no Debezium connector uses.
 */
export function sourceBlock(event: ChangeEvent, spec: TableSpec | undefined, name: string): Record<string, unknown> {
  const dialect = spec?.dialect ?? dialectOfMode(event.source.mode);
  const dot = event.table_name.indexOf('.');
  const schemaOrDb = spec ? (spec.schema ?? spec.database) : dot >= 0 ? event.table_name.slice(0, dot) : null;
  const table = spec?.table ?? (dot >= 0 ? event.table_name.slice(dot + 1) : event.table_name);
  const t = sourceTimes(event.timestamp);
  const common = {
    version: CDC_VERSION,
    connector: connectorName(dialect, spec),
    name,
    ts_ms: t.ms,
    snapshot: event.operation === 'SNAPSHOT' ? 'true' : 'false',
    db: spec?.database ?? (dialect === 'postgres' ? event.source_db : schemaOrDb),
    sequence: null as string | null,
    ts_us: t.us,
    ts_ns: t.ns,
  };
  const cdc = { event_id: event.event_id, mode: event.source.mode, position: event.source.position, sequence_number: event.sequence_number };
  const x = event.source;
  if (dialect === 'postgres') {
    const lsn = typeof x.lsn === 'string' ? lsnNumber(x.lsn) : null;
    return {
      ...common,
      sequence: lsn !== null ? JSON.stringify([null, String(lsn)]) : null,
      schema: schemaOrDb,
      table,
      txId: xid32(event.transaction_id ?? (x.txid as string | undefined) ?? null),
      lsn: lsn !== null ? int64(lsn) : null,
      xmin: null,
      origin: null,
      origin_lsn: null,
      cdc,
    };
  }
  if (dialect === 'mysql') {
    return {
      ...common,
      table,
      server_id: null,
      gtid: typeof x.gtid === 'string' ? x.gtid : null,
      file: typeof x.binlog_file === 'string' ? x.binlog_file : null,
      pos: typeof x.binlog_pos === 'number' || typeof x.binlog_pos === 'string' ? Number(x.binlog_pos) : null,
      row: typeof x.row === 'number' ? x.row : null,
      thread: null,
      query: null,
      cdc,
    };
  }
  return { ...common, collection: table, ord: null, lsid: null, txnNumber: null, wallTime: null, cdc };
}

function dialectOfMode(mode: string): 'postgres' | 'mysql' | 'mongodb' {
  return mode === 'binlog' ? 'mysql' : mode === 'oplog' ? 'mongodb' : 'postgres';
}

/** PostgreSQL's `16/B374D848` → 0x16B374D848. */
function lsnNumber(text: string): bigint | null {
  const m = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(text);
  return m ? (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`) : null;
}

/**
 * Debezium's txId is the 32-bit xid of the transaction; trigger mode records txid_current(), the
 * same xid widened with the epoch, so the low 32 bits are the xid.
 */
function xid32(txid: string | null): number | null {
  if (txid === null || !/^\d+$/.test(txid)) return null;
  return Number(BigInt(txid) & 0xffffffffn);
}
