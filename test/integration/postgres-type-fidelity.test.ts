import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { openPostgres } from '../../adapters/postgres/index.js';
import type { PgQueryable } from '../../adapters/postgres/driver.js';
import { findTable, loadColumns } from '../../adapters/postgres/introspect.js';
import { decodeTextRow } from '../../adapters/postgres/types/text-decoder.js';
import type { ColumnType } from '../../adapters/postgres/types/pg-type.js';
import type { CapturedChange, Row } from '../../src/core/change-event.js';
import type { SourceDatabase } from '../../src/core/source-database.js';
import { createTestDatabase, testLogger, type TestDatabase } from '../helpers/postgres.js';

/**
 * SPEC "Type fidelity": a row read back with a plain SELECT and mapped the same way must equal the
 * event's after_data. The SELECT side uses node-pg with every type parser replaced by "keep the
 * text", decoded by the text decoder; the event side is the trigger's to_jsonb image, written
 * under other session time zones and bytea_output than the reader's.
 */
const DDL = `
  CREATE TYPE mood AS ENUM ('sad', 'happy');
  CREATE DOMAIN posint AS int CHECK (VALUE > 0);
  CREATE TYPE pair AS (n int8, s text);
  CREATE TABLE every_type (
    id int PRIMARY KEY,
    c_int2 int2, c_int4 int4, c_int8 int8, c_oid oid,
    c_numeric numeric, c_numeric_scaled numeric(12,2), c_money money,
    c_float4 float4, c_float8 float8, c_bool bool,
    c_text text, c_varchar varchar(20), c_char char(5), c_name name, c_uuid uuid, c_enum mood,
    c_inet inet, c_cidr cidr, c_macaddr macaddr, c_xml xml, c_point point, c_box box,
    c_int4range int4range, c_tsrange tsrange, c_tsvector tsvector, c_interval interval,
    c_date date, c_time time, c_timetz timetz, c_timestamp timestamp, c_timestamp3 timestamp(3), c_timestamptz timestamptz,
    c_bytea bytea, c_json json, c_jsonb jsonb,
    c_int_arr int[], c_text_arr text[], c_int_2d int[][], c_tstz_arr timestamptz[], c_numeric_arr numeric[],
    c_jsonb_arr jsonb[], c_bytea_arr bytea[], c_bool_arr bool[], c_int8_arr int8[],
    c_domain posint, c_composite pair, c_bit bit(4), c_varbit varbit
  );`;

const FULL_ROW = `
  INSERT INTO every_type VALUES (1,
    -32768, 2147483647, 9223372036854775807, 4294967295,
    123456789012345678901234567890.123456789012345678901234567890, 12.50, 1234.56,
    1.1, 0.30000000000000004, true,
    E'multi\\nline "quoted" \\\\ back ✓', 'v', 'ab', 'nm', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy',
    '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '<a>1</a>', '(1.5,2)', '((0,0),(1,1))',
    '[1,10)', '[2024-01-01 00:00,2024-01-02 00:00)', 'a fat cat', '1 year 2 mons 3 days 04:05:06.789',
    '2024-02-29', '23:59:59.999999', '12:00:00+05:30', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.1239',
    '2024-06-30 23:59:59.999999+00',
    '\\x00ff10', '{"a": 1e2, "b": [1.50, 12345678901234567890], "c": {"d": null}}',
    '{"big": 123456789012345678901234567890, "f": 0.1, "nested": [{"x": -9007199254740993}]}',
    '{1,NULL,3}', '{"a,b","c\\"d",NULL,"NULL",""}', '{{1,NULL},{3,4}}', '{"2024-01-01 00:00:00.000001+02",NULL}',
    '{1.10,NaN,NULL}', ARRAY['{"a": 1}'::jsonb, '[1, 2]'::jsonb, NULL], ARRAY['\\x01'::bytea, NULL], '{t,f,NULL}',
    '{1,-9007199254740993}',
    5, ROW(9007199254740993, 'x, "y"'), B'1010', B'101')`;

const SPECIAL_ROW = `
  INSERT INTO every_type (id, c_int8, c_numeric, c_float4, c_float8, c_date, c_timestamp, c_timestamptz, c_int_arr, c_text, c_bytea, c_jsonb, c_composite)
  VALUES (3, -9007199254740993, 'NaN', '-Infinity', 'NaN', 'infinity', 'infinity', '-infinity', '{}', '', '\\x5c00', '"just a string"', ROW(NULL, NULL))`;

const BC_ROW = `
  INSERT INTO every_type (id, c_date, c_timestamp, c_timestamptz, c_float8, c_numeric)
  VALUES (4, '0044-03-15 BC', '0044-03-15 12:00:00.5 BC', '0044-03-15 12:00:00 BC', -0.0, 0.000000000000000000000000000001)`;

