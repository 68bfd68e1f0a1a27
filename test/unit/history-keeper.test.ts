import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RetentionSetting } from '../../src/core/change-history.js';
import type { Logger } from '../../src/core/logger.js';
import { HistoryKeeper, type HistoryStore } from '../../src/history/keeper.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;
const OPTIONS = { refreshMs: 30_000, pruneEveryMs: 60_000, pruneBatch: 100 };

/** An in-memory registry row and a history of `rows` prunable rows. */
function fakeStore(setting: RetentionSetting | null, prunable = 0) {
  const calls: string[] = [];
  const store: HistoryStore & { setting: RetentionSetting | null; prunable: number; failPrune: boolean } = {
    setting,
    prunable,
    failPrune: false,
    async load() {
      calls.push('load');
      return store.setting && { ...store.setting };
    },
    async start() {
      calls.push('start');
      if (store.setting && store.setting.since === null) store.setting.since = '2024-05-01T00:00:00.000000Z';
    },
    async prune(_seconds, limit) {
      calls.push(`prune ${limit}`);
      if (store.failPrune) throw new Error('connection lost');
      const n = Math.min(limit, store.prunable);
      store.prunable -= n;
      return n;
    },
  };
  return { store, calls };
}

test('without retention nothing is kept, started or pruned', async () => {
  const { store, calls } = fakeStore(null);
  const keeper = new HistoryKeeper(store, quiet, OPTIONS);
  await keeper.tick(0);
  assert.equal(keeper.retaining, false);
  assert.deepEqual(calls, ['load']);
});

test('keeping switches on only after the start was recorded', async () => {
  const { store, calls } = fakeStore({ retainSeconds: 3600, since: null });
  const keeper = new HistoryKeeper(store, quiet, OPTIONS);
  assert.equal(keeper.retaining, false);
  await keeper.tick(0);
  assert.equal(keeper.retaining, true);
  assert.deepEqual(calls, ['load', 'start', 'load', 'prune 100']);
});

test('pruning runs once per interval, and again at once while batches come back full', async () => {
  const { store, calls } = fakeStore({ retainSeconds: 3600, since: '2024-05-01T00:00:00Z' }, 250);
  const keeper = new HistoryKeeper(store, quiet, OPTIONS);
  await keeper.tick(0); // 100, full
  await keeper.tick(1); // 100, full
  await keeper.tick(2); // 50: caught up
  await keeper.tick(3); // not due
  assert.equal(store.prunable, 0);
  assert.deepEqual(calls.filter((c) => c.startsWith('prune')), ['prune 100', 'prune 100', 'prune 100']);
  await keeper.tick(60_002);
  assert.equal(calls.filter((c) => c.startsWith('prune')).length, 4);
});

test('a failed prune does not fail the read and is retried at the next interval', async () => {
  const { store } = fakeStore({ retainSeconds: 3600, since: '2024-05-01T00:00:00Z' }, 10);
  store.failPrune = true;
  const keeper = new HistoryKeeper(store, quiet, OPTIONS);
  await keeper.tick(0);
  assert.equal(keeper.retaining, true);
  store.failPrune = false;
  await keeper.tick(1);
  assert.equal(store.prunable, 10, 'not retried before the interval');
  await keeper.tick(60_000);
  assert.equal(store.prunable, 0);
});

test('a setting changed in the registry reaches the keeper at the next refresh', async () => {
  const { store } = fakeStore({ retainSeconds: 3600, since: '2024-05-01T00:00:00Z' });
  const keeper = new HistoryKeeper(store, quiet, OPTIONS);
  await keeper.tick(0);
  store.setting = null; // --retain off
  await keeper.tick(29_999);
  assert.equal(keeper.retaining, true);
  await keeper.tick(30_000);
  assert.equal(keeper.retaining, false);
});
