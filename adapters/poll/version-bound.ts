/**
 * The read bound of version-column polling (docs/polling.md, "Version columns").
 *
 * A version is handed out when a row is written but becomes visible when its transaction commits,
 * so the highest visible version says nothing about lower ones still in flight. Each read round
 * proposes a candidate (V, t): V the highest version visible in a snapshot S, t the database clock
 * read after S. Every value handed out after S exceeds V (the source is global and monotonic, and V
 * was handed out before S), so a version ≤ V that is not visible in S belongs to a transaction
 * that took it before S, hence started before t. Once every transaction that started at or before
 * t has ended, no version ≤ V can still appear: the candidate settles and V becomes the inclusive
 * bound of `(version, key) > cursor AND version <= bound`.
 *
 * "Has ended" is judged from the start of the oldest open transaction the database reports, which
 * may lag the truth (`startSlackUs`: MySQL's whole-second trx_started), as seen at `seenAt` (MySQL
 * reads INNODB_TRX apart from the candidate, and only when that cached view is current:
 * mysql-trx-view.ts). The safety lag is a floor on top.
 */

/** One probe of the source, in one round. */
export interface VersionProbe {
  /** Highest version visible in the probe's snapshot, as the column's text; null: no rows. */
  highest: string | null;
  /** Database clock, µs since the epoch, read after that snapshot. */
  at: bigint;
  /** Start of the oldest open transaction, µs since the epoch; null when none is open (or visible). */
  oldestOpen: bigint | null;
  /**
   * When `oldestOpen` was seen, µs since the epoch, if not at `at`; null: not known at all (no
   * current view of the open transactions), which settles nothing.
   */
  seenAt?: bigint | null;
}

export interface VersionBoundOptions {
  /** How much later than it began a transaction may report its start (MySQL: 1 s). */
  startSlackUs: bigint;
  /** How long a candidate waits at least, whatever the lag. */
  minAgeUs: bigint;
}

export interface VersionUpper {
  /** Inclusive bound in the column's text; null while nothing has settled. */
  upper: string | null;
  /** Start (UTC ISO) of an open transaction older than the lag that holds the bound back. */
  heldBy: string | null;
}

/** Candidates kept at most: a transaction open for hours stops new ones (lag, never loss). */
const MAX_PENDING = 10_000;

export class VersionBound {
  private readonly pending: { version: string; at: bigint }[] = [];
  private bound: string | null = null;

  constructor(private readonly options: VersionBoundOptions) {}

  /** Proposes the probe's candidate, settles what the probe allows, returns the bound. */
  next(probe: VersionProbe, lagMs: number): VersionUpper {
    this.propose(probe);
    const lagUs = BigInt(Math.round(lagMs * 1000));
    const minAge = lagUs > this.options.minAgeUs ? lagUs : this.options.minAgeUs;
    // A transaction reported as started at s may have begun as early as s − slack.
    const openSince = probe.oldestOpen === null ? null : probe.oldestOpen - this.options.startSlackUs;
    const seenAt = probe.seenAt === undefined ? probe.at : probe.seenAt;
    if (seenAt === null) return { upper: this.bound, heldBy: null };
    while (this.pending.length > 0) {
      const c = this.pending[0]!;
      if (seenAt - c.at < minAge) break;
      if (openSince !== null && openSince <= c.at) break;
      this.pending.shift();
      if (this.bound === null || compareDecimal(c.version, this.bound) > 0) this.bound = c.version;
    }
    const held = openSince !== null && openSince <= seenAt - minAge;
    return { upper: this.bound, heldBy: held ? isoFromMicros(probe.oldestOpen!) : null };
  }

  /** Pending candidates (for tests and status). */
  get waiting(): number {
    return this.pending.length;
  }

  private propose(probe: VersionProbe): void {
    if (probe.highest === null) return;
    if (this.bound !== null && compareDecimal(probe.highest, this.bound) <= 0) return;
    // A candidate with the same or a higher version that is older settles first: this one adds nothing.
    const last = this.pending[this.pending.length - 1];
    if (last && compareDecimal(probe.highest, last.version) <= 0) return;
    if (this.pending.length >= MAX_PENDING) return;
    this.pending.push({ version: probe.highest, at: probe.at });
  }
}

/** Compares two decimal texts (`-12`, `7`, `3.50`) by value, without a float round trip. */
export function compareDecimal(a: string, b: string): number {
  const negA = a.startsWith('-');
  const negB = b.startsWith('-');
  const abs = compareAbsolute(negA ? a.slice(1) : a, negB ? b.slice(1) : b);
  if (abs === 0 && isZero(a) && isZero(b)) return 0;
  if (negA !== negB) return negA ? -1 : 1;
  return negA ? -abs : abs;
}

function isZero(s: string): boolean {
  return /^-?0*\.?0*$/.test(s);
}

function compareAbsolute(a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  const ia = ai.replace(/^0+/, '');
  const ib = bi.replace(/^0+/, '');
  if (ia.length !== ib.length) return ia.length < ib.length ? -1 : 1;
  if (ia !== ib) return ia < ib ? -1 : 1;
  const width = Math.max(af.length, bf.length);
  const fa = af.padEnd(width, '0');
  const fb = bf.padEnd(width, '0');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

/** µs since the epoch → `2024-01-02T03:04:05.123456Z`. */
export function isoFromMicros(us: bigint): string {
  const ms = us / 1000n;
  const micros = Number(((us % 1000n) + 1000n) % 1000n);
  const base = new Date(Number(us < 0n && micros !== 0 ? ms - 1n : ms)).toISOString();
  return `${base.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}
