import type { Row } from '../../../src/core/change-event.js';
import { parseJson, setOwn } from '../../../src/core/lossless-json.js';
import { bytesToBase64 } from '../../../src/core/values.js';
import { quoteIdent } from '../identifiers.js';
import { datetimeFromText, floatFromText, integerValue, timestampFromUtcText, type CanonicalColumn } from './canonical.js';

/**
 * Decoder (b): a row read with a plain SELECT through this adapter's driver (text protocol,
 * supportBigNumbers + bigNumberStrings, dateStrings, jsonStrings, session time_zone '+00:00') →
 * the same canonical row as the trigger image. Use `canonicalSelectList` for the column list:
 * it is `*` spelled out, except GEOMETRY, which mysql2 would parse into objects, read as WKT.
 * The binary protocol (execute) is not supported: it hands FLOAT over as a float32 (1.1 →
 * 1.100000023841858), while the text protocol carries what the server prints.
 */
export function decodeSelectedRow(row: Record<string, unknown>, columns: readonly CanonicalColumn[], only?: readonly string[]): Row {
  const out: Row = {};
  columns.forEach((col, i) => {
    if (only && !only.includes(col.name)) return;
    const alias = selectedAlias(i);
    const at = Object.hasOwn(row, alias) ? alias : Object.hasOwn(row, col.name) ? col.name : null;
    if (at === null) throw new Error(`column ${JSON.stringify(col.name)} is missing from the selected row`);
    setOwn(out, col.name, decodeSelected(col, row[at]));
  });
  return out;
}

/**
 * Each column is selected under a positional alias: mysql2 refuses a result column named
 * "__proto__" (and then closes the connection), so a user's column name never names a result column.
 */
function selectedAlias(index: number): string {
  return `__cdc_c${index}`;
}

export function decodeSelected(col: CanonicalColumn, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (col.kind) {
    case 'int':
      return typeof v === 'number' ? v : integerValue(String(v));
    case 'bigint':
      return integerValue(String(v));
    case 'bit':
      return integerValue(BigInt(`0x${hexOf(v) || '0'}`).toString());
    case 'decimal':
      return String(v);
    case 'float':
      return typeof v === 'number' ? (v === 0 ? 0 : v) : floatFromText(String(v));
    case 'binary':
      return bytesToBase64(asBuffer(col, v));
    case 'datetime':
      return datetimeFromText(String(v));
    case 'timestamp':
      return timestampFromUtcText(String(v));
    case 'json':
      return parseJson(Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
    case 'geometry':
      if (typeof v !== 'string') throw new Error(`select GEOMETRY column ${JSON.stringify(col.name)} as ST_AsText(…) (canonicalSelectList)`);
      return v;
    case 'text':
    case 'date':
    case 'time':
    case 'other':
      return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  }
}

function asBuffer(col: CanonicalColumn, v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  throw new Error(`binary column ${JSON.stringify(col.name)} was not read as bytes`);
}

function hexOf(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  throw new Error('a BIT column must be read as bytes');
}

/** The SELECT list that decodeSelectedRow expects (each column under its positional alias). */
export function canonicalSelectList(columns: readonly CanonicalColumn[]): string {
  return columns
    .map((c, i) => `${c.kind === 'geometry' ? `ST_AsText(${quoteIdent(c.name)})` : quoteIdent(c.name)} AS ${selectedAlias(i)}`)
    .join(', ');
}
