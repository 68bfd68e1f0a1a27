import pg from 'pg';
import { Redis } from 'ioredis';
import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import { createMysqlDatabase, createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { createMongoTestDatabase, type MongoTestDatabase } from '../helpers/mongodb.js';
import { createHotTables, HOT_TABLE, runWorkload, type CommittedChange } from '../helpers/workload.js';
import { dropSlotsOf } from '../helpers/postgres-wal.js';
import { runCli, withCdcRun, type CliResult } from '../helpers/cli.js';
import { runMongoWorkload } from './mongo-workload.js';

/**
 * The seven capture modes behind the acceptance suite (suite.ts), in the style of kysely's
 * DIALECTS loop: each mode knows how to put one table (`hot`, the workload's) under capture, how
 * to write to it, what its events promise, and what of cdc's must be gone after uninstalling.
 */

export const STATE_URL = process.env.CDC_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';

/**
 * What a mode's events promise about the changes they carry:
 * - `every-change`: every committed change once (before redelivery), in per-row commit order,
 *   with full row images (trigger, wal, binlog);
 * - `every-change-lookup`: every change once, in per-row order, but an UPDATE's image is the
 *   document when cdc read it (MongoDB's updateLookup) and a DELETE's is the key only (oplog);
 * - `final-state`: the rows' latest states and their deletes (poll: a row changed twice between
 *   two polls is seen once).
 */
export type Delivery = 'every-change' | 'every-change-lookup' | 'final-state';

/** One row of the workload table as the test compares it: source row and replica row alike. */
export interface Row {
  id: number;
  v: number;
  tok: string;
}

export interface ModeTarget {
  /** The table as events and topics name it (public.hot, <db>.hot). */
  table: string;
  /** Arguments every cdc command of this target takes (the source, and the state store for poll). */
  args: string[];
  /** Puts `hot` under capture in this mode; `runArgs` starts a `cdc run` when the mode needs one to switch. */
  install(runArgs: string[]): Promise<void>;
  /** `n` rows inserted while nothing streams: the backlog the first run is killed in. */
  bulkInsert(n: number): Promise<CommittedChange[]>;
  /** Concurrent writers until `stop` aborts; returns what committed. */
  workload(stop: AbortSignal): Promise<CommittedChange[]>;
  /** The source table now, by key. */
  rows(): Promise<Map<number, Row>>;
  /** The row an event's image describes, or null for a key-only image. */
  image(value: any): Row | null;
  /** The key of an event. */
  key(value: any): number;
  uninstall(): Promise<CliResult>;
  /** Everything of cdc's that names the table: objects, registry rows, slots, state keys. */
  leftovers(): Promise<string[]>;
  drop(): Promise<void>;
}

export interface CaptureModeCase {
  name: string;
  mode: 'trigger' | 'poll' | 'wal' | 'binlog' | 'oplog';
  delivery: Delivery;
  open(): Promise<ModeTarget>;
}

const WORKLOAD = { writers: 4, keys: 10, durationMs: 120_000, maxSleepMs: 60, rollbackRatio: 0.1 };

async function bulkSql(db: TestDatabase, n: number): Promise<CommittedChange[]> {
  const out: CommittedChange[] = [];
  for (let start = 0; start < n; start += 1000) {
    const ids = Array.from({ length: Math.min(1000, n - start) }, (_, i) => 100_001 + start + i);
    await db.exec(`INSERT INTO ${HOT_TABLE} (id, v, tok) VALUES ${ids.map((id) => `(${id}, 0, 'bulk')`).join(', ')}`);
    for (const key of ids) out.push({ key, v: 0, op: 'INSERT', tok: 'bulk' });
  }
  return out;
}

const sqlImage = (value: any): Row | null => {
  const image = value.operation === 'DELETE' ? value.before_data : value.after_data;
  return image && 'v' in image ? { id: Number(image.id), v: Number(image.v), tok: String(image.tok) } : null;
};

/** Rows of cdc's registry tables that name `table`, and cdc objects named after it. */
async function sqlLeftovers(db: TestDatabase, registry: string, table: string): Promise<string[]> {
  const named = (await db.objects()).filter((o) => o.includes(`_${table}_`) || o.startsWith('trigger:cdc'));
  const tables =
    db.dialect === 'postgres'
      ? await db.query<{ t: string }>(`SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema = $1`, [registry])
      : await db.query<{ t: string }>(`SELECT CONCAT('\`', table_name, '\`') AS t FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE 'cdc\\_%'`, [registry]);
  const rows: string[] = [];
  for (const { t } of tables) {
    // Kept on purpose: the column history (version numbers restart after an uninstall and
    // overwrite it) and the sequence counter with its position cleared, so a re-installed table's
    // sequence numbers keep increasing (SPEC: strictly increasing per table).
    if (/schema_versions/.test(t)) continue;
    for (const row of await db.query(`SELECT * FROM ${db.q(registry)}.${t}`)) {
      if (/checkpoints/.test(t) && row.position === null && row.mode === null) continue;
      const text = JSON.stringify(row);
      // The table by its qualified name, or by its bare name in a name column.
      if (text.includes(`.${table}"`) || text.includes(`"${table}"`)) rows.push(`row ${registry}.${t}: ${text.slice(0, 200)}`);
    }
  }
  return [...named, ...rows];
}

function sqlTarget(db: TestDatabase, extra: Partial<ModeTarget> & Pick<ModeTarget, 'install'>): ModeTarget {
  const registry = db.dialect === 'postgres' ? 'cdc' : stateDatabaseName(db.name);
  return {
    table: db.qualified(HOT_TABLE),
    args: ['--source', db.url],
    bulkInsert: (n) => bulkSql(db, n),
    workload: (stop) => runWorkload(db, WORKLOAD, stop),
    async rows() {
      const rows = await db.query(`SELECT id, v, tok FROM ${HOT_TABLE}`);
      return new Map(rows.map((r) => [Number(r.id), { id: Number(r.id), v: Number(r.v), tok: String(r.tok) }]));
    },
    image: sqlImage,
    key: (value) => Number(value.primary_key.id),
    uninstall: () => runCli(['uninstall-triggers', '--source', db.url, '--table', HOT_TABLE]),
    leftovers: () => sqlLeftovers(db, registry, HOT_TABLE),
    drop: () => db.drop(),
    ...extra,
  };
}

/**
 * Runs `cdc run` until it logs that it completed a requested switch (`pattern`). Its log, not the
 * registry, marks the end: the registry names the new mode while the switch is still under way.
 */
async function switchInRun(runArgs: string[], pattern: RegExp, timeoutMs = 90_000): Promise<void> {
  await withCdcRun(runArgs, async (run) => {
    for (const until = Date.now() + timeoutMs; !pattern.test(run.stderr); ) {
      if (Date.now() > until) throw new Error(`cdc run did not log ${pattern} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

const cli = async (args: string[]) => {
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(`cdc ${args[0]} failed (${r.code}): ${r.stderr}`);
  return r;
};

function triggerMode(name: string, create: () => Promise<TestDatabase>): CaptureModeCase {
  return {
    name,
    mode: 'trigger',
    delivery: 'every-change',
    async open() {
      const db = await create();
      await createHotTables(db);
      return sqlTarget(db, { install: async () => void (await cli(['install-triggers', '--source', db.url, '--table', HOT_TABLE])) });
    },
  };
}

function pollMode(name: string, create: () => Promise<TestDatabase>): CaptureModeCase {
  return {
    name,
    mode: 'poll',
    delivery: 'final-state',
    async open() {
      const db = await create();
      await createHotTables(db);
      if (db.dialect === 'postgres') {
        // The stamp the application keeps: now() is the transaction's start, so it ages until commit.
        await db.exec(`ALTER TABLE ${HOT_TABLE} ADD COLUMN updated_at timestamptz(6) NOT NULL DEFAULT now()`);
        await db.exec(`CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$`);
        await db.exec(`CREATE TRIGGER touch BEFORE UPDATE ON ${HOT_TABLE} FOR EACH ROW EXECUTE FUNCTION touch()`);
      } else {
        await db.exec(`ALTER TABLE ${HOT_TABLE} ADD COLUMN updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)`);
      }
      // The index docs/polling.md asks for.
      await db.exec(`CREATE INDEX hot_poll ON ${HOT_TABLE} (updated_at, id)`);
      const state = ['--state', STATE_URL];
      const redis = new Redis(STATE_URL);
      const base = sqlTarget(db, { install: async () => undefined });
      return {
        ...base,
        args: [...base.args, ...state],
        install: async () =>
          void (await cli(['install-poll', '--source', db.url, ...state, '--table', HOT_TABLE, '--column', 'updated_at', '--safety-lag', '500ms', '--reconcile-every', '1s'])),
        uninstall: () => runCli(['uninstall-poll', '--source', db.url, ...state, '--table', HOT_TABLE]),
        async leftovers() {
          // The namespace is the source's location, URL-encoded (redis-state.ts); this database's name is unique.
          const keys = (await redis.keys(`cdc:{*${db.name}}:*`)).sort();
          // The sequence counter stays on purpose (register.ts): a re-registered table's numbers keep increasing.
          const named = keys.filter((k) => k.includes(HOT_TABLE) && !k.includes(':seq:'));
          const registered: string[] = [];
          for (const k of keys.filter((x) => x.endsWith(':poll:tables'))) {
            for (const field of await redis.hkeys(k)) if (field.includes(HOT_TABLE)) registered.push(`${k} ${field}`);
          }
          return [...named, ...registered, ...(await base.leftovers())];
        },
        async drop() {
          for (const k of await redis.keys(`cdc:{*${db.name}}:*`)) await redis.del(k);
          redis.disconnect();
          await db.drop();
        },
      };
    },
  };
}

const PG_WAL: CaptureModeCase = {
  name: 'postgres wal',
  mode: 'wal',
  delivery: 'every-change',
  async open() {
    const db = await createPostgresDatabase();
    await createHotTables(db);
    // Full before images, as docs/wal.md asks of captured tables.
    await db.exec(`ALTER TABLE ${HOT_TABLE} REPLICA IDENTITY FULL`);
    const base = sqlTarget(db, { install: async () => undefined });
    return {
      ...base,
      async install(runArgs) {
        await cli(['install-triggers', '--source', db.url, '--table', HOT_TABLE]);
        await cli(['upgrade', '--source', db.url, '--table', HOT_TABLE, '--to', 'wal']);
        // The switch needs a boundary in the stream: a running cdc run performs it (docs/wal.md).
        await switchInRun(runArgs, /switched to WAL capture/);
      },
      async leftovers() {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          const slots = await c.query(`SELECT 'slot:' || slot_name AS o FROM pg_replication_slots WHERE database = current_database()`);
          const pubs = await c.query(`SELECT 'publication:' || pubname AS o FROM pg_publication`);
          return [...slots.rows, ...pubs.rows].map((r) => r.o).concat(await base.leftovers());
        } finally {
          await c.end();
        }
      },
      async drop() {
        await dropSlotsOf(db.name);
        await db.drop();
      },
    };
  },
};

const MYSQL_BINLOG: CaptureModeCase = {
  name: 'mariadb binlog',
  mode: 'binlog',
  delivery: 'every-change',
  async open() {
    const db = await createMysqlDatabase();
    await createHotTables(db);
    const base = sqlTarget(db, { install: async () => undefined });
    return {
      ...base,
      async install(runArgs) {
        await cli(['install-triggers', '--source', db.url, '--table', HOT_TABLE]);
        // Switched at once when no cdc process reads the server's binlog; else a running cdc run performs it.
        const up = await cli(['upgrade', '--source', db.url, '--table', HOT_TABLE, '--to', 'binlog']);
        if (!/\(switched\)/.test(up.stdout)) await switchInRun(runArgs, /switched to binlog capture/);
      },
    };
  },
};

const MONGO_OPLOG: CaptureModeCase = {
  name: 'mongodb oplog',
  mode: 'oplog',
  delivery: 'every-change-lookup',
  async open() {
    const m: MongoTestDatabase = await createMongoTestDatabase();
    await m.db.createCollection(HOT_TABLE);
    const hot = m.db.collection<{ _id: number; v: number; tok: string }>(HOT_TABLE);
    return {
      table: `${m.name}.${HOT_TABLE}`,
      args: ['--source', m.url],
      install: async () => void (await cli(['register', '--source', m.url, '--table', HOT_TABLE])),
      async bulkInsert(n) {
        const out: CommittedChange[] = [];
        for (let start = 0; start < n; start += 1000) {
          const docs = Array.from({ length: Math.min(1000, n - start) }, (_, i) => ({ _id: 100_001 + start + i, v: 0, tok: 'bulk' }));
          await hot.insertMany(docs);
          for (const d of docs) out.push({ key: d._id, v: 0, op: 'INSERT', tok: 'bulk' });
        }
        return out;
      },
      workload: (stop) => runMongoWorkload(hot, WORKLOAD, stop),
      async rows() {
        return new Map((await hot.find({}).toArray()).map((d) => [d._id, { id: d._id, v: d.v, tok: d.tok }]));
      },
      image(value) {
        const image = value.operation === 'DELETE' ? value.before_data : value.after_data;
        return image && 'v' in image ? { id: Number(image._id), v: Number(image.v), tok: String(image.tok) } : null;
      },
      key: (value) => Number(value.primary_key._id),
      uninstall: () => runCli(['unregister', '--source', m.url, '--table', HOT_TABLE]),
      async leftovers() {
        const out: string[] = [];
        for (const collection of ['cdc_captured', 'cdc_checkpoints']) {
          for (const d of await m.db.collection(collection).find({ _id: `${m.name}.${HOT_TABLE}` as never }).toArray()) {
            // The sequence counter stays on purpose (state-store.ts clearCheckpoint): numbers never go backwards.
            const kept = Object.keys(d).filter((k) => collection !== 'cdc_checkpoints' || !['_id', 'seq_reserved', 'updated_at'].includes(k));
            if (kept.length) out.push(`${collection}:${String(d._id)} ${kept.join(',')}`);
          }
        }
        return out;
      },
      drop: () => m.drop(),
    };
  },
};

export const CAPTURE_MODES: CaptureModeCase[] = [
  triggerMode('postgres trigger', createPostgresDatabase),
  triggerMode('mariadb trigger', createMysqlDatabase),
  pollMode('postgres poll', createPostgresDatabase),
  pollMode('mariadb poll', createMysqlDatabase),
  PG_WAL,
  MYSQL_BINLOG,
  MONGO_OPLOG,
];
