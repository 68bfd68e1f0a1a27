import kafkajs, { type Admin, type Kafka as KafkaClient, type Message, type Producer } from 'kafkajs';
import type { ChangeEvent } from '../../src/core/change-event';
import { FatalCaptureError, TransientError } from '../../src/core/errors';
import type { Logger } from '../../src/core/logger';
import type { EncodedMessage, EventEncoder, Sink } from '../../src/core/sink';
import type { KafkaSinkConfig } from './config';
import { TopicCatalog } from './topic-catalog';
import { topicName } from './topic-name';

/** Bytes a record costs beyond key, value and headers (record and batch framing), with margin. */
const RECORD_OVERHEAD = 128;

// kafkajs is CommonJS; Node's ESM loader can't see all of its named exports.
const { Kafka, logLevel: KafkaLogLevel } = kafkajs;

/**
 * Kafka sink on kafkajs: idempotent producer (acks=all, one request in flight per broker, so a
 * retried request can't overtake the next), one topic per table, key = primary key JSON.
 *
 * The broker checks `max.message.bytes` against a whole record batch, and kafkajs puts everything
 * for one partition of a send() into one batch, so write() splits its events into requests below
 * the topic's limit and sends them one after another (keeping order).
 */
export class KafkaSink implements Sink {
  private readonly kafka: KafkaClient;
  private producer: Producer | null = null;
  private admin: Admin | null = null;
  private topics: TopicCatalog | null = null;
  private broken = false;

  constructor(
    private readonly config: KafkaSinkConfig,
    private readonly encode: EventEncoder,
    private readonly logger: Logger,
  ) {
    this.kafka = new Kafka({
      clientId: config.clientId,
      brokers: config.brokers,
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
      logLevel: KafkaLogLevel.NOTHING,
    });
  }

  async open(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      throw new TransientError(`cannot reach Kafka at ${this.config.brokers.join(',')}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async connect(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.topics = new TopicCatalog(this.admin, this.config);
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    this.broken = false;
  }

  /** After a failed send the producer's idempotence state may be stale; start a fresh one. */
  private async reconnect(): Promise<void> {
    await Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect()]);
    await this.connect();
  }

  async write(events: ChangeEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.broken || !this.producer) await this.reconnect();
    try {
      await this.send(events);
    } catch (err) {
      if (!(err instanceof FatalCaptureError)) this.broken = true;
      throw err;
    }
  }

  private async send(events: ChangeEvent[]): Promise<void> {
    const producer = this.producer!;
    const catalog = this.topics!;
    let chunk: Message[] = [];
    let chunkTopic = '';
    let chunkBytes = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      await producer.send({ topic: chunkTopic, messages: chunk, acks: -1 });
      chunk = [];
      chunkBytes = 0;
    };
    for (const event of events) {
      const topic = topicName(this.config.topicTemplate, event.source_db, event.table_name);
      const info = await catalog.ensure(topic);
      const message = this.encode(event);
      const size = messageSize(message);
      if (size > info.maxMessageBytes) {
        await flush();
        await this.oversize(event, topic, size, info.maxMessageBytes);
        continue;
      }
      const limit = Math.min(this.config.maxRequestBytes, info.maxMessageBytes);
      if (topic !== chunkTopic || chunkBytes + size > limit) {
        await flush();
        chunkTopic = topic;
      }
      if (message.key === null) {
        // TRUNCATE (no key) goes to every partition, so each partition's consumers see it in order
        // with the row changes around it.
        await flush();
        const copies = Array.from({ length: info.partitions }, (_, partition) => ({ ...toKafkaMessage(message), partition }));
        await producer.send({ topic, messages: copies, acks: -1 });
        continue;
      }
      chunk.push(toKafkaMessage(message));
      chunkBytes += size;
      if (message.followedByTombstone) {
        // Same request, right behind the delete: nothing can come between them in the partition.
        chunk.push({ key: message.key, value: null });
        chunkBytes += RECORD_OVERHEAD + Buffer.byteLength(message.key ?? '');
      }
    }
    await flush();
  }

  private async oversize(event: ChangeEvent, topic: string, size: number, limit: number): Promise<void> {
    const where = `table ${event.table_name} key ${JSON.stringify(event.primary_key)}`;
    if (this.config.onOversize === 'stop') {
      throw new FatalCaptureError(
        `event ${event.event_id} of ${where} is ${size} bytes, over the ${limit}-byte limit of topic ${topic}; ` +
          `raise max.message.bytes or run with --on-oversize dead-letter`,
      );
    }
    const dlq = `${topic}.dlq`.slice(0, 249);
    await this.topics!.ensure(dlq);
    const record = {
      error: 'message_too_large',
      size_bytes: size,
      limit_bytes: limit,
      topic,
      event_id: event.event_id,
      source_db: event.source_db,
      table_name: event.table_name,
      operation: event.operation,
      primary_key: event.primary_key,
      sequence_number: event.sequence_number,
      timestamp: event.timestamp,
      source: event.source,
    };
    await this.producer!.send({
      topic: dlq,
      messages: [{ key: event.primary_key ? JSON.stringify(event.primary_key) : null, value: JSON.stringify(record) }],
      acks: -1,
    });
    this.logger.error({ table: event.table_name, key: event.primary_key, size, limit, dlq }, 'event too large for Kafka; written to dead-letter topic');
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect()]);
    this.producer = null;
    this.admin = null;
  }
}

function toKafkaMessage(m: EncodedMessage): Message {
  return { key: m.key, value: m.value, headers: m.headers };
}

function messageSize(m: EncodedMessage): number {
  let size = RECORD_OVERHEAD + m.value.length + (m.key ? Buffer.byteLength(m.key) : 0);
  for (const [k, v] of Object.entries(m.headers)) size += k.length + v.length + 8;
  return size;
}
