import { UserInputError } from '../../src/core/errors.js';
import type { PgDriver, PgQueryable, PgSession } from './driver.js';

/**
 * Which PostgreSQL releases cdc runs on, and how it bridges the old ones.
 *
 * Trigger capture tags every change with its top-level transaction and filters read rounds by a
 * snapshot. PostgreSQL 13 named those `xid8`, `pg_current_xact_id()`, `pg_current_snapshot()` and
 * `pg_visible_in_snapshot()`; 10–12 have the same values under older names: `txid_current()`
 * returns the same epoch-extended 64-bit number as a bigint, and `txid_snapshot` has the same
 * `xmin:xmax:xip,…` text. So a 10–12 change log stores its txid as bigint, and the text cdc reads,
 * compares and checkpoints is digit for digit what xid8 gives: positions, event ids and the change
 * history keep one representation across versions, and a server upgraded to 13+ reads old
 * checkpoints unchanged.
 */
export const MIN_SERVER_VERSION = 100000;
/** From here on, the SQL cdc writes runs as written. */
const XID8_SINCE = 130000;
/** pgoutput's `messages` option, which WAL capture's switch boundary needs. */
export const WAL_SINCE = 140000;

export interface ServerVersion {
  /** server_version_num, e.g. 120022. */
  num: number;
  /** server_version as the server prints it, e.g. "12.22". */
  text: string;
}

export async function readServerVersion(q: PgQueryable): Promise<ServerVersion> {
  const { rows } = await q.query<{ num: string; text: string }>(
    `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text`,
  );
  return { num: Number(rows[0]!.num), text: String(rows[0]!.text).split(' ')[0]! };
}

/** Refuses a server cdc cannot capture from, with one line, before anything is written to it. */
export function assertSupportedServer(v: ServerVersion): void {
  if (v.num < MIN_SERVER_VERSION) {
    throw new UserInputError(
      `PostgreSQL ${v.text} is not supported: cdc needs PostgreSQL 10 or later, the oldest release it is tested on`,
    );
  }
}

// Each pair: the PostgreSQL 13+ spelling cdc's SQL uses, and the 10–12 one with the same meaning.
// Bound values never reach the text; quoted identifiers do (snapshot queries name user columns), so
// each pattern needs the context only cdc's own SQL gives it: a call's parenthesis, a cast, the
// column definition `xid8 NOT NULL`, and no opening quote right before it.
const LEGACY_SPELLINGS: [RegExp, string][] = [
  [/(?<!")\bpg_current_xact_id\(\)/g, 'txid_current()'],
  [/(?<!")\bpg_current_snapshot\(\)/g, 'txid_current_snapshot()'],
  [/(?<!")\bpg_visible_in_snapshot\(/g, 'txid_visible_in_snapshot('],
  [/(?<!")\bpg_snapshot_xmax\(/g, 'txid_snapshot_xmax('],
  [/(?<!")\bpg_snapshot_xmin\(/g, 'txid_snapshot_xmin('],
  [/::pg_snapshot\b/g, '::txid_snapshot'],
  [/(?<![\w"])xid8 NOT NULL\b/g, 'bigint NOT NULL'],
  // CREATE TRIGGER … EXECUTE FUNCTION is 11+; EXECUTE PROCEDURE means the same on every version.
  [/\bEXECUTE FUNCTION\b/g, 'EXECUTE PROCEDURE'],
  // A storage parameter of 13+; older servers reject the whole CREATE TABLE for it.
  [/,\s*autovacuum_vacuum_insert_scale_factor\s*=\s*[0-9.]+/g, ''],
];

/** cdc's SQL in the spelling of a 10–12 server (a pure function, unit-tested). */
export function legacySql(text: string): string {
  let out = text;
  for (const [pattern, replacement] of LEGACY_SPELLINGS) out = out.replace(pattern, replacement);
  return out;
}

function legacyQueryable<Q extends PgQueryable>(q: Q): PgQueryable {
  return {
    query: (text, params) => q.query(legacySql(text), params),
    exec: (sql) => q.exec(legacySql(sql)),
  };
}

/**
 * The driver for this server: as it is on 13+, and on 10–12 a decorator that respells every
 * statement. One place instead of a version switch in each query module, so a query added later
 * works on old servers without its author knowing about them; servers 13+ pay nothing.
 */
export function driverForServer(driver: PgDriver, v: ServerVersion): PgDriver {
  if (v.num >= XID8_SINCE) return driver;
  return {
    ...legacyQueryable(driver),
    transaction: (fn) => driver.transaction((q) => fn(legacyQueryable(q))),
    async dedicated(): Promise<PgSession> {
      const session = await driver.dedicated();
      return {
        ...legacyQueryable(session),
        get lost() {
          return session.lost;
        },
        release: () => session.release(),
      };
    },
    end: () => driver.end(),
  };
}
