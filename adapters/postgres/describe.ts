import type { ColumnSpec, TableSpec } from '../../src/core/table-spec.js';
import type { TableRef } from '../../src/core/table-ref.js';
import { UserInputError } from '../../src/core/errors.js';
import type { PgQueryable } from './driver.js';
import { findTable, primaryKeyColumns } from './introspect.js';

interface Row {
  name: string;
  nullable: boolean;
  declared: string;
  base: string;
  element: string | null;
  element_declared: string | null;
  /** JSON text: both drivers return it unparsed. */
  labels: string | null;
}

/**
 * Columns with their declared types (domains resolved to their base type and typmod), for formats
 * that encode by type (src/format/debezium). One catalog query per schema version of the table.
 */
const QUERY = `
  SELECT a.attname::text AS name, NOT a.attnotnull AS nullable,
         format_type(bt.oid, m.typmod) AS declared, bt.typname::text AS base,
         et.typname::text AS element, format_type(et.oid, m.typmod) AS element_declared,
         (SELECT json_agg(e.enumlabel::text ORDER BY e.enumsortorder)::text FROM pg_enum e
           WHERE e.enumtypid = COALESCE(et.oid, bt.oid)) AS labels
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
    CROSS JOIN LATERAL (SELECT CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod) m
    LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A' AND bt.typlen = -1
   WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
   ORDER BY a.attnum`;

export async function describeTable(q: PgQueryable, database: string, table: TableRef): Promise<TableSpec> {
  const found = await findTable(q, table);
  if (!found) throw new UserInputError(`table ${table.schema}.${table.name} does not exist`);
  const { rows } = await q.query<Row>(QUERY, [found.oid]);
  const columns = rows.map((r): ColumnSpec => {
    const spec: ColumnSpec = { name: r.name, type: r.base, nullable: r.nullable, ...typmodOf(r.declared) };
    if (r.element) spec.element = { name: r.name, type: r.element, nullable: true, ...typmodOf(r.element_declared ?? '') };
    if (r.labels) (spec.element ?? spec).enumValues = JSON.parse(r.labels) as string[];
    return spec;
  });
  return { dialect: 'postgres', database, schema: table.schema, table: table.name, columns, keyColumns: await primaryKeyColumns(q, found.oid) };
}

/** `numeric(12,2)` → {length 12, scale 2}; `timestamp(3) with time zone` → {length 3}. */
export function typmodOf(declared: string): { length?: number; scale?: number } {
  const m = /\((\d+)(?:,(\d+))?\)/.exec(declared);
  if (!m) return {};
  return m[2] === undefined ? { length: Number(m[1]) } : { length: Number(m[1]), scale: Number(m[2]) };
}
