import type { ColumnSpec } from '../../core/table-spec.js';
import { jsonSourceOf } from '../../core/lossless-json.js';
import type { DebeziumOptions } from './options.js';
import { schema } from './connect-schema.js';
import { jsonText } from './json-text.js';
import {
  decimalBase64,
  epochDays,
  epochNanos,
  floatValue,
  floorDiv,
  int64,
  isoLocalTime,
  javaDouble,
  nanosOfDay,
  parseDecimal,
  plainString,
  rescale,
  stripTrailingZeros,
  zonedTimestamp,
  type Decimal,
} from './values.js';
import { binary, type Codec, passThrough } from './codec.js';
import { intervalMicros, intervalIso, parseInterval } from './pg-interval.js';

/**
 * PostgreSQL column → Debezium's encoding, as the PostgreSQL connector writes it with the given
 * options (checked against Debezium Server 3.6: test/compat/debezium-postgres.compat.ts).
 * Inputs are cdc's canonical values, which keep every digit, so each encoding is exact.
 */
export function postgresCodec(col: ColumnSpec, o: DebeziumOptions): Codec {
  switch (col.type) {
    case 'int2':
      return passThrough(schema('int16'));
    case 'int4':
      return passThrough(schema('int32'));
    case 'int8':
    case 'oid':
      return { schema: schema('int64'), encode: (v) => (typeof v === 'string' ? int64(BigInt(v)) : v) };
    case 'float4':
      return { schema: schema('float'), encode: floatValue };
    case 'float8':
      return { schema: schema('double'), encode: floatValue };
    case 'bool':
      return passThrough(schema('boolean'));
    case 'numeric':
      return numericCodec(col, o);
    case 'money':
      return moneyCodec(o);
    case 'date':
      return { schema: schema('int32', { name: (o['time.precision.mode'] ?? 'adaptive') === 'connect' ? 'org.apache.kafka.connect.data.Date' : 'io.debezium.time.Date' }), encode: (v) => (typeof v === 'string' ? (epochDays(v) ?? v) : v) };
    case 'time':
      return timeCodec(col, o);
    case 'timetz':
      return { schema: schema('string', { name: 'io.debezium.time.ZonedTime' }), encode: (v) => (typeof v === 'string' ? zonedTime(v) : v) };
    case 'timestamp':
      return timestampCodec(col, o);
    case 'timestamptz':
      return { schema: schema('string', { name: 'io.debezium.time.ZonedTimestamp' }), encode: (v) => (typeof v === 'string' ? zonedTimestamp(v, col.length ?? 6) : v) };
    case 'interval':
      return intervalCodec(o);
    case 'json':
    case 'jsonb':
      return jsonCodec();
    case 'bytea':
      return binary(o);
    case 'uuid':
      return passThrough(schema('string', { name: 'io.debezium.data.Uuid' }));
    default:
      if (col.element) return arrayCodec(col, o);
      if (col.enumValues) return passThrough(schema('string', { name: 'io.debezium.data.Enum', parameters: { allowed: col.enumValues.join(',') } }));
      // text, varchar, bpchar, inet, cidr, macaddr, xml, ranges…: strings as PostgreSQL prints them.
      return passThrough(schema('string'));
  }
}

function numericCodec(col: ColumnSpec, o: DebeziumOptions): Codec {
  const mode = o['decimal.handling.mode'];
  const variable = col.length === undefined && (col.scale ?? 0) === 0;
  if (mode === 'precise' && variable) {
    const s = schema('struct', {
      fields: [
        { type: 'int32', optional: false, field: 'scale' },
        { type: 'bytes', optional: false, field: 'value' },
      ],
      name: 'io.debezium.data.VariableScaleDecimal',
      doc: 'Variable scaled decimal',
    });
    return {
      schema: s,
      encode: (v) => decimalValue(v, (d) => {
        const s2 = stripTrailingZeros(d);
        return { scale: s2.scale, value: decimalBase64(s2) };
      }),
    };
  }
  const scale = col.scale ?? 0;
  const params: Record<string, string> = { scale: String(scale) };
  if (col.length !== undefined) params['connect.decimal.precision'] = String(col.length);
  return decimalCodec(mode, scale, params);
}

/** money: PostgreSQL prints it with the currency symbol and separators of lc_monetary; Debezium uses scale 2 (money.fraction.digits). */
function moneyCodec(o: DebeziumOptions): Codec {
  const codec = decimalCodec(o['decimal.handling.mode'], 2, { scale: '2' });
  return {
    schema: codec.schema,
    encode: (v) => {
      if (typeof v !== 'string') return v;
      const negative = v.includes('-') || v.includes('(');
      const digits = v.replace(/[^0-9.]/g, '');
      return codec.encode(negative ? `-${digits}` : digits);
    },
  };
}

