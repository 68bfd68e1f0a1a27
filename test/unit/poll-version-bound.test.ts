import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDecimal, isoFromMicros, VersionBound, type VersionProbe } from '../../adapters/poll/version-bound.js';

const S = 1_000_000n; // µs per second
const T0 = 1_700_000_000n * S;
const at = (seconds: number) => T0 + BigInt(Math.round(seconds * 1_000_000));
const probe = (highest: string | null, seconds: number, oldestOpenSeconds: number | null = null): VersionProbe => ({
  highest,
  at: at(seconds),
  oldestOpen: oldestOpenSeconds === null ? null : at(oldestOpenSeconds),
});
const exact = () => new VersionBound({ startSlackUs: 0n, minAgeUs: 0n });

test('a candidate settles once it is older than the lag and no transaction open at its time is left', () => {
  const b = exact();
  assert.equal(b.next(probe('10', 0), 500).upper, null, 'too young: nothing is safe yet');
  assert.equal(b.next(probe('10', 0.4), 500).upper, null);
  assert.equal(b.next(probe('12', 0.5), 500).upper, '10', 'the first candidate is 500 ms old');
  assert.equal(b.next(probe('12', 1.0), 500).upper, '12');
});

test('a slow transaction that took a low version holds every later candidate until it ends', () => {
  // A writer starts at 0.1 s and takes version 5; others commit 6..40 meanwhile. The poller sees
  // 40 as the highest version long before 5 commits: 40 must not become the bound until then.
  const b = exact();
  const rounds: [string, number, number | null][] = [
    ['4', 0, null],
    ['20', 0.2, 0.1],
    ['40', 1.0, 0.1],
    ['40', 3.0, 0.1],
  ];
  for (const [v, t, open] of rounds) {
    const { upper } = b.next(probe(v, t, open), 0);
    assert.ok(upper === null || compareDecimal(upper, '4') <= 0, `bound ${upper} passed version 5 while its writer is open`);
  }
  assert.equal(b.next(probe('40', 3.0, 0.1), 0).heldBy, isoFromMicros(at(0.1)), 'status names the transaction');
  // The writer commits at 3.1 s; only transactions that began after the candidates remain open.
  assert.equal(b.next(probe('41', 3.2, 3.15), 0).upper, '40');
});

test('the candidate of a round whose only open transactions began after it settles at once without lag', () => {
  const b = exact();
  assert.equal(b.next(probe('7', 0, null), 0).upper, '7', 'nothing open: everything visible is final');
  assert.equal(b.next(probe('9', 1, 1.5), 0).upper, '9', 'a transaction that began after the probe cannot hold a lower version');
  assert.equal(b.next(probe('11', 2, 2), 0).upper, '9', 'one that began at the same instant might');
});

test('reported starts may be late by the slack, and a cached view is trusted only after its age', () => {
  // MySQL: trx_started is whole seconds and may follow the version by a little; INNODB_TRX is a cache.
  const b = new VersionBound({ startSlackUs: S, minAgeUs: 200_000n });
  b.next(probe('10', 0), 0);
  assert.equal(b.next(probe('10', 0.1), 0).upper, null, 'younger than the cache age');
  assert.equal(b.next(probe('10', 1.0, 0.5), 0).upper, null, 'started 0.5 s after the candidate, reported up to 1 s late: may hold 10');
  assert.equal(b.next(probe('10', 2.0, 1.5), 0).upper, '10', 'started 1.5 s after: began after the candidate even with the slack');
});

test('the bound never moves back, and candidates that add nothing are not kept', () => {
  const b = exact();
  b.next(probe('50', 0), 100);
  assert.equal(b.next(probe('30', 0.2), 100).upper, '50', 'deleting the highest rows lowers max(), not the bound');
  assert.equal(b.waiting, 0);
  b.next(probe('60', 0.3), 100);
  b.next(probe('60', 0.35), 100);
  b.next(probe('55', 0.36), 100);
  assert.equal(b.waiting, 1, 'an older candidate with the same or a higher version covers the newer ones');
  assert.equal(b.next(probe(null, 0.5), 100).upper, '60');
  assert.equal(exact().next(probe(null, 9), 0).upper, null, 'an empty table has no bound');
});

test('versions compare by value, beyond 2^53 and with decimals', () => {
  const ordered = ['-100', '-9.5', '-0.25', '0', '0.5', '2', '10', '10.01', '9007199254740993', '18446744073709551615', '18446744073709551616'];
  const shuffled = [...ordered].reverse();
  assert.deepEqual(shuffled.sort(compareDecimal), ordered);
  assert.equal(compareDecimal('10.50', '10.5'), 0);
  assert.equal(compareDecimal('007', '7'), 0);
  assert.equal(compareDecimal('-0', '0'), 0);
});

test('microsecond clocks print as ISO-8601 with microseconds', () => {
  assert.equal(isoFromMicros(1_700_000_000_123_456n), '2023-11-14T22:13:20.123456Z');
  assert.equal(isoFromMicros(0n), '1970-01-01T00:00:00.000000Z');
});

test('open transactions seen apart from the candidate settle only older candidates; unseen ones settle nothing', () => {
  // MySQL reads INNODB_TRX only when that cache is current, in its own statement (mysql-trx-view.ts).
  const b = exact();
  const seen = (highest: string, seconds: number, seenSeconds: number | null, open: number | null = null): VersionProbe => ({
    ...probe(highest, seconds, open),
    seenAt: seenSeconds === null ? null : at(seenSeconds),
  });
  assert.equal(b.next(seen('10', 0, null), 0).upper, null, 'no current view: nothing settles, even with nothing reported open');
  assert.equal(b.next(seen('12', 1, 0.5), 0).upper, '10', 'a view from 0.5 s settles the candidate of 0 s');
  assert.equal(b.next(seen('14', 2, 0.6), 0).upper, '10', 'but not the one of 1 s');
  assert.equal(b.next(seen('14', 3, 3, 1.5), 0).upper, '12', 'a view from 3 s with a transaction open since 1.5 s settles 1 s, not 2 s');
});
