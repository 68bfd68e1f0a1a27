import { Redis } from 'ioredis';
import pg from 'pg';
import { createMysqlDatabase, createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { createMongoTestDatabase, type MongoTestDatabase } from '../helpers/mongodb.js';
import { createHotTables, HOT_TABLE, type CommittedChange } from '../helpers/workload.js';
import { dropSlotsOf } from '../helpers/postgres-wal.js';
import { runCli } from '../helpers/cli.js';
import type { CaptureModeCase } from './contract.js';
import { cli, sqlTarget, switchInRun, WORKLOAD } from './sql-target.js';
import { runMongoWorkload } from './mongo-workload.js';

/**
 * The seven capture modes behind the acceptance suite (suite.ts), in the style of kysely's
 * DIALECTS loop: each mode knows how to put one table (`hot`, the workload's) under capture, how
 * to write to it, what its events promise, and what of cdc's must be gone after uninstalling.
 */

const STATE_URL = process.env.CDC_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';

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
            // The sequence counter and the owner generation (the fencing token of docs/workers.md)
            // stay on purpose (state-store.ts clearCheckpoint): neither may ever go backwards.
            const kept = Object.keys(d).filter((k) => collection !== 'cdc_checkpoints' || !['_id', 'seq_reserved', 'owner_generation', 'updated_at'].includes(k));
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
