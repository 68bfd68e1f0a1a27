import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CapturedChange } from '../../src/core/change-event.js';
import type { ChangeSource } from '../../src/core/change-source.js';
import { openMysql, type MysqlSourceDatabase } from '../../adapters/mysql/index.js';
import { describeTable } from '../../adapters/mysql/introspect.js';
import { canonicalSelectList, decodeSelectedRow } from '../../adapters/mysql/types/select-decoder.js';
import { createTestDatabase, recordingLogger, type MysqlTestDatabase } from '../helpers/mysql.js';

/**
 * SPEC "Type fidelity": a row read back with a plain SELECT and mapped by the SELECT decoder equals
 * the event's image, for every common type, written under non-UTC session time zones and a lax
 * sql_mode (zero dates), through INSERT, UPDATE and DELETE.
 */

let db: MysqlTestDatabase;
let cdc: MysqlSourceDatabase;
const ref = (name: string) => ({ schema: db.name, name });

async function drain(source: ChangeSource): Promise<CapturedChange[]> {
  const out: CapturedChange[] = [];
  for (;;) {
    const batch = await source.read(1000);
    if (batch.changes.length === 0) return out;
    out.push(...batch.changes);
    await source.ack(batch.ack);
  }
}

async function opened(name: string): Promise<ChangeSource> {
  const s = cdc.openSource(ref(name), { logger: recordingLogger() });
  await s.open();
  return s;
}

before(async () => {
  db = await createTestDatabase();
  cdc = await openMysql(db.url, { ackWaitMs: 200 });
});

after(async () => {
  await cdc?.close();
  await db?.drop();
});

