import { UserInputError } from '../core/errors.js';

/**
 * The replay window and the question "is this message's change inside it?". Pure: no Kafka here.
 *
 * Instants are bigint nanoseconds since the epoch. Events carry microseconds (PostgreSQL, MySQL)
 * and users may type up to nine fractional digits; a Date (milliseconds) would round an event at
 * `…04.500654Z` onto the wrong side of a `--from …04.5006Z` boundary.
 */
export type Instant = bigint;

export interface TimeWindow {
  /** Inclusive. */
  from: Instant;
  /** Exclusive: [from, to), so adjacent windows never share or miss an event. */
  to: Instant;
}

// Date and time with a zone (Z or ±hh:mm); `T` or a space between; fraction up to nanoseconds.
const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Parses an ISO-8601 instant; null when it is not one (or names a date that does not exist). */
export function parseInstant(text: string): Instant | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const [, date, hh, mi, ss = '00', frac = '', zone] = m;
  const zoneText = zone!.toUpperCase() === 'Z' ? 'Z' : zone!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const whole = `${date}T${hh}:${mi}:${ss}${zoneText}`;
  const ms = Date.parse(whole);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2024-02-30 over to March; refuse dates that did not round-trip.
  const check = new Date(Date.parse(`${date}T${hh}:${mi}:${ss}Z`));
  if (check.toISOString().slice(0, 19) !== `${date}T${hh}:${mi}:${ss}`) return null;
  return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0'));
}

/** Like parseInstant, for a flag: a one-line error that shows the expected shape. */
export function parseInstantFlag(flag: string, text: string): Instant {
  const t = parseInstant(text);
  if (t === null) {
    throw new UserInputError(
      `${flag} must be an ISO-8601 time with a zone, e.g. 2024-05-01T12:00:00Z or 2024-05-01T14:00:00.250+02:00; got ${JSON.stringify(text)}`,
    );
  }
  return t;
}

export function instantFromMillis(ms: number): Instant {
  return BigInt(Math.floor(ms)) * 1_000_000n;
}

/** Milliseconds, rounded down: what Kafka's offsets-by-timestamp lookup takes. */
export function toMillis(t: Instant): number {
  const ms = t / 1_000_000n;
  return Number(t < 0n && t % 1_000_000n !== 0n ? ms - 1n : ms);
}

/** ISO-8601 UTC with milli-, micro- or nanosecond digits, whichever the instant needs. */
export function formatInstant(t: Instant): string {
  const ms = toMillis(t);
  const base = new Date(ms).toISOString(); // …ss.mmmZ
  const subMs = Number(t - BigInt(ms) * 1_000_000n);
  if (subMs === 0) return base;
  const digits = String(subMs).padStart(6, '0');
  return base.slice(0, -1) + (subMs % 1000 === 0 ? digits.slice(0, 3) : digits) + 'Z';
}

export function makeWindow(from: Instant, to: Instant): TimeWindow {
  if (to <= from) {
    throw new UserInputError(`--to (${formatInstant(to)}) must be later than --from (${formatInstant(from)})`);
  }
  return { from, to };
}

export function inWindow(w: TimeWindow, t: Instant): boolean {
  return t >= w.from && t < w.to;
}

/**
 * When the change in a message value happened at the source: `timestamp` of a native event, or
 * `source.ts_ms` of a Debezium envelope (its top-level `ts_ms` is when cdc wrote it, not when the
 * change happened, so it must not decide membership). Null when the value carries neither.
 */
export function eventInstant(value: Buffer | string | null): Instant | null {
  if (value === null || value.length === 0) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const v = parsed as { timestamp?: unknown; source?: { ts_ms?: unknown } | null };
  if (typeof v.timestamp === 'string') return parseInstant(v.timestamp);
  const tsMs = v.source?.ts_ms;
  if (typeof tsMs === 'number' && Number.isFinite(tsMs)) return instantFromMillis(tsMs);
  return null;
}
