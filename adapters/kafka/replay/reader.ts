import { randomUUID } from 'node:crypto';
import kafkajs, { type Admin, type Kafka as KafkaClient, type KafkaMessage } from 'kafkajs';
import { TransientError } from '../../../src/core/errors.js';

// kafkajs is CommonJS; Node's ESM loader can't see all of its named exports.
const { logLevel } = kafkajs;

/** Offsets [start, end) of one partition to read. */
export interface PartitionRange {
  partition: number;
  start: bigint;
  end: bigint;
}

/** Called with the messages of one partition in offset order; the next call for that partition waits for it. */
export type OnMessages = (partition: number, messages: KafkaMessage[]) => Promise<void>;

export interface ReadOptions {
  /** Fail when no partition made progress for this long (a partition that can never reach its end). */
  stallTimeoutMs: number;
  /** Partitions read at once; each partition's own batches are always handled one after another. */
  concurrency: number;
}

/**
 * Reads fixed offset ranges of a topic, then stops.
 *
 * kafkajs has no manual partition assignment, only group consumers. A consumer in a fresh,
 * throwaway group (never committing: autoCommit off) is the closest equivalent: it is the group's
 * only member, so it is assigned every partition at once and no rebalance follows. `seek()` right
 * after `run()` is applied on the first fetch of each partition (kafkajs keeps seeks until the
 * partition is fetched), and anything outside [start, end) is dropped anyway, so a fetch that raced
 * the seek, or messages appended after the end offsets were taken, can never leak into the range.
 * The group is deleted at the end so replays leave no trace on the broker.
 */
export async function readRanges(kafka: KafkaClient, admin: Admin, topic: string, ranges: PartitionRange[], onMessages: OnMessages, options: ReadOptions): Promise<void> {
  const pending = new Map<number, PartitionRange>();
  for (const r of ranges) if (r.start < r.end) pending.set(r.partition, r);
  if (pending.size === 0) return;

  const groupId = `cdc-replay-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 250,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    // A crash is reported through CRASH below and ends the replay; restarting would re-read.
    retry: { retries: 5, restartOnFailure: async () => false },
  });
  consumer.logger().setLogLevel(logLevel.NOTHING);

  const next = new Map<number, bigint>(); // next offset to read, per partition
  let lastProgress = Date.now();
  let settle!: { resolve: () => void; reject: (e: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  const advance = (partition: number, nextOffset: bigint) => {
    const range = pending.get(partition);
    if (!range) return;
    lastProgress = Date.now();
    if (nextOffset > (next.get(partition) ?? range.start)) next.set(partition, nextOffset);
    if ((next.get(partition) ?? range.start) >= range.end) {
      pending.delete(partition);
      consumer.pause([{ topic, partitions: [partition] }]);
      if (pending.size === 0) settle.resolve();
    }
  };

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    settle.reject(new TransientError(`reading ${topic} failed: ${payload.error.message}`, { cause: payload.error }));
  });
  // Batches holding only control records or compacted-away offsets never reach eachBatch, but
  // still move the position; without this a partition ending in such offsets would never finish.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === topic) advance(payload.partition, BigInt(payload.lastOffset) + 1n);
  });

  const stallTimer = setInterval(() => {
    if (Date.now() - lastProgress < options.stallTimeoutMs) return;
    const where = [...pending.values()].map((r) => `partition ${r.partition} at ${next.get(r.partition) ?? r.start} of ${r.end}`).join(', ');
    settle.reject(new TransientError(`reading ${topic} made no progress for ${Math.round(options.stallTimeoutMs / 1000)}s (${where})`));
  }, 500);

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    const running = consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: Math.max(1, options.concurrency),
      eachBatch: async ({ batch, heartbeat }) => {
        const range = pending.get(batch.partition);
        if (!range) return;
        const inRange = batch.messages.filter((m) => {
          const o = BigInt(m.offset);
          return o >= range.start && o < range.end;
        });
        if (inRange.length > 0) await onMessages(batch.partition, inRange);
        await heartbeat();
        advance(batch.partition, BigInt(batch.lastOffset()) + 1n);
      },
    });
    // run() creates the group member synchronously; seeks registered now apply to the first fetch.
    for (const r of pending.values()) consumer.seek({ topic, partition: r.partition, offset: r.start.toString() });
    for (const r of ranges) if (!pending.has(r.partition)) consumer.pause([{ topic, partitions: [r.partition] }]);
    await Promise.race([running.then(() => done), done]);
  } finally {
    clearInterval(stallTimer);
    await consumer.disconnect().catch(() => undefined);
    // Nothing was committed, so the group is normally gone already; a leftover must not fail the replay.
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
