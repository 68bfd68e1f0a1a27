import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type pg from 'pg';
import { openPostgres } from '../../adapters/postgres/index.js';
import type { PgQueryable } from '../../adapters/postgres/driver.js';
import { findTable, loadColumns } from '../../adapters/postgres/introspect.js';
import { decodeTextRow } from '../../adapters/postgres/types/text-decoder.js';
import { openMysql } from '../../adapters/mysql/index.js';
import { describeTable } from '../../adapters/mysql/introspect.js';
import { canonicalSelectList, decodeSelectedRow } from '../../adapters/mysql/types/select-decoder.js';
import { toChangeEvent, type CapturedChange, type Row } from '../../src/core/change-event.js';
import { encodeNative } from '../../src/format/native.js';
import { debeziumEncoder } from '../../src/format/debezium/index.js';

const encodeDebezium = debeziumEncoder();
import type { ChangeSource } from '../../src/core/change-source.js';
import { JSON_LIMITS } from '../../src/core/lossless-json.js';
import type { SourceDatabase } from '../../src/core/source-database.js';
import type { TableRef } from '../../src/core/table-ref.js';
import * as pgTest from '../helpers/postgres.js';
import * as myTest from '../helpers/mysql.js';
import { checkProperty, identifier, propertyRuns } from '../helpers/properties.js';

/**
 * Issue 11 item 10: property-based tests of install, capture and decode against the real
 * PostgreSQL and MariaDB. Generated identifiers (quotes, backticks, dots, unicode, reserved
 * words, JavaScript-special names, names at each database's length limit) and generated values
 * per column type (extremes, NUL, deep nesting, large sizes, NaN/Infinity, far dates) must give:
 *   - the application's write succeeds exactly when it succeeds on an uncaptured twin table;
 *   - every event's key is complete (also as the Kafka key of both formats), and its image equals
 *     a plain SELECT mapped the same way;
 *   - nothing wedges: a value beyond the decoders' limits fails its change alone (naming the log
 *     row) and the source goes on delivering.
 * Bounded: 20-30 cases per property, fixed seed (CDC_PROPERTY_SEED to change, CDC_PROPERTY_RUNS
 * for more cases); a failure prints the seed to replay it.
 * Not generated: `json` (not jsonb) values holding \u0000, which the trigger cannot store yet
 * (issue 11 item 2, handled separately).
 */

interface Harness {
  dialect: 'postgres' | 'mysql';
  cdc: SourceDatabase;
  ref(name: string): TableRef;
  q(ident: string): string;
  p(i: number): string;
  exec(sql: string, params?: unknown[]): Promise<void>;
  /** The row whose `keyColumn` is `key`, read with a plain SELECT and mapped like the decoders do. */
  select(table: string, keyColumn: string, key: number): Promise<Row | undefined>;
  close(): Promise<void>;
}

async function postgresHarness(): Promise<Harness> {
  const tdb = await pgTest.createTestDatabase();
  const cdc = await openPostgres(tdb.url);
  const client = await tdb.client();
  const q = (i: string) => `"${i.replaceAll('"', '""')}"`;
  const queryable: PgQueryable = { query: (t, p) => client.query(t, p) as never, exec: async (s) => void (await client.query(s)) };
  const raw = { getTypeParser: () => (v: string) => v };
  return {
    dialect: 'postgres',
    cdc,
    ref: (name) => ({ schema: 'public', name }),
    q,
    p: (i) => `$${i}`,
    exec: async (sql, params) => void (await client.query(sql, params as unknown[])),
    async select(table, keyColumn, key) {
      const { columns } = await loadColumns(queryable, (await findTable(queryable, { schema: 'public', name: table }))!.oid);
      const { rows } = await client.query({ text: `SELECT * FROM ${q(table)} WHERE ${q(keyColumn)} = $1`, values: [key], types: raw } as pg.QueryConfig);
      return rows[0] ? decodeTextRow(columns, rows[0] as Record<string, string | null>) : undefined;
    },
    async close() {
      await cdc.close();
      await tdb.drop();
    },
  };
}

async function mysqlHarness(): Promise<Harness> {
  const db = await myTest.createTestDatabase();
  const cdc = await openMysql(db.url, { ackWaitMs: 100 });
  const q = (i: string) => '`' + i.replaceAll('`', '``') + '`';
  return {
    dialect: 'mysql',
    cdc,
    ref: (name) => ({ schema: db.name, name }),
    q,
    p: () => '?',
    exec: (sql, params) => db.exec(sql, params),
    async select(table, keyColumn, key) {
      const columns = (await describeTable(db.driver, { schema: db.name, name: table }))!.columns;
      const rows = await db.query(`SELECT ${canonicalSelectList(columns)} FROM ${q(table)} WHERE ${q(keyColumn)} = ?`, [key]);
      return rows[0] ? decodeSelectedRow(rows[0], columns) : undefined;
    },
    async close() {
      await cdc.close();
      await db.drop();
    },
  };
}