export function decimalCodec(mode: DebeziumOptions['decimal.handling.mode'], scale: number, params: Record<string, string>): Codec {
  if (mode === 'double') return { schema: schema('double'), encode: (v) => (typeof v === 'string' ? specialOr(v, () => javaDouble(Number(v))) : v) };
  if (mode === 'string') return { schema: schema('string'), encode: (v) => (typeof v === 'string' ? specialOr(v, () => decimalValue(v, plainString)) : v) };
  return {
    schema: schema('bytes', { name: 'org.apache.kafka.connect.data.Decimal', parameters: params }),
    encode: (v) => decimalValue(v, (d) => decimalBase64(rescale(d, scale))),
  };
}

/** NaN/±Infinity: as Debezium's double and string modes write them; precise cannot hold them (Debezium fails), null here. */
function specialOr(v: string, f: () => unknown): unknown {
  return v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? v : f();
}

function decimalValue(v: unknown, f: (d: Decimal) => unknown): unknown {
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  const d = parseDecimal(String(v));
  return d ? f(d) : null;
}

function timeCodec(col: ColumnSpec, o: DebeziumOptions): Codec {
  const precision = col.length ?? 6;
  const mode = o['time.precision.mode'] ?? 'adaptive';
  const millis = mode === 'connect' || (mode === 'adaptive' && precision <= 3);
  const s = millis
    ? schema('int32', { name: mode === 'connect' ? 'org.apache.kafka.connect.data.Time' : 'io.debezium.time.Time' })
    : schema('int64', { name: 'io.debezium.time.MicroTime' });
  return {
    schema: s,
    encode: (v) => {
      if (typeof v !== 'string') return v;
      const n = nanosOfDay(v);
      return n === null ? v : Number(n / (millis ? 1_000_000n : 1_000n));
    },
  };
}

export function timestampCodec(col: ColumnSpec, o: DebeziumOptions): Codec {
  const precision = col.length ?? 6;
  const mode = o['time.precision.mode'] ?? 'adaptive';
  const millis = mode === 'connect' || precision <= 3;
  const name = mode === 'connect' ? 'org.apache.kafka.connect.data.Timestamp' : millis ? 'io.debezium.time.Timestamp' : 'io.debezium.time.MicroTimestamp';
  return {
    schema: schema('int64', { name }),
    encode: (v) => {
      if (typeof v !== 'string') return v;
      const n = epochNanos(v);
      return n === null ? v : int64(floorDiv(n, millis ? 1_000_000n : 1_000n));
    },
  };
}

/** timetz → UTC, Java's ISO_OFFSET_TIME with Z (Debezium's ZonedTime). */
function zonedTime(text: string): string {
  const m = /^(\d\d:\d\d:\d\d(?:\.\d+)?)([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/.exec(text);
  if (!m) return text;
  const local = nanosOfDay(m[1]!);
  if (local === null) return text;
  const offset = BigInt((Number(m[3]) * 3600 + Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0)) * (m[2] === '-' ? -1 : 1)) * 1_000_000_000n;
  const day = 86_400_000_000_000n;
  const utc = (((local - offset) % day) + day) % day;
  return `${isoLocalTime(utc)}Z`;
}

function intervalCodec(o: DebeziumOptions): Codec {
  if (o['interval.handling.mode'] === 'string') {
    return { schema: schema('string', { name: 'io.debezium.time.Interval' }), encode: (v) => (typeof v === 'string' ? (map(parseInterval(v), intervalIso) ?? v) : v) };
  }
  return { schema: schema('int64', { name: 'io.debezium.time.MicroDuration' }), encode: (v) => (typeof v === 'string' ? (map(parseInterval(v), intervalMicros) ?? v) : v) };
}

function map<T, R>(v: T | null, f: (v: T) => R): R | null {
  return v === null ? null : f(v);
}

function jsonCodec(): Codec {
  return {
    schema: schema('string', { name: 'io.debezium.data.Json' }),
    encode: (v) => (v === null || v === undefined ? v : jsonText(v, jsonSourceOf(v))),
  };
}

function arrayCodec(col: ColumnSpec, o: DebeziumOptions): Codec {
  const element = postgresCodec(col.element!, o);
  const encodeElement = (v: unknown): unknown => (v === null ? null : Array.isArray(v) ? v.map(encodeElement) : element.encode(v));
  return {
    schema: schema('array', { items: { ...element.schema, optional: true } }),
    encode: (v) => (Array.isArray(v) ? v.map(encodeElement) : v),
  };
}
