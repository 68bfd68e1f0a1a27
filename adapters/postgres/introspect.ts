import { createHash } from 'node:crypto';
import type { TableRef } from '../../src/core/table-ref.js';
import type { PgQueryable } from './driver.js';
import type { ColumnType, PgTypeRow, TypeCatalog } from './types/pg-type.js';
import { BUILTIN_TYPES, resolveType } from './types/pg-type.js';

/**
 * Catalog lookups. Names are always bound parameters compared with pg_namespace/pg_class, never
 * parsed by regclass or spliced into SQL, so any spelling of a table name is safe here.
 */

export interface TableInfo {
  oid: number;
  relkind: string;
}

/** Ordinary or partitioned table by exact schema and name; null when there is none. */
export async function findTable(q: PgQueryable, t: TableRef): Promise<TableInfo | null> {
  const { rows } = await q.query<{ oid: number; relkind: string }>(
    `SELECT c.oid::int AS oid, c.relkind::text AS relkind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [t.schema, t.name],
  );
  const row = rows[0];
  return row ? { oid: Number(row.oid), relkind: row.relkind } : null;
}

/** The primary key's columns in key order; empty when the table has none. */
export async function primaryKeyColumns(q: PgQueryable, tableOid: number): Promise<string[]> {
  const { rows } = await q.query<{ name: string }>(
    `SELECT a.attname::text AS name
       FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1 AND i.indisprimary
      ORDER BY k.ord`,
    [tableOid],
  );
  return rows.map((r) => r.name);
}

/** A column as the schema history records it (cdc.schema_versions, `cdc schema`). */
export interface ColumnDefinition {
  name: string;
  /** format_type(): `numeric(12,2)`, `character varying(20)`, `text[]`. */
  type: string;
  nullable: boolean;
}

export interface TableColumns {
  columns: ColumnType[];
  /** Names and declared types; changes exactly when an event's schema should change. */
  signature: string;
  definition: ColumnDefinition[];
}

/** Live columns with their mapping types, in attnum order. */
export async function loadColumns(q: PgQueryable, tableOid: number): Promise<TableColumns> {
  const { rows } = await q.query<{ name: string; type_oid: number; type_name: string; not_null: boolean }>(
    `SELECT attname::text AS name, atttypid::int AS type_oid, format_type(atttypid, atttypmod) AS type_name,
            attnotnull AS not_null
       FROM pg_attribute
      WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped
      ORDER BY attnum`,
    [tableOid],
  );
  const catalog = await loadTypeCatalog(q, rows.map((r) => Number(r.type_oid)));
  const columns = rows.map((r) => ({ name: r.name, type: resolveType(Number(r.type_oid), catalog) }));
  const signature = createHash('sha1')
    .update(JSON.stringify(rows.map((r) => [r.name, r.type_name])))
    .digest('hex');
  // Nullability is recorded but not part of the signature: it does not change an event's shape.
  const definition = rows.map((r) => ({ name: r.name, type: r.type_name, nullable: !r.not_null }));
  return { columns, signature, definition };
}

/** pg_type rows reachable from `oids` through domains, array elements and composite fields. */
async function loadTypeCatalog(q: PgQueryable, oids: number[]): Promise<TypeCatalog> {
  const types = new Map<number, PgTypeRow>();
  const fields = new Map<number, { name: string; typeOid: number }[]>();
  const wanted = (oid: number) => oid !== 0 && !BUILTIN_TYPES.has(oid) && !types.has(oid);
  let pending = [...new Set(oids.filter(wanted))];
  for (let depth = 0; pending.length > 0 && depth < 32; depth++) {
    const { rows } = await q.query<Record<string, string | number>>(
      `SELECT oid::int AS oid, typtype::text AS typtype, typbasetype::int AS base, typelem::int AS elem,
              typlen::int AS typlen, typcategory::text AS category, typdelim::text AS delim, typrelid::int AS relid
         FROM pg_type WHERE oid = ANY($1::oid[])`,
      [pending],
    );
    const next: number[] = [];
    const relids: number[] = [];
    for (const r of rows) {
      const t: PgTypeRow = {
        oid: Number(r.oid),
        typtype: String(r.typtype),
        baseType: Number(r.base),
        elementType: Number(r.elem),
        typlen: Number(r.typlen),
        category: String(r.category),
        delimiter: String(r.delim),
        relid: Number(r.relid),
      };
      types.set(t.oid, t);
      next.push(t.baseType, t.elementType);
      if (t.typtype === 'c' && t.relid !== 0) relids.push(t.relid);
    }
    if (relids.length > 0) {
      const { rows: attrs } = await q.query<{ relid: number; name: string; type_oid: number }>(
        `SELECT attrelid::int AS relid, attname::text AS name, atttypid::int AS type_oid
           FROM pg_attribute WHERE attrelid = ANY($1::oid[]) AND attnum > 0 AND NOT attisdropped
          ORDER BY attrelid, attnum`,
        [relids],
      );
      for (const a of attrs) {
        const list = fields.get(Number(a.relid)) ?? [];
        list.push({ name: a.name, typeOid: Number(a.type_oid) });
        fields.set(Number(a.relid), list);
        next.push(Number(a.type_oid));
      }
    }
    pending = [...new Set(next.filter(wanted))];
  }
  return { types, fields };
}