describe('postgres type fidelity: trigger images equal a plain SELECT', () => {
  let tdb: TestDatabase;
  let db: SourceDatabase;
  let columns: ColumnType[];

  before(async () => {
    tdb = await createTestDatabase();
    db = await openPostgres(tdb.url);
    const admin = await tdb.client();
    await admin.query(DDL);
    await db.install({ schema: 'public', name: 'every_type' }, {});
    const q: PgQueryable = { query: (t, p) => admin.query(t, p) as never, exec: async (s) => void (await admin.query(s)) };
    columns = (await loadColumns(q, (await findTable(q, { schema: 'public', name: 'every_type' }))!.oid)).columns;
  });
  after(async () => {
    await db?.close();
    await tdb?.drop();
  });

  /** Every row as the text decoder maps a raw-text SELECT, read under `settings`. */
  async function selectRows(settings: string): Promise<Map<number, Row>> {
    const reader = await tdb.client(settings);
    const raw = { getTypeParser: () => (v: string) => v };
    const { rows } = await reader.query({ text: 'SELECT * FROM every_type ORDER BY id', types: raw } as pg.QueryConfig);
    await reader.end();
    return new Map(rows.map((r: Record<string, string | null>) => [Number(r.id), decodeTextRow(columns, r)]));
  }

  it('matches for every common type, NULLs, specials, across writer time zones, on insert, update and delete', async () => {
    const kolkata = await tdb.client(`SET TimeZone = 'Asia/Kolkata'`);
    await kolkata.query(FULL_ROW);
    await kolkata.query(`INSERT INTO every_type (id) VALUES (2)`); // NULL everywhere else
    const stJohns = await tdb.client(`SET TimeZone = 'America/St_Johns'; SET bytea_output = 'escape'`);
    await stJohns.query(SPECIAL_ROW);
    await kolkata.query(BC_ROW);
    const inserted = await selectRows(`SET TimeZone = 'UTC'`);
    // A reader in another zone maps to the same canonical values.
    assert.deepEqual(await selectRows(`SET TimeZone = 'Pacific/Chatham'`), inserted);

    const chatham = await tdb.client(`SET TimeZone = 'Pacific/Chatham'; SET bytea_output = 'escape'`);
    await chatham.query(`UPDATE every_type SET c_timestamptz = '2000-01-01 00:00:00.000001+13:45', c_int8 = -9223372036854775808,
      c_numeric = c_numeric * 10, c_bytea = '\\xdeadbeef', c_jsonb = '[1, 2.50, {"k": 1e400}]', c_text_arr = '{}' WHERE id = 1`);
    await chatham.query('DELETE FROM every_type WHERE id = 3');
    const updated = await selectRows(`SET TimeZone = 'UTC'`);

    const src = db.openSource({ schema: 'public', name: 'every_type' }, { logger: testLogger() });
    await src.open();
    const changes: CapturedChange[] = [];
    for (let b = await src.read(100); b.changes.length > 0; b = await src.read(100)) {
      changes.push(...b.changes);
      await src.ack(b.ack);
    }
    await src.close();

    assert.deepEqual(changes.map((c) => [c.operation, c.primaryKey]), [
      ['INSERT', { id: 1 }],
      ['INSERT', { id: 2 }],
      ['INSERT', { id: 3 }],
      ['INSERT', { id: 4 }],
      ['UPDATE', { id: 1 }],
      ['DELETE', { id: 3 }],
    ]);
    for (const c of changes.slice(0, 4)) assert.deepEqual(c.after, inserted.get(c.primaryKey!.id as number), `INSERT ${c.primaryKey!.id}`);
    const [update, del] = changes.slice(4);
    assert.deepEqual(update!.before, inserted.get(1), 'UPDATE before_data');
    assert.deepEqual(update!.after, updated.get(1), 'UPDATE after_data');
    assert.deepEqual(del!.before, inserted.get(3), 'DELETE before_data');

    // Spot checks that the shared mapping is the documented one, not merely consistent.
    const row1 = inserted.get(1)!;
    assert.equal(row1.c_int8, '9223372036854775807');
    assert.equal(row1.c_numeric, '123456789012345678901234567890.123456789012345678901234567890');
    assert.equal(row1.c_numeric_scaled, '12.50');
    assert.equal(row1.c_timestamptz, '2024-06-30T23:59:59.999999Z');
    assert.equal(row1.c_timestamp3, '2024-01-02T03:04:05.124');
    assert.equal(row1.c_bytea, 'AP8Q');
    assert.deepEqual(row1.c_jsonb, { big: '123456789012345678901234567890', f: 0.1, nested: [{ x: '-9007199254740993' }] });
    assert.deepEqual(row1.c_int_2d, [[1, null], [3, 4]]);
    assert.deepEqual(row1.c_tstz_arr, ['2023-12-31T22:00:00.000001Z', null]);
    assert.deepEqual(row1.c_composite, { n: '9007199254740993', s: 'x, "y"' });
    assert.equal(row1.c_domain, 5);
    assert.ok(Object.entries(inserted.get(2)!).every(([k, v]) => k === 'id' || v === null));
    assert.deepEqual(updated.get(1)!.c_jsonb, [1, 2.5, { k: `1${'0'.repeat(400)}` }]); // jsonb prints numerics in full
    assert.equal(updated.get(1)!.c_timestamptz, '1999-12-31T10:15:00.000001Z');
    assert.equal(inserted.get(4)!.c_timestamptz, '-0043-03-15T06:06:32Z');
  });
});
