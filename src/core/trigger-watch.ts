import type { Logger } from './logger.js';

/** How often a running source looks at its triggers: one catalog query per table per interval. */
export const TRIGGER_CHECK_MS = 10_000;

/**
 * Watches whether a trigger-captured table's triggers are still there and enabled. The table's
 * owner can drop (or on PostgreSQL disable) them, and every change made meanwhile is lost to
 * capture, so the source checks at most every TRIGGER_CHECK_MS and says so, loudly, when it changes.
 * `check` is the dialect's query: a reason when changes are not being captured, else null.
 */
export class TriggerWatch {
  private gap: string | null = null;
  private checkedAt = -Infinity;

  constructor(
    private readonly tableName: string,
    private readonly check: () => Promise<string | null>,
    private readonly logger: Logger,
  ) {}

  get current(): string | null {
    return this.gap;
  }

  async tick(now = Date.now()): Promise<void> {
    if (now - this.checkedAt < TRIGGER_CHECK_MS) return;
    this.checkedAt = now;
    const gap = await this.check();
    if (gap && gap !== this.gap) {
      this.logger.warn(
        { table: this.tableName, problem: gap },
        `CHANGES ARE NOT BEING CAPTURED: table ${this.tableName}: ${gap}; every change made until they are back is lost to capture. Run cdc install-triggers --table ${this.tableName} to restore them`,
      );
    } else if (!gap && this.gap) {
      this.logger.info({ table: this.tableName }, 'capture triggers are back; changes are captured again');
    }
    this.gap = gap;
  }
}
