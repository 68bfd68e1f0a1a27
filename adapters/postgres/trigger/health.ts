import type { Logger } from '../../../src/core/logger';
import type { PgQueryable } from '../driver';

/** How often a running source looks at its triggers: one catalog query per table per interval. */
export const TRIGGER_CHECK_MS = 10_000;

/**
 * Why the table's changes are not being captured right now, or null when both capture triggers
 * exist, call cdc's function and are enabled. The table's owner can disable or drop them
 * (`ALTER TABLE … DISABLE TRIGGER`), and every change made meanwhile is lost to capture.
 * `session_replication_role = replica` also silences 'O'-enabled triggers for that session; that
 * one cannot be seen from here and is documented (docs/security.md).
 */
export async function triggerGap(q: PgQueryable, table: string, fn: string): Promise<string | null> {
  const { rows } = await q.query<{ exists: boolean; enabled: number; present: number }>(
    `SELECT to_regclass($1) IS NOT NULL AS exists,
            (SELECT count(*)::int FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE tg.tgrelid = to_regclass($1) AND tg.tgname IN ('cdc_capture', 'cdc_capture_truncate')
                AND n.nspname = 'cdc' AND p.proname = $2) AS present,
            (SELECT count(*)::int FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE tg.tgrelid = to_regclass($1) AND tg.tgname IN ('cdc_capture', 'cdc_capture_truncate')
                AND n.nspname = 'cdc' AND p.proname = $2 AND tg.tgenabled <> 'D') AS enabled`,
    [table, fn],
  );
  const r = rows[0]!;
  if (!r.exists) return null; // a dropped table: its log is drained, and nothing more can come
  if (Number(r.present) < 2) return 'its capture triggers are missing';
  if (Number(r.enabled) < 2) return 'its capture triggers are disabled';
  return null;
}

/** Checks a table's triggers at most every TRIGGER_CHECK_MS and says so, loudly, when that changes. */
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
