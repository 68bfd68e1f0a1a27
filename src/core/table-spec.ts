import type { ChangeEvent } from './change-event.js';
import type { Dialect } from './source-database.js';

/**
 * A column's declared type, as the database names it: what a format needs beyond the canonical
 * value to encode it the way another tool does (Debezium writes `numeric(12,2)` as an unscaled
 * integer at scale 2, `time(3)` in milliseconds, `time` in microseconds). The native format never
 * looks at it.
 */
export interface ColumnSpec {
  name: string;
  /**
   * The base type's own name, lower case, domains resolved: PostgreSQL's typname (`int8`,
   * `numeric`, `timestamptz`, `_int4` for an array with `element` set), MySQL's DATA_TYPE.
   */
  type: string;
  /** Declared length or precision: numeric(12,2) → 12, varchar(20) → 20, timestamp(3) → 3. */
  length?: number;
  /** Declared scale: numeric(12,2) → 2. */
  scale?: number;
  nullable: boolean;
  /** Arrays: the element's type. */
  element?: ColumnSpec;
  /** Enum labels in declaration order. */
  enumValues?: string[];
  /** MySQL integer types declared UNSIGNED. */
  unsigned?: boolean;
}

/** The captured table as its database describes it, columns in declaration order. */
export interface TableSpec {
  dialect: Dialect;
  /** Which server of the dialect: MariaDB and MySQL differ in types (MariaDB's JSON is LONGTEXT). */
  flavor?: 'mysql' | 'mariadb';
  /** The database's own name (not the source_id). */
  database: string;
  /** PostgreSQL schema; null where the dialect has none (MySQL: the database is the schema). */
  schema: string | null;
  table: string;
  columns: ColumnSpec[];
  keyColumns: string[];
}

const SPEC = Symbol('cdc.tableSpec');

/**
 * Hands the table's spec to the encoders with the event, invisibly: a non-enumerable symbol
 * property is skipped by JSON.stringify, spread and deepStrictEqual, so the native format and
 * event_id stay byte-for-byte what they were.
 */
export function attachTableSpec<T extends ChangeEvent>(event: T, spec: TableSpec): T {
  Object.defineProperty(event, SPEC, { value: spec, enumerable: false, configurable: true });
  return event;
}

export function tableSpecOf(event: ChangeEvent): TableSpec | undefined {
  return (event as unknown as Record<symbol, TableSpec | undefined>)[SPEC];
}
