import kafkajs, { type Admin, type Consumer, type EachBatchPayload, type Kafka as KafkaClient, type Message, type Producer } from 'kafkajs';
import type { ConsumerRoute, RunningRoute } from '../../src/core/consumer-route.js';
import { FatalCaptureError, UserInputError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { compileRouteFilter, newPartitionState, type PartitionState } from '../../src/consumers/filter.js';
import type { RouteMetrics } from '../../src/consumers/metrics.js';
import { consumerGroupId, validateConsumerRoute } from '../../src/consumers/validate.js';
import { createKafkaClient, explainKafkaError } from './client.js';
import { KAFKA_DEFAULTS, type KafkaSecurity } from '../../src/config/kafka-settings.js';
import { recordBytes } from './record-size.js';

// kafkajs is CommonJS; Node's ESM loader can't see all of its named exports.
const { logLevel } = kafkajs;

/** The connection options KafkaSink uses. */
export interface RouteKafkaOptions {
  brokers: string[];
  security: KafkaSecurity;
  clientId: string;
}

/** A started route; `finished` settles when it stops, and rejects if it stopped on a fatal error. */
export interface KafkaConsumerRoute extends RunningRoute {
  readonly finished: Promise<void>;
}

/**
 * A killed router's partitions move to the next member after this long. kafkajs's default is 30 s;
 * 10 s keeps a restart after SIGKILL quick and still tolerates a few missed 3 s heartbeats.
 */
const SESSION_TIMEOUT_MS = 10_000;
/**
 * Bytes fetched per source partition and so the most one transaction carries: small enough that a
 * batch commits quickly and 4 partitions in flight hold little memory, big enough that the per-
 * transaction round trips (AddOffsets, TxnOffsetCommit, EndTxn) are spread over many records.
 * CDC_ROUTE_MAX_BATCH_BYTES overrides it (the SIGKILL test uses small batches to land mid-stream).
 */
const MAX_BATCH_BYTES = positiveInt(process.env.CDC_ROUTE_MAX_BATCH_BYTES) ?? 256 * 1024;
/** Source partitions routed at once: each has its own transactional producer, so they do not wait on each other. */
const MAX_CONCURRENT_PARTITIONS = 4;

/**
 * The consumer router: reads the source topics with the consumer group `cdc.consumer.<id>`
 * (read_committed), keeps the records the route's filters select (projected to its columns), and
 * writes them into the consumer's topic under the same key.
 *
 * Exactly-once: each batch of one source partition is one Kafka transaction holding the routed
 * records and that partition's next offset (sendOffsets), so output and progress commit together
 * or not at all. A router killed mid-batch leaves an open transaction that read_committed readers
 * never see; the next producer with the same transactional id aborts it and the group resumes from
 * the offset of the last committed transaction. The transactional id is per source partition
 * (`cdc.consumer.<id>/<topic>/<partition>`), the way Kafka Streams fenced before KIP-447, which
 * kafkajs does not implement: whichever router instance owns a partition fences the previous owner.
 * The limit is documented in docs/consumers.md.
 *
 * Order per key: a key's changes come from one partition of one table's topic, whose batches are
 * handled one after another; the default (murmur2) partitioner sends a key to one target
 * partition. Keyless TRUNCATE copies (one per source partition) go to `partition mod count`.
 */
export async function startConsumerRoute(given: ConsumerRoute, kafka: RouteKafkaOptions, logger: Logger, metrics?: RouteMetrics): Promise<KafkaConsumerRoute> {
  const route = validateConsumerRoute(given);
  const log = logger.child({ consumer: route.consumerId });
  const client = createKafkaClient({
    clientId: kafka.clientId,
    brokers: kafka.brokers,
    security: kafka.security,
    connectionTimeoutMs: KAFKA_DEFAULTS.connectionTimeoutMs,
    requestTimeoutMs: KAFKA_DEFAULTS.requestTimeoutMs,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
  const admin = client.admin();
  try {
    await admin.connect();
  } catch (err) {
    throw explainKafkaError(err, kafka.brokers, kafka.security);
  }
  let targetPartitions: number;
  try {
    targetPartitions = await prepareTopics(admin, route);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const router = new Router(client, route, targetPartitions, log, metrics);
  await router.start();
  log.info({ sourceTopics: route.sourceTopics, targetTopic: route.targetTopic, partitions: targetPartitions }, 'consumer route started');
  return router;
}

/**
 * The source topics must exist (the sink creates them on its first write, with the partition count
 * it is configured with, which the router must not guess). The target topic is created with as many
 * partitions as the largest source topic and the largest max.message.bytes among them, so whatever
 * a source accepted fits; an existing target topic is used as it is. Returns its partition count.
 */
async function prepareTopics(admin: Admin, route: ConsumerRoute): Promise<number> {
  const existing = new Set(await admin.listTopics());
  const missing = route.sourceTopics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new UserInputError(`source topic(s) ${missing.join(', ')} do not exist yet: start capture first (cdc creates a table's topic on its first change)`);
  }
  const { topics } = await admin.fetchTopicMetadata({ topics: [...route.sourceTopics, ...(existing.has(route.targetTopic) ? [route.targetTopic] : [])] });
  const partitionsOf = new Map(topics.map((t) => [t.name, t.partitions.length]));
  if (existing.has(route.targetTopic)) return partitionsOf.get(route.targetTopic)!;
  const partitions = Math.max(...route.sourceTopics.map((t) => partitionsOf.get(t)!));
  const configs = await admin.describeConfigs({
    resources: route.sourceTopics.map((name) => ({ type: 2 /* TOPIC */, name, configNames: ['max.message.bytes'] })),
    includeSynonyms: false,
  });
  const maxMessageBytes = Math.max(...configs.resources.map((r) => Number(r.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue ?? 0)));
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: route.targetTopic,
        numPartitions: partitions,
        ...(maxMessageBytes > 0 ? { configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }] } : {}),
      },
    ],
  });
  return partitions;
}

