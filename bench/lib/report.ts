import type { SectionId } from './context.js';
import { table } from './markdown.js';

export interface SectionResult {
  id: SectionId;
  data: unknown;
  markdown: string[];
  seconds?: number;
  failed?: boolean;
}

const TITLES: Record<SectionId, string> = {
  drain: '1. Drain throughput (trigger mode → Kafka, acks=all)',
  latency: '2. Steady-state latency (commit → Kafka acknowledged)',
  overhead: '3. Source overhead (triggers vs no capture)',
  memory: '4. Memory while draining a large backlog',
  'kafka-clients': '5. Kafka client: kafkajs vs @platformatic/kafka',
  debezium: '6. Side by side with Debezium Server',
  'wal-latency': '7. Steady-state latency of the log-based captures: cdc WAL adapter vs Debezium Server',
};

const ORDER: SectionId[] = ['drain', 'latency', 'overhead', 'memory', 'kafka-clients', 'debezium', 'wal-latency'];

export function renderReport(
  meta: { mode: string; runId: string; started: string; finished: string; machine: Record<string, unknown>; loads: { label: string; load1: number; load5: number }[] },
  results: SectionResult[],
): string {
  const md: string[] = [];
  md.push(`# cdc benchmark — ${meta.mode} run ${meta.runId}`, '');
  md.push(`Started ${meta.started}, finished ${meta.finished}.`, '');
  md.push(
    `Machine: ${meta.machine.cpu}, ${meta.machine.memoryGb} GB RAM, Node ${meta.machine.node}. ` +
      'PostgreSQL 15, MariaDB 10.11 and Kafka 3.9 (KRaft, one broker) run on the same machine (scripts/services.sh). ' +
      '**The machine and these servers were shared** with other sessions running tests during the run; the load average below shows how busy it was.',
    '',
  );
  const sorted = [...results].sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
  for (const r of sorted) {
    md.push(`## ${TITLES[r.id]}`, '');
    if (r.seconds !== undefined) md.push(`_(${r.seconds} s)_`, '');
    md.push(...r.markdown, '');
  }
  md.push('## Load average during the run', '');
  md.push(table(['when', 'load 1 min', 'load 5 min'], meta.loads.map((l) => [l.label, l.load1, l.load5])));
  md.push('');
  return md.join('\n');
}
