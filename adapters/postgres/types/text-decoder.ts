import { parseJson, setOwn, withJsonSource } from '../../../src/core/lossless-json.js';
import { integerFromText } from '../../../src/core/values.js';
import type { Row } from '../../../src/core/change-event.js';
import { byteaToBase64, canonicalDate, canonicalFloat, canonicalTimestamp, canonicalTimestamptz } from './canonical.js';
import type { ArrayTexts } from './literals.js';
import { parseArrayLiteral, parseRecordLiteral } from './literals.js';
import type { ColumnType, PgType } from './pg-type.js';

/**
 * PostgreSQL text output → canonical value. The form a plain SELECT returns (when the driver's own
 * parsers are bypassed) and the form pgoutput sends, so it is the reference the trigger images are
 * checked against. Assumes the reading session's DateStyle ISO (cdc sets it); any TimeZone works.
 */
export function decodeText(type: PgType, text: string | null): unknown {
  if (text === null) return null;
  switch (type.kind) {
    case 'int':
      return Number(text);
    case 'int8':
      return integerFromText(text);
    case 'numeric':
      return text;
    case 'float':
      return canonicalFloat(text);
    case 'bool':
      return text === 't' || text === 'true';
    case 'date':
      return canonicalDate(text);
    case 'timestamp':
      return canonicalTimestamp(text);
    case 'timestamptz':
      return canonicalTimestamptz(text);
    case 'bytea':
      return byteaToBase64(text);
    case 'json':
      return withJsonSource(parseJson(text), text);
    case 'string':
      return text;
    case 'array': {
      const element = type.element;
      const map = (v: ArrayTexts[number]): unknown => (Array.isArray(v) ? v.map(map) : decodeText(element, v));
      return parseArrayLiteral(text, type.delimiter).map(map);
    }
    case 'record': {
      const values = parseRecordLiteral(text);
      const out: Row = {};
      type.fields.forEach((f, i) => setOwn(out, f.name, decodeText(f.type, values[i] ?? null)));
      return out;
    }
  }
}

/** A row of text values (a SELECT with raw text results, a pgoutput tuple) → canonical row. */
export function decodeTextRow(columns: readonly ColumnType[], values: Record<string, string | null>): Row {
  const out: Row = {};
  for (const c of columns) if (Object.hasOwn(values, c.name)) setOwn(out, c.name, decodeText(c.type, values[c.name] ?? null));
  return out;
}
