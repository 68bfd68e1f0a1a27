import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { openPostgres } from '../../adapters/postgres/index.js';
import type { PgQueryable } from '../../adapters/postgres/driver.js';
import { findTable, loadColumns } from '../../adapters/postgres/introspect.js';
import type { ColumnType } from '../../adapters/postgres/types/pg-type.js';
import { decodeTextRow } from '../../adapters/postgres/types/text-decoder.js';
import type { CapturedChange, Row } from '../../src/core/change-event.js';
import type { ChangeSource } from '../../src/core/change-source.js';
import type { SourceDatabase } from '../../src/core/source-database.js';
import { createTestDatabase, testLogger, type TestDatabase } from '../helpers/postgres.js';
import { dropSlotsOf } from '../helpers/postgres-wal.js';

/**
 * Type fidelity of WAL capture: the same statements on two identical tables, one captured by
 * triggers (to_jsonb images) and one from the WAL (pgoutput text), give equal before/after images
 * for every common type — and both equal a plain SELECT mapped by the text decoder.
 */
const ddl = (t: string) => `
  CREATE TABLE ${t} (
    id int PRIMARY KEY,
    c_int2 int2, c_int4 int4, c_int8 int8, c_oid oid,
    c_numeric numeric, c_numeric_scaled numeric(12,2), c_money money,
    c_float4 float4, c_float8 float8, c_bool bool,
    c_text text, c_varchar varchar(20), c_char char(5), c_uuid uuid, c_enum mood,
    c_inet inet, c_cidr cidr, c_macaddr macaddr, c_xml xml, c_point point, c_box box,
    c_int4range int4range, c_tsrange tsrange, c_tsvector tsvector, c_interval interval,
    c_date date, c_time time, c_timetz timetz, c_timestamp timestamp, c_timestamp3 timestamp(3), c_timestamptz timestamptz,
    c_bytea bytea, c_json json, c_jsonb jsonb,
    c_int_arr int[], c_text_arr text[], c_int_2d int[][], c_tstz_arr timestamptz[], c_numeric_arr numeric[],
    c_jsonb_arr jsonb[], c_bytea_arr bytea[], c_bool_arr bool[], c_int8_arr int8[],
    c_domain posint, c_composite pair, c_bit bit(4), c_varbit varbit
  );
  ALTER TABLE ${t} REPLICA IDENTITY FULL;`;

const statements = (t: string) => [
  `INSERT INTO ${t} VALUES (1,
    -32768, 2147483647, 9223372036854775807, 4294967295,
    123456789012345678901234567890.123456789012345678901234567890, 12.50, 1234.56,
    1.1, 0.30000000000000004, true,
    E'multi\\nline "quoted" \\\\ back ✓', 'v', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy',
    '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '<a>1</a>', '(1.5,2)', '((0,0),(1,1))',
    '[1,10)', '[2024-01-01 00:00,2024-01-02 00:00)', 'a fat cat', '1 year 2 mons 3 days 04:05:06.789',
    '2024-02-29', '23:59:59.999999', '12:00:00+05:30', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.1239',
    '2024-06-30 23:59:59.999999+00',
    '\\x00ff10', '{"a": 1e2, "b": [1.50, 12345678901234567890], "c": {"d": null}}',
    '{"big": 123456789012345678901234567890, "f": 0.1, "nested": [{"x": -9007199254740993}]}',
    '{1,NULL,3}', '{"a,b","c\\"d",NULL,"NULL",""}', '{{1,NULL},{3,4}}', '{"2024-01-01 00:00:00.000001+02",NULL}',
    '{1.10,NaN,NULL}', ARRAY['{"a": 1}'::jsonb, '[1, 2]'::jsonb, NULL], ARRAY['\\x01'::bytea, NULL], '{t,f,NULL}',
    '{1,-9007199254740993}', 5, ROW(9007199254740993, 'x, "y"'), B'1010', B'101')`,
  `INSERT INTO ${t} (id) VALUES (2)`,
  `INSERT INTO ${t} (id, c_int8, c_numeric, c_float4, c_float8, c_date, c_timestamp, c_timestamptz, c_int_arr, c_text, c_bytea, c_jsonb, c_composite)
   VALUES (3, -9007199254740993, 'NaN', '-Infinity', 'NaN', 'infinity', 'infinity', '-infinity', '{}', '', '\\x5c00', '"just a string"', ROW(NULL, NULL))`,
  `INSERT INTO ${t} (id, c_date, c_timestamp, c_timestamptz, c_float8, c_numeric)
   VALUES (4, '0044-03-15 BC', '0044-03-15 12:00:00.5 BC', '0044-03-15 12:00:00 BC', -0.0, 0.000000000000000000000000000001)`,
  `UPDATE ${t} SET c_timestamptz = '2000-01-01 00:00:00.000001+13:45', c_int8 = -9223372036854775808, c_numeric = c_numeric * 10,
     c_bytea = '\\xdeadbeef', c_jsonb = '[1, 2.50, {"k": 1e400}]', c_text_arr = '{}' WHERE id = 1`,
  `DELETE FROM ${t} WHERE id = 3`,
];

const T = (name: string) => ({ schema: 'public', name });

