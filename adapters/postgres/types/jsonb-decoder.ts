import { ValueLimitError } from '../../../src/core/errors.js';
import { isRawNumber, normalizeJson, parseJsonRaw, setOwn, withJsonSource } from '../../../src/core/lossless-json.js';
import { integerFromText } from '../../../src/core/values.js';
import type { Row } from '../../../src/core/change-event.js';
import { byteaToBase64, canonicalDate, canonicalFloat, canonicalTimestamp, canonicalTimestamptz } from './canonical.js';
import type { PgType } from './pg-type.js';

/**
 * `to_jsonb(row)` images (what the capture trigger stores) → canonical values. to_jsonb writes
 * numeric-category types as JSON numbers with every digit, NaN/Infinity as strings, dates in ISO
 * with the *writer's* offset, bytea in the writer's bytea_output, and most other types as their
 * text output; so the image is parsed losslessly and each column mapped by its declared type.
 * Must agree with text-decoder.ts (test/unit/postgres-decoders.test.ts checks both on one table).
 */
export function decodeJsonb(type: PgType, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  switch (type.kind) {
    case 'int':
      return Number(scalarText(raw));
    case 'int8':
      return integerFromText(scalarText(raw));
    case 'numeric':
      return scalarText(raw);
    case 'float':
      return canonicalFloat(scalarText(raw));
    case 'bool':
      return raw === true || raw === 't' || raw === 'true';
    case 'date':
      return canonicalDate(scalarText(raw));
    case 'timestamp':
      return canonicalTimestamp(scalarText(raw));
    case 'timestamptz':
      return canonicalTimestamptz(scalarText(raw));
    case 'bytea':
      return byteaToBase64(scalarText(raw));
    case 'json':
      return withJsonSource(normalizeJson(raw), raw);
    case 'string':
      // Types with a cast to json (hstore) arrive as JSON; keep them as such.
      return typeof raw === 'string' ? raw : normalizeJson(raw);
    case 'array': {
      if (!Array.isArray(raw)) return normalizeJson(raw);
      const element = type.element;
      // Nested arrays are further dimensions, except for json elements, where an inner array is the
      // element itself; both read the same once mapped, so the canonical value is unambiguous.
      const map = (v: unknown): unknown =>
        Array.isArray(v) && element.kind !== 'json' ? v.map(map) : decodeJsonb(element, v);
      return raw.map(map);
    }
    case 'record': {
      if (typeof raw !== 'object' || Array.isArray(raw) || isRawNumber(raw)) return normalizeJson(raw);
      const obj = raw as Record<string, unknown>;
      const out: Row = {};
      for (const f of type.fields) setOwn(out, f.name, decodeJsonb(f.type, Object.hasOwn(obj, f.name) ? obj[f.name] : null));
      return out;
    }
  }
}

/** One decoded image; `unknownColumns` tells the source to reload the table's columns. */
export interface DecodedImage {
  row: Row;
  unknownColumns: string[];
  /** Values their type's mapping rejected; kept as plain lossless JSON rather than stopping capture. */
  invalidColumns: string[];
}

/**
 * Parses an image (`after::text`) and maps each column. Columns missing from `types` (the table
 * was altered since the types were loaded, or the image predates a dropped column) keep the
 * generic lossless JSON mapping and are reported.
 */
export function decodeJsonbImage(types: ReadonlyMap<string, PgType>, text: string): DecodedImage {
  const parsed = parseJsonRaw(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('row image is not a JSON object');
  const row: Row = {};
  const unknownColumns: string[] = [];
  const invalidColumns: string[] = [];
  const image = parsed as Record<string, unknown>;
  for (const name in image) {
    const raw = image[name];
    const type = types.get(name);
    let value: unknown;
    if (!type) {
      unknownColumns.push(name);
      value = normalizeJson(raw);
    } else {
      try {
        value = decodeJsonb(type, raw);
      } catch (err) {
        if (err instanceof ValueLimitError) throw err;
        invalidColumns.push(name);
        value = normalizeJson(raw);
      }
    }
    setOwn(row, name, value);
  }
  return { row, unknownColumns, invalidColumns };
}

function scalarText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (isRawNumber(raw)) return raw.value;
  if (typeof raw === 'boolean') return String(raw);
  throw new Error(`expected a scalar in a row image, got ${JSON.stringify(normalizeJson(raw))}`);
}
