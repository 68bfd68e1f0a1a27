import { hexToBase64 } from '../../../src/core/values.js';

/**
 * Canonical forms shared by the jsonb decoder (trigger images) and the text decoder (SELECT,
 * pgoutput). Both inputs print dates the ISO way, but differ in details this module absorbs:
 * to_jsonb writes `2024-01-02T03:04:05+05:30`, text output `2024-01-02 03:04:05+05:30`.
 */

/** float4/float8: a number, except NaN and ±Infinity, which JSON cannot hold. */
export function canonicalFloat(text: string): number | string {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error(`invalid float text ${JSON.stringify(text)}`);
  // jsonb stores a float as numeric, which has no −0; text output keeps it. Same JSON value.
  return n === 0 ? 0 : n;
}

const DATE = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/;
const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?( BC)?$/;
const TIMESTAMPTZ = /^(\d{4,})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d(?::?\d\d){0,2})( BC)?$/;

/** `YYYY-MM-DD`; BC dates as ISO 8601 astronomical years (44 BC → -0043); ±infinity unchanged. */
export function canonicalDate(text: string): string {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = DATE.exec(text);
  if (!m) throw new Error(`unrecognized date ${JSON.stringify(text)}`);
  return `${year(m[1]!, m[4])}-${m[2]}-${m[3]}`;
}

/** `YYYY-MM-DDTHH:MM:SS[.fraction as printed]`, no zone. */
export function canonicalTimestamp(text: string): string {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = TIMESTAMP.exec(text);
  if (!m) throw new Error(`unrecognized timestamp ${JSON.stringify(text)}`);
  return `${year(m[1]!, m[8])}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}`;
}

/**
 * UTC `YYYY-MM-DDTHH:MM:SS[.fraction]Z`. The writer's session TimeZone decides the printed offset
 * (even `+05:53:28` for historic local mean time), so the offset is applied here with integer
 * arithmetic: JS Date only has milliseconds and would drop microseconds.
 */
export function canonicalTimestamptz(text: string): string {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = TIMESTAMPTZ.exec(text);
  if (!m) throw new Error(`unrecognized timestamptz ${JSON.stringify(text)}`);
  const frac = m[7] ?? '';
  const offset = offsetSeconds(m[8]!);
  if (offset === 0) return `${year(m[1]!, m[9])}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac}Z`;
  const y = astronomicalYear(m[1]!, m[9]);
  let seconds = daysFromCivil(y, Number(m[2]), Number(m[3])) * 86400 + Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]);
  seconds -= offset;
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  const [yy, mm, dd] = civilFromDays(days);
  const hh = Math.floor(rest / 3600);
  const mi = Math.floor((rest % 3600) / 60);
  return `${formatYear(yy)}-${pad2(mm)}-${pad2(dd)}T${pad2(hh)}:${pad2(mi)}:${pad2(rest % 60)}${frac}Z`;
}

/** The event's `timestamp`: UTC with exactly six fraction digits (contract: milliseconds or better). */
export function eventTimestamp(timestamptzText: string): string {
  const c = canonicalTimestamptz(timestamptzText);
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(c);
  if (!m) return c;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}Z`;
}

/** bytea text (`\x…` hex, or the legacy escape format a writer session may use) → base64. */
export function byteaToBase64(text: string): string {
  if (text.startsWith('\\x')) return hexToBase64(text.slice(2));
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) bytes.push(c);
    else if (text[i + 1] === '\\') {
      bytes.push(0x5c);
      i++;
    } else {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    }
  }
  return Buffer.from(bytes).toString('base64');
}

function offsetSeconds(z: string): number {
  if (z === 'Z') return 0;
  const sign = z[0] === '-' ? -1 : 1;
  const parts = z.slice(1).replace(/:/g, '');
  const h = Number(parts.slice(0, 2));
  const mi = Number(parts.slice(2, 4) || '0');
  const s = Number(parts.slice(4, 6) || '0');
  return sign * (h * 3600 + mi * 60 + s);
}

function astronomicalYear(digits: string, bc: string | undefined): number {
  const y = Number(digits);
  return bc ? 1 - y : y;
}

function year(digits: string, bc: string | undefined): string {
  return bc || digits.length > 4 ? formatYear(astronomicalYear(digits, bc)) : digits;
}

/**
 * Years 0–9999 as four digits. PostgreSQL goes up to 294276 AD and prints `10000-01-01`, which
 * is no ISO-8601 date; later years take the extended form with a sign and six digits, as JS's
 * toISOString writes them (`+010000-01-01T00:00:00Z`), so Date.parse and consumers read them.
 * BC years keep the astronomical form with four digits (44 BC → -0043), as before.
 */
function formatYear(y: number): string {
  if (y > 9999) return `+${String(y).padStart(6, '0')}`;
  return y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// Proleptic Gregorian day numbers (H. Hinnant's algorithms), valid for negative years too,
// which is the calendar PostgreSQL uses.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}
