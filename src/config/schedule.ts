import cron from 'node-cron';
import { MAX_TIMER_MS, MAX_TIMER_TEXT } from '../core/timers.js';

/**
 * When a table's poller wakes up. A duration (`50ms`, `2s`, `1m`) is a fixed interval, which is
 * how sub-second polling is expressed (cron's finest unit is one second); anything else must be a
 * node-cron expression (5 or 6 fields, seconds first when 6).
 */
export type Schedule = { kind: 'interval'; ms: number } | { kind: 'cron'; expression: string };

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/;

export const SCHEDULE_HINT = 'expected a duration like "50ms"/"2s"/"1m" or a cron expression like "*/5 * * * * *"';

export function parseSchedule(text: string): Schedule | null {
  const parsed = readSchedule(text);
  return 'problem' in parsed ? null : parsed;
}

/** Why `text` is not a schedule (one line), or null when it is one. */
export function scheduleProblem(text: string): string | null {
  const parsed = readSchedule(text);
  return 'problem' in parsed ? parsed.problem : null;
}

function readSchedule(text: string): Schedule | { problem: string } {
  const m = DURATION.exec(text.trim());
  if (m) {
    const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
    if (ms < 1) return { problem: `a schedule interval must be at least 1ms, got ${JSON.stringify(text)}` };
    // Node's timers overflow past this and fire after 1 ms: a busy loop, not a rare poll.
    if (ms > MAX_TIMER_MS) return { problem: `a schedule interval must be at most ${MAX_TIMER_TEXT}, got ${JSON.stringify(text)}; use a cron expression for rarer polls` };
    return { kind: 'interval', ms };
  }
  if (!cron.validate(text)) return { problem: `${SCHEDULE_HINT}, got ${JSON.stringify(text)}` };
  const step = stepProblem(text);
  if (step) return { problem: `cron expression ${JSON.stringify(text)}: ${step}` };
  return { kind: 'cron', expression: text };
}

// Field ranges as node-cron reads them; day of week 0-7 (0 and 7 are Sunday).
const FIELDS_6 = [['second', 0, 59], ['minute', 0, 59], ['hour', 0, 23], ['day of month', 1, 31], ['month', 1, 12], ['day of week', 0, 7]] as const;

/**
 * node-cron accepts any step, so a step of 61 in the seconds field ("every 61 seconds") ran once
 * a minute. A step may be at most the field's span (a step of 60 seconds is exactly once a
 * minute); beyond it the expression cannot mean what it says.
 */
function stepProblem(expression: string): string | null {
  const parts = expression.trim().split(/\s+/);
  const fields = parts.length === 5 ? FIELDS_6.slice(1) : FIELDS_6;
  for (let i = 0; i < parts.length && i < fields.length; i++) {
    const [name, min, max] = fields[i]!;
    const span = name === 'day of week' ? 7 : max - min + 1;
    for (const item of parts[i]!.split(',')) {
      const slash = item.indexOf('/');
      if (slash < 0) continue;
      const step = item.slice(slash + 1);
      if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > span) {
        return `the ${name} step /${step} must be a whole number from 1 to ${span}`;
      }
    }
  }
  return null;
}
