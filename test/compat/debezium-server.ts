import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debeziumProps, ensureDebeziumDist, freePort, newestJavaHome, startDebezium } from '../../bench/lib/debezium.js';
import { KAFKA_BROKERS, testKafka, uniqueId } from '../helpers/kafka.js';

/** A record exactly as it sits in Kafka: key and value as text (null value = tombstone). */
export interface RawRecord {
  key: string | null;
  value: string | null;
}

/**
 * Reads every record of `topic` from the beginning, as raw text, until `count` records arrived.
 * Raw text, not JSON.parse: a 64-bit integer or a decimal's digits must reach the comparison intact.
 */
export async function readRawTopic(topic: string, count: number, timeoutMs = 120_000): Promise<RawRecord[]> {
  const start = Date.now();
  const admin = testKafka().admin();
  await admin.connect();
  try {
    // The writer creates the topic on its first write.
    while (!(await admin.listTopics()).includes(topic)) {
      if (Date.now() - start > timeoutMs) throw new Error(`topic ${topic} was not created within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
  const consumer = testKafka().consumer({ groupId: uniqueId('g'), sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const out: RawRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        out.push({ key: message.key?.toString() ?? null, value: message.value ? message.value.toString() : null });
      },
    });
    while (out.length < count) {
      if (Date.now() - start > timeoutMs) throw new Error(`topic ${topic}: ${out.length} of ${count} records after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // A little longer, so an unexpected extra record is seen too.
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    await consumer.disconnect();
  }
  return out;
}

export async function createTopic(topic: string): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Runs Debezium Server 3.x (Maven Central, as the benchmark does) on `table` of `db` from an existing
 * slot and publication, with Debezium's defaults plus `extra` properties, until `count` records are
 * in its topic; returns them and stops the JVM. Schemas are enabled: the `payload` of each value is
 * what the schemas-disabled converter writes, so one run serves both comparisons.
 */
export async function captureWithDebezium(o: {
  dbname: string;
  port: number;
  table: string;
  slot: string;
  publication: string;
  topicPrefix: string;
  count: number;
  extra?: Record<string, string>;
  log?: (m: string) => void;
}): Promise<RawRecord[]> {
  const log = o.log ?? (() => undefined);
  const home = ensureDebeziumDist(log);
  const java = newestJavaHome();
  const props = {
    ...debeziumProps({
      dbname: o.dbname,
      port: o.port,
      topicPrefix: o.topicPrefix,
      table: o.table,
      slot: o.slot,
      publication: o.publication,
      brokers: KAFKA_BROKERS,
      offsetsFile: join(tmpdir(), `${uniqueId('dbz')}-offsets.dat`),
      httpPort: await freePort(),
    }),
    'debezium.format.key.schemas.enable': 'true',
    'debezium.format.value.schemas.enable': 'true',
    ...Object.fromEntries(Object.entries(o.extra ?? {}).map(([k, v]) => [`debezium.source.${k}`, v])),
  };
  const topic = `${o.topicPrefix}.${o.table}`;
  await createTopic(topic);
  const run = startDebezium(home, props, java.home);
  try {
    const died = new Promise<never>((_, reject) =>
      run.child.on('close', (code) => reject(new Error(`Debezium Server exited ${code}: ${run.log().slice(-3000)}`))),
    );
    died.catch(() => undefined);
    return await Promise.race([readRawTopic(topic, o.count, 240_000), died]);
  } finally {
    await run.stop();
  }
}

/**
 * Debezium Server with the MariaDB connector on `db.table`, streaming from the binlog's current
 * end (snapshot.mode=no_data): `changes` runs once the connector is streaming, and the records
 * of its topic are returned once `count` arrived. A binlog connector has no slot holding its
 * position, so the changes must come after it started.
 */
export async function captureMariadbWithDebezium(o: {
  host: string;
  port: number;
  db: string;
  table: string;
  topicPrefix: string;
  count: number;
  changes: () => Promise<unknown>;
  extra?: Record<string, string>;
}): Promise<RawRecord[]> {
  const home = ensureDebeziumDist(() => undefined);
  const java = newestJavaHome();
  const id = uniqueId('h');
  const props: Record<string, string | number> = {
    'debezium.sink.type': 'kafka',
    'debezium.sink.kafka.producer.bootstrap.servers': KAFKA_BROKERS.join(','),
    'debezium.sink.kafka.producer.key.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
    'debezium.sink.kafka.producer.value.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
    'debezium.source.connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
    'debezium.source.offset.storage.file.filename': join(tmpdir(), `${id}-offsets.dat`),
    'debezium.source.offset.flush.interval.ms': 1000,
    'debezium.source.database.hostname': o.host,
    'debezium.source.database.port': o.port,
    'debezium.source.database.user': 'root',
    'debezium.source.database.password': '',
    'debezium.source.database.server.id': 5400 + Math.floor(Math.random() * 1000),
    'debezium.source.topic.prefix': o.topicPrefix,
    'debezium.source.database.include.list': o.db,
    'debezium.source.table.include.list': `${o.db}.${o.table}`,
    'debezium.source.schema.history.internal': 'io.debezium.storage.file.history.FileSchemaHistory',
    'debezium.source.schema.history.internal.file.filename': join(tmpdir(), `${id}-history.dat`),
    'debezium.source.snapshot.mode': 'no_data',
    // Only this database's DDL: other test databases created and dropped meanwhile on the same
    // server otherwise fail the connector's table-structure read.
    'debezium.source.schema.history.internal.store.only.captured.databases.ddl': 'true',
    'debezium.source.schema.history.internal.store.only.captured.tables.ddl': 'true',
    'debezium.format.key': 'json',
    'debezium.format.value': 'json',
    'debezium.format.key.schemas.enable': 'true',
    'debezium.format.value.schemas.enable': 'true',
    'quarkus.http.port': await freePort(),
    'quarkus.log.level': 'INFO',
    'quarkus.log.console.json': 'false',
    ...Object.fromEntries(Object.entries(o.extra ?? {}).map(([k, v]) => [`debezium.source.${k}`, v])),
  };
  const topic = `${o.topicPrefix}.${o.db}.${o.table}`;
  await createTopic(topic);
  const run = startDebezium(home, props, java.home);
  try {
    const died = new Promise<never>((_, reject) =>
      run.child.on('close', (code) => reject(new Error(`Debezium Server exited ${code}: ${run.log().slice(-3000)}`))),
    );
    died.catch(() => undefined);
    const streaming = (async () => {
      const start = Date.now();
      // The binlog reader logs this once it reads from the current position.
      while (!/Connected to binlog|Keepalive thread is running|Streaming requested from/i.test(run.log())) {
        if (Date.now() - start > 120_000) throw new Error(`Debezium did not start streaming: ${run.log().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      await new Promise((r) => setTimeout(r, 2000));
      await o.changes();
      return readRawTopic(topic, o.count, 120_000);
    })();
    return await Promise.race([streaming, died]);
  } finally {
    await run.stop();
  }
}
