import { randomUUID } from 'node:crypto';
import kafkajs, { type IHeaders, type Kafka as KafkaClient } from 'kafkajs';
import { eventSchemaViolation } from './event-schema.js';

const { Kafka, logLevel } = kafkajs;

export const KAFKA_BROKERS = (process.env.CDC_TEST_KAFKA ?? '127.0.0.1:9092').split(',');

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: any;
  headers: Record<string, string>;
  /** The record timestamp in ms since the epoch (CreateTime, or LogAppendTime where the topic says so). */
  timestamp: string;
}

export function testKafka(brokers: string[] = KAFKA_BROKERS): KafkaClient {
  return new Kafka({ clientId: 'cdc-test', brokers, logLevel: logLevel.NOTHING });
}

/** A topic-safe unique id for one test (source ids become topic prefixes). */
export function uniqueId(prefix = 't'): string {
  return `${prefix}${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/**
 * What the consumed topics carry. `native` (the default): cdc's own ChangeEvents, each checked
 * against schema/change-event.schema.json as it arrives, so every test that reads cdc's output
 * also proves the published contract (README). `other`: Debezium envelopes, tombstones, or
 * transformed values, which that schema does not describe; the test checks them its own way.
 * Dead-letter topics (`….dlq`) are never checked against the event schema.
 */
export type TopicContent = 'native' | 'other';

/**
 * Reads every message of `topics` from the beginning until `until(messages)` holds, or until no
 * new message arrived for `idleMs` after at least `minWaitMs`, whichever first; fails after
 * `timeoutMs`, and at the first native event that breaks the schema. Returns messages in
 * partition order per partition (the order Kafka guarantees).
 */
export async function consumeAll(
  topics: string[],
  opts: { until?: (m: ConsumedMessage[]) => boolean; idleMs?: number; timeoutMs?: number; brokers?: string[]; content?: TopicContent } = {},
): Promise<ConsumedMessage[]> {
  const { until, idleMs = 1500, timeoutMs = 60_000, content = 'native' } = opts;
  const kafka = testKafka(opts.brokers);
  const admin = kafka.admin();
  await admin.connect();
  // The service creates its topics on first write: with a condition to wait for, wait for them too.
  const start = Date.now();
  let present: string[];
  for (;;) {
    const existing = new Set(await admin.listTopics());
    present = topics.filter((t) => existing.has(t));
    if (present.length === topics.length || !until || Date.now() - start > timeoutMs) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await admin.disconnect();
  if (present.length === 0) return [];
  const consumer = kafka.consumer({ groupId: uniqueId('g'), sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const messages: ConsumedMessage[] = [];
  let invalid: string | null = null;
  let last = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: present, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const value = message.value ? JSON.parse(message.value.toString()) : null;
        // Recorded, not thrown: an exception here would make kafkajs retry the message, not fail the test.
        // Dead-letter topics (`<topic>.dlq`) carry dead-letter records (src/core/sink.ts), never ChangeEvents.
        if (content === 'native' && !topic.endsWith('.dlq') && invalid === null) {
          const why = eventSchemaViolation(value);
          if (why) invalid = `${topic}[${partition}]@${message.offset}: ${why}`;
        }
        messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value,
          headers: decodeHeaders(message.headers),
          timestamp: message.timestamp,
        });
        last = Date.now();
      },
    });
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      if (invalid !== null) throw new Error(`consumeAll: ${invalid} (pass content: 'other' for topics that do not carry native ChangeEvents)`);
      if (until?.(messages)) break;
      if (!until && messages.length > 0 && Date.now() - last > idleMs) break;
      if (!until && messages.length === 0 && Date.now() - start > Math.max(idleMs * 4, 6000)) break;
      if (Date.now() - start > timeoutMs) {
        if (until) throw new Error(`consumeAll: condition not met after ${timeoutMs} ms with ${messages.length} messages`);
        break;
      }
    }
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

function decodeHeaders(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k] = v.toString();
  return out;
}

/**
 * Messages written to `topic` so far (sum of its partitions' high watermarks); 0 if it does not
 * exist yet. Retries what the broker calls retriable for up to 15 s: right after a topic is
 * created, or a broker restarted, its partition leader is briefly unknown (NOT_LEADER_FOR_PARTITION).
 */
export async function topicOffset(topic: string, brokers?: string[]): Promise<number> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    for (const deadline = Date.now() + 15_000; ; ) {
      try {
        if (!(await admin.listTopics()).includes(topic)) return 0;
        return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
      } catch (err) {
        if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await admin.disconnect();
  }
}
