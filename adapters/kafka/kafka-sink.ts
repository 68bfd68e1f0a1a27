import type { Admin, Kafka as KafkaClient, Message, Producer } from 'kafkajs';
import type { ChangeEvent } from '../../src/core/change-event.js';
import { FatalCaptureError, ValueLimitError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { deadLetterRecord, describeRejected, type EncodedMessage, type EventEncoder, type ExtraRecord, type Sink } from '../../src/core/sink.js';
import { createKafkaClient, explainKafkaError } from './client.js';
import type { KafkaSinkConfig } from '../../src/config/kafka-settings.js';
import { recordBytes } from './record-size.js';
import { TopicCatalog } from './topic-catalog.js';
import { topicName } from '../../src/core/topic-name.js';


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
    this.kafka = createKafkaClient({
      clientId: config.clientId,
      brokers: config.brokers,
      security: config.security,
      connectionTimeoutMs: config.connectionTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
  }

  async open(): Promise<void> {
    await this.connect();
  }

  /** A refused login or certificate is permanent (explainKafkaError), also on a later reconnect. */
  private async connect(): Promise<void> {
    try {
      this.admin = this.kafka.admin();
      await this.admin.connect();
      this.topics = new TopicCatalog(this.admin, this.config);
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await this.producer.connect();
    } catch (err) {
      throw explainKafkaError(err, this.config.brokers, this.config.security);
    }
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
    // Records that must follow the previous event's (a transaction's END): sent once it is.
    let pendingAfter: ExtraRecord[] = [];
    const sendAfter = async () => {
      if (pendingAfter.length === 0) return;
      await flush();
      await this.sendExtra(pendingAfter);
      pendingAfter = [];
    };
    for (const event of events) {
      await sendAfter();
      const topic = topicName(this.config.topicTemplate, event.source_db, event.table_name);
      const info = await catalog.ensure(topic);
      let message: EncodedMessage;
      try {
        message = this.encode(event);
      } catch (err) {
        // A value the encoder cannot serialise (nested past JSON.stringify's stack) concerns this
        // one event: it takes the oversize policy's way rather than failing (and retrying) the batch.
        if (!(err instanceof RangeError || err instanceof ValueLimitError)) throw err;
        await flush();
        await this.undeliverable(event, topic, { error: 'unencodable', reason: err.message });
        continue;
      }
      if (message.extraRecords) {
        const before = message.extraRecords.filter((r) => r.position === 'before');
        if (before.length > 0) {
          await flush();
          await this.sendExtra(before);
        }
        pendingAfter = message.extraRecords.filter((r) => r.position === 'after');
      }
      const size = recordBytes(message.key, message.value, message.headers);
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
        chunkBytes += recordBytes(message.key, null);
      }
    }
    await sendAfter();
    await flush();
  }

  /** Records of other topics (Debezium's transaction BEGIN/END), in order, each acknowledged by all replicas. */
  private async sendExtra(records: ExtraRecord[]): Promise<void> {
    for (const r of records) {
      await this.topics!.ensure(r.topic);
      await this.producer!.send({ topic: r.topic, messages: [{ key: r.key, value: r.value }], acks: -1 });
    }
  }

  /** A change the pipeline could not decode (CapturedChange.failure): the oversize policy applies. */
  async reject(event: ChangeEvent, reason: string): Promise<void> {
    if (this.broken || !this.producer) await this.reconnect();
    const topic = topicName(this.config.topicTemplate, event.source_db, event.table_name);
    try {
      await this.topics!.ensure(topic);
      await this.undeliverable(event, topic, { error: 'undecodable', reason });
    } catch (err) {
      if (!(err instanceof FatalCaptureError)) this.broken = true;
      throw err;
    }
  }

  private async oversize(event: ChangeEvent, topic: string, size: number, limit: number): Promise<void> {
    const where = `table ${event.table_name} key ${JSON.stringify(event.primary_key)}`;
    if (this.config.onOversize === 'stop') {
      throw new FatalCaptureError(
        `event ${event.event_id} of ${where} is ${size} bytes, over the ${limit}-byte limit of topic ${topic}; ` +
          `raise max.message.bytes or run with --on-oversize dead-letter`,
      );
    }
    await this.deadLetter(event, topic, { error: 'message_too_large', size_bytes: size, limit_bytes: limit });
    this.logger.error({ table: event.table_name, key: event.primary_key, size, limit, dlq: dlqName(topic) }, 'event too large for Kafka; written to dead-letter topic');
  }

  /** An event that cannot be a message at all (undecodable or unencodable value). */
  private async undeliverable(event: ChangeEvent, topic: string, what: { error: string; reason: string }): Promise<void> {
    if (this.config.onOversize === 'stop') {
      throw new FatalCaptureError(`${describeRejected(event, what.reason)}; run with --on-oversize dead-letter to skip it into ${dlqName(topic)}`);
    }
    await this.deadLetter(event, topic, what);
    this.logger.error(
      { table: event.table_name, key: event.primary_key, position: event.source.position, reason: what.reason, dlq: dlqName(topic) },
      'change cannot be delivered; written to dead-letter topic',
    );
  }

  private async deadLetter(event: ChangeEvent, topic: string, details: Record<string, unknown>): Promise<void> {
    const dlq = dlqName(topic);
    await this.topics!.ensure(dlq);
    const record = deadLetterRecord(event, { ...details, topic });
    await this.producer!.send({
      topic: dlq,
      messages: [{ key: event.primary_key ? JSON.stringify(event.primary_key) : null, value: JSON.stringify(record) }],
      acks: -1,
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect()]);
    this.producer = null;
    this.admin = null;
  }
}

function dlqName(topic: string): string {
  return `${topic}.dlq`.slice(0, 249);
}

function toKafkaMessage(m: EncodedMessage): Message {
  return { key: m.key, value: m.value, headers: m.headers };
}