class Router implements KafkaConsumerRoute {
  readonly finished: Promise<void>;
  private settle!: { resolve: () => void; reject: (err: Error) => void };
  private readonly consumer: Consumer;
  private readonly groupId: string;
  private readonly filter;
  /** One transactional producer per source partition this instance owns; made on its first batch. */
  private readonly producers = new Map<string, Promise<Producer>>();
  private readonly states = new Map<string, PartitionState>();
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly client: KafkaClient,
    private readonly route: ConsumerRoute,
    private readonly targetPartitions: number,
    private readonly log: Logger,
    private readonly metrics?: RouteMetrics,
  ) {
    this.groupId = consumerGroupId(route.consumerId);
    this.filter = compileRouteFilter(route);
    this.finished = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // A fatal stop is reported through `finished`; nobody awaiting it must not crash the process.
    this.finished.catch(() => undefined);
    this.consumer = client.consumer({
      groupId: this.groupId,
      // The records of open or aborted transactions (another router's, or a killed one's) are not changes.
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: MAX_BATCH_BYTES,
      retry: {
        retries: 5,
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        // A broker outage or a fenced producer is survived by rejoining: progress is only ever the
        // committed transactions, so a restart re-reads exactly what was not routed yet.
        restartOnFailure: async (err) => {
          if (this.stopping || err instanceof FatalCaptureError) return false;
          this.log.warn({ err: { message: err.message } }, 'consumer route failed; rejoining the group');
          return true;
        },
      },
    });
    this.consumer.logger().setLogLevel(logLevel.NOTHING);
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart && !this.stopping) return;
      const err = fatalCause(payload.error) ?? new FatalCaptureError(`consumer route ${this.route.consumerId} stopped: ${payload.error.message}`, { cause: payload.error });
      this.log.error({ err: { message: err.message } }, 'consumer route stopped');
      void this.shutdown().then(() => this.settle.reject(err));
    });
    // Partitions handed to another instance: release their producers (the new owner fences them anyway).
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const owned = new Set<string>();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) for (const p of partitions) owned.add(`${topic}/${p}`);
      for (const key of [...this.producers.keys()]) if (!owned.has(key)) void this.dropProducer(key);
    });
  }

  async start(): Promise<void> {
    try {
      await this.consumer.connect();
      // A new consumer's topic holds the source's matching history too: start from the beginning.
      await this.consumer.subscribe({ topics: this.route.sourceTopics, fromBeginning: true });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: MAX_CONCURRENT_PARTITIONS,
        eachBatch: (payload) => this.routeBatch(payload),
      });
    } catch (err) {
      await this.shutdown();
      throw err instanceof FatalCaptureError ? err : new FatalCaptureError(`consumer route ${this.route.consumerId} could not start: ${(err as Error).message}`, { cause: err });
    }
  }

  private async routeBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const key = `${batch.topic}/${batch.partition}`;
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = newPartitionState()));
    // Decide on a copy of the state: a failed transaction re-reads the batch from the same point.
    const working = { ...state };
    const out: Message[] = [];
    let skipped = 0;
    for (const m of batch.messages) {
      const messageKey = m.key === null ? null : m.key.toString();
      let decision;
      try {
        decision = this.filter.decide(messageKey, m.value, working);
      } catch (err) {
        // kafkajs retries what is not marked otherwise; a source in the wrong format stays wrong.
        if (err instanceof FatalCaptureError) throw Object.assign(err, { retriable: false, message: `${err.message} (${batch.topic}/${batch.partition}/${m.offset})` });
        throw err;
      }
      if (decision.kind === 'malformed') {
        skipped++;
        this.log.warn({ topic: batch.topic, partition: batch.partition, offset: m.offset, reason: decision.reason }, 'skipped a record that is not a change event');
        continue;
      }
      if (decision.kind === 'drop') continue;
      const message: Message = { key: m.key, value: decision.value, headers: m.headers };
      if (m.key === null) message.partition = batch.partition % this.targetPartitions;
      out.push(message);
    }
    const nextOffset = (BigInt(batch.lastOffset()) + 1n).toString();
    await this.commit(key, out, { topic: batch.topic, partition: batch.partition, offset: nextOffset });
    Object.assign(state, working);
    if (out.length > 0) this.metrics?.routed(this.route.consumerId, out.length);
    if (skipped > 0) this.metrics?.skipped(this.route.consumerId, skipped);
    await heartbeat();
  }

  /** One transaction: the routed records, then the source partition's next offset. */
  private async commit(key: string, messages: Message[], offset: { topic: string; partition: number; offset: string }): Promise<void> {
    let transaction: Awaited<ReturnType<Producer['transaction']>> | null = null;
    try {
      const producer = await this.producer(key);
      transaction = await producer.transaction();
      for (const chunk of chunks(messages, KAFKA_DEFAULTS.maxRequestBytes)) {
        await transaction.send({ topic: this.route.targetTopic, messages: chunk, acks: -1 });
      }
      await transaction.sendOffsets({
        consumerGroupId: this.groupId,
        topics: [{ topic: offset.topic, partitions: [{ partition: offset.partition, offset: offset.offset }] }],
      });
      await transaction.commit();
    } catch (err) {
      if (transaction?.isActive()) await transaction.abort().catch(() => undefined);
      // Fenced, or in a state kafkajs cannot recover: the retry starts a fresh producer, whose
      // initialisation aborts whatever this one left open.
      await this.dropProducer(key);
      throw err;
    }
  }

  private producer(key: string): Promise<Producer> {
    let made = this.producers.get(key);
    if (!made) {
      const producer = this.client.producer({
        transactionalId: `${this.groupId}/${key}`,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      made = producer.connect().then(() => producer);
      made.catch(() => this.producers.delete(key));
      this.producers.set(key, made);
    }
    return made;
  }

  private async dropProducer(key: string): Promise<void> {
    const made = this.producers.get(key);
    this.producers.delete(key);
    this.states.delete(key);
    await made?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /** Graceful: kafkajs lets the batch in flight finish (and commit) before the member leaves the group. */
  stop(): Promise<void> {
    return this.shutdown().then(() => this.settle.resolve());
  }

  private shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.consumer.disconnect().catch(() => undefined);
      await Promise.allSettled([...this.producers.keys()].map((k) => this.dropProducer(k)));
      this.log.info({}, 'consumer route stopped');
    })();
    return this.stopping;
  }
}

/** The broker checks max.message.bytes against a whole record batch: requests are cut below it, in order. */
function chunks(messages: Message[], limit: number): Message[][] {
  const out: Message[][] = [];
  let chunk: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = recordBytes(m.key, m.value, m.headers as Record<string, Buffer | string | undefined> | undefined);
    if (chunk.length > 0 && bytes + size > limit) {
      out.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

function positiveInt(v: string | undefined): number | undefined {
  return v !== undefined && /^[1-9]\d*$/.test(v) ? Number(v) : undefined;
}

/** kafkajs wraps what eachBatch threw (KafkaJSNonRetriableError): find our own error in the chain. */
function fatalCause(err: unknown): FatalCaptureError | undefined {
  for (let e = err as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof FatalCaptureError) return e;
  }
  return undefined;
}
