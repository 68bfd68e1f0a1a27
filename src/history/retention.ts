import type { HistoryWindow, RetentionSetting } from '../core/change-history.js';
import { UserInputError } from '../core/errors.js';

/**
 * The retention flag and the question "does the kept history cover this window?". Pure.
 */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
/** Far beyond any sensible retention, and inside a 32-bit integer column. */
const MAX_SECONDS = 10 * 365 * 86_400;

/** `7d`, `12h`, `90m`, `3600s`, `2w` → seconds; `off` → null (stop retaining). */
export function parseRetention(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'none' || t === '0') return null;
  const m = /^(\d+)([smhdw])$/.exec(t);
  const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : NaN;
  if (!m || seconds < 60 || seconds > MAX_SECONDS) {
    throw new UserInputError(
      `--retain must be a duration from 1m to 3650d (a number with s, m, h, d or w: 7d, 12h, 90m) or off; got ${JSON.stringify(text)}`,
    );
  }
  return seconds;
}

/** 604800 → "7d": the largest unit that divides it. */
export function formatRetention(seconds: number): string {
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    if (seconds % UNIT_SECONDS[unit]! === 0) return `${seconds / UNIT_SECONDS[unit]!}${unit}`;
  }
  return `${seconds}s`;
}

/**
 * The oldest instant (ns) from which every acknowledged change is kept: the later of "now minus the
 * retention" (older rows may be pruned) and when keeping started (older ones were never kept).
 * Null while no `cdc run` has started keeping.
 */
export function retainedFrom(setting: RetentionSetting, nowMs: number): bigint | null {
  if (setting.since === null) return null;
  const since = BigInt(Date.parse(setting.since)) * 1_000_000n;
  const pruned = BigInt(nowMs - setting.retainSeconds * 1000) * 1_000_000n;
  return since > pruned ? since : pruned;
}

/**
 * Bounds for the SQL filter on a microsecond column: `from` rounded down and `to` rounded up to
 * the microsecond, as UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'. Never narrower than the window; the
 * caller applies the exact nanosecond window on each rebuilt event.
 */
export function sqlWindow(w: HistoryWindow): { from: string; to: string } {
  const floorUs = (ns: bigint) => (ns >= 0n || ns % 1000n === 0n ? ns / 1000n : ns / 1000n - 1n);
  const fromUs = floorUs(w.from);
  const toUs = floorUs(w.to) + (w.to % 1000n === 0n ? 0n : 1n);
  return { from: utcText(fromUs), to: utcText(toUs) };
}

function utcText(us: bigint): string {
  const ms = us / 1000n - (us < 0n && us % 1000n !== 0n ? 1n : 0n);
  const frac = (us - ms * 1000n).toString().padStart(3, '0');
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${frac}`;
}
