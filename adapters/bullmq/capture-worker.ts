import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DelayedError, Queue, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { OwnershipLostError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import type { WorkerMetrics } from '../../src/pipeline/metrics.js';
import type { TableJob } from '../../src/service/capture-service.js';
import { runTable } from '../../src/service/table-loop.js';
import { TableStates, type TableOwnership } from './table-states.js';

export interface CaptureWorkerOptions {
  /** BullMQ key prefix (default `bull`); a test or a second fleet on one Redis uses its own. */
  prefix: string;
  queue: string;
  /** BullMQ job lock: a worker that stops renewing it (SIGKILL, SIGSTOP) loses its tables after this. */
  lockDurationMs: number;
  /** How often every worker looks for jobs whose lock expired (BullMQ's stalled-job check). */
  stalledIntervalMs: number;
  /** How often a worker recounts live workers and gives up tables beyond its share. */
  balanceIntervalMs: number;
  /** How long a FAILED table waits before it is tried again. */
  failedRetryMs: number;
}

/** Queue and prefix when none is given (`cdc worker` and `cdc status --workers`). */
export const QUEUE_DEFAULTS = { queue: 'cdc-tables', prefix: 'bull' };

export const CAPTURE_WORKER_DEFAULTS: Omit<CaptureWorkerOptions, 'queue' | 'prefix'> = {
  lockDurationMs: 10_000,
  stalledIntervalMs: 5_000,
  balanceIntervalMs: 2_000,
  failedRetryMs: 300_000,
};

/** Every how many balance rounds the table jobs are added again (about once a minute at 2 s). */
const READD_EVERY_ROUNDS = 30;

/** Mean delay before a job a full worker passed on is offered again. */
const ADMIT_RETRY_MS = 300;

interface TableData {
  key: string;
}

/** Why a table's processor was told to stop (the reason of BullMQ's job cancellation). */
type StopReason = 'shutdown' | 'rebalance' | 'lock-lost';

/** `<source_id>/<table>`: the work unit's name in logs, status and metrics. */
export function tableKey(job: TableJob): string {
  return `${job.pipeline.sourceId}/${job.pipeline.table}`;
}

/**
 * `cdc worker` (docs/workers.md): every (source, table) is one BullMQ job with a fixed id, and a
 * worker holds the job for as long as it drains the table — a long-running job whose lock BullMQ
 * renews. When the owner dies, BullMQ's stalled-job check puts the job back in the queue and
 * another worker takes it. The source-side fence (database lock or owner generation) makes sure
 * the previous owner, if it was only paused, cannot write on once it wakes.
 */
export class CaptureWorker {
  readonly name = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly queue: Queue;
  private readonly worker: Worker;
  private readonly states: TableStates;
  private readonly held = new Map<string, { job: Job<TableData>; since: number }>();
  private readonly stopReasons = new Map<string, StopReason>();
  private balancer: NodeJS.Timeout | null = null;
  private share = Number.POSITIVE_INFINITY;
  private rounds = 0;
  private stopping = false;

  constructor(
    private readonly tables: ReadonlyMap<string, TableJob>,
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly metrics: WorkerMetrics,
    private readonly options: CaptureWorkerOptions,
  ) {
    const { prefix, queue } = options;
    this.queue = new Queue(queue, { connection: redis, prefix });
    this.states = new TableStates(redis, TableStates.key(prefix, queue));
    this.worker = new Worker<TableData>(queue, (job, token, signal) => this.process(job, token, signal), {
      connection: redis,
      prefix,
      name: this.name,
      autorun: false,
      // Every slot may hold a table for hours, and BullMQ fetches again only when a slot frees: a
      // concurrency raised later would not be used until then. So a worker can take every table,
      // and its fair share is enforced when a job arrives (admit) and by handing back (balance).
      concurrency: Math.max(1, tables.size),
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      // A table job is never done: however often its owner dies, it must come back, never fail.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    });
    this.worker.on('error', (err) => this.logger.warn({ err: err.message }, 'queue'));
    // A renewal refused means the lock expired and the job may already be another worker's: stop
    // the table now. (Its source-side fence also refuses it; this only makes it stop sooner.)
    this.worker.on('lockRenewalFailed', (ids) => {
      for (const id of ids) this.cancel(id, 'lock-lost');
    });
  }

  /** Adds the missing table jobs and starts taking them; resolves when the worker has stopped. */
  async run(): Promise<void> {
    this.metrics.configured?.(this.tables.size);
    for (const key of this.tables.keys()) this.metrics.owned?.(key, false);
    await this.addJobs();
    await this.balance();
    this.balancer = setInterval(() => void this.balance().catch((err) => this.logger.warn({ err: (err as Error).message }, 'rebalance failed')), this.options.balanceIntervalMs);
    this.logger.info({ worker: this.name, tables: this.tables.size }, 'worker started');
    await this.worker.run();
  }

  /** SIGTERM: every table is closed (its lock released) and its job put back in the queue at once. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.balancer) clearInterval(this.balancer);
    const closing = this.worker.close();
    for (const id of this.held.keys()) this.cancel(id, 'shutdown');
    await closing;
    await this.queue.close();
  }

  /** Tables are the workers' shared config: each worker adds them all; BullMQ ignores a job id it has. */
  private async addJobs(): Promise<void> {
    for (const key of this.tables.keys()) {
      await this.queue.add('table', { key }, { jobId: jobId(key), removeOnComplete: true, removeOnFail: true });
    }
  }

  /**
   * Fair share: ⌈tables/live workers⌉. The worker takes up to its share (admit) and hands back what
   * it holds beyond it, newest first, so a new worker finds jobs waiting.
   */
  private async balance(): Promise<void> {
    const live = await this.liveWorkers();
    const share = Math.max(1, Math.ceil(this.tables.size / Math.max(1, live.size)));
    this.share = share;
    const excess = this.held.size - share;
    if (excess > 0) {
      const newest = [...this.held.entries()].sort((a, b) => b[1].since - a[1].since).slice(0, excess);
      for (const [id] of newest) this.cancel(id, 'rebalance');
    }
    this.metrics.workers?.(live.size);
    // A job BullMQ dropped (e.g. removed by hand) is added again, so no table stays unowned.
    if (++this.rounds % READD_EVERY_ROUNDS === 0) await this.addJobs();
  }

  private async liveWorkers(): Promise<Set<string>> {
    const clients = await this.queue.getWorkers();
    return new Set(clients.map((c) => c.rawname?.split(':w:')[1]).filter((n): n is string => !!n));
  }

  private cancel(id: string, reason: StopReason): void {
    if (!this.held.has(id)) return;
    if (!this.stopReasons.has(id)) this.stopReasons.set(id, reason);
    this.worker.cancelJob(id, reason);
  }

  private async process(job: Job<TableData>, token: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    const id = job.id!;
    const key = job.data.key;
    const table = this.tables.get(key);
    if (!table || !signal || !token) {
      // Another worker's config has this table and ours does not: leave it to them.
      await job.moveToDelayed(Date.now() + this.options.balanceIntervalMs * 5, token);
      throw new DelayedError();
    }
    if (this.held.size >= this.share) {
      // Full, by the last count: count again (a worker may just have left), then pass the job on.
      // The short random delay sends it to another worker's fetch rather than straight back here.
      await this.balance();
      if (this.held.size >= this.share) {
        await job.moveToDelayed(Date.now() + ADMIT_RETRY_MS / 2 + Math.random() * ADMIT_RETRY_MS, token);
        throw new DelayedError();
      }
    }
    // A fresh source per ownership: a closed source is not reopened.
    const run = table.fresh ? table.fresh() : table;
    this.held.set(id, { job, since: Date.now() });
    this.stopReasons.delete(id);
    const log = this.logger.child({ worker: this.name });
    await this.report(key, { state: 'running', worker: this.name });
    this.metrics.owned?.(key, true);
    try {
      await runTable(run, signal, log);
    } catch (err) {
      if (err instanceof OwnershipLostError || this.stopReasons.get(id) === 'lock-lost') {
        log.warn({ table: key, err: (err as Error).message }, 'table taken over by another worker; stopped');
        throw err;
      }
      // Not retryable (dropped table, revoked privilege, oversize with `stop`): this table only.
      const message = (err as Error).message;
      const retryAt = Date.now() + this.options.failedRetryMs;
      log.error({ table: key, err: message, retryInMs: this.options.failedRetryMs }, 'table FAILED');
      this.metrics.failed?.(key);
      await this.report(key, { state: 'failed', worker: this.name, error: message, retryAt: new Date(retryAt).toISOString() });
      await job.moveToDelayed(retryAt, token);
      throw new DelayedError();
    } finally {
      this.held.delete(id);
      this.metrics.owned?.(key, false);
    }
    const reason = this.stopReasons.get(id) ?? 'shutdown';
    this.stopReasons.delete(id);
    if (reason === 'lock-lost') {
      // The job is another worker's now: BullMQ refuses this worker's completion of it anyway.
      log.warn({ table: key }, 'job lock lost (this process was paused or cut off): table stopped, another worker owns it');
      throw new OwnershipLostError(`table ${key}: this worker's job lock expired; another worker owns it now`);
    }
    // Closed (its lock released) before the job goes back: the next owner does not wait for it.
    await this.report(key, { state: 'standby', worker: this.name });
    await job.moveToWait(token);
    log.info({ table: key, reason }, 'table handed over');
    throw new WaitingError();
  }

  private async report(key: string, value: Omit<TableOwnership, 'key' | 'workerAlive' | 'since'>): Promise<void> {
    this.metrics.tableState?.(key, value.state);
    await this.states.set(key, value).catch((err) => this.logger.warn({ table: key, err: (err as Error).message }, 'cannot record table state'));
  }
}

/** BullMQ job ids may not contain ':'; table names may. */
function jobId(key: string): string {
  return encodeURIComponent(key);
}

/** For `cdc status`: every table's reported state, with whether its worker is still connected. */
export async function readTableStates(redis: Redis, prefix: string, queue: string): Promise<TableOwnership[]> {
  const q = new Queue(queue, { connection: redis, prefix });
  try {
    const clients = await q.getWorkers();
    const alive = new Set(clients.map((c) => c.rawname?.split(':w:')[1]).filter((n): n is string => !!n));
    return await new TableStates(redis, TableStates.key(prefix, queue)).list(alive);
  } finally {
    await q.close();
  }
}
