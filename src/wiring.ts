import { KafkaSink } from '../adapters/kafka/kafka-sink.js';
import { KAFKA_DEFAULTS, NO_KAFKA_SECURITY, type KafkaSecurity } from './config/kafka-settings.js';
import { topicName } from './core/topic-name.js';
import { resolveKafkaSecurity } from './config/kafka-security.js';
import { withPasswordFile } from './config/url-password.js';
import { withSourceTls } from './config/source-tls.js';
import { StdoutSink } from '../adapters/stdout/stdout-sink.js';
import type { CdcConfig, SourceConfig, TableEntry } from './config/schema.js';
import { parseSchedule } from './config/schedule.js';
import { ConfigError, UserInputError } from './core/errors.js';
import type { Logger } from './core/logger.js';
import type { Sink } from './core/sink.js';
import type { SourceDatabase } from './core/source-database.js';
import { parseTableRef, qualifiedName, type TableRef } from './core/table-ref.js';
import { encoderFor } from './format/index.js';
import { skippedOperationsFilter } from './format/debezium/skipped.js';
import type { CaptureMode, ChangeEvent } from './core/change-event.js';
import { PrometheusMetrics } from './observability/prometheus.js';
import type { PipelineMetrics } from './pipeline/metrics.js';
import { SequenceAllocator } from './pipeline/sequence-allocator.js';
import { TablePipeline } from './pipeline/table-pipeline.js';
import { retryUntil } from './pipeline/with-deadline.js';
import { CaptureService, type TableJob } from './service/capture-service.js';
import { initialSnapshotTask, type BackgroundTask } from './snapshot/snapshot-task.js';
import { createTicker } from './service/ticker.js';
import { openSourceDatabase } from './sources/open-source-database.js';
import { redactUrl } from './logging.js';
import { compileTransform } from './transform/index.js';
import type { ChangeSource } from './core/change-source.js';
import type { TableSpec } from './core/table-spec.js';
import type { SequenceStore } from './core/sequence-store.js';
import { RedisState } from '../adapters/redis/redis-state.js';
import { planPolling } from '../adapters/poll/plan.js';
import type { PollCatalog } from '../adapters/poll/index.js';

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
  /** Aborts start-up's connection retries (a SIGTERM while a database or broker is unreachable). */
  signal?: AbortSignal;
  /** Also told of every delivery and retry, beside Prometheus (`cdc serve` computes a source's rate from it). */
  observer?: PipelineMetrics;
}

/** Builds the whole capture service from a validated config: the one place things are wired. */
export async function wire(given: CdcConfig, logger: Logger, options: WireOptions): Promise<Wired> {
  const tables = await wireTables(given, logger, options);
  return { service: new CaptureService(tables.jobs, tables.sink, logger, tables.background), close: tables.close };
}

/**
 * Every configured table as a job that is not yet opened, with the sink they share: `cdc run` runs
 * them all in one CaptureService, `cdc worker` runs the ones BullMQ hands it (docs/workers.md).
 */
export interface WiredTables {
  jobs: TableJob[];
  sink: Sink;
  background: BackgroundTask[];
  metrics: PrometheusMetrics;
  /** Releases connections; call after every job stopped. Does not close the sink. */
  close(): Promise<void>;
}

