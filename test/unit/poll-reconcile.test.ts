import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import type { Logger } from '../../src/core/logger.js';
import type { PolledTable } from '../../adapters/poll/dialect.js';
import type { PollRegistration } from '../../adapters/poll/config.js';
import { chunkDigest, keyText, knownMember, sortableKey } from '../../adapters/poll/keys.js';
import { Reconciler } from '../../adapters/poll/reconcile.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The source: a key set with the database's own order (`order`), which may differ from Redis's. */
function fakeTable(keys: unknown[][], order: (a: unknown[], b: unknown[]) => number): PolledTable & { keys: unknown[][] } {
  const sorted = () => [...t.keys].sort(order);
  const t = {
    keys,
    keyColumns: ['id'],
    chunk: async (after: readonly unknown[] | null, size: number) => {
      const c = sorted().filter((k) => !after || order(k, after as unknown[]) > 0).slice(0, size);
      return c.length ? { ...chunkDigest(c), last: c[c.length - 1]! } : null;
    },
    keysIn: async (after: readonly unknown[] | null, upTo: readonly unknown[]) =>
      sorted().filter((k) => (!after || order(k, after as unknown[]) > 0) && order(k, upTo as unknown[]) <= 0),
    present: async (ks: readonly (readonly unknown[])[]) => t.keys.filter((k) => ks.some((x) => keyText(x) === keyText(k))),
    clockIso: async () => '2024-01-01T00:00:00.000000Z',
  };
  return t as unknown as PolledTable & { keys: unknown[][] };
}

/** Known keys in a sorted set with ZRANGEBYLEX semantics. */
function fakeRedis(members: string[]) {
  const zrangebylex = async (_key: string, lo: string, hi: string) =>
    [...members]
      .sort(byteCompare)
      .filter((m) => lo === '-' || byteCompare(m, lo.slice(1)) >= (lo[0] === '[' ? 0 : 1))
      .filter((m) => hi === '+' || byteCompare(m, hi.slice(1)) <= (hi[0] === '[' ? 0 : -1));
  return { zrangebylex, hset: async () => 1 } as unknown as Redis;
}

const reg = (chunkSize: number): PollRegistration => ({
  table: 'public.t', schema: 'public', name: 't', column: 'updated_at', columnKind: 'timestamp', createdColumn: null, keyColumns: ['id'],
  safetyLagMs: 0, reconcileEveryMs: 0, chunkSize, registeredAt: '',
});
const keysOf = { pollTables: 'x', table: () => 'known', sequence: () => 's' };

/** Runs ticks until a cycle completes; returns the deleted keys. */
async function cycle(table: PolledTable, known: unknown[][], chunkSize: number): Promise<unknown[]> {
  const members = known.map((k) => knownMember(k, 'stamp'));
  const lookup = async (prefixes: string[]) => prefixes.map((p) => members.find((m) => m.startsWith(p)) ?? null);
  const r = new Reconciler(table, fakeRedis(members), keysOf, reg(chunkSize), silent, lookup);
  const deleted: unknown[] = [];
  for (let tick = 0; tick < 100; tick++) {
    const out = await r.step(7);
    for (const c of out?.changes ?? []) {
      assert.equal(c.operation, 'DELETE');
      deleted.push(c.primaryKey!.id);
    }
    // The pipeline acknowledges the batch before the next step: the keys leave the known set.
    for (const u of out?.updates ?? []) members.splice(members.findIndex((m) => m.startsWith(u.prefix)), 1);
    if ((r as unknown as { cycle: unknown }).cycle === null && tick > 0) break;
  }
  return deleted.sort((a, b) => String(a).localeCompare(String(b), 'en', { numeric: true }));
}

const numeric = (a: unknown[], b: unknown[]) => Number(a[0]) - Number(b[0]);

test('finds every vanished key in one cycle, across chunks and past the last source key', async () => {
  const known = Array.from({ length: 95 }, (_, i) => [i + 1]);
  const gone = new Set([1, 2, 17, 40, 41, 42, 60, 94, 95]);
  const table = fakeTable(known.filter((k) => !gone.has(k[0] as number)), numeric);
  assert.deepEqual(await cycle(table, known, 10), [...gone]);
});

test('keys the source has but cdc does not know yet are not deletes', async () => {
  const known = [[1], [2], [3]];
  const table = fakeTable([[1], [2], [3], [4], [5]], numeric);
  assert.deepEqual(await cycle(table, known, 2), []);
});

test('a key order that differs from Redis byte order still finds deletes and invents none', async () => {
  // The database orders text case-insensitively; Redis orders bytes.
  const ci = (a: unknown[], b: unknown[]) => String(a[0]).toLowerCase().localeCompare(String(b[0]).toLowerCase());
  const known = ['a', 'B', 'c', 'D', 'e', 'F', 'g'].map((s) => [s]);
  const table = fakeTable(known.filter((k) => k[0] !== 'D' && k[0] !== 'a'), ci);
  assert.deepEqual(await cycle(table, known, 2), ['a', 'D']);
});

test('a candidate that reappears before it is emitted is not deleted', async () => {
  const known = [[1], [2], [3]];
  const table = fakeTable([[1], [3]], numeric);
  const present = table.present.bind(table);
  table.present = async (ks) => {
    table.keys.push([2]); // re-inserted between the chunk comparison and the confirmation
    return present(ks);
  };
  assert.deepEqual(await cycle(table, known, 10), []);
  assert.equal(sortableKey([2]).startsWith('i'), true);
});
