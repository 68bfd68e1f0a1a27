/**
 * How a column's values are mapped to canonical JSON (README "Type fidelity"). Built once per table
 * from the catalog (introspect.ts) and shared by both decoders, so the trigger images and a plain
 * SELECT (and later pgoutput's text values) go through the same rules.
 */
export type ScalarKind =
  | 'int' // int2, int4, oid → number
  | 'int8' // number when |v| ≤ 2^53−1, else the digit string
  | 'numeric' // always the string PostgreSQL prints ("12.50", "NaN")
  | 'float' // number; NaN/±Infinity as strings
  | 'bool'
  | 'date'
  | 'timestamp'
  | 'timestamptz' // normalized to UTC "…Z", printed fraction kept
  | 'bytea' // base64
  | 'json' // json, jsonb: nested JSON with the lossless number rule
  | 'string'; // everything else, as PostgreSQL prints it (text, uuid, money, interval, time, ranges…)

export type PgType =
  | { readonly kind: ScalarKind }
  | { readonly kind: 'array'; readonly element: PgType; readonly delimiter: string }
  | { readonly kind: 'record'; readonly fields: readonly ColumnType[] };

export interface ColumnType {
  readonly name: string;
  readonly type: PgType;
}

const scalar = (kind: ScalarKind): PgType => ({ kind });

/** Built-in scalar types by OID (fixed across PostgreSQL versions, see pg_type.dat). */
export const BUILTIN_TYPES: ReadonlyMap<number, PgType> = new Map([
  [16, scalar('bool')],
  [17, scalar('bytea')],
  [20, scalar('int8')],
  [21, scalar('int')],
  [23, scalar('int')],
  [26, scalar('int')],
  [114, scalar('json')],
  [3802, scalar('json')],
  [700, scalar('float')],
  [701, scalar('float')],
  [1700, scalar('numeric')],
  [1082, scalar('date')],
  [1114, scalar('timestamp')],
  [1184, scalar('timestamptz')],
]);

export const STRING_TYPE: PgType = scalar('string');

/** The pg_type facts the mapping needs. */
export interface PgTypeRow {
  oid: number;
  typtype: string; // b base, c composite, d domain, e enum, r range, m multirange, p pseudo
  baseType: number; // domains: the underlying type
  elementType: number; // arrays: the element type
  typlen: number;
  category: string; // 'A' for arrays
  delimiter: string;
  relid: number; // composites: their pg_class row
}

export interface TypeCatalog {
  types: ReadonlyMap<number, PgTypeRow>;
  /** Composite attributes by relid, in attnum order. */
  fields: ReadonlyMap<number, readonly { name: string; typeOid: number }[]>;
}

/** Resolves an OID through domains, arrays and composites into a PgType. Unknown → string. */
export function resolveType(oid: number, catalog: TypeCatalog, depth = 0): PgType {
  const builtin = BUILTIN_TYPES.get(oid);
  if (builtin) return builtin;
  const t = catalog.types.get(oid);
  if (!t || depth > 32) return STRING_TYPE;
  if (t.typtype === 'd') return resolveType(t.baseType, catalog, depth + 1);
  // typlen −1 excludes fixed-size types with an element type (point, name) that print as scalars.
  if (t.category === 'A' && t.elementType !== 0 && t.typlen === -1) {
    return { kind: 'array', element: resolveType(t.elementType, catalog, depth + 1), delimiter: t.delimiter };
  }
  if (t.typtype === 'c') {
    const fields = catalog.fields.get(t.relid) ?? [];
    return { kind: 'record', fields: fields.map((f) => ({ name: f.name, type: resolveType(f.typeOid, catalog, depth + 1) })) };
  }
  return STRING_TYPE;
}
