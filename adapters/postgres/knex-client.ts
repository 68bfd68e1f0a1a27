import type { Knex } from 'knex';
import ClientPG from 'knex/lib/dialects/postgres/index.js';
import { isScript, KnexDriverError } from '../knex/driver-error.js';
import { boundToSession } from '../knex/session-client.js';
import type { PgSession } from './driver.js';

type QueryObject = { sql: string; bindings?: unknown[]; method?: string; output?: (this: unknown, resp: unknown) => unknown; pluck?: string; response?: unknown };
type Result = { rows: Record<string, unknown>[]; rowCount?: number | null };

/**
 * knex's PostgreSQL dialect running on one of cdc's sessions instead of a connection of its own,
 * so knex's migrator goes through cdc's driver: the URL's TLS settings and password file apply,
 * PGlite (one in-process connection) works the same, and the session is the one holding the
 * migration lock. knex never opens or closes a connection here; the caller releases the session.
 */
export function pgKnexClient(session: PgSession): typeof Knex.Client {
  return class SessionClientPG extends boundToSession(ClientPG, session) {
    // A migration script is run as the text it is, several statements at once: knex would
    // otherwise number every `?` in it as a parameter ($1, $2, …) before it reaches _query.
    override query(connection: unknown, obj: unknown): Promise<unknown> {
      if (!isScript(obj)) return super.query(connection, obj) as Promise<unknown>;
      return session.exec(obj.sql).then(
        () => Object.assign(obj, { response: { rows: [], rowCount: 0 } }),
        (err: unknown) => Promise.reject(new KnexDriverError(err)),
      );
    }

    override async _query(_connection: unknown, obj: QueryObject): Promise<QueryObject> {
      try {
        obj.response = await session.query(obj.sql, obj.bindings ?? []);
      } catch (err) {
        throw new KnexDriverError(err);
      }
      return obj;
    }

    // cdc's driver returns { rows, rowCount } without pg's `command`, so the result is shaped by
    // what knex asked for rather than by what the server did (knex's pg client looks at `command`).
    override processResponse(obj: QueryObject, runner: unknown): unknown {
      const resp = obj.response as Result;
      if (obj.output) return obj.output.call(runner, resp);
      switch (obj.method) {
        case 'select':
          return resp.rows;
        case 'first':
          return resp.rows[0];
        case 'pluck':
          return resp.rows.map((r) => r[obj.pluck!]);
        case 'update':
        case 'del':
        case 'counter':
          return resp.rowCount ?? 0;
        default:
          return resp;
      }
    }
  };
}
