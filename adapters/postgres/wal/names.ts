import { createHash } from 'node:crypto';
import type { TableRef } from '../../../src/core/table-ref.js';
import { qualifiedName } from '../../../src/core/table-ref.js';

/**
 * The replication slot and publication of one WAL-captured table: `cdc_<table>_<12 hex>`.
 * Slots are cluster-wide while tables are per database, so the hash covers the database name
 * too (`public.users` in two databases of one server must not share a slot). Always a plain
 * lowercase identifier under PostgreSQL's 63-byte limit, so it is safe in replication commands,
 * which take no bound parameters.
 */
export function walObjectName(database: string, t: TableRef): string {
  const hash = createHash('sha1').update(`${database}\u0000${qualifiedName(t)}`).digest('hex').slice(0, 12);
  const readable = t.name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '');
  return readable ? `cdc_${readable}_${hash}` : `cdc_${hash}`;
}

/** Prefix of the logical messages cdc writes into the WAL for one slot (heartbeats, switch markers, snapshot chunks). */
export function messagePrefix(slot: string, kind: 'heartbeat' | 'switch' | 'snapshot'): string {
  return `cdc:${kind}:${slot}`;
}
