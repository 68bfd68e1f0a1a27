import type { CdcConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { SourceDatabase } from '../core/source-database.js';

const DEMO_URL = 'pglite://memory';

export interface EmbeddedDemo {
  databases: Map<string, SourceDatabase>;
  /** The demo's source and the stdout sink, on top of whatever else the user configured. */
  configure(config: CdcConfig): CdcConfig;
  stop(): Promise<void>;
}

/**
 * `cdc run` with no source: an in-process PostgreSQL (PGlite), a sample `users` table with
 * triggers installed, and a writer making a change every `intervalMs`, printed by the stdout sink —
 * events flow within seconds of `npm start`, with no server to install. With CDC_DEMO_CHANGES=n
 * the demo makes n changes, waits until they are delivered, and stops by itself.
 */
export async function startEmbeddedDemo(logger: Logger, stopService: AbortController): Promise<EmbeddedDemo> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { openPglite } = await import('../../adapters/postgres/index.js');
  const pg = new PGlite();
  await pg.exec(`
    CREATE TABLE users (
      id serial PRIMARY KEY,
      name text NOT NULL,
      email text,
      balance numeric(12, 2) NOT NULL DEFAULT 0,
      tags text[],
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  const db = await openPglite(pg, { logger });
  await db.migrate();
  await db.install({ schema: 'public', name: 'users' }, {});

  const limit = process.env.CDC_DEMO_CHANGES ? Number(process.env.CDC_DEMO_CHANGES) : Infinity;
  const intervalMs = Number(process.env.CDC_DEMO_INTERVAL_MS ?? 1000);
  process.stderr.write(
    'cdc demo: embedded PostgreSQL (PGlite) with table public.users and triggers installed;\n' +
      `a change every ${intervalMs} ms, events below as JSON lines (stdout). Ctrl-C stops.\n` +
      'Point it at your own database with: cdc run --source postgres://… --kafka host:9092\n',
  );

  let made = 0;
  let stopped = false;
  const names = ['ada', 'grace', 'edsger', 'barbara', 'ken', 'margaret'];
  const step = async () => {
    const n = made++;
    const name = names[n % names.length]!;
    if (n % 3 === 0) {
      await pg.query(`INSERT INTO users (name, email, balance, tags) VALUES ($1, $2, $3, $4)`, [name, `${name}@example.com`, (n * 12.5).toFixed(2), ['demo', name]]);
    } else if (n % 3 === 1) {
      await pg.query(`UPDATE users SET balance = balance + 10.01, updated_at = now() WHERE id = (SELECT max(id) FROM users)`);
    } else {
      await pg.query(`DELETE FROM users WHERE id = (SELECT min(id) FROM users) AND (SELECT count(*) FROM users) > 1`);
    }
  };
  const writer = (async () => {
    while (!stopped && made < limit) {
      await step().catch((err) => logger.warn({ err: (err as Error).message }, 'demo writer failed'));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    if (stopped || limit === Infinity) return;
    // Every change made: wait until the pipeline has delivered them, then stop the service.
    for (;;) {
      const status = await db.status();
      if (status.every((s) => s.backlog === 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    stopService.abort();
  })();

  return {
    databases: new Map([[DEMO_URL, db]]),
    configure: (config) => ({ ...config, sink: 'stdout', sources: [{ url: DEMO_URL, id: 'demo' }] }),
    async stop() {
      stopped = true;
      await writer;
    },
  };
}
