import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { waitForMode } from '../helpers/postgres-wal.js';
import { compareRecords, type Difference } from './compare.js';
import { readRawTopic, type RawRecord } from './debezium-server.js';

/**
 * The golden comparison of test/compat/debezium-postgres.compat.ts: cdc's records against what
 * Debezium Server wrote live for the same statements. fixtures/ holds only the hand-written SQL
 * inputs (types and changes), never recorded output.
 */
export const FIXTURES = new URL('./fixtures/', import.meta.url);
export const sql = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

export interface Fixture {
  debezium: string;
  /** Debezium's topic.prefix in that run: record and schema names embed it. */
  prefix: string;
  options: Record<string, string>;
  records: RawRecord[];
}

/** A fresh database holding the golden table with cdc's triggers installed. */
export async function goldenDatabase(): Promise<{ db: TestDatabase; client: pg.Client }> {
  const db = await createTestDatabase();
  const client = await db.client();
  await client.query(sql('pg-types.sql'));
  const install = await runCli(['install-triggers', '--source', db.url, '--table', 'dbz_types']);
  assert.equal(install.code, 0, install.stderr);
  return { db, client };
}

/**
 * Runs `cdc run --format debezium` until `count` records are in its topic. `changes` runs inside
 * the service (for wal mode after the switch), or is null when the changes were made before.
 */
export async function captureWithCdc(o: {
  db: TestDatabase;
  mode: 'trigger' | 'wal';
  schemas: boolean;
  flags: string[];
  count: number;
  changes: (() => Promise<unknown>) | null;
}): Promise<{ prefix: string; records: RawRecord[] }> {
  const prefix = uniqueId('cdz');
  const args = ['run', '--source', o.db.url, '--kafka', KAFKA_BROKERS.join(','), '--table', 'dbz_types', '--format', 'debezium', '--topic-prefix', prefix, ...o.flags];
  if (o.schemas) args.push('--debezium-schemas');
  const records = await withCdcRun(args, async () => {
    if (o.mode === 'wal') {
      // The running service performs the switch; the changes then come from the WAL.
      const up = await runCli(['upgrade', '--source', o.db.url, '--table', 'dbz_types', '--to', 'wal']);
      assert.equal(up.code, 0, up.stderr);
      await waitForMode(o.db.url, 'public.dbz_types', 'wal');
    }
    await o.changes?.();
    return readRawTopic(`${prefix}.public.dbz_types`, o.count, 60_000);
  });
  return { prefix, records };
}

/**
 * Where cdc's trigger mode cannot reproduce Debezium, by design, with the reason. The comparison
 * still requires the same JSON value (parsed, key order aside): only the text differs.
 */
const KNOWN_IN_TRIGGER_MODE = new Map([
  ['c_json', 'trigger images are to_jsonb(row), which stores a json column as jsonb: keys come out in jsonb order, not as written'],
]);

/** Every difference between Debezium's records and cdc's, beyond the known ones (which are checked). */
export function goldenDifferences(expected: Fixture, got: { prefix: string; records: RawRecord[] }, mode: 'trigger' | 'wal', schemas: boolean): Difference[] {
  const dbz = schemas ? expected.records : expected.records.map(withoutSchemas);
  return compareRecords(dbz, got.records, { debezium: expected.prefix, cdc: got.prefix }).filter((d) => {
    const column = /^payload\.(?:before|after)\.(\w+)$/.exec(d.path)?.[1];
    if (mode !== 'trigger' || !column || !KNOWN_IN_TRIGGER_MODE.has(column)) return true;
    assert.deepEqual(JSON.parse(String(d.cdc)), JSON.parse(String(d.debezium)), `${d.path}: ${KNOWN_IN_TRIGGER_MODE.get(column)}`);
    return false;
  });
}

/** The same record as JsonConverter writes it with schemas.enable=false: the payload alone. */
export function withoutSchemas(r: RawRecord): RawRecord {
  const strip = (t: string | null) => {
    if (t === null) return null;
    const i = t.indexOf('"payload":');
    return t.slice(i + '"payload":'.length, -1);
  };
  return { key: strip(r.key), value: strip(r.value) };
}

/** The golden table after pg-changes.sql, with cdc's triggers installed only afterwards (nothing in the log). */
export async function snapshotDatabase(): Promise<{ db: TestDatabase; client: pg.Client }> {
  const db = await createTestDatabase();
  const client = await db.client();
  await client.query(sql('pg-types.sql'));
  await client.query(sql('pg-changes.sql'));
  const install = await runCli(['install-triggers', '--source', db.url, '--table', 'dbz_types']);
  assert.equal(install.code, 0, install.stderr);
  return { db, client };
}

/** `cdc snapshot`, then `cdc run --format debezium --debezium-schemas` until `count` records. */
export async function captureSnapshotWithCdc(db: TestDatabase, count: number): Promise<{ prefix: string; records: RawRecord[] }> {
  const snap = await runCli(['snapshot', '--source', db.url, '--table', 'dbz_types']);
  assert.equal(snap.code, 0, snap.stderr);
  return captureWithCdc({ db, mode: 'trigger', schemas: true, flags: [], count, changes: null });
}

/**
 * Debezium reads its snapshot in physical order, cdc in key order: records are compared by key.
 * Debezium marks the first and last rows "first"/"last"; cdc emits snapshot rows through the
 * change stream in chunks and marks every one "true" (docs/debezium-format.md).
 */
export function snapshotDifferences(expected: Fixture, got: { prefix: string; records: RawRecord[] }): Difference[] {
  const byKey = (records: RawRecord[]) => [...records].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''));
  return compareRecords(byKey(expected.records), byKey(got.records), { debezium: expected.prefix, cdc: got.prefix }).filter(
    (d) => !(d.path === 'payload.source.snapshot' && d.cdc === 'true' && ['first', 'last'].includes(String(d.debezium))),
  );
}
