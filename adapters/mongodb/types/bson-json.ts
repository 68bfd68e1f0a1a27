import { ValueLimitError } from '../../../src/core/errors.js';
import { JSON_LIMITS, setOwn } from '../../../src/core/lossless-json.js';
import { bytesToBase64, integerFromText } from '../../../src/core/values.js';

/**
 * BSON values (as the `mongodb` driver deserialises them) → JSON values, by the type-fidelity rules
 * (SPEC "Type fidelity", README): a document read back with `find()` and mapped here equals the
 * event's after_data.
 *
 *   ObjectId → 24-digit hex string          Date → ISO-8601 UTC string, milliseconds
 *   Decimal128 → its string, every digit    Long (int64) → number when |v| ≤ 2^53−1, else digit string
 *   Int32, Double → number                  NaN, ±Infinity (doubles) → "NaN", "Infinity", "-Infinity"
 *   Binary (any subtype, UUIDs too) → base64 Timestamp → { t, i } (seconds, increment)
 *   regex → "/pattern/flags"                 Code → its source; MinKey/MaxKey → { "$minKey": 1 } …
 *   documents and arrays → nested JSON       null and undefined → null
 *
 * Classes are recognised by `_bsontype`, not instanceof, so a second copy of the bson package (a
 * user's own driver) maps the same.
 */
export function bsonToJson(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return numberToJson(value);
    case 'bigint':
      return integerFromText(value.toString());
    case 'object':
      break;
    default:
      return String(value);
  }
  // A document nested past JSON_LIMITS would overflow the stack here or when serialised; MongoDB
  // itself stops at 100 levels, but other servers speaking its protocol may not.
  if (depth >= JSON_LIMITS.maxDepth) throw new ValueLimitError(`a document nests deeper than cdc decodes (${JSON_LIMITS.maxDepth} levels)`);
  if (Array.isArray(value)) return value.map((v) => bsonToJson(v, depth + 1));
  if (value instanceof Date) return dateToJson(value);
  if (value instanceof Uint8Array) return bytesToBase64(value);
  if (value instanceof RegExp) return String(value);
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsonType === 'string') return bsonValueToJson(bsonType, value as Record<string, any>, depth);
  return documentToJson(value as Record<string, unknown>, depth);
}

/** A document (row image): every field mapped; `__proto__` stays an ordinary key. */
export function documentToJson(doc: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(doc)) setOwn(out, key, bsonToJson(doc[key], depth + 1));
  return out;
}

function bsonValueToJson(type: string, v: Record<string, any>, depth: number): unknown {
  switch (type) {
    case 'ObjectId':
      return v.toHexString();
    case 'Decimal128':
      return v.toString();
    case 'Long':
      return integerFromText(v.toString());
    case 'Int32':
    case 'Double':
      return numberToJson(Number(v.valueOf()));
    case 'Binary':
      return (v as { toString(encoding: 'base64'): string }).toString('base64');
    case 'Timestamp':
      return { t: Number(v.t), i: Number(v.i) };
    case 'BSONRegExp':
      return `/${v.pattern}/${v.options}`;
    case 'BSONSymbol':
      return String(v.valueOf());
    case 'Code':
      return v.scope ? { code: String(v.code), scope: bsonToJson(v.scope, depth + 1) } : String(v.code);
    case 'DBRef': {
      const ref: Record<string, unknown> = { $ref: v.collection, $id: bsonToJson(v.oid, depth + 1) };
      if (v.db) ref.$db = v.db;
      return ref;
    }
    case 'MinKey':
      return { $minKey: 1 };
    case 'MaxKey':
      return { $maxKey: 1 };
    default:
      return documentToJson(v, depth);
  }
}

function numberToJson(n: number): number | string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  // -0 and 0 are the same JSON value (as in src/core/lossless-json.ts).
  return n === 0 ? 0 : n;
}

function dateToJson(d: Date): string | null {
  // A BSON date is any int64 of milliseconds; beyond ±8.64e15 ms the driver yields an invalid Date.
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
