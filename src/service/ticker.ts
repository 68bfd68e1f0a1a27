import cron from 'node-cron';
import { sleep } from '../pipeline/backoff.js';
import type { Schedule } from '../config/schedule.js';

/**
 * Waits for a table's next poll. Ticks that fire while the table is still draining are coalesced:
 * the pipeline keeps draining without waiting while a backlog remains, so a missed tick loses
 * nothing.
 */
export interface Ticker {
  next(signal: AbortSignal): Promise<void>;
  stop(): void;
}

export function createTicker(schedule: Schedule): Ticker {
  if (schedule.kind === 'interval') {
    return { next: (signal) => sleep(schedule.ms, signal), stop: () => undefined };
  }
  let pending = false;
  let wake: (() => void) | null = null;
  const task = cron.schedule(schedule.expression, () => {
    pending = true;
    wake?.();
  });
  return {
    next(signal) {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          wake = null;
          pending = false;
          signal.removeEventListener('abort', done);
          resolve();
        };
        wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    },
    stop: () => void task.stop(),
  };
}
