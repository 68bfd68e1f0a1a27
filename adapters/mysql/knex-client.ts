import type { Knex } from 'knex';
import ClientMySQL2 from 'knex/lib/dialects/mysql2/index.js';
import { isScript, KnexDriverError } from '../knex/driver-error.js';
import { boundToSession } from '../knex/session-client.js';
import type { MysqlSession, SqlParam } from './driver.js';

type QueryObject = { sql: string; bindings?: unknown[]; method?: string; output?: unknown; response?: unknown };

/** What knex asked for expects rows back; anything else is a statement that returns none. */
const RETURNS_ROWS = new Set(['select', 'first', 'pluck']);

/**
 * knex's MySQL dialect running on one of cdc's sessions instead of a connection of its own, so
 * knex's migrator goes through cdc's driver (TLS, session settings, the state database) on the
 * session holding the migration lock (GET_LOCK). knex never opens or closes a connection here.
 */
export function mysqlKnexClient(session: MysqlSession): typeof Knex.Client {
  return class SessionClientMySQL extends boundToSession(ClientMySQL2, session) {
    // One statement of a migration script, run as the text it is (no `?` taken for a parameter).
    override query(connection: unknown, obj: unknown): Promise<unknown> {
      if (!isScript(obj)) return super.query(connection, obj) as Promise<unknown>;
      return session.exec(obj.sql).then(
        (ok) => Object.assign(obj, { response: [ok, []] }),
        (err: unknown) => Promise.reject(new KnexDriverError(err)),
      );
    }

    // The response is shaped like mysql2's ([rows or OK packet, fields]) for knex's processResponse.
    override async _query(_connection: unknown, obj: QueryObject): Promise<QueryObject> {
      const params = (obj.bindings ?? []) as SqlParam[];
      try {
        if (obj.output || RETURNS_ROWS.has(obj.method ?? '')) obj.response = [await session.rows(obj.sql, params), []];
        else obj.response = [{ ...(await session.exec(obj.sql, params)), insertId: 0 }, []];
      } catch (err) {
        throw new KnexDriverError(err);
      }
      return obj;
    }
  };
}
