/**
 * Fault harness (`npm run test:faults`): `cdc run` under a steady 16-writer load while the harness
 * SIGKILLs it at random points, restarts the Kafka broker (graceful and SIGKILL) and crashes and
 * restarts the database. After each kind of fault the verifier compares the writers' own record of
 * committed changes with the topic: zero lost, zero out of order per row, redeliveries only with
 * the same event_id (and counted).
 *
 * Everything runs on the harness's own throwaway PostgreSQL (:5434), MariaDB (:3307) and Kafka
 * (:19092) from scripts/fault-services.sh, never on the shared servers other tests use.
 *
 * Writers keep writing through every fault. A transaction cut off by the database crash has an
 * unknown outcome: it is recorded as uncertain, and the verifier accepts it exactly when it was
 * delivered, while the per-key version counter (no holes allowed) still catches a lost one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DIALECTS, type TestDatabase } from '../../test/helpers/dialects.js';
import { consumeAll, topicOffset, uniqueId, type ConsumedMessage } from '../../test/helpers/kafka.js';
import { runCli, startCli } from '../../test/helpers/cli.js';
import { createHotTables, HOT_TABLE, observed, runWorkload, verify, type CommittedChange } from '../../test/helpers/workload.js';
import { cleanInstances, FAULT_KAFKA, FAULT_MYSQL_ADMIN, FAULT_PG_ADMIN, restartInstance, startInstances } from './instances.js';

const KILLS = Number(process.env.CDC_FAULTS_KILLS ?? 10);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

interface PhaseReport {
  dialect: string;
  phase: string;
  faults: number;
  committed: number;
  uncertain: number;
  delivered: number;
  /** Redelivered events in the whole topic so far, and those added by this phase's faults. */
  redelivered: number;
  redeliveredInPhase: number;
  seconds: number;
}
const reports: PhaseReport[] = [];

/** `cdc run` on the fault instances; notices when it dies without being told to. */
class Service {
  private current: ReturnType<typeof startCli> | null = null;
  readonly unexpectedExits: string[] = [];
  constructor(private readonly args: string[]) {}

  start(): void {
    const run = startCli(this.args, { CDC_LOG_LEVEL: 'warn' });
    this.current = run;
    void run.exited.then((code) => {
      if (this.current === run) this.unexpectedExits.push(`cdc run exited ${code} on its own:\n${run.stderr.slice(-2000)}`);
    });
  }

  async kill(): Promise<void> {
    const run = this.current!;
    this.current = null;
    await run.kill();
  }

  async stop(): Promise<number | null> {
    const run = this.current!;
    this.current = null;
    return run.stop(30_000);
  }

  get stderr(): string {
    return this.current?.stderr ?? '';
  }
}

/** A run of the 16-writer workload that ends when told to; tokens carry the segment's label. */
function writers(db: TestDatabase, label: string, uncertain: CommittedChange[]) {
  const stop = new AbortController();
  const done = runWorkload(
    db,
    { writers: 16, keys: 40, durationMs: 30 * 60_000, maxSleepMs: 80, rollbackRatio: 0.1, tokenPrefix: `${label}.`, onUncertain: (c) => uncertain.push(...c) },
    stop.signal,
  );
  return {
    async stop(): Promise<CommittedChange[]> {
      stop.abort();
      return done;
    },
  };
}

before(() => {
  startInstances(['postgres', 'mariadb', 'kafka']);
});

