import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SnapshotProgress, SnapshotTarget } from '../../src/core/snapshot.js';
import { UserInputError } from '../../src/core/errors.js';
import { percentDone, runSnapshot } from '../../src/snapshot/run-snapshot.js';
import { describeSnapshot } from '../../src/snapshot/status.js';

/** An in-memory table of `rows` keys 1..rows, chunked like the adapters do (pure logic, no database). */
function memoryTarget(rows: number, stored: SnapshotProgress | null = null) {
  const calls: string[] = [];
  let progress = stored;
  let locked = false;
  const target: SnapshotTarget = {
    table: 'public.t',
    async lock() {
      assert.equal(locked, false, 'lock taken twice');
      locked = true;
      calls.push('lock');
      return async () => {
        locked = false;
        calls.push('release');
      };
    },
    async load() {
      return progress;
    },
    async start() {
      calls.push('start');
      progress = { table: 'public.t', state: 'running', rowsDone: 0, rowsEstimate: rows, chunks: 0, lastKey: null, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: null };
      return progress;
    },
    async nextChunk(p, size) {
      const after = p.lastKey ? Number(p.lastKey[0]) : 0;
      const upTo = after + size < rows ? after + size : null;
      const n = (upTo ?? rows) - after;
      calls.push(`chunk ${after + 1}..${upTo ?? 'end'}`);
      progress = { ...p, rowsDone: p.rowsDone + n, chunks: p.chunks + 1, lastKey: upTo === null ? p.lastKey : [String(upTo)], state: upTo === null ? 'done' : 'running', finishedAt: upTo === null ? 'x' : null };
      return progress;
    },
  };
  return { target, calls, get progress() { return progress; }, get locked() { return locked; } };
}

test('a fresh snapshot runs every chunk to the end and releases its lock', async () => {
  const t = memoryTarget(25);
  const seen: number[] = [];
  const result = await runSnapshot(t.target, { chunkSize: 10, onProgress: (p) => seen.push(p.rowsDone) });
  assert.equal(result.state, 'done');
  assert.equal(result.rowsDone, 25);
  assert.deepEqual(t.calls, ['lock', 'start', 'chunk 1..10', 'chunk 11..20', 'chunk 21..end', 'release']);
  assert.deepEqual(seen, [0, 10, 20, 25]);
  assert.equal(t.locked, false);
});

test('an interrupted snapshot resumes after its last chunk; a finished one is not repeated', async () => {
  const stored: SnapshotProgress = { table: 'public.t', state: 'running', rowsDone: 10, rowsEstimate: 25, chunks: 1, lastKey: ['10'], startedAt: 'x', finishedAt: null };
  const t = memoryTarget(25, stored);
  const result = await runSnapshot(t.target, { chunkSize: 10 });
  assert.deepEqual(t.calls, ['lock', 'chunk 11..20', 'chunk 21..end', 'release']);
  assert.equal(result.rowsDone, 25);
  t.calls.length = 0;
  await runSnapshot(t.target, { chunkSize: 10 });
  assert.deepEqual(t.calls, ['lock', 'release'], 'done stays done');
  t.calls.length = 0;
  await runSnapshot(t.target, { chunkSize: 20, restart: true });
  assert.deepEqual(t.calls, ['lock', 'start', 'chunk 1..20', 'chunk 21..end', 'release']);
});

test('an abort stops after the current chunk, resumable; a failing chunk still releases the lock', async () => {
  const t = memoryTarget(100);
  const abort = new AbortController();
  const result = await runSnapshot(t.target, { chunkSize: 10, signal: abort.signal, onProgress: (p) => p.chunks === 2 && abort.abort() });
  assert.equal(result.state, 'running');
  assert.equal(result.rowsDone, 20);
  assert.equal(t.locked, false);

  const failing = memoryTarget(100);
  failing.target.nextChunk = async () => {
    throw new UserInputError('table public.t is not captured');
  };
  await assert.rejects(runSnapshot(failing.target, { chunkSize: 10 }), /not captured/);
  assert.equal(failing.locked, false);
  await assert.rejects(runSnapshot(failing.target, { chunkSize: 0 }), /chunk size/);
});

test('a chunk that fails with something retryable (a deadlock) is run again; nothing else is', async () => {
  const t = memoryTarget(30);
  const real = t.target.nextChunk.bind(t.target);
  let failures = 2;
  const retries: number[] = [];
  t.target.nextChunk = async (p, size) => {
    if (p.chunks === 1 && failures-- > 0) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    return real(p, size);
  };
  const result = await runSnapshot(t.target, { chunkSize: 10, onRetry: (_err, attempt) => retries.push(attempt) });
  assert.equal(result.state, 'done');
  assert.equal(result.rowsDone, 30, 'the failed chunk counted once');
  assert.deepEqual(retries, [1, 2]);
});

test('progress for display: capped below 100 % until done, unknown estimate shows 0', () => {
  const p: SnapshotProgress = { table: 't', state: 'running', rowsDone: 150, rowsEstimate: 100, chunks: 3, lastKey: ['1'], startedAt: 'x', finishedAt: null };
  assert.equal(percentDone(p), 99);
  assert.equal(percentDone({ ...p, rowsDone: 45 }), 45);
  assert.equal(percentDone({ ...p, rowsEstimate: 0 }), 0);
  assert.equal(percentDone({ ...p, state: 'done' }), 100);
  assert.equal(describeSnapshot({ ...p, rowsDone: 45 }), 'running 45% (45/~100 rows)');
  assert.equal(describeSnapshot({ ...p, state: 'done' }), 'done (150 rows)');
  assert.equal(describeSnapshot(undefined), '-');
});
