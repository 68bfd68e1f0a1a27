import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { TestDatabase } from '../helpers/postgres';
import { captureSnapshotWithCdc, readFixture, snapshotDatabase, snapshotDifferences } from '../compat/golden';

/**
 * Snapshot events (`op: "r"`) against Debezium: the fixture is what Debezium Server 3.6.0 wrote
 * with snapshot.mode=initial for the golden table after test/compat/fixtures/pg-changes.sql
 * (recorded by test/compat/debezium-postgres.compat.ts); cdc emits the same rows with
 * `cdc snapshot`. Compared by key, every field, schemas enabled.
 */
describe('--format debezium snapshot events match Debezium 3.6 (PostgreSQL, trigger mode)', () => {
  let db: TestDatabase | undefined;
  after(async () => db?.drop());

  test('every snapshot record, field by field', async () => {
    const fixture = readFixture('snapshot');
    const opened = await snapshotDatabase();
    db = opened.db;
    const got = await captureSnapshotWithCdc(db, fixture.records.length);
    assert.deepEqual(snapshotDifferences(fixture, got), []);
    assert.ok(got.records.every((r) => JSON.parse(r.value!).payload.op === 'r'));
  });
});
