import { topicName } from '../core/topic-name.js';
import { toChangeEvent, type ChangeEvent } from '../core/change-event.js';
import { attachTableSpec } from '../core/table-spec.js';
import { UserInputError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { parseTableRef, qualifiedName } from '../core/table-ref.js';
import { encoderFor } from '../format/index.js';
import type { EventEncoder, Sink } from '../core/sink.js';
import { retainedFrom, formatRetention } from '../history/retention.js';
import { redactUrl } from '../logging.js';
import { retryUntil } from '../pipeline/with-deadline.js';
import { openSourceDatabase } from '../sources/open-source-database.js';
import type { HistoryReplayRequest } from './history-options.js';
import { formatInstant, inWindow, parseInstant } from './window.js';

export interface HistoryReplayResult {
  table: string;
  replayed: number;
}

/**
 * Re-emits the changes of [from, to) of one table from its kept change history (trigger capture
 * with `--retain`). Each kept row is rebuilt with the live pipeline's own code — the adapter's row
 * mapping, toChangeEvent with the stored generation, sequence_number and schema_version — and
 * written through the sink (Kafka, from the CLI) with the chosen format, so event_id, sequence_number, payload,
 * key and headers equal what `cdc run` produced. Everything is validated before the sink opens:
 * bad input produces nothing and creates no topic.
 */
/** Opens the sink the replayed events go to: every event into `targetTopic`, encoded by `encode`. */
export type ReplaySinkFactory = (targetTopic: string, partitions: number, encode: EventEncoder, logger: Logger) => Sink;

export async function replayFromHistory(req: HistoryReplayRequest, openSink: ReplaySinkFactory, logger: Logger): Promise<HistoryReplayResult> {
  const db = await retryUntil(`cannot connect to ${redactUrl(req.sourceUrl)}`, () => openSourceDatabase(req.sourceUrl), req.connectTimeoutMs);
  try {
    if (!db.openHistory) throw new UserInputError(`replay from history needs trigger capture on PostgreSQL or MySQL/MariaDB; ${db.dialect} keeps none`);
    let table;
    try {
      table = parseTableRef(req.table, db.defaultSchema);
    } catch (err) {
      throw new UserInputError((err as Error).message);
    }
    const name = qualifiedName(table);
    const sourceId = req.sourceId ?? db.databaseName;
    if (req.targetTopic === topicName(req.topicTemplate, sourceId, name)) {
      throw new UserInputError(`--topic must differ from the table's own topic ${req.targetTopic}: replaying into it would duplicate its events`);
    }
    const history = await db.openHistory(table);
    const keyColumns = (await db.listCaptured()).find((c) => c.qualifiedName === name)?.keyColumns ?? [];
    const transform = req.run?.transformFor(name, db.defaultSchema, keyColumns);
    const from = retainedFrom(history.retention, Date.now())!;
    if (req.window.from < from) {
      throw new UserInputError(
        `--from ${formatInstant(req.window.from)} is before the kept history of ${name}, which is complete from ${formatInstant(from)} ` +
          `(retention ${formatRetention(history.retention.retainSeconds)}, kept since ${history.retention.since})`,
      );
    }
    if (!req.toIsNow && req.window.to > BigInt(Date.now()) * 1_000_000n) {
      logger.warn({ to: formatInstant(req.window.to) }, '--to is in the future: only changes already delivered by cdc run are kept, and replayed');
    }

    const sink = openSink(req.targetTopic, req.partitions, encoderFor(req.format, req.run?.debezium ?? {}), logger);
    await retryUntil('cannot open the sink', () => sink.open(), req.connectTimeoutMs);
    // Debezium's encodings need the declared column types: the table's current ones.
    const spec = req.format === 'debezium' && db.describeTable ? await db.describeTable(table) : null;
    let replayed = 0;
    try {
      await history.read(req.window, async (kept) => {
        const events: ChangeEvent[] = [];
        for (const { change, sequence, schemaVersion } of kept) {
          // The SQL window is rounded outwards to microseconds; the exact one is decided here.
          const at = parseInstant(change.timestamp);
          if (at === null || !inWindow(req.window, at)) continue;
          if (change.failure !== undefined) {
            // Beyond the decoders' limits: `cdc run` dead-lettered (or stopped on) it; never an event without images.
            logger.warn({ table: name, key: change.primaryKey, position: change.position, reason: change.failure }, 'change cannot be decoded; not replayed');
            continue;
          }
          const event = toChangeEvent(change, { sourceId, tableName: name, mode: 'trigger', sequence, schemaVersion });
          const out = transform ? transform(event) : event;
          if (out) events.push(spec ? attachTableSpec(out, spec) : out);
        }
        await sink.write(events);
        replayed += events.length;
        if (events.length > 0) logger.info({ replayed }, 'replay progress');
      });
    } finally {
      await sink.close();
    }
    return { table: name, replayed };
  } finally {
    await db.close();
  }
}
