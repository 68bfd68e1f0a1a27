import { Admin, ConfigResourceTypes, Producer, compatibilityPartitioner, type MessageToProduce } from '@platformatic/kafka';
import type { ChangeEvent } from '../../src/core/change-event.js';
import { FatalCaptureError, TransientError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import type { EventEncoder, Sink } from '../../src/core/sink.js';
import type { KafkaSinkConfig } from '../../src/config/kafka-settings.js';
import { topicName } from '../../src/core/topic-name.js';
import { recordBytes } from '../kafka/record-size.js';

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;


/**
 * The Kafka sink on `@platformatic/kafka` (1.x, Node 20) instead of kafkajs, with the same
 * guarantees: idempotent producer (the client then forces acks=all and one request in flight per
 * connection), write() resolves only after every event is acknowledged, events of a table are sent
 * in order, one request per partition below the topic's `max.message.bytes`, and keys are
 * partitioned like the Java client and kafkajs (murmur2, positive), so the two sinks are
 * interchangeable on existing topics.
 *
 * Status: an alternative for the Kafka-client comparison in the benchmark (bench/), not wired into
 * the CLI. Not yet supported here: the dead-letter policy for oversized events (such an event
 * stops the table, as with `on_oversize: stop`) and TRUNCATE fan-out to every partition (events
 * without a key go to partition 0).
 */
export class PlatformaticKafkaSink implements Sink {
  private producer: Producer<Buffer, Buffer, Buffer, Buffer> | null = null;
  private admin: Admin | null = null;
  private readonly topics = new Map<string, Promise<{ maxMessageBytes: number }>>();
  private broken = false;

  constructor(
    private readonly config: KafkaSinkConfig,
    private readonly encode: EventEncoder,
    private readonly logger: Logger,
  ) {}

  async open(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      throw new TransientError(`cannot reach Kafka at ${this.config.brokers.join(',')}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async connect(): Promise<void> {
    const base = {
      clientId: this.config.clientId,
      bootstrapBrokers: this.config.brokers,
      connectTimeout: this.config.connectionTimeoutMs,
      timeout: this.config.requestTimeoutMs,
      retries: 5,
      retryDelay: 200,
    };
    this.admin = new Admin(base);
    await this.admin.listTopics();
    this.producer = new Producer({ ...base, idempotent: true, autocreateTopics: false, partitioner: compatibilityPartitioner });
    this.broken = false;
  }

  /** After a failed send the idempotence state (producer id, sequences) may be stale: start afresh. */
  private async reconnect(): Promise<void> {
    await this.close();
    await this.connect();
  }

  async write(events: ChangeEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.broken || !this.producer) await this.reconnect();
    try {
      await this.send(events);
    } catch (err) {
      if (err instanceof FatalCaptureError) throw err;
      this.broken = true;
      throw new TransientError(`Kafka produce failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private async send(events: ChangeEvent[]): Promise<void> {
    const producer = this.producer!;
    let chunk: Message[] = [];
    let chunkTopic = '';
    let chunkBytes = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      await producer.send({ messages: chunk });
      chunk = [];
      chunkBytes = 0;
    };
    for (const event of events) {
      const topic = topicName(this.config.topicTemplate, event.source_db, event.table_name);
      const { maxMessageBytes } = await this.ensureTopic(topic);
      const message = this.encode(event);
      const size = recordBytes(message.key, message.value, message.headers);
      if (size > maxMessageBytes) {
        throw new FatalCaptureError(
          `event ${event.event_id} of table ${event.table_name} key ${JSON.stringify(event.primary_key)} is ${size} bytes, ` +
            `over the ${maxMessageBytes}-byte limit of topic ${topic}`,
        );
      }
      if (topic !== chunkTopic || chunkBytes + size > Math.min(this.config.maxRequestBytes, maxMessageBytes)) {
        await flush();
        chunkTopic = topic;
      }
      chunk.push({
        topic,
        key: message.key === null ? undefined : Buffer.from(message.key),
        value: message.value,
        headers: new Map(Object.entries(message.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
        ...(message.key === null ? { partition: 0 } : {}),
      });
      chunkBytes += size;
    }
    await flush();
  }

  private ensureTopic(topic: string): Promise<{ maxMessageBytes: number }> {
    let info = this.topics.get(topic);
    if (!info) {
      info = this.loadTopic(topic);
      this.topics.set(topic, info);
      info.catch(() => this.topics.delete(topic));
    }
    return info;
  }

  private async loadTopic(topic: string): Promise<{ maxMessageBytes: number }> {
    const admin = this.admin!;
    if (!(await admin.listTopics()).includes(topic)) {
      await admin.createTopics({ topics: [topic], partitions: this.config.partitions, replicas: this.config.replicationFactor });
      this.logger.info({ topic }, 'created topic');
    }
    const described = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['max.message.bytes'] }],
    });
    const value = described[0]?.configs.find((c) => c.name === 'max.message.bytes')?.value;
    return { maxMessageBytes: value ? Number(value) : 1_048_588 };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer?.close(), this.admin?.close()]);
    this.producer = null;
    this.admin = null;
  }
}
