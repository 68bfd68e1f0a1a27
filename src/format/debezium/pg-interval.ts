/**
 * PostgreSQL interval text (IntervalStyle postgres, the default and cdc's own session setting:
 * `1 year 2 mons 3 days 04:05:06.789`, `-1 years -2 mons +3 days -04:05:06.000001`) → Debezium's
 * MicroDuration or ISO string. The arithmetic follows Debezium's (pgjdbc's PGInterval fields, a
 * month as 30.4375 days, in doubles, truncated), so results agree to the microsecond.
 */
export interface PgInterval {
  years: number;
  months: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const UNIT = /([-+]?\d+) (year|mon|day|hour|min|sec)s?/g;
const CLOCK = /([-+])?(\d+):(\d\d):(\d\d(?:\.\d+)?)$/;

export function parseInterval(text: string): PgInterval | null {
  const iv: PgInterval = { years: 0, months: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
  let rest = text.trim();
  const clock = CLOCK.exec(rest);
  if (clock) {
    const sign = clock[1] === '-' ? -1 : 1;
    iv.hours = sign * Number(clock[2]);
    iv.minutes = sign * Number(clock[3]);
    iv.seconds = sign * Number(clock[4]);
    rest = rest.slice(0, clock.index);
  }
  let matched = clock !== null;
  for (const m of rest.matchAll(UNIT)) {
    matched = true;
    const n = Number(m[1]);
    if (m[2] === 'year') iv.years = n;
    else if (m[2] === 'mon') iv.months = n;
    else if (m[2] === 'day') iv.days = n;
    else if (m[2] === 'hour') iv.hours = n;
    else if (m[2] === 'min') iv.minutes = n;
    else iv.seconds = n;
  }
  if (!matched || rest.replace(UNIT, '').trim() !== '') return null;
  return iv;
}

const DAYS_PER_MONTH = 30.4375;

export function intervalMicros(iv: PgInterval): number {
  const days = (iv.years * 12 + iv.months) * DAYS_PER_MONTH + iv.days;
  const seconds = ((days * 24 + iv.hours) * 60 + iv.minutes) * 60 + iv.seconds;
  return Math.trunc(seconds * 1e6);
}

/** Debezium's Interval: `P1Y2M3DT4H5M6.789S`, seconds without trailing zeros. */
export function intervalIso(iv: PgInterval): string {
  const s = String(iv.seconds);
  return `P${iv.years}Y${iv.months}M${iv.days}DT${iv.hours}H${iv.minutes}M${s.includes('e') ? iv.seconds.toFixed(9).replace(/\.?0+$/, '') : s}S`;
}
