import type { Row } from '../../../src/core/change-event.js';
import { ValueLimitError } from '../../../src/core/errors.js';
import { parseJson, setOwn, withJsonSource } from '../../../src/core/lossless-json.js';
import { bytesToBase64 } from '../../../src/core/values.js';
import { roundDecimals, roundSignificant } from '../binlog/server-numbers.js';
import { geometryToWkt } from '../binlog/wkt.js';
import { datetimeFromText, integerValue, timestampFromUtcText, type CanonicalColumn } from './canonical.js';

/** What the binlog decoder knows of a column (from introspect.ts describeTable). */
export interface BinlogColumn extends CanonicalColumn {
  /** information_schema DATA_TYPE: tells FLOAT from DOUBLE, YEAR from INT, the geometry subtype. */
  dataType: string;
  /** Declared decimals of FLOAT(M,D)/DOUBLE(M,D), which the server prints with exactly D digits. */
  numericScale: number | null;
}

/**
 * Decoder (c): a row image as @vlasky/zongji decodes it from the binlog (reader.ts options:
 * dateStrings, timezone 'Z', jsonStrings, DECIMAL as strings) → the same canonical row as the
 * trigger image and the SELECT decoder (types/canonical.ts). What zongji hands over, per kind:
 *
 *   int        number; YEAR 0000 arrives as 1900 (zongji adds 1900 to the stored byte, and 1900
 *              is not a valid YEAR), so 1900 maps back to 0
 *   bigint     number, or an exact digit string beyond 2^53 — same rule as ours
 *   bit        Buffer (big-endian) → integer
 *   decimal    exact string with the scale ("12.50")
 *   float      the binary value: FLOAT as float32 (1.1 → 1.100000023841858); printed the way the
 *              server prints it (binlog/server-numbers.ts) before becoming a number
 *   text       string decoded in the column's charset; ENUM/SET labels from COLUMN_TYPE
 *   binary     Buffer (BINARY(n) re-padded to n bytes, as stored)
 *   temporal   text with the column's fractional digits; TIMESTAMP rendered in UTC
 *   json       text (MariaDB: LONGTEXT; MySQL: zongji's rendering of the binary JSON)
 *   geometry   nested {x, y} → WKT (binlog/wkt.ts)
 */
export function decodeBinlogRow(image: Record<string, unknown>, columns: ReadonlyMap<string, BinlogColumn>, mariadb: boolean): Row {
  const out: Row = {};
  for (const name of Object.keys(image)) {
    const col = columns.get(name);
    if (!col) throw new Error(`the binlog row has a column ${JSON.stringify(name)} the table does not have`);
    try {
      setOwn(out, name, decodeBinlogValue(col, image[name], mariadb));
    } catch (err) {
      const Kind = err instanceof ValueLimitError ? ValueLimitError : Error;
      throw new Kind(`column ${JSON.stringify(name)}: ${(err as Error).message}`);
    }
  }
  return out;
}

export function decodeBinlogValue(col: BinlogColumn, v: unknown, mariadb: boolean): unknown {
  if (v === null || v === undefined) return null;
  switch (col.kind) {
    case 'int': {
      const n = typeof v === 'number' ? v : Number(v);
      if (col.dataType === 'year' && n === 1900) return 0;
      return n === 0 ? 0 : n;
    }
    case 'bigint':
      return integerValue(String(v));
    case 'bit':
      return integerValue(BigInt(`0x${bytes(v).toString('hex') || '0'}`).toString());
    case 'decimal':
      return String(v);
    case 'float': {
      const n = typeof v === 'number' ? v : Number(v);
      if (col.numericScale !== null) return roundDecimals(n, col.numericScale);
      if (col.dataType === 'float') return roundSignificant(n, 6);
      return n === 0 ? 0 : n;
    }
    case 'binary':
      return bytesToBase64(bytes(v));
    case 'datetime':
      return datetimeFromText(text(v));
    case 'timestamp':
      return timestampFromUtcText(text(v));
    case 'json': {
      const t = text(v);
      return withJsonSource(parseJson(t), t);
    }
    case 'geometry':
      return geometryToWkt(col.dataType, v, mariadb);
    case 'text':
    case 'date':
    case 'time':
      return text(v);
    case 'other':
      // MariaDB UUID/INET4/INET6 arrive formatted on the information_schema path; under
      // binlog_row_metadata=FULL they would be raw bytes, which `cdc upgrade` refuses.
      if (Buffer.isBuffer(v)) throw new Error('a MariaDB UUID/INET value arrived as raw bytes (binlog_row_metadata=FULL)');
      return String(v);
  }
}

function bytes(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  throw new Error(`expected bytes, got ${typeof v}`);
}

function text(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}