test('every common type: the event images equal the row read back with a plain SELECT', async () => {
  await db.exec(`CREATE TABLE types (
    id INT PRIMARY KEY,
    ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, i INT, iu INT UNSIGNED,
    bi BIGINT, bu BIGINT UNSIGNED, flag BOOLEAN, yr YEAR,
    dec1 DECIMAL(40,10), dec2 DECIMAL(5,2), num NUMERIC(10,0),
    f FLOAT, d DOUBLE,
    b1 BIT(1), b64 BIT(64),
    c CHAR(10), vc VARCHAR(100), tx TEXT, latin VARCHAR(20) CHARACTER SET latin1, e ENUM('a','b c'), st SET('x','y','z'),
    bin BINARY(4), vb VARBINARY(20), bl BLOB,
    dte DATE, t0 TIME, t6 TIME(6), dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6),
    ts0 TIMESTAMP NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL,
    j JSON, g GEOMETRY NULL, pt POINT NULL
  )`);
  await cdc.install(ref('types'), {});
  const writer = await db.connection();
  try {
    // The writer's session zone must not leak into TIMESTAMP values; zero dates need a lax mode.
    await writer.query("SET time_zone = '+05:30', sql_mode = ''");
    await writer.query(
      `INSERT INTO types VALUES (1, -128, 255, -32768, -8388608, -2147483648, 4294967295,
        -9223372036854775808, 18446744073709551615, TRUE, 2155,
        '-123456789012345678901234567890.0123456789', 12.5, 9999999999,
        1.1, 0.1e0 + 0.2e0, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
        'pad  ', ?, ?, 'Ärger', 'b c', 'x,z',
        X'00FF8000', X'0080FF00', ?,
        '2024-02-29', '-838:59:59', '12:34:56.000001', '1000-01-01 00:00:00', '2024-01-02 03:04:05.678', '9999-12-31 23:59:59.999999',
        '2024-03-01 12:34:56', '2024-03-01 12:34:56.123456',
        ?, ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))'), ST_GeomFromText('POINT(1.5 -2.25)'))`,
      [
        `it's "quoted" \\ back – ü 🎉`,
        'line1\nline2\ttab\u0000nul',
        Buffer.from(Array.from({ length: 300 }, (_, k) => k % 256)),
        '{"big": 123456789012345678901234567890}',
      ],
    );
    await writer.query(`UPDATE types SET j = ? WHERE id = 1`, [
      '{"big": 123456789012345678901234567890, "neg": -9007199254740993, "f": 1.50, "u": "\\u00e9 😀", "n": [null, true, {"x": 1e400}]}',
    ]);
    await writer.query('INSERT INTO types (id) VALUES (2)');
    await writer.query(
      `INSERT INTO types (id, f, d, dte, dtm, ts0, t6, bi, b64, j) VALUES
        (3, 3.40282e38, 1e300, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '-00:00:00.5', 9007199254740993, b'0', '"scalar"'),
        (4, 16777217, -0.0, '2020-00-05', '2020-05-00 01:02:03', '1970-01-01 05:30:01', '838:59:59.999999', -9007199254740991, b'10', '1.50')`,
    );
    await writer.query("SET time_zone = '-08:00'");
    await writer.query("UPDATE types SET ts6 = '2024-11-03 01:30:00.5', dec2 = -0.01, vc = 'v2', bl = '' WHERE id = 1");
  } finally {
    await writer.end();
  }

  const columns = (await describeTable(db.driver, ref('types')))!.columns;
  const select = async (id: number) =>
    decodeSelectedRow((await db.query(`SELECT ${canonicalSelectList(columns)} FROM types WHERE id = ?`, [id]))[0]!, columns);
  const rowsAfterWrites = new Map<number, unknown>();
  for (const id of [1, 2, 3, 4]) rowsAfterWrites.set(id, await select(id));

  const s = await opened('types');
  const changes = await drain(s);
  assert.deepEqual(changes.map((c) => c.operation), ['INSERT', 'UPDATE', 'INSERT', 'INSERT', 'INSERT', 'UPDATE']);
  // Final state of every row, and the chain of images: each before equals the previous after.
  const lastAfter = new Map<number, unknown>();
  for (const c of changes) {
    const id = (c.after ?? c.before)!.id as number;
    if (c.before) assert.deepEqual(c.before, lastAfter.get(id), `before image of row ${id}`);
    lastAfter.set(id, c.after);
  }
  for (const [id, row] of rowsAfterWrites) assert.deepEqual(lastAfter.get(id), row, `row ${id}`);

  await db.exec('DELETE FROM types WHERE id IN (1, 2)');
  const deletes = await drain(s);
  await s.close();
  assert.deepEqual(deletes.map((c) => [c.operation, c.before, c.after]), [
    ['DELETE', rowsAfterWrites.get(1), null],
    ['DELETE', rowsAfterWrites.get(2), null],
  ]);

  // Spot checks of the canonical forms themselves.
  const r1 = lastAfter.get(1) as Record<string, unknown>;
  const r3 = lastAfter.get(3) as Record<string, unknown>;
  const r4 = lastAfter.get(4) as Record<string, unknown>;
  assert.equal(r1.bu, '18446744073709551615');
  assert.equal(r1.bi, '-9223372036854775808');
  assert.equal(r1.b64, '18446744073709551615');
  assert.equal(r1.dec1, '-123456789012345678901234567890.0123456789');
  assert.equal(r1.dec2, '-0.01');
  assert.equal(r1.f, 1.1);
  assert.equal(r1.d, 0.30000000000000004);
  assert.equal(r1.flag, 1);
  assert.equal(r1.bin, 'AP+AAA==');
  assert.equal(r1.vb, 'AID/AA==');
  assert.equal(r1.bl, '');
  assert.equal(r1.c, 'pad');
  assert.equal(r1.dtm6, '9999-12-31T23:59:59.999999');
  assert.equal(r1.dtm3, '2024-01-02T03:04:05.678');
  assert.equal(r1.ts0, '2024-03-01T07:04:56Z');
  assert.equal(r1.ts6, '2024-11-03T09:30:00.500000Z');
  assert.equal(r1.t6, '12:34:56.000001');
  assert.deepEqual(r1.j, { big: '123456789012345678901234567890', neg: '-9007199254740993', f: 1.5, u: 'é 😀', n: [null, true, { x: '1e400' }] });
  assert.equal(r1.pt, 'POINT(1.5 -2.25)');
  assert.equal((changes[0]!.after as Record<string, unknown>).bl, Buffer.from(Array.from({ length: 300 }, (_, k) => k % 256)).toString('base64'));
  assert.deepEqual(lastAfter.get(2), Object.fromEntries(columns.map((c) => [c.name, c.name === 'id' ? 2 : null])));
  assert.equal(r3.ts0, '0000-00-00 00:00:00');
  assert.equal(r3.dtm, '0000-00-00 00:00:00');
  assert.equal(r3.dte, '0000-00-00');
  assert.equal(r3.bi, '9007199254740993');
  assert.equal(r3.j, 'scalar');
  assert.equal(r4.ts0, '1970-01-01T00:00:01Z');
  assert.equal(r4.dtm, '2020-05-00 01:02:03');
  assert.equal(r4.d, 0);
  assert.equal(r4.j, 1.5);
});
