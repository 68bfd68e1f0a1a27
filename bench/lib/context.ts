import { cpus, loadavg, totalmem } from 'node:os';
import type { TestDatabase } from '../../test/helpers/dialects.js';
import { createMysqlDatabase, createPostgresDatabase } from '../../test/helpers/dialects.js';
import { KAFKA_BROKERS, uniqueId } from '../../test/helpers/kafka.js';

export type Dialect = 'postgres' | 'mysql';
export const SECTIONS = ['drain', 'latency', 'overhead', 'kafka-clients', 'debezium', 'wal-latency', 'memory'] as const;
export type SectionId = (typeof SECTIONS)[number];

/** Sizes of one run; `--quick` shrinks everything to finish in under 3 minutes. */
export interface Sizes {
  drainBacklog: number;
  profileBacklog: number;
  latencyRates: number[];
  latencySeconds: number;
  overheadRounds: number;
  overheadSeconds: number;
  pgbenchScale: number;
  sysbenchTableSize: number;
  bulkRows: number;
  sinkEvents: number;
  sinkRounds: number;
  memoryBacklog: number;
  debeziumChanges: number;
  debeziumLatencySeconds: number;
}

export const FULL: Sizes = {
  drainBacklog: 1_000_000,
  profileBacklog: 200_000,
  latencyRates: [1000, 2000, 5000],
  latencySeconds: 20,
  overheadRounds: 3,
  overheadSeconds: 20,
  pgbenchScale: 10,
  sysbenchTableSize: 100_000,
  bulkRows: 200_000,
  sinkEvents: 200_000,
  sinkRounds: 2,
  memoryBacklog: 5_000_000,
  debeziumChanges: 200_000,
  debeziumLatencySeconds: 20,
};

export const QUICK: Sizes = {
  drainBacklog: 40_000,
  profileBacklog: 20_000,
  latencyRates: [2000],
  latencySeconds: 6,
  overheadRounds: 1,
  overheadSeconds: 6,
  pgbenchScale: 5,
  sysbenchTableSize: 20_000,
  bulkRows: 20_000,
  sinkEvents: 40_000,
  sinkRounds: 1,
  memoryBacklog: 200_000,
  debeziumChanges: 20_000,
  debeziumLatencySeconds: 8,
};

export interface BenchContext {
  quick: boolean;
  sizes: Sizes;
  dialects: Dialect[];
  brokers: string[];
  /** Prefix of this run's source ids (topic names), so concurrent runs never share a topic. */
  runId: string;
  log(msg: string): void;
  createDatabase(dialect: Dialect): Promise<TestDatabase>;
  sourceId(what: string): string;
  loadSample(label: string): void;
  loads: { label: string; load1: number; load5: number; at: string }[];
}

export function createContext(opts: { quick: boolean; dialects: Dialect[]; sizes?: Partial<Sizes> }): BenchContext {
  const runId = uniqueId('b').slice(0, 9);
  const t0 = Date.now();
  const loads: BenchContext['loads'] = [];
  return {
    quick: opts.quick,
    sizes: { ...(opts.quick ? QUICK : FULL), ...opts.sizes },
    dialects: opts.dialects,
    brokers: KAFKA_BROKERS,
    runId,
    loads,
    log: (msg) => process.stderr.write(`[bench +${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`),
    createDatabase: (d) => (d === 'postgres' ? createPostgresDatabase() : createMysqlDatabase()),
    sourceId: (what) => `${runId}_${what}`.replace(/[^A-Za-z0-9._-]/g, '_'),
    loadSample(label) {
      const [l1, l5] = loadavg();
      loads.push({ label, load1: round2(l1!), load5: round2(l5!), at: new Date().toISOString() });
    },
  };
}

export function machineInfo() {
  const c = cpus();
  return {
    cpu: `${c.length} × ${c[0]?.model ?? 'unknown'}`,
    memoryGb: Math.round(totalmem() / 1e9),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function perSecond(count: number, ms: number): number {
  return Math.round(count / (ms / 1000));
}
