/**
 * How MySQL/MariaDB print a FLOAT/DOUBLE as text, reproduced from the binary value the binlog
 * carries, so binlog rows equal what the trigger (CAST(col AS CHAR)) and a SELECT return. The
 * server prints through David Gay's dtoa, which rounds half to even on exact ties; JavaScript's
 * toPrecision/toFixed round ties up (1234565 → "1.23457e6", the server prints 1234560), so the
 * rounding here works on the double's exact decimal expansion instead.
 *
 *   FLOAT            6 significant digits (FLT_DIG): 1.1f → 1.1, 16777217 → 16777200
 *   FLOAT/DOUBLE(M,D) exactly D decimals: FLOAT(6,2) 0.125 → 0.12
 *   DOUBLE           shortest round-trip digits, which is what a JS number already is
 */

interface ExactDecimal {
  negative: boolean;
  /** |x| = digits × 10^-scale, exactly. */
  digits: bigint;
  scale: number;
}

/** Every double is a dyadic rational, so it has a finite decimal expansion: m·2^e = m·5^-e / 10^-e. */
function exactDecimal(x: number): ExactDecimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  const negative = hi >>> 31 === 1;
  if (exponent >= 0) return { negative, digits: mantissa << BigInt(exponent), scale: 0 };
  return { negative, digits: mantissa * 5n ** BigInt(-exponent), scale: -exponent };
}

/** Rounds to `scale` decimals, ties to even. */
function roundToScale(d: ExactDecimal, scale: number): ExactDecimal {
  if (scale >= d.scale) return d;
  const unit = 10n ** BigInt(d.scale - scale);
  let q = d.digits / unit;
  const r = d.digits % unit;
  const twice = r * 2n;
  if (twice > unit || (twice === unit && q % 2n === 1n)) q += 1n;
  return { negative: d.negative, digits: q, scale };
}

function toNumber(d: ExactDecimal): number {
  if (d.digits === 0n) return 0;
  return Number(`${d.negative ? '-' : ''}${d.digits}e${-d.scale}`);
}

/** The number the server prints for `x` with `significant` digits (FLOAT: 6). */
export function roundSignificant(x: number, significant: number): number {
  if (!Number.isFinite(x) || x === 0) return x === 0 ? 0 : x;
  const d = exactDecimal(x);
  const length = d.digits.toString().length;
  return toNumber(roundToScale(d, d.scale - (length - significant)));
}

/** The number the server prints for `x` with exactly `decimals` decimals (FLOAT(M,D), DOUBLE(M,D)). */
export function roundDecimals(x: number, decimals: number): number {
  if (!Number.isFinite(x) || x === 0) return x === 0 ? 0 : x;
  return toNumber(roundToScale(exactDecimal(x), decimals));
}

/**
 * A double as the server's my_gcvt prints it in WKT (ST_AsText): the shortest round-trip digits,
 * in plain notation while the decimal point position is within −14…15 (or the digits reach past
 * it), else in exponent form without '+': 0.0000001, 123456789.12345679, 1e15, 1.2345678901234568e17.
 */
export function gcvtDouble(x: number): string {
  if (x === 0) return '0';
  const [mantissa, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const decpt = Number(exp) + 1;
  const sign = x < 0 ? '-' : '';
  const len = digits.length;
  if (decpt >= -14 && (decpt <= 15 || len > decpt)) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt < len) return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
    return `${sign}${digits}${'0'.repeat(decpt - len)}`;
  }
  return `${sign}${digits[0]}${len > 1 ? `.${digits.slice(1)}` : ''}e${decpt - 1}`;
}
