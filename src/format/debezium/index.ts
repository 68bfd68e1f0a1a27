import type { ChangeEvent, Operation, Row } from '../../core/change-event.js';
import { setOwn } from '../../core/row.js';
import type { EncodedMessage, EventEncoder } from '../../core/sink.js';
import { tableSpecOf, type TableSpec } from '../../core/table-spec.js';
import { eventHeaders } from '../native.js';
import { type Codec, passThrough } from './codec.js';
import { asField, schema, type ConnectSchema } from './connect-schema.js';
import { envelopeSchema, keySchema } from './envelope-schema.js';
import { writeJson } from './json-writer.js';
import { DEBEZIUM_DEFAULTS, type DebeziumOptions } from './options.js';
import { mysqlCodec } from './mysql.js';
import { postgresCodec } from './postgres.js';
import { sourceBlock } from './source-block.js';
import { int64 } from './values.js';
import { transactionBlock, transactionRecords } from './transaction.js';
import { transactionMarkOf } from '../../core/transaction-mark.js';
import { typedDocumentsOf, type TypedDocuments } from '../../core/typed-documents.js';
import { mongoEnvelope, mongoEnvelopeSchema, mongoKey, mongoKeySchema } from './mongodb.js';

export { DEBEZIUM_DEFAULTS, type DebeziumOptions } from './options.js';

const OP: Record<Operation, string> = { INSERT: 'c', UPDATE: 'u', DELETE: 'd', SNAPSHOT: 'r', TRUNCATE: 't' };

interface TableCodecs {
  spec: TableSpec;
  /** Debezium's record name: `<prefix>.<schema or database>.<table>`. */
  name: string;
  columns: Map<string, Codec>;
  /** Schema texts by the row's column list: a transform may drop or rename columns. */
  schemas: Map<string, string>;
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
  const schemas = o['schemas.enable'];
  return (event: ChangeEvent): EncodedMessage => {
    const docs = typedDocumentsOf(event);
    if (docs) return mongoMessage(event, docs, o);
    const spec = tableSpecOf(event);
    const codecs = codecsFor(event, spec);
    const payload = envelope(event, o, spec, codecs, schemas);
    const key = event.primary_key ? encodeRow(event.primary_key, codecs, schemas) : null;
    const name = codecs?.name ?? recordName(event, spec, o);
    let keyText: string | null = null;
    let valueText: string;
    if (schemas) {
      const row = (payload.after ?? payload.before ?? {}) as Row;
      if (key !== null) keyText = withSchema(schemaText(codecs, 'key', key, () => keySchema(name, fieldsOf(key, codecs, spec))), key);
      const dialect = spec ? (spec.flavor === 'mariadb' ? 'mariadb' : spec.dialect) : dialectOfMode(event.source.mode);
      valueText = withSchema(schemaText(codecs, 'value', row, () => envelopeSchema(dialect, name, fieldsOf(row, codecs, spec))), payload);
    } else {
      keyText = key === null ? null : writeJson(key);
      valueText = writeJson(payload);
    }
    const mark = o['provide.transaction.metadata'] ? transactionMarkOf(event) : undefined;
    return {
      key: keyText,
      value: Buffer.from(valueText),
      headers: eventHeaders(event),
      followedByTombstone: o['tombstones.on.delete'] && event.operation === 'DELETE' && keyText !== null,
      ...(mark ? { extraRecords: transactionRecords(mark, o['topic.prefix'] ?? event.source_db, schemas) } : {}),
    };
  };
}

/**
 * A MongoDB change (the oplog adapter keeps its BSON types: TypedDocuments): the MongoDB
 * connector's envelope and key, whose schemas do not depend on the documents.
 */
function mongoMessage(event: ChangeEvent, docs: TypedDocuments, o: DebeziumOptions): EncodedMessage {
  const name = recordName(event, undefined, o);
  const payload = mongoEnvelope(event, docs, o['topic.prefix'] ?? event.source_db, transactionOf(event, o));
  const key = mongoKey(docs);
  const schemas = o['schemas.enable'];
  const keyText = schemas ? withSchema(writeJson(mongoKeySchema(name)), key) : writeJson(key);
  const mark = o['provide.transaction.metadata'] ? transactionMarkOf(event) : undefined;
  return {
    key: keyText,
    value: Buffer.from(schemas ? withSchema(writeJson(mongoEnvelopeSchema(name)), payload) : writeJson(payload)),
    headers: eventHeaders(event),
    followedByTombstone: o['tombstones.on.delete'] && event.operation === 'DELETE',
    ...(mark ? { extraRecords: transactionRecords(mark, o['topic.prefix'] ?? event.source_db, schemas) } : {}),
  };
}

/** The envelope as a plain object (what JsonConverter writes with schemas.enable=false), for callers and tests. */
export function toDebeziumEnvelope(event: ChangeEvent, options: Partial<DebeziumOptions> = {}): Record<string, unknown> {
  const o: DebeziumOptions = { ...DEBEZIUM_DEFAULTS, ...options };
  const docs = typedDocumentsOf(event);
  if (docs) return mongoEnvelope(event, docs, o['topic.prefix'] ?? event.source_db, transactionOf(event, o));
  const spec = tableSpecOf(event);
  return envelope(event, o, spec, spec ? buildCodecs(spec, o, recordName(event, spec, o)) : null, false);
}

