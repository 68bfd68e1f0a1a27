import type { Dialect } from './source-database.js';

/** Which adapter family a `--source` URL belongs to. */
export type SourceKind = Dialect | 'pglite';

export function sourceKind(url: string): SourceKind | null {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  if (scheme === 'mongodb' || scheme === 'mongodb+srv') return 'mongodb';
  if (scheme === 'pglite') return 'pglite';
  return null;
}
