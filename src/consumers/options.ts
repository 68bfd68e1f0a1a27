import type { ConsumerRoute } from '../core/consumer-route.js';
import { UserInputError } from '../core/errors.js';
import { consumerTopic, validateConsumerRoute } from './validate.js';

/** `cdc route` flags as commander hands them over: repeatable lists, each item may be comma-separated. */
export interface RouteFlags {
  kafka?: string;
  consumerId?: string;
  sourceTopic?: string[];
  table?: string[];
  column?: string[];
  operation?: string[];
}

/** The brokers and the validated route; every error is one line naming the flag. */
export function resolveRouteFlags(f: RouteFlags): { brokers: string[]; route: ConsumerRoute } {
  const brokers = split(f.kafka ? [f.kafka] : []);
  if (brokers.length === 0) throw new UserInputError('missing --kafka <host:port,…> (or CDC_KAFKA_BROKERS)');
  if (!f.consumerId) throw new UserInputError('missing --consumer-id <id>');
  const sourceTopics = split(f.sourceTopic);
  if (sourceTopics.length === 0) throw new UserInputError('missing --source-topic <topic>: give every topic of the source (one per table)');
  try {
    const route = validateConsumerRoute({
      consumerId: f.consumerId,
      sourceTopics,
      targetTopic: consumerTopic(f.consumerId),
      tables: split(f.table),
      columns: split(f.column),
      operations: split(f.operation) as ConsumerRoute['operations'],
    });
    return { brokers, route };
  } catch (err) {
    throw new UserInputError(`${flagOf((err as Error).message)}${(err as Error).message}`, { cause: err });
  }
}

/** Names the flag in front of the validator's field-worded message. */
function flagOf(message: string): string {
  if (message.startsWith('consumer id')) return '--consumer-id: ';
  if (message.startsWith('source topic') || message.startsWith('target topic')) return '--source-topic: ';
  if (message.startsWith('table')) return '--table: ';
  if (message.startsWith('column')) return '--column: ';
  if (message.startsWith('operation')) return '--operation: ';
  return '';
}

function split(list: string[] | undefined): string[] {
  return (list ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}
