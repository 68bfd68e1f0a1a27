import type { RetentionSetting } from '../core/change-history.js';
import type { Logger } from '../core/logger.js';

/** What a trigger source's history needs from its database (adapters/<dialect>/trigger/history.ts). */
export interface HistoryStore {
  /** The table's setting from the registry; null when it keeps no history. */
  load(): Promise<RetentionSetting | null>;
  /** Records that keeping starts now, unless it already started (registry `history_since`). */
  start(): Promise<void>;
  /** Deletes up to `limit` kept rows that happened more than `retainSeconds` ago; returns how many. */
  prune(retainSeconds: number, limit: number): Promise<number>;
}

export interface KeeperOptions {
  /** How often the registry is re-read, so a `--retain` change reaches a running `cdc run`. */
  refreshMs: number;
  /** How often pruning runs while it has nothing to catch up on. */
  pruneEveryMs: number;
  /** Rows per prune statement: small, so a prune never holds locks long or bloats one transaction. */
  pruneBatch: number;
}

export const KEEPER_DEFAULTS: KeeperOptions = { refreshMs: 30_000, pruneEveryMs: 60_000, pruneBatch: 1_000 };

/**
 * Decides for one trigger source whether acks keep history, and prunes it. `tick()` runs at the
 * start of every read (also when the table is idle, so pruning never depends on traffic).
 *
 * Keeping is switched on only after `start()` recorded the start time, and an ack consults
 * `retaining` when it runs: a change that happened after the start committed after it, was read
 * after it and so is acknowledged by a keeping ack. That makes "everything since `since`" exact.
 */
export class HistoryKeeper {
  private setting: RetentionSetting | null = null;
  private loadedAt = -Infinity;
  private prunedAt = -Infinity;
  private catchingUp = false;

  constructor(
    private readonly store: HistoryStore,
    private readonly logger: Logger,
    private readonly options: KeeperOptions = KEEPER_DEFAULTS,
  ) {}

  /** True when acks must move acknowledged rows into the history. */
  get retaining(): boolean {
    return this.setting !== null && this.setting.since !== null;
  }

  async tick(now = Date.now()): Promise<void> {
    if (now - this.loadedAt >= this.options.refreshMs) {
      let setting = await this.store.load();
      if (setting && setting.since === null) {
        await this.store.start();
        setting = await this.store.load();
      }
      this.setting = setting;
      this.loadedAt = now;
    }
    const setting = this.setting;
    if (!setting || (!this.catchingUp && now - this.prunedAt < this.options.pruneEveryMs)) return;
    this.prunedAt = now;
    try {
      const deleted = await this.store.prune(setting.retainSeconds, this.options.pruneBatch);
      // A full batch means more is due: prune again at the next read instead of a minute later.
      this.catchingUp = deleted >= this.options.pruneBatch;
      if (deleted > 0) this.logger.debug({ deleted }, 'pruned change history');
    } catch (err) {
      // Pruning is housekeeping: capture goes on, and the next prune retries.
      this.catchingUp = false;
      this.logger.warn({ err: (err as Error).message }, 'pruning change history failed; retrying later');
    }
  }
}
