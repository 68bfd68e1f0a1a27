import type { Knex } from 'knex';

type ClientClass = new (...args: any[]) => Knex.Client;

/**
 * A knex dialect class bound to one of cdc's sessions instead of connections of its own: knex
 * never loads a driver module, never opens or closes a connection, and every query it runs goes
 * through cdc's driver (TLS, password files, session settings, PGlite) on the session that holds
 * the migration lock. The caller releases the session. Each dialect adds how it runs a query.
 */
export function boundToSession<B extends ClientClass>(Base: B, session: { readonly lost: boolean }) {
  return class SessionBoundClient extends Base {
    override initializeDriver(): void {}

    override async acquireRawConnection(): Promise<unknown> {
      return session;
    }

    override async destroyRawConnection(): Promise<void> {}

    override async validateConnection(): Promise<boolean> {
      return !session.lost;
    }
  };
}
