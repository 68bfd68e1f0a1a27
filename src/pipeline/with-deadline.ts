import { isRetryable } from '../core/retryable.js';
import { TransientError } from '../core/errors.js';
import { Backoff, sleep } from './backoff.js';

/**
 * Start-up connections: retry a retryable failure (database or broker still booting) until
 * `deadlineMs` passes, then give up with one clear error. Once running, outages are retried without
 * a deadline by the pipeline instead.
 */
export async function retryUntil<T>(what: string, op: () => Promise<T>, deadlineMs: number, signal?: AbortSignal): Promise<T> {
  const backoff = new Backoff(200, 5_000);
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!isRetryable(err)) throw err;
      if (Date.now() >= until || signal?.aborted) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new TransientError(`${what}: ${msg} (gave up after ${Math.round(deadlineMs / 1000)}s)`, { cause: err });
      }
      await sleep(Math.min(backoff.nextDelayMs(), Math.max(0, until - Date.now())), signal);
    }
  }
}
