/**
 * Positions of the binlog source (opaque outside adapters/mysql, STYLE rule 5).
 *
 *   coordinate   `mariadb-bin.000042:1234` — a byte offset between two events of a binlog file.
 *   change key   `mariadb-bin.000042:1234:3` — the 4th row of this table in the transaction whose
 *                commit (XID) event ends at offset 1234. A transaction's commit offset is unique and
 *                the same on every read of the binlog, so a redelivered change gets the same key,
 *                hence the same changeId and event_id. It is also the event's source.position.
 *   checkpoint   {"resume":coordinate,"after":change key,"ts":ISO} in cdc_checkpoints.position:
 *                `after` is the last acknowledged change (or `<coordinate>:*`, "everything of this
 *                table up to the coordinate"); `resume` is a transaction boundary at or before it
 *                from which reading again replays nothing this table still needs; `ts` is the
 *                source time of the last event covered (for the lag in `cdc status`).
 */
export interface BinlogCoord {
  file: string;
  pos: number;
}

export interface ChangeKey {
  file: string;
  /** End offset of the transaction's commit event. */
  end: number;
  /** Row ordinal of this table within the transaction; ALL_ROWS covers every row of it. */
  ord: number;
}

export const ALL_ROWS = Number.MAX_SAFE_INTEGER;

export interface BinlogCheckpoint {
  resume: BinlogCoord;
  after: ChangeKey;
  /** ISO-8601 source time of the last event the checkpoint covers; null when unknown. */
  ts: string | null;
}

const FILE_SEQ = /^(.*)\.(\d+)$/;

/** Orders binlog file names by their numeric suffix (`….999999` < `….1000000`), not as text. */
export function compareFiles(a: string, b: string): number {
  if (a === b) return 0;
  const ma = FILE_SEQ.exec(a);
  const mb = FILE_SEQ.exec(b);
  if (ma && mb && ma[1] === mb[1]) return Number(ma[2]) - Number(mb[2]);
  return a < b ? -1 : 1;
}

export function compareCoords(a: BinlogCoord, b: BinlogCoord): number {
  return compareFiles(a.file, b.file) || a.pos - b.pos;
}

export function compareKeys(a: ChangeKey, b: ChangeKey): number {
  return compareFiles(a.file, b.file) || a.end - b.end || a.ord - b.ord;
}

export const minCoord = (a: BinlogCoord, b: BinlogCoord): BinlogCoord => (compareCoords(a, b) <= 0 ? a : b);

/** The key that comes after every change committed at or before `c`. */
export const keyAfterAll = (c: BinlogCoord): ChangeKey => ({ file: c.file, end: c.pos, ord: ALL_ROWS });

export const formatCoord = (c: BinlogCoord): string => `${c.file}:${c.pos}`;

export const formatKey = (k: ChangeKey): string => `${k.file}:${k.end}:${k.ord === ALL_ROWS ? '*' : k.ord}`;

export function parseCoord(text: string): BinlogCoord {
  const m = /^(.+):(\d+)$/.exec(text);
  if (!m) throw new Error(`not a binlog coordinate: ${JSON.stringify(text)}`);
  return { file: m[1]!, pos: Number(m[2]) };
}

export function parseKey(text: string): ChangeKey {
  const m = /^(.+):(\d+):(\d+|\*)$/.exec(text);
  if (!m) throw new Error(`not a binlog change key: ${JSON.stringify(text)}`);
  return { file: m[1]!, end: Number(m[2]), ord: m[3] === '*' ? ALL_ROWS : Number(m[3]) };
}

export function formatCheckpoint(c: BinlogCheckpoint): string {
  return JSON.stringify({ resume: formatCoord(c.resume), after: formatKey(c.after), ts: c.ts });
}

export function parseCheckpoint(text: string): BinlogCheckpoint {
  const raw = JSON.parse(text) as { resume?: unknown; after?: unknown; ts?: unknown };
  if (typeof raw.resume !== 'string' || typeof raw.after !== 'string') throw new Error(`not a binlog checkpoint: ${text}`);
  return { resume: parseCoord(raw.resume), after: parseKey(raw.after), ts: typeof raw.ts === 'string' ? raw.ts : null };
}

/** The checkpoint of a table that starts streaming at `c` (an exact boundary). */
export function checkpointAt(c: BinlogCoord, ts: string | null = null): BinlogCheckpoint {
  return { resume: c, after: keyAfterAll(c), ts };
}
