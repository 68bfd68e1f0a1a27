/**
 * WAL positions and transaction ids as the WAL adapter handles them. An LSN is a 64-bit byte
 * position printed `16/B374D848`; pgoutput and the replication protocol print it zero-padded, SQL
 * does not, so everything is parsed into a bigint before it is compared.
 */
const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

export function parseLsn(text: string): bigint {
  const m = LSN.exec(text);
  if (!m) throw new Error(`invalid LSN ${JSON.stringify(text)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** PostgreSQL's own spelling (`pg_lsn` output): upper-case hex, no padding. */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export function maxLsn(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

const EPOCH_SPAN = 1n << 32n;
const HALF = 1n << 31n;

/**
 * pgoutput sends 32-bit xids; trigger mode (and consumers) see 64-bit xid8 values. A running
 * transaction's xid is always within 2^31 of the server's current next xid, so the epoch is the
 * one that puts the 32-bit value closest to a recent full xid (`reference`).
 */
export function widenXid(xid32: number, reference: bigint): bigint {
  const low = BigInt(xid32 >>> 0);
  let candidate = (reference & ~(EPOCH_SPAN - 1n)) | low;
  if (candidate > reference + HALF) candidate -= EPOCH_SPAN;
  else if (candidate < reference - HALF) candidate += EPOCH_SPAN;
  return candidate;
}
