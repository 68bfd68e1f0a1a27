import type { ColumnSpec, TableSpec } from '../../src/core/table-spec.js';
import type { TableRef } from '../../src/core/table-ref.js';
import { UserInputError } from '../../src/core/errors.js';
import type { MysqlQueryable } from './driver.js';
import { describeTable } from './introspect.js';

/**
 * Columns with their declared types (COLUMN_TYPE's precision, scale, UNSIGNED, ENUM/SET labels),
 * for formats that encode by type (src/format/debezium). MariaDB's JSON keeps DATA_TYPE
 * `longtext`, as MariaDB itself declares it.
 */
export async function describeSpec(q: MysqlQueryable, table: TableRef, mariadb: boolean): Promise<TableSpec> {
  const info = await describeTable(q, table);
  if (!info) throw new UserInputError(`table ${table.schema}.${table.name} does not exist`);
  const columns = info.columns.map((c): ColumnSpec => {
    const spec: ColumnSpec = { name: c.name, type: c.dataType, nullable: c.nullable ?? true };
    if (/\bunsigned\b/i.test(c.columnType)) spec.unsigned = true;
    const labels = /^(?:enum|set)\((.*)\)$/is.exec(c.columnType);
    if (labels) spec.enumValues = parseLabels(labels[1]!);
    else if (['datetime', 'timestamp', 'time'].includes(c.dataType)) spec.length = c.fsp;
    else {
      const m = /\((\d+)(?:,(\d+))?\)/.exec(c.columnType);
      if (m) {
        spec.length = Number(m[1]);
        if (m[2] !== undefined) spec.scale = Number(m[2]);
      }
    }
    return spec;
  });
  return { dialect: 'mysql', flavor: mariadb ? 'mariadb' : 'mysql', database: table.schema, schema: null, table: table.name, columns, keyColumns: info.primaryKey };
}

/** `'a','b''c'` → ['a', "b'c"] (COLUMN_TYPE doubles quotes inside labels). */
function parseLabels(list: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^']|'')*)'/g;
  for (const m of list.matchAll(re)) out.push(m[1]!.replaceAll("''", "'"));
  return out;
}
