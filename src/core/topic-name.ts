/**
 * Kafka topic names allow [a-zA-Z0-9._-] and at most 249 characters. Table names may hold
 * anything (spaces, quotes, capitals), so other characters become `_`, and an over-long name is cut
 * and suffixed with a hash so two tables never share a topic by truncation.
 */
import { createHash } from 'node:crypto';

export function topicName(template: string, sourceId: string, table: string): string {
  const raw = template.replaceAll('{source_id}', sourceId).replaceAll('{table}', table);
  const clean = raw.replace(/[^a-zA-Z0-9._-]/g, '_');
  if (clean.length <= 249 && clean !== '.' && clean !== '..') return clean;
  const hash = createHash('sha1').update(raw).digest('hex').slice(0, 10);
  return `${clean.slice(0, 238)}_${hash}`;
}
