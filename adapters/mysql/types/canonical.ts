import { integerFromText } from '../../../src/core/values.js';

/**
 * How a MySQL column type maps to its canonical JSON value (README "Type fidelity"). Both
 * decoders — the trigger image and a plain SELECT — produce exactly these forms:
 *
 *   int      TINYINT…INT, YEAR, BOOLEAN (= TINYINT(1))   number
 *   bigint   BIGINT [UNSIGNED]                           number when |v| ≤ 2^53−1, else digit string
 *   bit      BIT(n)                                      as bigint
 *   decimal  DECIMAL/NUMERIC                             string with every digit and the scale: "12.50"
 *   float    FLOAT, DOUBLE                               number, as the server prints it
 *   text     CHAR, VARCHAR, TEXT, ENUM, SET              string
 *   binary   BINARY, VARBINARY, BLOB                     base64 (no line breaks)
 *   date     DATE                                        "YYYY-MM-DD"
 *   time     TIME                                        as printed: "-838:59:59.00"
 *   datetime DATETIME(fsp)                               "YYYY-MM-DDTHH:MM:SS[.f×fsp]", no zone
 *   timestamp TIMESTAMP(fsp)                             "YYYY-MM-DDTHH:MM:SS[.f×fsp]Z", UTC
 *   json     JSON (MySQL) / LONGTEXT CHECK json_valid (MariaDB)   nested JSON, lossless numbers
 *   geometry GEOMETRY and subtypes                       WKT string
 *   other    anything else (MariaDB INET6, UUID, …)      the server's text form
 *
 * Dates with a zero month or day ('0000-00-00', '2020-00-05') are not ISO dates; they are emitted
 * exactly as the server prints them.
 */
export type ColumnKind =
  | 'int'
  | 'bigint'
  | 'bit'
  | 'decimal'
  | 'float'
  | 'text'
  | 'binary'
  | 'date'
  | 'time'
  | 'datetime'
  | 'timestamp'
  | 'json'
  | 'geometry'
  | 'other';

export interface CanonicalColumn {
  name: string;
  kind: ColumnKind;
  /** Fractional-second digits of TIME/DATETIME/TIMESTAMP (0–6). */
  fsp: number;
}

const KINDS: Record<string, ColumnKind> = {
  tinyint: 'int',
  smallint: 'int',
  mediumint: 'int',
  int: 'int',
  integer: 'int',
  year: 'int',
  bigint: 'bigint',
  bit: 'bit',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float',
  double: 'float',
  real: 'float',
  'double precision': 'float',
  char: 'text',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  enum: 'text',
  set: 'text',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  date: 'date',
  time: 'time',
  datetime: 'datetime',
  timestamp: 'timestamp',
  json: 'json',
  geometry: 'geometry',
  point: 'geometry',
  linestring: 'geometry',
  polygon: 'geometry',
  multipoint: 'geometry',
  multilinestring: 'geometry',
  multipolygon: 'geometry',
  geometrycollection: 'geometry',
  geomcollection: 'geometry',
};

/**
 * Kind of a column from information_schema.COLUMNS.DATA_TYPE. `jsonChecked` marks MariaDB's JSON
 * type, which information_schema reports as longtext with a json_valid() CHECK constraint.
 */
export function columnKind(dataType: string, jsonChecked: boolean): ColumnKind {
  const kind = KINDS[dataType.toLowerCase()] ?? 'other';
  if (jsonChecked && kind === 'text') return 'json';
  return kind;
}

const ZERO_DATE_PART = /^\d{4}-(?:00-|\d\d-00)/;

/** DATETIME as printed ('2024-01-02 03:04:05.678') → canonical. */
export function datetimeFromText(printed: string): string {
  return ZERO_DATE_PART.test(printed) ? printed : printed.replace(' ', 'T');
}

/** TIMESTAMP printed in UTC → canonical; the zero timestamp stays as printed. */
export function timestampFromUtcText(printed: string): string {
  return ZERO_DATE_PART.test(printed) ? printed : `${printed.replace(' ', 'T')}Z`;
}

/** A FLOAT/DOUBLE as printed by the server → number (-0 and 0 are one JSON value). */
export function floatFromText(printed: string): number {
  const n = Number(printed);
  if (Number.isNaN(n)) throw new Error(`not a number: ${JSON.stringify(printed)}`);
  return n === 0 ? 0 : n;
}

/** An integer as printed (BIGINT, BIT as decimal) → number when safe, else the digit string. */
export function integerValue(printed: string): number | string {
  const v = integerFromText(printed);
  return v === 0 ? 0 : v;
}