function envelope(event: ChangeEvent, o: DebeziumOptions, spec: TableSpec | undefined, codecs: TableCodecs | null, schemas: boolean): Record<string, unknown> {
  const nowUs = nowMicros();
  return {
    before: event.before_data ? encodeRow(event.before_data, codecs, schemas) : null,
    after: event.after_data ? encodeRow(event.after_data, codecs, schemas) : null,
    source: sourceBlock(event, spec, o['topic.prefix'] ?? event.source_db),
    transaction: transactionOf(event, o),
    op: OP[event.operation],
    ts_ms: Number(nowUs / 1000n),
    ts_us: int64(nowUs),
    ts_ns: int64(nowUs * 1000n),
  };
}

/**
 * Table columns in declaration order, then anything else the row holds (a transform's additions,
 * or every column of a table without a spec). With schemas, such untyped nested values travel as
 * JSON text, as their inferred `string` schema says.
 */
function encodeRow(row: Row, codecs: TableCodecs | null, schemas: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (codecs) {
    for (const [name, codec] of codecs.columns) {
      if (!Object.hasOwn(row, name)) continue;
      const v = row[name];
      setOwn(out, name, v === null || v === undefined ? null : codec.encode(v));
    }
  }
  for (const name of Object.keys(row)) {
    if (codecs?.columns.has(name)) continue;
    const v = row[name];
    setOwn(out, name, schemas && v !== null && typeof v === 'object' ? writeJson(v) : v);
  }
  return out;
}

function codecFor(spec: TableSpec, o: DebeziumOptions) {
  return (c: TableSpec['columns'][number]): Codec =>
    spec.dialect === 'postgres' ? postgresCodec(c, o) : spec.dialect === 'mysql' ? mysqlCodec(c, o) : passThrough(schema('string'));
}

function buildCodecs(spec: TableSpec, o: DebeziumOptions, name: string): TableCodecs {
  const make = codecFor(spec, o);
  const columns = new Map<string, Codec>();
  for (const c of spec.columns) columns.set(c.name, make(c));
  return { spec, name, columns, schemas: new Map() };
}

/** The schema text for a row of this shape, built once per shape and table schema version. */
function schemaText(codecs: TableCodecs | null, kind: 'key' | 'value', row: Record<string, unknown>, build: () => ConnectSchema): string {
  if (!codecs) return writeJson(build());
  const signature = `${kind}\u0000${Object.keys(row).join('\u0000')}`;
  let text = codecs.schemas.get(signature);
  if (text === undefined) codecs.schemas.set(signature, (text = writeJson(build())));
  return text;
}

/** Fields of an encoded row: declared columns with Debezium's schema, others read off their values. */
function fieldsOf(row: Record<string, unknown>, codecs: TableCodecs | null, spec: TableSpec | undefined): ConnectSchema[] {
  const nullable = new Map(spec?.columns.map((c) => [c.name, c.nullable]));
  return Object.keys(row).map((field) => {
    const codec = codecs?.columns.get(field);
    if (codec) return asField(codec.schema, field, nullable.get(field) ?? true);
    const v = row[field];
    const type: ConnectSchema['type'] = typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? (Number.isInteger(v) ? 'int64' : 'double') : 'string';
    return { type, optional: true, field };
  });
}

/** `<topic.prefix or source_id>.<schema or database>.<table>`: Debezium's record (and topic) name. */
function recordName(event: ChangeEvent, spec: TableSpec | undefined, o: DebeziumOptions): string {
  const prefix = o['topic.prefix'] ?? event.source_db;
  return spec ? `${prefix}.${spec.schema ?? spec.database}.${spec.table}` : `${prefix}.${event.table_name}`;
}

function dialectOfMode(mode: string): TableSpec['dialect'] {
  return mode === 'binlog' ? 'mysql' : mode === 'oplog' ? 'mongodb' : 'postgres';
}

/** The `transaction` block: null unless the option is on and the capture mode marked the change. */
function transactionOf(event: ChangeEvent, o: DebeziumOptions): Record<string, unknown> | null {
  const mark = o['provide.transaction.metadata'] ? transactionMarkOf(event) : undefined;
  return mark ? transactionBlock(mark) : null;
}

function withSchema(schemaText: string, payload: unknown): string {
  return `{"schema":${schemaText},"payload":${writeJson(payload)}}`;
}

const ORIGIN_MS = BigInt(Date.now());
const ORIGIN_HR = process.hrtime.bigint();

/** Wall clock in microseconds, monotonic within the process (Date.now has only milliseconds). */
function nowMicros(): bigint {
  return ORIGIN_MS * 1000n + (process.hrtime.bigint() - ORIGIN_HR) / 1000n;
}
