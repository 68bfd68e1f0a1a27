import assert from 'node:assert/strict';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { createMysqlDatabase, type TestDatabase } from '../helpers/dialects.js';
import { KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { compareRecords, type Difference } from './compare.js';
import { readRawTopic, type RawRecord } from './debezium-server.js';
import { sql, withoutSchemas, type Fixture } from './golden.js';

/** The MariaDB golden table (test/compat/fixtures/mariadb-*.sql) with cdc's triggers installed. */
export async function goldenMariadb(): Promise<TestDatabase> {
  const db = await createMysqlDatabase();
  for (const s of statements('mariadb-types.sql')) await db.exec(s);
  const install = await runCli(['install-triggers', '--source', db.url, '--table', 'dbz_types']);
  assert.equal(install.code, 0, install.stderr);
  return db;
}

export function statements(file: string): string[] {
  return sql(file)
    .split(/;\n/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('--'));
}

export async function applyMariadbChanges(db: TestDatabase): Promise<void> {
  for (const s of statements('mariadb-changes.sql')) await db.exec(s);
}

/** `cdc run --format debezium` on the golden table; in binlog mode the changes follow the switch. */
export async function captureMariadbWithCdc(o: {
  db: TestDatabase;
  mode: 'trigger' | 'binlog';
  schemas: boolean;
  flags: string[];
  count: number;
  changes: (() => Promise<unknown>) | null;
}): Promise<{ prefix: string; records: RawRecord[] }> {
  const prefix = uniqueId('cdz');
  const args = ['run', '--source', o.db.url, '--kafka', KAFKA_BROKERS.join(','), '--table', 'dbz_types', '--format', 'debezium', '--topic-prefix', prefix, ...o.flags];
  if (o.schemas) args.push('--debezium-schemas');
  if (o.mode === 'binlog') {
    // With no service running the switch happens at once, from the binlog's current position.
    const up = await runCli(['upgrade', '--source', o.db.url, '--table', 'dbz_types', '--to', 'binlog']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /trigger -> binlog \(switched\)/);
  }
  const records = await withCdcRun(args, async () => {
    await o.changes?.();
    return readRawTopic(`${prefix}.${o.db.name}.dbz_types`, o.count, 60_000);
  });
  return { prefix: `${prefix}.${o.db.name}`, records };
}

export function mariadbDifferences(expected: Fixture, got: { prefix: string; records: RawRecord[] }, schemas: boolean): Difference[] {
  const dbz = schemas ? expected.records : expected.records.map(withoutSchemas);
  return compareRecords(dbz, got.records, { debezium: expected.prefix, cdc: got.prefix });
}