export async function wireTables(given: CdcConfig, logger: Logger, options: WireOptions): Promise<WiredTables> {
  if (given.sources.length === 0) throw new ConfigError('no source configured: pass --source <url> or a config file with "sources"');
  const config = withSecretFiles(given);
  // Files (CA, keys, password files) are read before anything opens: a bad one starts nothing.
  const kafkaSecurity = config.sink === 'kafka' ? resolveKafkaSecurity(config.kafka.ssl, config.kafka.sasl) : NO_KAFKA_SECURITY;
  if (kafkaSecurity.sasl?.mechanism === 'plain' && !kafkaSecurity.tls) {
    logger.warn({ mechanism: 'PLAIN' }, 'SASL PLAIN without TLS sends the Kafka password in clear: add --kafka-tls or --kafka-ca-file');
  }
  const databases: SourceDatabase[] = [];
  const catalogs: PollCatalog[] = [];
  let state: RedisState | null = null;
  const prometheus = new PrometheusMetrics();
  const metrics = options.observer ? teeMetrics(prometheus, options.observer) : prometheus;
  const server = config.metrics_port !== undefined ? await prometheus.serve(config.metrics_port) : null;
  let sink: Sink | null = null;
  try {
    sink = buildSink(config, kafkaSecurity, logger);
    const opened = sink;
    await retryUntil('cannot open the sink', () => opened.open(), options.connectTimeoutMs, options.signal);
    const jobs: TableJob[] = [];
    const skipped = config.format === 'debezium' ? skippedOperationsFilter(config.debezium) : null;
    const transactionMetadata = config.format === 'debezium' && config.debezium?.['provide.transaction.metadata'] === true;
    const background: BackgroundTask[] = [];
    const topicOwners = new Map<string, string>();
    const addJob = (t: {
      openSource: () => ChangeSource;
      sequences: SequenceStore;
      sourceId: string;
      entry: TableEntry | null;
      prefix: string;
      keyColumns: string[];
      describe?: () => Promise<TableSpec>;
    }) => {
      const first = t.openSource();
      const name = qualifiedName(first.table);
      if (config.sink === 'kafka' && config.debezium?.['topic.prefix'] === undefined) {
        // Topic names fold characters Kafka does not allow to '_': `a b` and `a_b` would share a
        // topic (and their keys interleave). Refuse rather than mix two tables' events silently.
        const topic = topicName(config.kafka.topic_template, t.sourceId, name);
        const owner = `${t.sourceId}/${name}`;
        const other = topicOwners.get(topic);
        if (other !== undefined && other !== owner) {
          throw new ConfigError(`tables ${other} and ${owner} would both write to Kafka topic ${topic}; change key "kafka.topic_template" or capture them from separate runs`);
        }
        topicOwners.set(topic, owner);
      }
      const compiled =
        t.entry !== null && typeof t.entry === 'object'
          ? compileTransform(name, t.entry, process.env, { keyColumns: t.keyColumns, keyPrefix: t.prefix })
          : undefined;
      const transform = skipped ? (e: ChangeEvent) => (skipped(e) ? (compiled ? compiled(e) : e) : null) : compiled;
      const tableLogger = logger.child({ source: t.sourceId, table: name });
      const schedule = parseSchedule(option(t.entry, 'schedule') ?? config.defaults.schedule)!;
      const build = (source: ChangeSource): TableJob => ({
        pipeline: new TablePipeline(
          { source, sink: sink!, sequences: new SequenceAllocator(t.sequences, name), sourceId: t.sourceId, logger: tableLogger, metrics, transform, describe: t.describe },
          { batchSize: option(t.entry, 'batch_size') ?? config.defaults.batch_size },
        ),
        ticker: createTicker(schedule),
        fresh: () => build(t.openSource()),
      });
      jobs.push(build(first));
    };
    if (config.state) {
      const url = config.state;
      state = await retryUntil('cannot open the state store', () => RedisState.connect(url, { service: true }), options.connectTimeoutMs, options.signal);
    }
    for (const [sourceIndex, src] of config.sources.entries()) {
      // Tables registered for polling (docs/polling.md) get a poll source; a poll-only source never
      // opens the trigger adapter, which would create cdc's schema in a database cdc may only read.
      const openedState = state;
      const poll = openedState
        ? await retryUntil(`cannot connect to ${redactUrl(src.url)}`, () => planPolling(src, openedState), options.connectTimeoutMs, options.signal)
        : null;
      if (poll) catalogs.push(poll.catalog);
      if (transactionMetadata && poll && poll.tables.length > 0) {
        throw new ConfigError(`provide.transaction.metadata needs wal or binlog capture; polled table ${poll.tables[0]!.registration.table} cannot provide it`);
      }
      if (!poll || poll.needsTriggerSource) {
        const db =
          options.openDatabases?.get(src.url) ??
          (await retryUntil(`cannot connect to ${redactUrl(src.url)}`, () => openSourceDatabase(src.url), options.connectTimeoutMs, options.signal));
        databases.push(db);
        await db.migrate();
        const sourceId = src.id ?? db.databaseName;
        const resolved = await resolveTables(db, src, poll?.polled);
        if (transactionMetadata) checkTransactionMetadata(resolved);
        for (const { table, entry, index, keyColumns } of resolved) {
          const tableLogger = logger.child({ source: sourceId, table: qualifiedName(table) });
          const openSource = () => db.openSource(table, { logger: tableLogger });
          // Only a format that encodes by declared type pays for the catalog lookups.
          const describe = config.format === 'debezium' && db.describeTable ? () => db.describeTable!(table) : undefined;
          addJob({ openSource, sequences: db.sequences, sourceId, entry, prefix: `sources.${sourceIndex}.tables.${index}.`, keyColumns, describe });
          if ((option(entry, 'snapshot') ?? config.defaults.snapshot) === 'initial') {
            if (!db.snapshotTarget) throw new ConfigError(`snapshot: initial is not available for ${db.dialect} sources (table ${qualifiedName(table)})`);
            const chunkSize = option(entry, 'snapshot_chunk_size') ?? config.defaults.snapshot_chunk_size;
            background.push(initialSnapshotTask(() => db.snapshotTarget!(table), chunkSize, tableLogger));
          }
        }
      }
      for (const { registration, entry, index } of poll?.tables ?? []) {
        const sourceId = src.id ?? poll!.catalog.databaseName;
        const catalog = poll!.catalog;
        const openSource = () => catalog.openSource(registration, logger.child({ source: sourceId, table: registration.table, mode: 'poll' }));
        const describe = config.format === 'debezium' ? () => catalog.describeTable({ schema: registration.schema, name: registration.name }) : undefined;
        addJob({ openSource, sequences: catalog.sequences, sourceId, entry, prefix: `sources.${sourceIndex}.tables.${index}.`, keyColumns: registration.keyColumns, describe });
      }
    }
    return {
      jobs,
      sink,
      background,
      metrics: prometheus,
      async close() {
        await Promise.allSettled([...databases.map((d) => d.close()), ...catalogs.map((c) => c.close())]);
        await state?.close();
        server?.close();
      },
    };
  } catch (err) {
    await Promise.allSettled([...databases.map((d) => d.close()), ...catalogs.map((c) => c.close()), sink?.close()]);
    await state?.close();
    server?.close();
    throw err;
  }
}

