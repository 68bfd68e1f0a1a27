/**
 * Node's timers take a signed 32-bit delay: anything above 2^31-1 ms (~24.8 days) prints a
 * TimeoutOverflowWarning and fires after 1 ms, which turned a 30-day poll interval into a busy
 * loop (11,867 log scans in 25 s, issue 11). Configuration refuses longer delays where a user
 * sets them (MAX_TIMER_MS in the error); the helpers here stay correct whatever they are given.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** "24.8 days (2147483647 ms)": for error messages that name the limit. */
export const MAX_TIMER_TEXT = `${Math.floor(MAX_TIMER_MS / 8_640_000) / 10} days (${MAX_TIMER_MS} ms)`;

export interface SafeTimer {
  clear(): void;
}

/**
 * setTimeout for any delay: longer ones wait in steps of at most MAX_TIMER_MS. A negative or NaN
 * delay fires on the next turn, like setTimeout's own. `unref`: the timer does not keep the
 * process alive.
 */
export function safeTimeout(fn: () => void, ms: number, options: { unref?: boolean } = {}): SafeTimer {
  let remaining = Number.isFinite(ms) ? Math.max(0, ms) : ms === Infinity ? Infinity : 0;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const step = Math.min(remaining, MAX_TIMER_MS);
    remaining -= step;
    timer = setTimeout(remaining > 0 ? arm : fn, step);
    if (options.unref) timer.unref();
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
