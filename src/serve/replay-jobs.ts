import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { ReplayRequest } from '../replay/options.js';

/** Copies one topic's window into another (the Kafka replay of adapters/kafka/replay, wired in serve.ts). */
export type ReplayRunner = (req: ReplayRequest, logger: Logger) => Promise<{ scanned: number; copied: number }>;
import type { Logger } from '../core/logger.js';
import { instantFromMillis, makeWindow } from '../replay/window.js';

export interface ReplayJob {
  sourceId: string;
  /** Source topic per table, in the order they are replayed. */
  tables: { table: string; topic: string }[];
  fromMs: number;
  toMs: number;
}

type Progress = Record<string, { scanned: number; copied: number; done: boolean }>;

/**
 * Replays run in the background of the `cdc serve` that accepted them, one table after the other
 * into one new topic, with `cdc replay`'s own code (src/replay/replay.ts): the window is on each
 * event's own time, and reading ends at the offsets taken when the table's replay begins.
 * Progress is written to the registry after each table, so any process can answer GET.
 */
export class ReplayJobs {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Knex,
    private readonly kafka: { brokers: string[]; security: ReplayRequest['security']; connectTimeoutMs: number },
    private readonly replay: ReplayRunner,
    private readonly logger: Logger,
  ) {}

  async submit(job: ReplayJob): Promise<{ replayId: string; topic: string }> {
    const replayId = `r${randomBytes(6).toString('hex')}`;
    const topic = `cdc.replay.${replayId}`;
    const progress: Progress = Object.fromEntries(job.tables.map((t) => [t.table, { scanned: 0, copied: 0, done: false }]));
    const now = new Date().toISOString();
    await this.db('replays').insert({
      id: replayId,
      source_id: job.sourceId,
      kafka_topic: topic,
      status: 'RUNNING',
      start_timestamp: new Date(job.fromMs).toISOString(),
      end_timestamp: new Date(job.toMs).toISOString(),
      table_filter: JSON.stringify(job.tables.map((t) => t.table)),
      progress: JSON.stringify(progress),
      error: null,
      created_at: now,
      updated_at: now,
    });
    const run = this.run(replayId, topic, job, progress).finally(() => this.running.delete(replayId));
    this.running.set(replayId, run);
    return { replayId, topic };
  }

  private async run(id: string, target: string, job: ReplayJob, progress: Progress): Promise<void> {
    const logger = this.logger.child({ replay: id });
    const save = (fields: Record<string, unknown>) => this.db('replays').where({ id }).update({ ...fields, progress: JSON.stringify(progress), updated_at: new Date().toISOString() });
    try {
      for (const { table, topic } of job.tables) {
        try {
          const r = await this.replay(
            {
              brokers: this.kafka.brokers,
              security: this.kafka.security,
              sourceTopic: topic,
              targetTopic: target,
              window: makeWindow(instantFromMillis(job.fromMs), instantFromMillis(job.toMs)),
              toIsNow: false,
              maxClockSkewMs: 60_000,
              stallTimeoutMs: 60_000,
              connectTimeoutMs: this.kafka.connectTimeoutMs,
            },
            logger,
          );
          progress[table] = { scanned: r.scanned, copied: r.copied, done: true };
        } catch (err) {
          // A table that never had a change has no topic yet: nothing of it is in the window.
          if (!(err as Error).message.startsWith(`topic ${topic} does not exist`)) throw err;
          progress[table] = { scanned: 0, copied: 0, done: true };
        }
        await save({});
      }
      await save({ status: 'DONE' });
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'replay failed');
      await save({ status: 'FAILED', error: (err as Error).message.replace(/\s*\n\s*/g, ' ') }).catch(() => undefined);
    }
  }

  /** On shutdown: replays cut short are marked failed rather than left RUNNING forever. */
  async interruptAll(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    await this.db('replays')
      .whereIn('id', ids)
      .where({ status: 'RUNNING' })
      .update({ status: 'FAILED', error: 'cdc serve stopped during the replay: request it again', updated_at: new Date().toISOString() });
  }
}