function teeMetrics(a: PipelineMetrics, b: PipelineMetrics): PipelineMetrics {
  return {
    delivered: (table, count) => (a.delivered(table, count), b.delivered(table, count)),
    retried: (table, step) => (a.retried(table, step), b.retried(table, step)),
    capturing: (table, on) => (a.capturing?.(table, on), b.capturing?.(table, on)),
    acknowledged: (table, changes) => (a.acknowledged?.(table, changes), b.acknowledged?.(table, changes)),
    caughtUp: (table) => (a.caughtUp?.(table), b.caughtUp?.(table)),
  };
}

/**
 * Password files read into the URLs and `tls` keys written into them as each database's parameters,
 * before anything opens: an unreadable file or a setting given twice starts nothing.
 */
function withSecretFiles(config: CdcConfig): CdcConfig {
  return {
    ...config,
    sources: config.sources.map((s, i) => ({
      ...s,
      url: withSourceTls(withPasswordFile(s.url, s.password_file, `sources.${i}.password_file`), s.tls, `sources.${i}.tls`),
    })),
    state: config.state === undefined ? undefined : withPasswordFile(config.state, config.state_password_file, 'state_password_file'),
  };
}

function buildSink(config: CdcConfig, security: KafkaSecurity, logger: Logger): Sink {
  const encode = encoderFor(config.format, config.debezium);
  const prefix = config.debezium?.['topic.prefix'];
  if (config.sink === 'stdout') return new StdoutSink(encode, process.stdout, { onUndeliverable: config.kafka.on_oversize });
  if (!config.kafka.brokers) throw new ConfigError('key "kafka.brokers" is required when sink is "kafka": pass --kafka <host:port,…>');
  return new KafkaSink(
    {
      ...KAFKA_DEFAULTS,
      brokers: config.kafka.brokers,
      security,
      clientId: config.kafka.client_id,
      // Debezium's topic naming: <topic.prefix>.<schema>.<table>, whatever the source_id.
      topicTemplate: prefix !== undefined ? `${prefix}.{table}` : config.kafka.topic_template,
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
  polled: ReadonlySet<string> = new Set(),
): Promise<{ table: TableRef; entry: TableEntry | null; index: number; keyColumns: string[]; mode: CaptureMode }[]> {
  const captured = await db.listCaptured();
  const both = captured.find((c) => polled.has(c.qualifiedName));
  if (both) {
    throw new UserInputError(`table ${both.qualifiedName} is captured by triggers and registered for polling: remove one (cdc uninstall-poll or cdc uninstall-triggers)`);
  }
  if (!src.tables || src.tables.length === 0) {
    if (captured.length === 0 && polled.size > 0) return [];
    if (captured.length === 0) {
      throw new UserInputError(`no table is set up for capture in ${redactUrl(src.url)}: run cdc install-triggers --table <t> first`);
    }
    return captured.map((c, index) => ({ table: c.table, entry: null, index, keyColumns: c.keyColumns, mode: c.mode }));
  }
  const installed = new Map(captured.map((c) => [c.qualifiedName, c]));
  const listed = src.tables.map((entry, index) => ({ entry, index, table: parseTableRef(typeof entry === 'string' ? entry : entry.name, db.defaultSchema) }));
  return listed.filter((t) => !polled.has(qualifiedName(t.table))).map(({ entry, index, table }) => {
    const info = installed.get(qualifiedName(table));
    if (!info) {
      throw new UserInputError(
        `table ${qualifiedName(table)} is not set up for capture: run cdc install-triggers --table ${JSON.stringify(qualifiedName(table))} first`,
      );
    }
    return { table, entry, index, keyColumns: info.keyColumns, mode: info.mode };
  });
}

/**
 * Debezium's transaction metadata is exact only where one stream sees each transaction whole: the
 * binlog (one stream per source, every binlog-mode table of the run), or a PostgreSQL WAL slot,
 * which carries one table, so a run may stream only one WAL table of a source. Trigger and poll
 * batches can cut a transaction and the oplog is read per collection: refused.
 */
function checkTransactionMetadata(tables: { table: TableRef; mode: CaptureMode }[]): void {
  const option = 'provide.transaction.metadata';
  for (const t of tables) {
    if (t.mode !== 'wal' && t.mode !== 'binlog') {
      const name = qualifiedName(t.table);
      throw new ConfigError(`${option} needs wal or binlog capture; table ${name} is in ${t.mode} mode (cdc upgrade --table ${JSON.stringify(name)} --to wal|binlog, or leave ${option} off)`);
    }
  }
  const wal = tables.filter((t) => t.mode === 'wal');
  if (wal.length > 1) {
    throw new ConfigError(
      `${option} in wal mode counts one table's transactions (each table has its own replication slot): run one table per cdc run, not ${wal.map((t) => qualifiedName(t.table)).join(', ')}`,
    );
  }
}

function option<K extends 'batch_size' | 'schedule' | 'snapshot' | 'snapshot_chunk_size'>(entry: TableEntry | null, key: K): Extract<TableEntry, object>[K] | undefined {
  return entry !== null && typeof entry === 'object' ? entry[key] : undefined;
}
