import type { ChangeEvent, Operation, Row } from '../../core/change-event';
import type { EncodedMessage, EventEncoder } from '../../core/sink';
import { tableSpecOf, type TableSpec } from '../../core/table-spec';
import { eventHeaders } from '../native';
import { type Codec, passThrough } from './codec';
import { asField, schema, type ConnectSchema } from './connect-schema';
import { envelopeSchema, keySchema } from './envelope-schema';
import { writeJson } from './json-writer';
import { DEBEZIUM_DEFAULTS, type DebeziumOptions } from './options';
import { mysqlCodec } from './mysql';
import { postgresCodec } from './postgres';
import { sourceBlock } from './source-block';
import { int64 } from './values';

export { DEBEZIUM_DEFAULTS, type DebeziumOptions } from './options';

const OP: Record<Operation, string> = { INSERT: 'c', UPDATE: 'u', DELETE: 'd', SNAPSHOT: 'r', TRUNCATE: 't' };

interface TableCodecs {
  columns: Map<string, Codec>;
  /** `{"schema":…` text of key and value, built once per table schema version. */
  keySchemaText: string;
  valueSchemaText: string;
}

/**
 * The Debezium envelope (docs/debezium-format.md): `{before, after, source, transaction, op, ts_ms,
 * ts_us, ts_ns}` with Debezium's value encodings per declared column type, its `source` fields,
 * optional JsonConverter schemas, and a tombstone after each delete. Events without a table spec
 * (adapters that do not describe tables) keep their canonical values.
 */
export function debeziumEncoder(options: Partial<DebeziumOptions> = {}): EventEncoder {
  const o: DebeziumOptions = { ...DEBEZIUM_DEFAULTS, ...options };
  const cache = new WeakMap<TableSpec, TableCodecs>();
  const codecsFor = (event: ChangeEvent, spec: TableSpec | undefined): TableCodecs | null => {
    if (!spec) return null;
    let c = cache.get(spec);
    if (!c) cache.set(spec, (c = buildCodecs(spec, o, recordName(event, spec, o))));
    return c;
  };
  return (event: ChangeEvent): EncodedMessage => {
    const spec = tableSpecOf(event);
    const codecs = codecsFor(event, spec);
    const payload = envelope(event, o, spec, codecs);
    const key = event.primary_key ? encodeRow(event.primary_key, codecs) : null;
    const keyText = key === null ? null : o['schemas.enable'] ? withSchema(codecs?.keySchemaText ?? inferredSchema(key, `${recordName(event, spec, o)}.Key`), key) : writeJson(key);
    const valueText = o['schemas.enable'] ? withSchema(codecs?.valueSchemaText ?? inferredEnvelope(event, spec, o, payload), payload) : writeJson(payload);
    return {
      key: keyText,
      value: Buffer.from(valueText),
      headers: eventHeaders(event),
      followedByTombstone: o['tombstones.on.delete'] && event.operation === 'DELETE' && keyText !== null,
    };
  };
}

/** The envelope as a plain object (what JsonConverter writes with schemas.enable=false), for callers and tests. */
export function toDebeziumEnvelope(event: ChangeEvent, options: Partial<DebeziumOptions> = {}): Record<string, unknown> {
  const o: DebeziumOptions = { ...DEBEZIUM_DEFAULTS, ...options };
  const spec = tableSpecOf(event);
  return envelope(event, o, spec, spec ? buildCodecs(spec, o, recordName(event, spec, o)) : null);
}

function envelope(event: ChangeEvent, o: DebeziumOptions, spec: TableSpec | undefined, codecs: TableCodecs | null): Record<string, unknown> {
  const nowUs = nowMicros();
  return {
    before: event.before_data ? encodeRow(event.before_data, codecs) : null,
    after: event.after_data ? encodeRow(event.after_data, codecs) : null,
    source: sourceBlock(event, spec, o['topic.prefix'] ?? event.source_db),
    transaction: null,
    op: OP[event.operation],
    ts_ms: Number(nowUs / 1000n),
    ts_us: int64(nowUs),
    ts_ns: int64(nowUs * 1000n),
  };
}

