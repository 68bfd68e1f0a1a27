import type { TestDatabase } from '../../test/helpers/dialects.js';
import { insertRangeSql } from './seed.js';
import { wallClockMs } from './timing.js';

/**
 * Commits INSERTs of ~1 KB rows at a fixed rate: every 10 ms a transaction with rate/100 rows
 * (1K/s → 10 rows per transaction). Transactions start on schedule whether or not the previous one
 * finished (up to `maxInFlight`), so a slow commit delays only itself. Records, per row id, the
 * wall-clock time COMMIT returned — the latency's start (a change is visible to the reader no
 * earlier than that, so this errs towards smaller latencies by at most one commit round trip).
 */
export interface WriterResult {
  ids: number[];
  committedAt: number[];
  /** Rows committed per second over the run (the schedule's rate if the database kept up). */
  achievedRate: number;
  transactions: number;
}

export async function writeAtFixedRate(
  db: TestDatabase,
  o: { ratePerSecond: number; durationMs: number; firstId: number; table: string; maxInFlight?: number },
): Promise<WriterResult> {
  const tickMs = 10;
  const perTx = Math.max(1, Math.round((o.ratePerSecond * tickMs) / 1000));
  const ids: number[] = [];
  const committedAt: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = o.maxInFlight ?? 8;
  const t0 = performance.now();
  let next = o.firstId;
  let transactions = 0;
  for (let tick = 0; ; tick++) {
    const due = t0 + tick * tickMs;
    if (due - t0 >= o.durationMs) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const from = next;
    next += perTx;
    const p = db
      .transaction(async (exec) => void (await exec(insertRangeSql(db, from, from + perTx - 1, o.table))))
      .then(() => {
        const at = wallClockMs();
        for (let id = from; id < from + perTx; id++) {
          ids.push(id);
          committedAt.push(at);
        }
        transactions++;
      });
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
  return { ids, committedAt, achievedRate: Math.round(ids.length / ((performance.now() - t0) / 1000)), transactions };
}
