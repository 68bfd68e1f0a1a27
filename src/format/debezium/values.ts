/**
 * Debezium's value encodings that do not depend on the connector: decimals as Kafka Connect's
 * Decimal (two's-complement big-endian unscaled bytes, base64 in JSON), days/micros since the
 * epoch, Java's ISO time formats. Inputs are cdc's canonical values (README "Type fidelity").
 */
import { RawJson } from './json-writer.js';

export interface Decimal {
  unscaled: bigint;
  scale: number;
}

/** `-1234.50` → {unscaled -123450n, scale 2}; null for NaN/±Infinity and anything else. */
export function parseDecimal(text: string): Decimal | null {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const frac = m[3] ?? '';
  let unscaled = BigInt(`${m[2]}${frac}` || '0');
  let scale = frac.length - Number(m[4] ?? 0);
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { unscaled: m[1] === '-' ? -unscaled : unscaled, scale };
}

/** Java's BigDecimal.setScale: exact when growing; when shrinking, HALF_UP (cdc's inputs never need it). */
export function rescale(d: Decimal, scale: number): Decimal {
  if (scale === d.scale) return d;
  if (scale > d.scale) return { unscaled: d.unscaled * 10n ** BigInt(scale - d.scale), scale };
  const div = 10n ** BigInt(d.scale - scale);
  const q = d.unscaled / div;
  const r = d.unscaled % div;
  const half = r * 2n;
  const rounded = half >= div ? q + 1n : half <= -div ? q - 1n : q;
  return { unscaled: rounded, scale };
}

/** BigDecimal.stripTrailingZeros, then a negative scale back to 0 (Debezium's VariableScaleDecimal). */
export function stripTrailingZeros(d: Decimal): Decimal {
  let { unscaled, scale } = d;
  if (unscaled === 0n) return { unscaled: 0n, scale: 0 };
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  return { unscaled, scale };
}

/** BigInteger.toByteArray: minimal two's-complement, big-endian. */
export function twosComplementBytes(v: bigint): Buffer {
  let n = 1;
  while (v >= 1n << BigInt(8 * n - 1) || v < -(1n << BigInt(8 * n - 1))) n++;
  const u = v < 0n ? (1n << BigInt(8 * n)) + v : v;
  return Buffer.from(u.toString(16).padStart(2 * n, '0'), 'hex');
}

export function decimalBase64(d: Decimal): string {
  return twosComplementBytes(d.unscaled).toString('base64');
}

/** BigDecimal.toPlainString. */
export function plainString(d: Decimal): string {
  const neg = d.unscaled < 0n;
  const digits = (neg ? -d.unscaled : d.unscaled).toString();
  if (d.scale === 0) return `${neg ? '-' : ''}${digits}`;
  const padded = digits.padStart(d.scale + 1, '0');
  return `${neg ? '-' : ''}${padded.slice(0, -d.scale)}.${padded.slice(-d.scale)}`;
}

/** A JSON number for an integer that may exceed 2^53 (int64 as Jackson writes it). */
export function int64(v: bigint): number | RawJson {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : new RawJson(v.toString());
}

// Proleptic Gregorian day numbers (H. Hinnant), valid for negative years: the calendar both
// PostgreSQL and java.time use.
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DATE = /^(-?\d{4,})-(\d\d)-(\d\d)$/;
const LOCAL_DATE_TIME = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z?$/;
const TIME = /^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/;

/** Canonical `YYYY-MM-DD` (astronomical years) → days since 1970-01-01; null when not a date. */
export function epochDays(text: string): number | null {
  const m = DATE.exec(text);
  return m ? daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

/** Fraction digits → nanoseconds, as a bigint. */
function fractionNanos(digits: string | undefined): bigint {
  return BigInt((digits ?? '').padEnd(9, '0').slice(0, 9) || '0');
}

/** Canonical `YYYY-MM-DDTHH:MM:SS[.f]` (a trailing Z is accepted) → nanoseconds since the epoch. */
export function epochNanos(text: string): bigint | null {
  const m = LOCAL_DATE_TIME.exec(text);
  if (!m) return null;
  const days = BigInt(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])));
  const seconds = days * 86400n + BigInt(Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]));
  return seconds * 1_000_000_000n + fractionNanos(m[7]);
}

/** `HH:MM:SS[.f]` (24:00:00 included) → nanoseconds of the day. */
export function nanosOfDay(text: string): bigint | null {
  const m = TIME.exec(text);
  if (!m) return null;
  return BigInt(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1_000_000_000n + fractionNanos(m[4]);
}

/** Floor division, for instants before 1970. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Java's ISO_LOCAL_TIME: HH:mm:ss plus the fraction with as few digits as needed. */
export function isoLocalTime(nanosOfDay: bigint): string {
  const secs = Number(nanosOfDay / 1_000_000_000n);
  const nanos = Number(nanosOfDay % 1_000_000_000n);
  const base = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor((secs % 3600) / 60))}:${pad2(secs % 60)}`;
  return nanos === 0 ? base : `${base}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
}

/**
 * ZonedTimestamp's text for a canonical UTC timestamp: the fraction padded or cut to exactly
 * `width` digits (the column's precision), or as few as needed when width is 0 or unknown.
 */
export function zonedTimestamp(canonicalUtc: string, width: number | undefined): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(canonicalUtc);
  if (!m) return canonicalUtc;
  const frac = m[2] ?? '';
  if (width !== undefined && width > 0 && width <= 9) return `${m[1]}.${frac.padEnd(width, '0').slice(0, width)}Z`;
  const trimmed = frac.replace(/0+$/, '');
  return trimmed ? `${m[1]}.${trimmed}Z` : `${m[1]}Z`;
}

/**
 * A double as Java's Double.toString writes it (Jackson writes float64/float32 fields this way):
 * the same shortest digits as JavaScript, but `100.0` rather than `100`, and `1.0E10` /
 * `1.2345678901234567E19` / `1.0E-4` outside [1e-3, 1e7). NaN and ±Infinity are not numbers in
 * JSON; Jackson quotes them, and so do the callers.
 */
export function javaDouble(x: number): RawJson {
  if (x === 0) return new RawJson(Object.is(x, -0) ? '-0.0' : '0.0');
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return new RawJson(s.includes('.') ? s : `${s}.0`);
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return new RawJson(`${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`);
}

/** A float column's canonical value (a number, or "NaN"/"Infinity"/"-Infinity") as Jackson writes it. */
export function floatValue(v: unknown): unknown {
  return typeof v === 'number' && Number.isFinite(v) ? javaDouble(v) : v;
}