/** Reads (and acknowledges) until `count` changes arrived; the WAL stream delivers asynchronously. */
async function collect(src: ChangeSource, count: number, timeoutMs = 20_000): Promise<CapturedChange[]> {
  const out: CapturedChange[] = [];
  const until = Date.now() + timeoutMs;
  while (out.length < count) {
    assert.ok(Date.now() < until, `only ${out.length} of ${count} changes arrived`);
    const b = await src.read(100);
    if (b.changes.length === 0) {
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    out.push(...b.changes);
    await src.ack(b.ack);
  }
  return out;
}

describe('postgres WAL capture: type fidelity against trigger capture', () => {
  let tdb: TestDatabase;
  let db: SourceDatabase;
  let admin: pg.Client;

  before(async () => {
    tdb = await createTestDatabase();
    db = await openPostgres(tdb.url);
    admin = await tdb.client();
    await admin.query(`CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE DOMAIN posint AS int CHECK (VALUE > 0); CREATE TYPE pair AS (n int8, s text);`);
    await admin.query(ddl('by_trigger') + ddl('by_wal'));
    await db.install(T('by_trigger'), {});
    await db.install(T('by_wal'), {});
    assert.equal((await db.upgrade!(T('by_wal'), 'wal')).state, 'requested');
  });
  after(async () => {
    await db?.close();
    if (tdb) await dropSlotsOf(tdb.name);
    await tdb?.drop();
  });

  async function selectRows(table: string, columns: ColumnType[]): Promise<Map<number, Row>> {
    const reader = await tdb.client(`SET TimeZone = 'UTC'`);
    const raw = { getTypeParser: () => (v: string) => v };
    const { rows } = await reader.query({ text: `SELECT * FROM ${table} ORDER BY id`, types: raw } as pg.QueryConfig);
    await reader.end();
    return new Map(rows.map((r: Record<string, string | null>) => [Number(r.id), decodeTextRow(columns, r)]));
  }

  it('WAL images equal trigger images for every common type, written under other time zones and bytea_output', async () => {
    const wal = db.openSource(T('by_wal'), { logger: testLogger() });
    await wal.open();
    await wal.read(10); // performs the pending switch: the trigger log is empty
    assert.equal(wal.mode, 'wal');
    const kolkata = await tdb.client(`SET TimeZone = 'Asia/Kolkata'`);
    const chatham = await tdb.client(`SET TimeZone = 'Pacific/Chatham'; SET bytea_output = 'escape'`);
    const [a, b] = [statements('by_trigger'), statements('by_wal')];
    for (let i = 0; i < a.length; i++) {
      const session = i < 2 ? kolkata : chatham;
      await session.query(a[i]!);
      await session.query(b[i]!);
    }
    const fromWal = await collect(wal, a.length);
    await wal.close();
    const trig = db.openSource(T('by_trigger'), { logger: testLogger() });
    await trig.open();
    const fromTrigger = await collect(trig, a.length);
    await trig.close();

    const shape = (c: CapturedChange) => ({ op: c.operation, key: c.primaryKey, before: c.before, after: c.after });
    assert.deepEqual(fromWal.map(shape), fromTrigger.map(shape));
    const q: PgQueryable = { query: (t, p) => admin.query(t, p) as never, exec: async (s) => void (await admin.query(s)) };
    const columns = (await loadColumns(q, (await findTable(q, T('by_wal')))!.oid)).columns;
    const now = await selectRows('by_wal', columns);
    assert.deepEqual(fromWal[4]!.after, now.get(1), 'UPDATE after_data equals a plain SELECT');
    assert.equal(fromWal[4]!.after!.c_timestamptz, '1999-12-31T10:15:00.000001Z');
    assert.equal(fromWal[0]!.after!.c_int8, '9223372036854775807');
    assert.equal(fromWal[0]!.after!.c_bytea, 'AP8Q');
    assert.ok(fromWal.every((c) => c.position === c.changeId && /^[0-9A-F]+\/[0-9A-F]+:\d+$/.test(c.position)));
  });

  it('without REPLICA IDENTITY FULL an unchanged TOAST value is left out, never a placeholder', async () => {
    const big = 'q'.repeat(30_000);
    // EXTERNAL: out of line and uncompressed, so this value really is TOASTed.
    await admin.query(`ALTER TABLE by_wal ALTER COLUMN c_text SET STORAGE EXTERNAL`);
    await admin.query(`INSERT INTO by_wal (id, c_text) VALUES (10, $1)`, [big]);
    await admin.query(`ALTER TABLE by_wal REPLICA IDENTITY DEFAULT`);
    await admin.query(`UPDATE by_wal SET c_int4 = 7 WHERE id = 10`);
    const logger = testLogger();
    const wal = db.openSource(T('by_wal'), { logger });
    await wal.open();
    const [ins, upd] = await collect(wal, 2);
    await wal.close();
    assert.equal(ins!.after!.c_text, big);
    assert.equal(upd!.before, null, 'DEFAULT identity: no old image for an UPDATE that keeps the key');
    assert.equal(upd!.after!.c_int4, 7);
    assert.ok(!Object.hasOwn(upd!.after!, 'c_text'), 'the unknown unchanged value is omitted');
    assert.deepEqual(upd!.sourceExtra?.unchanged_toast_omitted, ['c_text']);
    assert.ok(logger.warnings.some((w: any) => /REPLICA IDENTITY FULL/.test(w.msg)));
  });
});
