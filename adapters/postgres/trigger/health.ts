import type { PgQueryable } from '../driver.js';

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
