import type { Redis } from 'ioredis';

/** What `cdc status` shows for a table run by workers. */
export interface TableOwnership {
  /** `<source_id>/<table>` */
  key: string;
  state: 'running' | 'failed' | 'standby';
  /** The worker that set the state (for `running`: the owner). */
  worker: string;
  /** Whether that worker is connected to the queue now (a SIGKILLed owner is not). */
  workerAlive: boolean;
  since: string;
  error?: string;
  /** For `failed`: when the table is tried again. */
  retryAt?: string;
}

/**
 * Each table's state as the workers last reported it, in one HASH beside the queue
 * (`<prefix>:<queue>:cdc:tables`, field `<source_id>/<table>`). BullMQ's job state says where a
 * job is; this says why, and is what `cdc status` and the dashboards read. Written by the owner
 * only, so a stale entry names a worker that is no longer alive, which status shows.
 */
export class TableStates {
  constructor(
    private readonly redis: Redis,
    private readonly hashKey: string,
  ) {}

  static key(prefix: string, queue: string): string {
    return `${prefix}:${queue}:cdc:tables`;
  }

  async set(key: string, value: Omit<TableOwnership, 'key' | 'workerAlive' | 'since'>): Promise<void> {
    await this.redis.hset(this.hashKey, key, JSON.stringify({ ...value, since: new Date().toISOString() }));
  }

  async list(aliveWorkers: ReadonlySet<string>): Promise<TableOwnership[]> {
    const all = await this.redis.hgetall(this.hashKey);
    return Object.entries(all)
      .map(([key, json]) => {
        const v = JSON.parse(json) as Omit<TableOwnership, 'key' | 'workerAlive'>;
        return { key, ...v, workerAlive: aliveWorkers.has(v.worker) };
      })
      .sort((a, b) => a.key.localeCompare(b.key));
  }
}
