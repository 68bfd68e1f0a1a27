/**
 * Small value helpers shared by every adapter's type mapping (README "Type fidelity"): integers stay
 * JSON numbers only while a double holds them exactly, binary travels as base64.
 */

const INTEGER = /^[-+]?\d+$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** True when the decimal integer text fits a double exactly (|v| ≤ 2^53−1). */
export function isSafeIntegerText(text: string): boolean {
  if (!INTEGER.test(text)) return false;
  // Up to 15 digits always fits; only longer texts need the exact BigInt comparison.
  const digits = text.replace(/^[-+]?0*/, '');
  if (digits.length <= 15) return true;
  if (digits.length > 16) return false;
  const v = BigInt(text);
  return v <= MAX_SAFE && v >= -MAX_SAFE;
}

/** A 64-bit integer printed in decimal → number when safe, else the digit string unchanged. */
export function integerFromText(text: string): number | string {
  return isSafeIntegerText(text) ? Number(text) : text;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function hexToBase64(hex: string): string {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`invalid hex string of length ${hex.length}`);
  return Buffer.from(hex, 'hex').toString('base64');
}

export function base64ToBytes(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}
