import type { Admin, KafkaMessage } from 'kafkajs';
import { createKafkaClient, explainKafkaError } from '../client.js';
import { TopicCatalog } from '../topic-catalog.js';
import { KAFKA_DEFAULTS } from '../../../src/config/kafka-settings.js';
import { UserInputError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import { retryUntil } from '../../../src/pipeline/with-deadline.js';
import { readRanges, type PartitionRange } from './reader.js';
import { copyMessages, type TargetTopic } from './writer.js';
import type { ReplayRequest } from '../../../src/replay/options.js';
import { eventInstant, inWindow, toMillis } from '../../../src/replay/window.js';

export interface ReplayResult {
  scanned: number;
  copied: number;
  /** Messages whose value has no event time (not a cdc event); never copied. */
  unreadable: number;
}

const PROGRESS_EVERY_MS = 2_000;

/**
 * Re-emits the changes of [from, to) of one topic into another, from Kafka alone.
 *
 * Exactness: the window is on each event's own time (when the change happened at the source).
 * A message is produced after its change happened, so its Kafka timestamp is ≥ the event time and
 * every event of the window sits at or after the first offset stamped ≥ `from` (less the allowed
 * clock skew between the database and the producing host). Reading ends at the high watermark
 * taken at start, so the replay terminates even while the source keeps growing; everything between
 * is parsed and filtered on the event time, because Kafka timestamps say nothing about the upper
 * bound (a backlog can be produced hours after it happened).
 */
export async function replay(req: ReplayRequest, logger: Logger): Promise<ReplayResult> {
  const kafka = createKafkaClient({
    clientId: 'cdc-replay',
    brokers: req.brokers,
    security: req.security,
    connectionTimeoutMs: KAFKA_DEFAULTS.connectionTimeoutMs,
    requestTimeoutMs: KAFKA_DEFAULTS.requestTimeoutMs,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  const admin = kafka.admin();
  await retryUntil('replay', () => admin.connect().catch((err) => Promise.reject(explainKafkaError(err, req.brokers, req.security))), req.connectTimeoutMs);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  try {
    const { ranges, partitions, replicas, truncated } = await planRanges(admin, req);
    if (truncated.length > 0) {
      logger.warn({ partitions: truncated }, 'the window may begin before the oldest message Kafka still retains: changes deleted by retention cannot be replayed');
    }
    if (req.window.to > BigInt(Date.now()) * 1_000_000n && !req.toIsNow) {
      logger.warn({ to: req.window.to.toString() }, '--to is in the future: only changes already in Kafka now are replayed');
    }
    const target = await prepareTarget(admin, req.targetTopic, partitions, replicas, logger);
    await producer.connect();

    const result: ReplayResult = { scanned: 0, copied: 0, unreadable: 0 };
    const total = ranges.reduce((n, r) => n + Number(r.end - r.start), 0);
    const progress = setInterval(() => logger.info({ ...result, to_scan: total }, 'replay progress'), PROGRESS_EVERY_MS);
    try {
      await readRanges(kafka, admin, req.sourceTopic, ranges, async (partition, messages) => {
        const selected: KafkaMessage[] = [];
        for (const m of messages) {
          result.scanned++;
          const t = eventInstant(m.value);
          if (t === null) result.unreadable++;
          else if (inWindow(req.window, t)) selected.push(m);
        }
        await copyMessages(producer, req.sourceTopic, partition, partitions, target, selected);
        result.copied += selected.length;
      }, { stallTimeoutMs: req.stallTimeoutMs, concurrency: Math.min(partitions, 8) });
    } finally {
      clearInterval(progress);
    }
    logger.info({ ...result, to_scan: total }, 'replay done');
    if (result.unreadable > 0) logger.warn({ unreadable: result.unreadable }, 'messages without an event time were skipped (not cdc events?)');
    return result;
  } finally {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
  }
}

/** Offsets to read per partition: from the first message stamped ≥ from − skew up to the current end. */
async function planRanges(admin: Admin, req: ReplayRequest): Promise<{ ranges: PartitionRange[]; partitions: number; replicas: number; truncated: number[] }> {
  // Checked by listing, never by a metadata request: brokers with auto.create.topics.enable would
  // create the unknown topic just by being asked about it.
  const topics = new Set(await admin.listTopics());
  if (!topics.has(req.sourceTopic)) {
    throw new UserInputError(`topic ${req.sourceTopic} does not exist (with --table, name the table as in the events, e.g. public.users)`);
  }
  const meta = await admin.fetchTopicMetadata({ topics: [req.sourceTopic] });
  const parts = meta.topics[0]?.partitions ?? [];
  const replicas = Math.max(1, ...parts.map((p) => p.replicas.length));
  // End offsets first: whatever is appended after this point is outside the replay by definition.
  const ends = await admin.fetchTopicOffsets(req.sourceTopic);
  const startsAt = Math.max(0, toMillis(req.window.from) - req.maxClockSkewMs);
  const starts = await admin.fetchTopicOffsetsByTimestamp(req.sourceTopic, startsAt);
  const ranges = ends.map((e) => {
    const end = BigInt(e.high);
    const found = starts.find((s) => s.partition === e.partition);
    // No message stamped that late yet: the lookup answers with the end; clamp to the end taken above.
    const start = found ? BigInt(found.offset) : end;
    return { partition: e.partition, start: start < end ? start : end, end };
  });
  // Starting at the log start offset of a partition that has lost messages means the lost ones may
  // have been in the window too.
  const truncated = ends.filter((e) => BigInt(e.low) > 0n && ranges.find((r) => r.partition === e.partition)?.start === BigInt(e.low)).map((e) => e.partition);
  return { ranges, partitions: parts.length, replicas, truncated };
}

/** Creates the target like the source (partitions, replication) when missing; warns when an existing one differs. */
async function prepareTarget(admin: Admin, name: string, partitions: number, replicas: number, logger: Logger): Promise<TargetTopic> {
  const existed = (await admin.listTopics()).includes(name);
  const catalog = new TopicCatalog(admin, { partitions, replicationFactor: replicas });
  const info = await catalog.ensure(name);
  if (existed && info.partitions !== partitions) {
    logger.warn(
      { topic: name, partitions: info.partitions, source_partitions: partitions },
      'target topic has a different partition count than the source: per-key order holds, partition placement differs',
    );
  }
  return { name, partitions: info.partitions, maxMessageBytes: info.maxMessageBytes, maxRequestBytes: KAFKA_DEFAULTS.maxRequestBytes };
}
