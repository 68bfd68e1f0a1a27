import type { Collection } from 'mongodb';
import type { CommittedChange, WorkloadOptions } from '../helpers/workload.js';

/**
 * The workload of test/helpers/workload.ts for a MongoDB collection, without its transactions
 * (mongo-java-server has none): each writer owns the keys `k ≡ writer (mod writers)`, so a key's
 * changes are ordered by its one writer and `v` counts them, as the counter row does in SQL.
 * Writers still run concurrently, on different keys.
 */
export async function runMongoWorkload(
  hot: Collection<{ _id: number; v: number; tok: string }>,
  o: Pick<WorkloadOptions, 'writers' | 'keys' | 'durationMs'>,
  stop?: AbortSignal,
): Promise<CommittedChange[]> {
  const committed: CommittedChange[] = [];
  const versions = new Map<number, number>();
  const present = new Set<number>();
  const until = Date.now() + o.durationMs;
  const rnd = (n: number) => Math.floor(Math.random() * n);
  await Promise.all(
    Array.from({ length: o.writers }, async (_, w) => {
      const own = Array.from({ length: o.keys }, (_, i) => i + 1).filter((k) => k % o.writers === w);
      for (let attempt = 0; Date.now() < until && !stop?.aborted && own.length; attempt++) {
        const key = own[rnd(own.length)]!;
        const v = (versions.get(key) ?? 0) + 1;
        versions.set(key, v);
        const tok = `w${w}-${attempt}`;
        if (!present.has(key)) {
          await hot.insertOne({ _id: key, v, tok });
          present.add(key);
          committed.push({ key, v, op: 'INSERT', tok });
        } else if (Math.random() < 0.2) {
          await hot.deleteOne({ _id: key });
          present.delete(key);
          committed.push({ key, v, op: 'DELETE', tok });
        } else {
          await hot.updateOne({ _id: key }, { $set: { v, tok } });
          committed.push({ key, v, op: 'UPDATE', tok });
        }
      }
    }),
  );
  return committed;
}
