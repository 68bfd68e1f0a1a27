import type { ConsumerOperation, ConsumerRoute } from '../core/consumer-route.js';
import { UserInputError } from '../core/errors.js';

export const CONSUMER_OPERATIONS: readonly ConsumerOperation[] = ['INSERT', 'UPDATE', 'DELETE'];

/** Kafka's own rule for topic names (and so for the group and transactional ids derived from them). */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
/** The consumer id becomes part of a topic name, a group id and transactional ids: kept well below 249. */
const CONSUMER_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The consumer's topic: `cdc.consumer.<consumerId>`. */
export function consumerTopic(consumerId: string): string {
  return `cdc.consumer.${consumerId}`;
}

/** The router's consumer group: one per consumer, so its committed offsets are the consumer's progress. */
export function consumerGroupId(consumerId: string): string {
  return `cdc.consumer.${consumerId}`;
}

/**
 * Checks a route once, before anything connects; each error is one line naming the field. Returns
 * the route with operations upper-cased and lists de-duplicated.
 */
export function validateConsumerRoute(route: ConsumerRoute): ConsumerRoute {
  if (!CONSUMER_ID.test(route.consumerId ?? '')) {
    throw new UserInputError(`consumer id ${JSON.stringify(route.consumerId)} is invalid: use 1-128 of A-Z a-z 0-9 . _ - (it names a topic and a consumer group)`);
  }
  const sourceTopics = unique(route.sourceTopics ?? []);
  if (sourceTopics.length === 0) throw new UserInputError('source topics: at least one topic is needed');
  for (const t of sourceTopics) {
    if (!TOPIC_NAME.test(t)) throw new UserInputError(`source topic ${JSON.stringify(t)} is not a valid Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)`);
  }
  if (!TOPIC_NAME.test(route.targetTopic ?? '')) throw new UserInputError(`target topic ${JSON.stringify(route.targetTopic)} is not a valid Kafka topic name`);
  // Routing into one of its own sources would feed the router its own output, forever.
  if (sourceTopics.includes(route.targetTopic)) throw new UserInputError(`target topic ${route.targetTopic} is also a source topic: a route cannot read its own output`);
  const tables = unique(route.tables ?? []);
  for (const t of tables) {
    if (!/^[^.\s]+\..+$/.test(t)) throw new UserInputError(`table ${JSON.stringify(t)} must be qualified as schema.table (PostgreSQL) or db.table (MySQL, MongoDB)`);
  }
  const columns = unique(route.columns ?? []);
  for (const c of columns) if (c.length === 0) throw new UserInputError('column names must not be empty');
  const operations = unique((route.operations ?? []).map((o) => String(o).toUpperCase())) as ConsumerOperation[];
  for (const o of operations) {
    if (!CONSUMER_OPERATIONS.includes(o)) throw new UserInputError(`operation ${JSON.stringify(o)} is not one of ${CONSUMER_OPERATIONS.join(', ')}`);
  }
  return { consumerId: route.consumerId, sourceTopics, targetTopic: route.targetTopic, tables, columns, operations };
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