/** Reads and acknowledges until a read comes back empty; a read that throws is a wedge. */
async function drain(source: ChangeSource): Promise<CapturedChange[]> {
  const out: CapturedChange[] = [];
  for (;;) {
    const batch = await source.read(500);
    if (batch.changes.length === 0) return out;
    out.push(...batch.changes);
    await source.ack(batch.ack);
  }
}

const succeeds = (p: Promise<unknown>) => p.then(() => true, () => false);

for (const make of [postgresHarness, mysqlHarness]) {
  describe(`properties against the real database (${make.name.replace('Harness', '')})`, () => {
    let h: Harness;
    before(async () => {
      h = await make();
    });
    after(async () => h?.close());

    test('odd identifiers: install, capture and decode keep the key complete and equal a SELECT', { timeout: 300_000 }, async () => {
      const names = fc
        .tuple(identifier(h.dialect), identifier(h.dialect), identifier(h.dialect))
        // MySQL compares column names without case; table names must not clash with cdc's own.
        .filter(([, k, v]) => k.toLowerCase() !== v.toLowerCase())
        .filter(([t]) => !t.toLowerCase().startsWith('cdc_'));
      await checkProperty(
        fc.asyncProperty(names, async ([table, keyColumn, valueColumn]) => {
          const { q, p } = h;
          await h.exec(`DROP TABLE IF EXISTS ${q(table)}`);
          await h.exec(`CREATE TABLE ${q(table)} (${q(keyColumn)} int PRIMARY KEY, ${q(valueColumn)} varchar(50))`);
          const ref = h.ref(table);
          await h.cdc.install(ref, {});
          const source = h.cdc.openSource(ref, { logger: myTest.recordingLogger() });
          await source.open();
          try {
            await h.exec(`INSERT INTO ${q(table)} VALUES (${p(1)}, ${p(2)})`, [7, 'a']);
            const inserted = await h.select(table, keyColumn, 7);
            await h.exec(`UPDATE ${q(table)} SET ${q(valueColumn)} = ${p(1)} WHERE ${q(keyColumn)} = ${p(2)}`, ['b', 7]);
            const updated = await h.select(table, keyColumn, 7);
            await h.exec(`DELETE FROM ${q(table)} WHERE ${q(keyColumn)} = ${p(1)}`, [7]);
            const changes = await drain(source);
            assert.deepEqual(changes.map((c) => c.operation), ['INSERT', 'UPDATE', 'DELETE']);
            for (const [i, c] of changes.entries()) {
              assert.equal(c.failure, undefined);
              assert.deepEqual(Object.keys(c.primaryKey!), [keyColumn], 'the key has exactly the key column');
              assert.equal(JSON.stringify(c.primaryKey), `{${JSON.stringify(keyColumn)}:7}`);
              // Both formats keep the key and the images whatever the names.
              const event = toChangeEvent(c, { sourceId: 's', tableName: `x.${table}`, mode: 'trigger', sequence: BigInt(i + 1), schemaVersion: 1 });
              for (const encode of [encodeNative, encodeDebezium]) {
                const message = encode(event);
                assert.equal(message.key, `{${JSON.stringify(keyColumn)}:7}`);
                const parsed = JSON.parse(message.value.toString());
                const value = parsed.payload ?? parsed; // Debezium's schema-ful form wraps the envelope
                const image = encode === encodeNative ? (value.after_data ?? value.before_data) : (value.after ?? value.before);
                assert.deepEqual(Object.keys(image).sort(), [keyColumn, valueColumn].sort(), `${encode.name} images keep every column`);
              }
            }
            // Equal as JSON objects (own keys, any order: PostgreSQL's jsonb images sort keys).
            const same = (a: unknown, b: unknown, what: string) => assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)), what);
            assert.ok(inserted && Object.hasOwn(inserted, keyColumn) && Object.hasOwn(inserted, valueColumn), 'the SELECT side has both columns');
            same(changes[0]!.after, inserted, 'INSERT after');
            same(changes[1]!.before, inserted, 'UPDATE before');
            same(changes[1]!.after, updated, 'UPDATE after');
            same(changes[2]!.before, updated, 'DELETE before');
          } finally {
            await source.close();
            await h.cdc.uninstall(ref);
            await h.exec(`DROP TABLE ${q(table)}`);
          }
        }),
        20,
      );
    });

    test('values per column type: writes behave as without cdc, events equal a SELECT, nothing wedges', { timeout: 300_000 }, async () => {
      const spec = h.dialect === 'postgres' ? POSTGRES_COLUMNS : MYSQL_COLUMNS;
      const columns = Object.keys(spec);
      const ddl = columns.map((c) => `${h.q(c)} ${spec[c]!.type}`).join(', ');
      for (const t of ['vals', 'twin']) await h.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, ${ddl})`);
      await h.cdc.install(h.ref('vals'), {});
      const source = h.cdc.openSource(h.ref('vals'), { logger: myTest.recordingLogger() });
      await source.open();
      const row = fc.record(Object.fromEntries(columns.map((c) => [c, fc.option(spec[c]!.values, { freq: 6 })])));
      let id = 0;
      let written = 0;
      try {
        await checkProperty(
          fc.asyncProperty(row, async (values) => {
            id++;
            const params = columns.map((c) => values[c] ?? null);
            const insert = (t: string) =>
              h.exec(`INSERT INTO ${t} (id, ${columns.map(h.q).join(', ')}) VALUES (${[id, ...params].map((_, i) => h.p(i + 1)).join(', ')})`, [id, ...params]);
            const plain = await succeeds(insert('twin'));
            const captured = await succeeds(insert('vals'));
            assert.equal(captured, plain, `the write succeeds with cdc exactly when it does without (${plain ? 'succeeded' : 'failed'} without)`);
            const changes = await drain(source);
            if (!captured) {
              assert.equal(changes.length, 0);
              return;
            }
            assert.equal(changes.length, 1);
            written++;
            const [change] = changes;
            if (change!.failure !== undefined) {
              // Only a value beyond the decoders' limits may fail a change, and it names its row.
              assert.match(change!.failure, /change log row \d+: a JSON value nests deeper than cdc decodes/);
              assert.deepEqual(change!.primaryKey, { id }, 'a failed change keeps its key');
              assert.ok(columns.some((c) => typeof values[c] === 'string' && (values[c] as string).startsWith('['.repeat(JSON_LIMITS.maxDepth + 1))));
              return;
            }
            assert.deepEqual(change!.primaryKey, { id });
            assert.deepEqual(change!.after, await h.select('vals', 'id', id));
          }),
          30,
        );
        assert.ok(written >= propertyRuns(30) / 3, `only ${written} generated rows were accepted by the database: the generators are too wild to test much`);
        // Nothing wedged: a plain row written after every generated one is delivered.
        await h.exec(`INSERT INTO vals (id) VALUES (${h.p(1)})`, [1_000_000]);
        const last = await drain(source);
        assert.deepEqual(last.map((c) => c.primaryKey), [{ id: 1_000_000 }]);
      } finally {
        await source.close();
      }
    });
  });
}

interface ColumnSpec {
  type: string;
  /** Values as the driver binds them (strings for exact numbers and literals). */
  values: fc.Arbitrary<unknown>;
}

/**
 * Values the database refuses (out of range, NUL in PostgreSQL text, MariaDB's 32 JSON levels)
 * test "fails exactly as without cdc"; they are kept rare so that most generated rows are written.
 */
const mostly = <T,>(valid: fc.Arbitrary<T>, refused: fc.Arbitrary<T>) => fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: refused });

const nested = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
const bigText = fc.tuple(fc.constantFrom('x', 'é', '日', '🎉'), fc.integer({ min: 50_000, max: 400_000 })).map(([c, n]) => c.repeat(n));
const withNul = fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`);
const text = (nulAllowed: boolean) => {
  const plain = fc.oneof(
    { weight: 8, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replaceAll('\u0000', '')) },
    { weight: 1, arbitrary: bigText },
  );
  return nulAllowed ? fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: withNul }) : mostly(plain, withNul);
};
const year = (min: number, max: number) => fc.integer({ min, max }).map((y) => String(y).padStart(4, '0'));
const two = (max: number, min = 0) => fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));
const micros = fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, '0'));
const dateText = (years: fc.Arbitrary<string>) => fc.tuple(years, two(12, 1), two(28, 1)).map(([y, m, d]) => `${y}-${m}-${d}`);
const timeText = fc.tuple(two(23), two(59), two(59), micros).map(([h, m, s, f]) => `${h}:${m}:${s}.${f}`);
const int64 = fc.oneof(fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 0n), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })).map(String);
const jsonSpecials = fc.constantFrom('{"__proto__": {"a": 1}, "constructor": 2}', '[123456789012345678901234567890, 1e400, -0, 0.1]', '{"a": "\\u00e9 😀"}', '"\\u0000"', '{"a":"\\ud800"}');
const jsonDoc = (maxAccepted: number) =>
  mostly(
    fc.oneof(
      { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
      { weight: 2, arbitrary: fc.integer({ min: 1, max: Math.min(maxAccepted, 40) }).map(nested) },
      // Around cdc's own depth limit, where PostgreSQL still accepts them.
      ...(maxAccepted > JSON_LIMITS.maxDepth ? [{ weight: 2, arbitrary: fc.integer({ min: JSON_LIMITS.maxDepth - 100, max: 4000 }).map(nested) }] : []),
      { weight: 1, arbitrary: jsonSpecials },
    ),
    fc.integer({ min: maxAccepted + 1, max: maxAccepted + 10 }).map(nested),
  );

const POSTGRES_COLUMNS: Record<string, ColumnSpec> = {
  c_int4: { type: 'int4', values: mostly(fc.oneof(fc.constantFrom(-2147483648, 2147483647), fc.integer()), fc.constant(2147483648)) },
  c_int8: { type: 'int8', values: int64 },
  c_numeric: {
    type: 'numeric',
    values: fc.oneof(fc.tuple(int64, fc.bigInt({ min: 0n, max: 10n ** 30n })).map(([a, b]) => `${a}.${b}`), fc.constantFrom('NaN', '0.000000000000000000000000000001', '1e-300')),
  },
  c_float8: { type: 'float8', values: fc.double().map((d) => (Number.isNaN(d) ? 'NaN' : d === Infinity ? 'Infinity' : d === -Infinity ? '-Infinity' : Object.is(d, -0) ? '-0' : String(d))) },
  c_text: { type: 'text', values: text(false) },
  c_bytea: { type: 'bytea', values: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  // jsonb nests as deep as PostgreSQL's stack allows (thousands of levels; none refused here).
  c_jsonb: { type: 'jsonb', values: jsonDoc(6000) },
  c_date: { type: 'date', values: fc.oneof(dateText(year(1, 9999)), dateText(year(10000, 5874896)), dateText(year(1, 4713)).map((d) => `${d} BC`), fc.constantFrom('infinity', '-infinity')) },
  c_ts: { type: 'timestamp(6)', values: fc.oneof(fc.tuple(dateText(year(1, 294276)), timeText).map(([d, t]) => `${d} ${t}`), fc.tuple(dateText(year(1, 4713)), timeText).map(([d, t]) => `${d} ${t} BC`)) },
  c_tstz: {
    type: 'timestamptz',
    values: fc.tuple(dateText(year(1, 294275)), timeText, fc.constantFrom('+00', '+05:30', '-08', '+14')).map(([d, t, z]) => `${d} ${t}${z}`),
  },
  c_int8_arr: { type: 'int8[]', values: fc.array(fc.option(int64), { maxLength: 5 }).map((a) => `{${a.map((v) => v ?? 'NULL').join(',')}}`) },
};

const MYSQL_COLUMNS: Record<string, ColumnSpec> = {
  c_int: { type: 'INT', values: mostly(fc.oneof(fc.constantFrom(-2147483648, 2147483647), fc.integer()), fc.constant(2147483648)) },
  c_bigint: { type: 'BIGINT', values: int64 },
  c_ubigint: { type: 'BIGINT UNSIGNED', values: mostly(fc.oneof(fc.constantFrom('18446744073709551615', '0'), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String)), fc.constant('-1')) },
  c_decimal: { type: 'DECIMAL(65,30)', values: fc.tuple(fc.bigInt({ min: -(10n ** 35n) + 1n, max: 10n ** 35n - 1n }), fc.bigInt({ min: 0n, max: 10n ** 30n - 1n })).map(([a, b]) => `${a}.${String(b).padStart(30, '0')}`) },
  c_double: { type: 'DOUBLE', values: mostly(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(NaN, Infinity, -Infinity)) },
  c_varchar: { type: 'VARCHAR(300)', values: text(true).filter((s) => [...s].length <= 300) },
  c_text: { type: 'LONGTEXT', values: text(true) },
  c_blob: { type: 'LONGBLOB', values: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  // MariaDB's JSON type refuses 32 levels and more (JSON_VALID), with or without cdc.
  c_json: { type: 'JSON', values: jsonDoc(31) },
  c_datetime: { type: 'DATETIME(6)', values: fc.tuple(dateText(mostly(fc.oneof(year(1000, 9999), year(0, 999)), year(10000, 10001))), timeText).map(([d, t]) => `${d} ${t}`) },
  c_date: { type: 'DATE', values: dateText(year(1000, 9999)) },
};
