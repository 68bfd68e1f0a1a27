import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The fault harness's own PostgreSQL, MariaDB and Kafka (scripts/fault-services.sh): throwaway
 * instances on their own 127.0.0.1 ports, so killing and restarting them never disturbs the shared
 * servers other test runs use.
 */
const SCRIPT = fileURLToPath(new URL('../../scripts/fault-services.sh', import.meta.url));

export type FaultService = 'postgres' | 'mariadb' | 'kafka';

export const FAULT_PG_ADMIN = `postgres://postgres@127.0.0.1:${process.env.CDC_FAULTS_PG_PORT ?? 5434}/postgres`;
export const FAULT_MYSQL_ADMIN = `mysql://root@127.0.0.1:${process.env.CDC_FAULTS_MYSQL_PORT ?? 3307}/mysql`;
export const FAULT_KAFKA = [`127.0.0.1:${process.env.CDC_FAULTS_KAFKA_PORT ?? 19092}`];

function run(args: string[], timeoutMs: number): string {
  const r = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`scripts/fault-services.sh ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

export function startInstances(services: FaultService[]): string {
  return run(['start', ...services], 240_000);
}

/**
 * Restarts one instance; `crash` = SIGKILL (Kafka, MariaDB) or `pg_ctl -m immediate` (PostgreSQL).
 * Asynchronous, so the writers in this process keep writing meanwhile. Resolves with the duration.
 */
export function restartInstance(service: FaultService, crash: boolean): Promise<number> {
  const t0 = Date.now();
  const args = ['restart', service, ...(crash ? ['--crash'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Date.now() - t0);
      else reject(new Error(`scripts/fault-services.sh ${args.join(' ')} failed (${code}): ${out}`));
    });
  });
}

/** Stops everything and deletes the data directories (unless CDC_FAULTS_KEEP=1, for debugging). */
export function cleanInstances(): void {
  if (process.env.CDC_FAULTS_KEEP === '1') return;
  run(['clean'], 240_000);
}
