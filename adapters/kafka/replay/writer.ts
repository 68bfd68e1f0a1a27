import type { IHeaders, KafkaMessage, Message, Producer } from 'kafkajs';
import { FatalCaptureError } from '../../../src/core/errors.js';
import { recordBytes } from '../record-size.js';

/** Header naming where a replayed message came from: `<topic>/<partition>/<offset>`. */
export const REPLAYED_FROM_HEADER = 'cdc.replayed_from';


export interface TargetTopic {
  name: string;
  partitions: number;
  maxMessageBytes: number;
  /** Upper bound for one produce request; the topic's max.message.bytes caps it further. */
  maxRequestBytes: number;
}

/**
 * Copies messages of one source partition into the target topic, in order. Key, value and headers
 * are kept byte for byte; only the replay header is added. With as many partitions as the source,
 * a message goes to the partition it came from, so the target mirrors the source exactly (including
 * the keyless TRUNCATE copies the sink writes to every partition). Otherwise keyed messages go
 * through the default partitioner (the sink's, so the same key lands together) and keyless ones to
 * `partition mod count`.
 *
 * The broker checks max.message.bytes against a whole record batch, and kafkajs puts everything for
 * one partition of a send() into one batch, so requests are cut below the limit and sent one after
 * another (order kept; the producer is idempotent with acks=all and one request in flight).
 */
export async function copyMessages(producer: Producer, sourceTopic: string, sourcePartition: number, sourcePartitions: number, target: TargetTopic, messages: KafkaMessage[]): Promise<void> {
  const mirror = target.partitions === sourcePartitions;
  const limit = Math.min(target.maxRequestBytes, target.maxMessageBytes);
  let chunk: Message[] = [];
  let chunkBytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    await producer.send({ topic: target.name, messages: chunk, acks: -1 });
    chunk = [];
    chunkBytes = 0;
  };
  for (const m of messages) {
    const headers: IHeaders = { ...(m.headers ?? {}), [REPLAYED_FROM_HEADER]: `${sourceTopic}/${sourcePartition}/${m.offset}` };
    const out: Message = { key: m.key, value: m.value, headers };
    if (mirror) out.partition = sourcePartition;
    else if (m.key === null) out.partition = sourcePartition % target.partitions;
    const size = recordBytes(out.key, out.value, out.headers);
    if (size > target.maxMessageBytes) {
      throw new FatalCaptureError(
        `message ${sourceTopic}/${sourcePartition}/${m.offset} is ${size} bytes, over the ${target.maxMessageBytes}-byte limit of topic ${target.name}; ` +
          `raise its max.message.bytes and replay again`,
      );
    }
    if (chunkBytes + size > limit) await flush();
    chunk.push(out);
    chunkBytes += size;
  }
  await flush();
}

