import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads the V8 CPU profiles `node --cpu-prof` wrote and attributes sampled self time to the parts
 * of the data path, by the file each function lives in. The tsx loader's own thread writes a small
 * profile too; only the largest (the main thread) is used.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** category → share of sampled time (0..1), idle included */
  categories: { name: string; ms: number; share: number }[];
  top: { fn: string; where: string; ms: number; share: number }[];
}

/** First match wins; the categories name the stage of the data path a file belongs to. */
const CATEGORIES: [string, RegExp][] = [
  ['idle (waiting for database/broker)', /^\(idle\)$/],
  ['garbage collection', /^\(garbage collector\)$/],
  ['read: pg driver + protocol', /node_modules\/(pg|pg-protocol|pg-types|pgpass|pg-pool)\//],
  ['read: mysql2 driver + protocol', /node_modules\/(mysql2|lru-cache|iconv-lite|long|named-placeholders|denque)\//],
  ['read: lossless JSON parsing of row images', /node_modules\/lossless-json\/|src\/core\/lossless-json/],
  ['read: type mapping of row images (adapters)', /adapters\/(postgres|mysql)\/types\//],
  ['read: trigger source (adapters)', /adapters\/(postgres|mysql)\//],
  ['events: ChangeEvent + event_id (pipeline)', /src\/(core|pipeline)\//],
  ['encode: JSON + headers (src/format)', /src\/format\//],
  ['produce: kafkajs', /node_modules\/kafkajs\//],
  ['produce: @platformatic/kafka', /node_modules\/@platformatic\/|node_modules\/@node-rs\//],
  ['produce: Kafka sink (adapters)', /adapters\/kafka/],
  ['bench instrumentation', /\/bench\//],
  ['node internals (streams, net, crypto, timers)', /^node:|^internal\//],
  ['module loading (tsx/esbuild)', /node_modules\/(tsx|esbuild|get-tsconfig)\//],
  ['program / native (JSON.stringify, Buffer, crypto…)', /^\(program\)$|^$/],
];

export function summarizeProfiles(dir: string, topN = 15): ProfileSummary | null {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return null;
  const biggest = files
    .map((f) => ({ f, size: readFileSync(join(dir, f)).length }))
    .sort((a, b) => b.size - a.size)[0]!.f;
  const prof = JSON.parse(readFileSync(join(dir, biggest), 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  let total = 0;
  const cat = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    total += us;
    const key = url === '' ? functionName : url;
    const name = CATEGORIES.find(([, re]) => re.test(key) || re.test(functionName))?.[0] ?? 'other';
    cat.set(name, (cat.get(name) ?? 0) + us);
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '(native)';
    const fkey = `${functionName || '(anonymous)'}@${where}`;
    const f = fns.get(fkey) ?? { fn: functionName || '(anonymous)', where, us: 0 };
    f.us += us;
    fns.set(fkey, f);
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  const share = (us: number) => Math.round((us / total) * 1000) / 1000;
  return {
    file: biggest,
    totalMs: ms(total),
    categories: [...cat].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: ms(us), share: share(us) })),
    top: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((f) => ({ fn: f.fn, where: f.where, ms: ms(f.us), share: share(f.us) })),
  };
}

function shortUrl(url: string): string {
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length);
  const repo = u.search(/\/(src|adapters|bench|test)\//);
  return repo >= 0 ? u.slice(repo + 1) : u;
}
