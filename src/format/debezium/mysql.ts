import type { ColumnSpec } from '../../core/table-spec.js';
import { jsonSourceOf } from '../../core/lossless-json.js';
import type { DebeziumOptions } from './options.js';
import { schema } from './connect-schema.js';
import { binary, type Codec, passThrough } from './codec.js';
import { jsonText } from './json-text.js';
import { decimalCodec, timestampCodec } from './postgres.js';
import { epochDays, floatValue, int64, zonedTimestamp } from './values.js';

/**
 * MySQL/MariaDB column → Debezium's encoding, as the MySQL and MariaDB connectors write it (checked
 * against Debezium Server 3.6's MariaDB connector: test/compat/debezium-mariadb.compat.ts). Inputs
 * are cdc's canonical MySQL values (docs/mysql-trigger.md, "Type fidelity").
 */
export function mysqlCodec(col: ColumnSpec, o: DebeziumOptions): Codec {
  const u = col.unsigned === true;
  switch (col.type) {
    case 'tinyint':
      return passThrough(schema('int16'));
    case 'smallint':
      return passThrough(schema(u ? 'int32' : 'int16'));
    case 'mediumint':
      return passThrough(schema('int32'));
    case 'int':
    case 'integer':
      return passThrough(schema(u ? 'int64' : 'int32'));
    case 'bigint':
      // bigint.unsigned.handling.mode=long (Debezium's default): values above 2^63−1 wrap around.
      return { schema: schema('int64'), encode: (v) => (typeof v === 'number' || typeof v === 'string' ? int64(BigInt.asIntN(64, BigInt(v))) : v) };
    case 'decimal':
    case 'numeric':
      return decimalCodec(o['decimal.handling.mode'], col.scale ?? 0, { scale: String(col.scale ?? 0), 'connect.decimal.precision': String(col.length ?? 10) });
    case 'float':
      return { schema: schema('float'), encode: floatValue };
    case 'double':
    case 'real':
      return { schema: schema('double'), encode: floatValue };
    case 'bit':
      return bitCodec(col.length ?? 1);
    case 'enum':
      return passThrough(schema('string', { name: 'io.debezium.data.Enum', parameters: { allowed: (col.enumValues ?? []).join(',') } }));
    case 'set':
      return passThrough(schema('string', { name: 'io.debezium.data.EnumSet', parameters: { allowed: (col.enumValues ?? []).join(',') } }));
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return binary(o);
    case 'date':
      return { schema: schema('int32', { name: o['time.precision.mode'] === 'connect' ? 'org.apache.kafka.connect.data.Date' : 'io.debezium.time.Date' }), encode: (v) => (typeof v === 'string' ? (epochDays(v) ?? v) : v) };
    case 'time':
      return timeCodec(o);
    case 'datetime':
      return timestampCodec(col, o);
    case 'timestamp':
      return { schema: schema('string', { name: 'io.debezium.time.ZonedTimestamp' }), encode: (v) => (typeof v === 'string' ? zonedTimestamp(v, col.length ?? 0) : v) };
    case 'year':
      return passThrough(schema('int32', { name: 'io.debezium.time.Year' }));
    case 'json':
      return { schema: schema('string', { name: 'io.debezium.data.Json' }), encode: (v) => jsonText(v, jsonSourceOf(v)) };
    default:
      // CHAR, VARCHAR, TEXT…; MariaDB's JSON is LONGTEXT, a plain string to its connector too.
      return { schema: schema('string'), encode: (v) => (typeof v === 'string' ? v : jsonText(v, jsonSourceOf(v))) };
  }
}

/** BIT(1) is a boolean; BIT(n) Debezium's Bits: the value's bytes, least significant first. */
function bitCodec(length: number): Codec {
  if (length === 1) return { schema: schema('boolean'), encode: (v) => (typeof v === 'number' ? v !== 0 : v) };
  const bytes = Math.ceil(length / 8);
  return {
    schema: schema('bytes', { name: 'io.debezium.data.Bits', parameters: { length: String(length) } }),
    encode: (v) => {
      if (typeof v !== 'number' && typeof v !== 'string') return v;
      let n = BigInt(v);
      const out = Buffer.alloc(bytes);
      for (let i = 0; i < bytes; i++, n >>= 8n) out[i] = Number(n & 0xffn);
      return out.toString('base64');
    },
  };
}

/** TIME is a duration in MySQL (−838:59:59 … 838:59:59): MicroTime, or Connect's Time in millis. */
function timeCodec(o: DebeziumOptions): Codec {
  const connect = o['time.precision.mode'] === 'connect';
  return {
    schema: connect ? schema('int32', { name: 'org.apache.kafka.connect.data.Time' }) : schema('int64', { name: 'io.debezium.time.MicroTime' }),
    encode: (v) => {
      if (typeof v !== 'string') return v;
      const m = /^(-)?(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(v);
      if (!m) return v;
      const micros = (BigInt(Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1_000_000n + BigInt((m[5] ?? '').padEnd(6, '0') || '0')) * (m[1] ? -1n : 1n);
      if (!connect) return int64(micros);
      // Connect's Time is a time of day: Debezium writes null for a duration outside [0, 24h).
      return micros < 0n || micros >= 86_400_000_000n ? null : Number(micros / 1000n);
    },
  };
}
