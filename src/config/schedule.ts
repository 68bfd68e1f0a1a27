import cron from 'node-cron';

/**
 * When a table's poller wakes up. A duration (`50ms`, `2s`, `1m`) is a fixed interval, which is
 * how sub-second polling is expressed (cron's finest unit is one second); anything else must be a
 * node-cron expression (5 or 6 fields, seconds first when 6).
 */
export type Schedule = { kind: 'interval'; ms: number } | { kind: 'cron'; expression: string };

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/;

export function parseSchedule(text: string): Schedule | null {
  const m = DURATION.exec(text.trim());
  if (m) {
    const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
    return ms >= 1 ? { kind: 'interval', ms } : null;
  }
  return cron.validate(text) ? { kind: 'cron', expression: text } : null;
}
