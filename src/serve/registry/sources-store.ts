import type { Knex } from 'knex';
import type { SecretBox } from '../secret-box.js';
import type { SourceSpec } from '../source-spec.js';
import type { SourceOptions } from '../schemas.js';

export interface SourceRow {
  id: string;
  db_type: string;
  connection_sealed: string;
  display_url: string;
  options: string;
  status: string;
  created_at: string;
  updated_at: string;
}

export async function getSourceRow(db: Knex, id: string): Promise<SourceRow | undefined> {
  return db<SourceRow>('sources').where({ id }).first();
}

export async function sourceTables(db: Knex, id: string): Promise<{ table_name: string; mode: 'trigger' | 'log' }[]> {
  return db('tables').where({ source_id: id }).orderBy('position').select('table_name', 'mode');
}

/** The source as capture needs it, its connection string decrypted; never leaves the process. */
export async function loadSourceSpec(db: Knex, box: SecretBox, row: SourceRow): Promise<SourceSpec> {
  const tables = await sourceTables(db, row.id);
  return {
    id: row.id,
    dbType: row.db_type,
    url: box.open(row.connection_sealed),
    tables: tables.map((t) => ({ name: t.table_name, mode: t.mode })),
    options: JSON.parse(row.options) as SourceOptions,
  };
}

/** The API's view: the URL redacted, never the sealed secret. */
export async function sourceView(db: Knex, row: SourceRow) {
  const tables = await sourceTables(db, row.id);
  return {
    source_id: row.id,
    db_type: row.db_type,
    connection_string: row.display_url,
    tables: tables.map((t) => t.table_name),
    options: JSON.parse(row.options),
    status: row.status,
    created_at: row.created_at,
  };
}
