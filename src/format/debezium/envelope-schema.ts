import type { TableSpec } from '../../core/table-spec.js';
import type { ConnectSchema } from './connect-schema.js';
import { schema, struct } from './connect-schema.js';

const str = (field: string, optional = false): ConnectSchema => ({ type: 'string', optional, field });
const i64 = (field: string, optional = true): ConnectSchema => ({ type: 'int64', optional, field });
const i32 = (field: string, optional = true): ConnectSchema => ({ type: 'int32', optional, field });

const SNAPSHOT: ConnectSchema = {
  ...schema('string', { name: 'io.debezium.data.Enum', parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' } }),
  optional: true,
  default: 'false',
  field: 'snapshot',
};

const CDC: ConnectSchema = {
  ...struct('cdc.Metadata', [str('event_id'), str('mode'), str('position'), str('sequence_number')], true),
  field: 'cdc',
};

const COMMON = [str('version'), str('connector'), str('name'), i64('ts_ms', false), SNAPSHOT, str('db'), str('sequence', true), i64('ts_us'), i64('ts_ns')];

/** Debezium's Source schemas per connector, plus cdc's own `cdc` struct (optional, so readers may ignore it). */
const MYSQL_FIELDS = [...COMMON, str('table', true), i64('server_id'), str('gtid', true), str('file', true), i64('pos'), i32('row'), i64('thread'), str('query', true), CDC];

const SOURCE: Record<SourceKind, ConnectSchema> = {
  postgres: struct(
    'io.debezium.connector.postgresql.Source',
    [...COMMON, str('schema'), str('table'), i64('txId'), i64('lsn'), i64('xmin'), str('origin', true), i64('origin_lsn'), CDC],
    false,
    1,
  ),
  mysql: struct('io.debezium.connector.mysql.Source', MYSQL_FIELDS, false, 1),
  mariadb: struct('io.debezium.connector.mariadb.Source', MYSQL_FIELDS, false, 1),
  mongodb: struct(
    'io.debezium.connector.mongo.Source',
    [...COMMON, str('collection'), i32('ord'), str('lsid', true), i64('txnNumber'), i64('wallTime'), CDC],
    false,
    1,
  ),
};

const TRANSACTION: ConnectSchema = {
  ...struct('event.block', [str('id'), i64('total_order', false), i64('data_collection_order', false)], true),
  version: 1,
  field: 'transaction',
};

/** The Envelope schema as the connector writes it: `<prefix>.<schema>.<table>.Envelope`, version 2. */
/** Which connector's Source schema: the dialect, with MariaDB apart from MySQL as Debezium has it. */
export type SourceKind = TableSpec['dialect'] | 'mariadb';

export function envelopeSchema(dialect: SourceKind, recordName: string, value: ConnectSchema[]): ConnectSchema {
  const row = (field: string): ConnectSchema => ({ type: 'struct', fields: value, optional: true, name: `${recordName}.Value`, field });
  return {
    type: 'struct',
    fields: [row('before'), row('after'), { ...SOURCE[dialect], field: 'source' }, TRANSACTION, str('op'), i64('ts_ms'), i64('ts_us'), i64('ts_ns')],
    optional: false,
    name: `${recordName}.Envelope`,
    version: 2,
  };
}

export function keySchema(recordName: string, fields: ConnectSchema[]): ConnectSchema {
  return { type: 'struct', fields, optional: false, name: `${recordName}.Key` };
}