/** Table columns in declaration order, then anything else the row holds (a transform's additions). */
function encodeRow(row: Row, codecs: TableCodecs | null): Record<string, unknown> {
  if (!codecs) return row;
  const out: Record<string, unknown> = {};
  for (const [name, codec] of codecs.columns) {
    if (!Object.hasOwn(row, name)) continue;
    const v = row[name];
    out[name] = v === null || v === undefined ? null : codec.encode(v);
  }
  for (const name of Object.keys(row)) if (!codecs.columns.has(name)) out[name] = row[name];
  return out;
}

function codecFor(spec: TableSpec, o: DebeziumOptions) {
  return (c: TableSpec['columns'][number]): Codec =>
    spec.dialect === 'postgres' ? postgresCodec(c, o) : spec.dialect === 'mysql' ? mysqlCodec(c, o, spec.flavor ?? 'mysql') : passThrough(schema('string'));
}

function buildCodecs(spec: TableSpec, o: DebeziumOptions, name: string): TableCodecs {
  const make = codecFor(spec, o);
  const columns = new Map<string, Codec>();
  const fields: ConnectSchema[] = [];
  for (const c of spec.columns) {
    const codec = make(c);
    columns.set(c.name, codec);
    fields.push(asField(codec.schema, c.name, c.nullable));
  }
  const keyFields = spec.keyColumns.map((k) => fields.find((f) => f.field === k)).filter((f): f is ConnectSchema => f !== undefined);
  return {
    columns,
    keySchemaText: writeJson(keySchema(name, keyFields)),
    valueSchemaText: writeJson(envelopeSchema(spec.flavor === 'mariadb' ? 'mariadb' : spec.dialect, name, fields)),
  };
}

/** `<topic.prefix or source_id>.<schema or database>.<table>`: Debezium's record (and topic) name. */
function recordName(event: ChangeEvent, spec: TableSpec | undefined, o: DebeziumOptions): string {
  const prefix = o['topic.prefix'] ?? event.source_db;
  return spec ? `${prefix}.${spec.schema ?? spec.database}.${spec.table}` : `${prefix}.${event.table_name}`;
}

function withSchema(schemaText: string, payload: unknown): string {
  return `{"schema":${schemaText},"payload":${writeJson(payload)}}`;
}

/** Without a table spec: a schema read off the values themselves (numbers int64/double, the rest strings). */
function inferredSchema(row: Record<string, unknown>, name: string): string {
  return writeJson({ type: 'struct', fields: inferFields(row), optional: false, name });
}

function inferFields(row: Record<string, unknown>): ConnectSchema[] {
  return Object.entries(row).map(([field, v]) => {
    const type: ConnectSchema['type'] = typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? (Number.isInteger(v) ? 'int64' : 'double') : 'string';
    return { type, optional: true, field };
  });
}

function inferredEnvelope(event: ChangeEvent, spec: TableSpec | undefined, o: DebeziumOptions, payload: Record<string, unknown>): string {
  const row = (payload.after ?? payload.before ?? {}) as Record<string, unknown>;
  const dialect = spec?.dialect ?? (event.source.mode === 'binlog' ? 'mysql' : event.source.mode === 'oplog' ? 'mongodb' : 'postgres');
  return writeJson(envelopeSchema(dialect, recordName(event, spec, o), inferFields(row)));
}

const ORIGIN_MS = BigInt(Date.now());
const ORIGIN_HR = process.hrtime.bigint();

/** Wall clock in microseconds, monotonic within the process (Date.now has only milliseconds). */
function nowMicros(): bigint {
  return ORIGIN_MS * 1000n + (process.hrtime.bigint() - ORIGIN_HR) / 1000n;
}