after(() => {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}faults-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`, JSON.stringify(reports, null, 2));
  cleanInstances();
});

for (const dialect of DIALECTS) {
  describe(`faults under load (${dialect.name})`, { concurrency: false }, () => {
    const adminUrl = dialect.name === 'postgres' ? FAULT_PG_ADMIN : FAULT_MYSQL_ADMIN;
    const dbService = dialect.name === 'postgres' ? ('postgres' as const) : ('mariadb' as const);
    let db: TestDatabase;
    let service: Service;
    let topic: string;
    const committed: CommittedChange[] = [];
    const uncertain: CommittedChange[] = [];

    /** Waits until every committed change is in the topic, then runs the verifier over all of it. */
    async function verifyAll(phase: string, faults: number, t0: number): Promise<void> {
      const want = new Set(committed.map((c) => `${c.key}/${c.v}/${c.op}/${c.tok}`));
      const seen = new Set<string>();
      let scanned = 0;
      let messages: ConsumedMessage[];
      try {
        messages = await consumeAll([topic], {
          brokers: FAULT_KAFKA,
          timeoutMs: 180_000,
          until: (m) => {
            for (; scanned < m.length; scanned++) {
              const o = observed(m[scanned]!.value);
              seen.add(`${o.key}/${o.v}/${o.op}/${o.tok}`);
            }
            for (const id of want) if (!seen.has(id)) return false;
            return true;
          },
        });
      } catch (err) {
        const missing = [...want].filter((id) => !seen.has(id));
        // Still in the change log (stuck) or gone from it (acknowledged without being delivered)?
        const status = await runCli(['status', '--source', db.url, '--json']).catch((e) => ({ stdout: String(e) }));
        throw new Error(
          `${phase}: ${missing.length} committed changes never arrived (e.g. ${missing.slice(0, 5).join(', ')}): ${(err as Error).message}\n` +
            `cdc status: ${status.stdout}\nunexpected exits: ${service.unexpectedExits.join('\n')}\ncdc run stderr (tail):\n${service.stderr.slice(-3000)}`,
          { cause: err },
        );
      }
      const redelivered = verify(committed, messages, true, uncertain);
      const before = reports.filter((r) => r.dialect === dialect.name).reduce((n, r) => n + r.redeliveredInPhase, 0);
      reports.push({
        dialect: dialect.name,
        phase,
        faults,
        committed: committed.length,
        uncertain: uncertain.length,
        delivered: messages.length,
        redelivered,
        redeliveredInPhase: redelivered - before,
        seconds: Math.round((Date.now() - t0) / 1000),
      });
      console.log(
        `# ${dialect.name} ${phase}: ${faults} faults; ${committed.length} committed changes so far (+${uncertain.length} of unknown outcome), ` +
          `none lost, none out of order; ${redelivered - before} redelivered by this phase (${redelivered} in the topic)`,
      );
      assert.deepEqual(service.unexpectedExits, [], 'cdc run must not die on its own');
    }

    /**
     * Runs `faults` under the writers' load. The load stops, and its committed changes are counted,
     * even when `faults` fails: a failed phase must not leave writers running into the next one,
     * whose verification would then report their changes as lost.
     */
    async function underLoad(label: string, faults: () => Promise<void>): Promise<void> {
      const load = writers(db, label, uncertain);
      try {
        await faults();
      } finally {
        committed.push(...(await load.stop()));
      }
    }

    before(async () => {
      db = await dialect.create({ adminUrl });
      await createHotTables(db);
      const r = await runCli(['install-triggers', '--source', db.url, '--table', HOT_TABLE]);
      assert.equal(r.code, 0, r.stderr);
      const sid = uniqueId('flt');
      topic = `cdc.${sid}.${db.qualified(HOT_TABLE)}`;
      service = new Service(['run', '--source', db.url, '--kafka', FAULT_KAFKA.join(','), '--source-id', sid, '--batch-size', '200']);
      service.start();
    });

    after(async () => {
      await db?.drop().catch(() => undefined);
    });

    test(`SIGKILL cdc run ${KILLS} times at random points`, { timeout: 300_000 }, async () => {
      const t0 = Date.now();
      await underLoad('kill', async () => {
        for (let i = 0; i < KILLS; i++) {
          // A random point after the fresh process has delivered something, i.e. while it streams.
          const base = await topicOffset(topic, FAULT_KAFKA);
          for (const t1 = Date.now(); (await topicOffset(topic, FAULT_KAFKA)) <= base && Date.now() - t1 < 30_000; ) await sleep(50);
          await sleep(between(0, 1500));
          await service.kill();
          await sleep(between(0, 500));
          service.start();
        }
        await sleep(2000);
      });
      await verifyAll('SIGKILL cdc run', KILLS, t0);
    });

    test('restart the Kafka broker (graceful, then SIGKILL)', { timeout: 400_000 }, async () => {
      const t0 = Date.now();
      let graceful = 0;
      let crashed = 0;
      await underLoad('kafka', async () => {
        await sleep(2000);
        graceful = await restartInstance('kafka', false);
        await sleep(3000);
        crashed = await restartInstance('kafka', true);
        await sleep(3000);
      });
      console.log(`# kafka restarts took ${graceful} ms (SIGTERM) and ${crashed} ms (SIGKILL)`);
      await verifyAll('Kafka broker restarts', 2, t0);
    });

    test(`crash and restart ${dialect.name}`, { timeout: 400_000 }, async () => {
      const t0 = Date.now();
      let ms = 0;
      await underLoad('db', async () => {
        await sleep(3000);
        // Writers and cdc run are both mid-flight when the server process dies.
        ms = await restartInstance(dbService, true);
        await sleep(5000);
      });
      console.log(`# ${dbService} crash restart took ${ms} ms`);
      await verifyAll(`${dbService} crash restart`, 1, t0);
    });

    test('cdc run stops cleanly on SIGTERM', { timeout: 60_000 }, async () => {
      assert.equal(await service.stop(), 0);
    });
  });
}
