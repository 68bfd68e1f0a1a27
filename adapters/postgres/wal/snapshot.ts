/**
 * `pg_snapshot` text (`xmin:xmax:xip,…`, xid8 values) and the visibility rule of
 * pg_visible_in_snapshot, evaluated locally: the WAL source decides per decoded transaction
 * whether the trigger log already delivered it, without a round trip per transaction.
 */
export interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  xip: ReadonlySet<bigint>;
}

export function parseSnapshot(text: string): Snapshot {
  const m = /^(\d+):(\d+):([\d,]*)$/.exec(text.trim());
  if (!m) throw new Error(`invalid pg_snapshot ${JSON.stringify(text)}`);
  const xip = new Set(m[3] ? m[3].split(',').map((x) => BigInt(x)) : []);
  return { xmin: BigInt(m[1]!), xmax: BigInt(m[2]!), xip };
}

/** Same answer as pg_visible_in_snapshot for a committed transaction. */
export function visibleIn(xid: bigint, s: Snapshot): boolean {
  if (xid < s.xmin) return true;
  if (xid >= s.xmax) return false;
  return !s.xip.has(xid);
}

/**
 * True when every transaction `inner` shows as committed is also committed in `outer`. A
 * snapshot taken later normally satisfies this, except in the microseconds between a commit
 * record reaching the WAL and the backend leaving the proc array: logical decoding (and so the
 * exported snapshot) already counts such a transaction as committed while a fresh
 * pg_current_snapshot() does not yet. Conservative: xids at or past outer.xmax count as visible
 * in `inner` when they are below inner.xmax and not listed as running there.
 */
export function coveredBy(inner: Snapshot, outer: Snapshot): boolean {
  if (inner.xmax > outer.xmax) {
    if (inner.xmax - outer.xmax > 10_000n) return false;
    for (let x = outer.xmax; x < inner.xmax; x++) if (!inner.xip.has(x)) return false;
  }
  for (const x of outer.xip) if (visibleIn(x, inner)) return false;
  return true;
}
