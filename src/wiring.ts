import { KafkaSink } from '../adapters/kafka/kafka-sink';
import { KAFKA_DEFAULTS } from '../adapters/kafka/config';
import { StdoutSink } from '../adapters/stdout/stdout-sink';
import type { CdcConfig, SourceConfig, TableEntry } from './config/schema';
import { parseSchedule } from './config/schedule';
import { ConfigError, UserInputError } from './core/errors';
import type { Logger } from './core/logger';
import type { Sink } from './core/sink';
import type { SourceDatabase } from './core/source-database';
import { parseTableRef, qualifiedName, type TableRef } from './core/table-ref';
import { encoderFor } from './format';
import { PrometheusMetrics } from './observability/prometheus';
import { SequenceAllocator } from './pipeline/sequence-allocator';
import { TablePipeline } from './pipeline/table-pipeline';
import { retryUntil } from './pipeline/with-deadline';
import { CaptureService, type TableJob } from './service/capture-service';
import { createTicker } from './service/ticker';
import { openSourceDatabase } from './sources/open-source-database';
import { redactUrl } from './logging';
import { compileTransform } from './transform';

export interface Wired {
  service: CaptureService;
  /** Releases connections; call after service.run() settled. */
  close(): Promise<void>;
}

export interface WireOptions {
  /** How long start-up keeps retrying an unreachable database or broker. */
  connectTimeoutMs: number;
  /** Already-open databases by source URL (the embedded demo passes its PGlite instance). */
  openDatabases?: Map<string, SourceDatabase>;
}

/** Builds the whole capture service from a validated config: the one place things are wired. */
export async function wire(config: CdcConfig, logger: Logger, options: WireOptions): Promise<Wired> {
  if (config.sources.length === 0) throw new ConfigError('no source configured: pass --source <url> or a config file with "sources"');
  const databases: SourceDatabase[] = [];
  const metrics = new PrometheusMetrics();
  const server = config.metrics_port !== undefined ? await metrics.serve(config.metrics_port) : null;
  let sink: Sink | null = null;
  try {
    sink = buildSink(config, logger);
    const opened = sink;
    await retryUntil('cannot open the sink', () => opened.open(), options.connectTimeoutMs);
    const jobs: TableJob[] = [];
    for (const [sourceIndex, src] of config.sources.entries()) {
      const db =
        options.openDatabases?.get(src.url) ??
        (await retryUntil(`cannot connect to ${redactUrl(src.url)}`, () => openSourceDatabase(src.url), options.connectTimeoutMs));
      databases.push(db);
      await db.migrate();
      const sourceId = src.id ?? db.databaseName;
      for (const { table, entry, index, keyColumns } of await resolveTables(db, src)) {
        const name = qualifiedName(table);
        const transform =
          entry !== null && typeof entry === 'object'
            ? compileTransform(name, entry, process.env, { keyColumns, keyPrefix: `sources.${sourceIndex}.tables.${index}.` })
            : undefined;
        const tableLogger = logger.child({ source: sourceId, table: name });
        const pipeline = new TablePipeline(
          {
            source: db.openSource(table, { logger: tableLogger }),
            sink,
            sequences: new SequenceAllocator(db.sequences, name),
            sourceId,
            logger: tableLogger,
            metrics,
            transform,
          },
          { batchSize: option(entry, 'batch_size') ?? config.defaults.batch_size },
        );
        const schedule = parseSchedule(option(entry, 'schedule') ?? config.defaults.schedule)!;
        jobs.push({ pipeline, ticker: createTicker(schedule) });
      }
    }
    return {
      service: new CaptureService(jobs, sink, logger),
      async close() {
        await Promise.allSettled(databases.map((d) => d.close()));
        server?.close();
      },
    };
  } catch (err) {
    await Promise.allSettled([...databases.map((d) => d.close()), sink?.close()]);
    server?.close();
    throw err;
  }
}

function buildSink(config: CdcConfig, logger: Logger): Sink {
  const encode = encoderFor(config.format);
  if (config.sink === 'stdout') return new StdoutSink(encode);
  if (!config.kafka.brokers) throw new ConfigError('key "kafka.brokers" is required when sink is "kafka": pass --kafka <host:port,…>');
  return new KafkaSink(
    {
      ...KAFKA_DEFAULTS,
      brokers: config.kafka.brokers,
      clientId: config.kafka.client_id,
      topicTemplate: config.kafka.topic_template,
      partitions: config.kafka.partitions,
      replicationFactor: config.kafka.replication_factor,
      onOversize: config.kafka.on_oversize,
    },
    encode,
    logger.child({ component: 'kafka' }),
  );
}

/** The configured tables, or every table installed for capture when none are listed. */
async function resolveTables(
  db: SourceDatabase,
  src: SourceConfig,
): Promise<{ table: TableRef; entry: TableEntry | null; index: number; keyColumns: string[] }[]> {
  const captured = await db.listCaptured();
  if (!src.tables || src.tables.length === 0) {
    if (captured.length === 0) {
      throw new UserInputError(`no table is set up for capture in ${redactUrl(src.url)}: run cdc install-triggers --table <t> first`);
    }
    return captured.map((c, index) => ({ table: c.table, entry: null, index, keyColumns: c.keyColumns }));
  }
  const installed = new Map(captured.map((c) => [c.qualifiedName, c]));
  return src.tables.map((entry, index) => {
    const table = parseTableRef(typeof entry === 'string' ? entry : entry.name, db.defaultSchema);
    const info = installed.get(qualifiedName(table));
    if (!info) {
      throw new UserInputError(
        `table ${qualifiedName(table)} is not set up for capture: run cdc install-triggers --table ${JSON.stringify(qualifiedName(table))} first`,
      );
    }
    return { table, entry, index, keyColumns: info.keyColumns };
  });
}

function option<K extends 'batch_size' | 'schedule'>(entry: TableEntry | null, key: K): Extract<TableEntry, object>[K] | undefined {
  return entry !== null && typeof entry === 'object' ? entry[key] : undefined;
}
