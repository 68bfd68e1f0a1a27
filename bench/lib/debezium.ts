import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Debezium Server (io.debezium:debezium-server-dist from Maven Central) for the side-by-side
 * benchmark: fetched once with Maven into ~/.cache/cdc/debezium/<version>/ (never into the repo)
 * and run from a temporary working directory holding its config/application.properties.
 * Debezium 3.x class files need Java 21+, so the newest JDK under /usr/lib/jvm is used.
 */
export const DEBEZIUM_VERSION = process.env.CDC_DEBEZIUM_VERSION ?? '3.6.0.Final';
const CACHE = join(process.env.CDC_CACHE_DIR ?? join(homedir(), '.cache', 'cdc'), 'debezium');

export function ensureDebeziumDist(log: (m: string) => void): string {
  const home = join(CACHE, DEBEZIUM_VERSION, 'debezium-server');
  if (existsSync(join(home, 'lib'))) return home;
  mkdirSync(CACHE, { recursive: true });
  const archive = join(CACHE, `debezium-server-dist-${DEBEZIUM_VERSION}.tar.gz`);
  if (!existsSync(archive)) {
    log(`fetching debezium-server-dist ${DEBEZIUM_VERSION} with Maven (~750 MB)`);
    const r = spawnSync(
      'mvn',
      ['-q', '-B', 'dependency:copy', `-Dartifact=io.debezium:debezium-server-dist:${DEBEZIUM_VERSION}:tar.gz`, `-DoutputDirectory=${CACHE}`],
      { stdio: 'inherit', timeout: 900_000 },
    );
    if (r.status !== 0) throw new Error(`mvn could not fetch io.debezium:debezium-server-dist:${DEBEZIUM_VERSION}:tar.gz`);
  }
  mkdirSync(join(CACHE, DEBEZIUM_VERSION), { recursive: true });
  const x = spawnSync('tar', ['xzf', archive, '-C', join(CACHE, DEBEZIUM_VERSION)], { stdio: 'inherit' });
  if (x.status !== 0) throw new Error(`could not unpack ${archive}`);
  return home;
}

/** The JDK with the highest major version under /usr/lib/jvm (Temurin 25 here; Debezium 3.x needs 21+). */
export function newestJavaHome(): { home: string; major: number } {
  let best = { home: '', major: 0 };
  for (const d of existsSync('/usr/lib/jvm') ? readdirSync('/usr/lib/jvm') : []) {
    const release = join('/usr/lib/jvm', d, 'release');
    if (!existsSync(release)) continue;
    const m = /JAVA_VERSION="(\d+)/.exec(readFileSync(release, 'utf8'));
    const major = m ? Number(m[1]) : 0;
    if (major > best.major) best = { home: join('/usr/lib/jvm', d), major };
  }
  if (best.major < 21) throw new Error(`Debezium Server ${DEBEZIUM_VERSION} needs Java 21 or newer; newest under /usr/lib/jvm is ${best.major || 'none'}`);
  return best;
}

export interface DebeziumRun {
  child: ChildProcess;
  /** CPU seconds (user + system) the JVM used so far, and its peak RSS in MB. */
  usage(): { cpuSeconds: number; peakRssMb: number };
  stop(): Promise<void>;
  log(): string;
}

export function startDebezium(home: string, props: Record<string, string | number>, javaHome: string): DebeziumRun {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-debezium-'));
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'application.properties'), Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const runner = readdirSync(home).find((f) => f.endsWith('-runner.jar'))!;
  const cp = [join(home, runner), join(home, 'config', 'lib'), join(home, 'lib', '*')].join(':');
  const child = spawn(join(javaHome, 'bin', 'java'), ['-Xmx1g', '-cp', cp, 'io.debezium.server.Main'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  const ticks = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);
  let last = { cpuSeconds: 0, peakRssMb: 0 };
  return {
    child,
    usage() {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        last = { cpuSeconds: (Number(f[11]) + Number(f[12])) / ticks, peakRssMb: hwm ? Math.round(Number(hwm[1]) / 1024) : 0 };
      } catch {
        // exited: keep the last reading
      }
      return last;
    },
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => out,
  };
}

/** application.properties for the PostgreSQL connector (pgoutput) with the Kafka sink. */
export function debeziumProps(o: {
  dbname: string;
  port: number;
  topicPrefix: string;
  table: string;
  slot: string;
  publication: string;
  brokers: string[];
  offsetsFile: string;
  httpPort: number;
}): Record<string, string | number> {
  return {
    'debezium.sink.type': 'kafka',
    'debezium.sink.kafka.producer.bootstrap.servers': o.brokers.join(','),
    'debezium.sink.kafka.producer.key.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
    'debezium.sink.kafka.producer.value.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
    // The same delivery guarantee as cdc's sink.
    'debezium.sink.kafka.producer.acks': 'all',
    'debezium.sink.kafka.producer.enable.idempotence': 'true',
    'debezium.source.connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'debezium.source.offset.storage.file.filename': o.offsetsFile,
    'debezium.source.offset.flush.interval.ms': 1000,
    'debezium.source.database.hostname': '127.0.0.1',
    'debezium.source.database.port': o.port,
    'debezium.source.database.user': 'postgres',
    'debezium.source.database.password': 'unused-trust-auth',
    'debezium.source.database.dbname': o.dbname,
    'debezium.source.topic.prefix': o.topicPrefix,
    'debezium.source.table.include.list': o.table,
    'debezium.source.plugin.name': 'pgoutput',
    'debezium.source.slot.name': o.slot,
    'debezium.source.publication.name': o.publication,
    'debezium.source.publication.autocreate.mode': 'disabled',
    'debezium.source.snapshot.mode': 'no_data',
    // Same poll interval as cdc's default schedule (Debezium's default is 500 ms).
    'debezium.source.poll.interval.ms': 50,
    'debezium.format.key': 'json',
    'debezium.format.value': 'json',
    'debezium.format.key.schemas.enable': 'false',
    'debezium.format.value.schemas.enable': 'false',
    'quarkus.http.port': o.httpPort,
    'quarkus.log.level': 'INFO',
    'quarkus.log.console.json': 'false',
  };
}

/** A TCP port free right now on 127.0.0.1, for Debezium Server's HTTP endpoint. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
