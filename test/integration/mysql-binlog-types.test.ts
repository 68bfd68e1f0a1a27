import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CapturedChange } from '../../src/core/change-event.js';
import type { ChangeSource } from '../../src/core/change-source.js';
import { openMysql, type MysqlSourceDatabase } from '../../adapters/mysql/index.js';
import { describeTable } from '../../adapters/mysql/introspect.js';
import { canonicalSelectList, decodeSelectedRow } from '../../adapters/mysql/types/select-decoder.js';
import { createTestDatabase, recordingLogger, type MysqlTestDatabase } from '../helpers/mysql.js';

/**
 * Type fidelity of binlog capture (SPEC "Type fidelity"): two tables with every common type, one
 * captured by triggers and one from the binlog, get the same writes (non-UTC writer zones, a lax
 * sql_mode for zero dates). The binlog images must equal the trigger images, and both the row read
 * back with a plain SELECT.
 */

let db: MysqlTestDatabase;
let cdc: MysqlSourceDatabase;
const ref = (name: string) => ({ schema: db.name, name });

const COLUMNS = `(
  id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, i INT, iu INT UNSIGNED,
  bi BIGINT, bu BIGINT UNSIGNED, flag BOOLEAN, yr YEAR,
  dec1 DECIMAL(40,10), dec2 DECIMAL(5,2), num NUMERIC(10,0),
  f FLOAT, d DOUBLE, f73 FLOAT(7,3), d102 DOUBLE(10,2),
  b1 BIT(1), b64 BIT(64),
  c CHAR(10), vc VARCHAR(100), tx TEXT, latin VARCHAR(20) CHARACTER SET latin1, e ENUM('a','b c'), st SET('x','y','z'),
  bin BINARY(4), vb VARBINARY(20), bl BLOB,
  dte DATE, t0 TIME, t6 TIME(6), dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6),
  ts0 TIMESTAMP NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL,
  j JSON, pt POINT NULL, ls LINESTRING NULL, pg POLYGON NULL, mpt MULTIPOINT NULL, mls MULTILINESTRING NULL, mpg MULTIPOLYGON NULL,
  ip INET6 NULL
)`;

/** The same writes on either table; `t` is the table name. */
async function writeAll(t: string): Promise<void> {
  const writer = await db.connection();
  try {
    await writer.query("SET time_zone = '+05:30', sql_mode = ''");
    await writer.query(
      `INSERT INTO ${t} VALUES (1, -128, 255, -32768, -8388608, -2147483648, 4294967295,
        -9223372036854775808, 18446744073709551615, TRUE, 2155,
        '-123456789012345678901234567890.0123456789', 12.5, 9999999999,
        1.1, 0.1e0 + 0.2e0, 1234.5625, 1.005,
        b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
        'pad  ', ?, ?, 'Ärger', 'b c', 'x,z',
        X'00FF8000', X'0080FF00', ?,
        '2024-02-29', '-838:59:59', '12:34:56.000001', '1000-01-01 00:00:00', '2024-01-02 03:04:05.678', '9999-12-31 23:59:59.999999',
        '2024-03-01 12:34:56', '2024-03-01 12:34:56.123456',
        ?, ST_GeomFromText('POINT(1.5 -2.25)'), ST_GeomFromText('LINESTRING(0.0000001 123456789.123456789, 1e15 1e20)'),
        ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0),(0.1 0.1,0.2 0.1,0.2 0.2,0.1 0.1))'), ST_GeomFromText('MULTIPOINT(1 1,2 2)'),
        ST_GeomFromText('MULTILINESTRING((0 0,1 1),(2 2,3 3))'), ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))'),
        '2001:db8::1')`,
      [
        `it's "quoted" \\ back – ü 🎉`,
        'line1\nline2\ttab\u0000nul',
        Buffer.from(Array.from({ length: 300 }, (_, k) => k % 256)),
        '{"big": 123456789012345678901234567890, "f": 1.50}',
      ],
    );
    await writer.query(`UPDATE ${t} SET j = ? WHERE id = 1`, [
      '{"big": 123456789012345678901234567890, "neg": -9007199254740993, "f": 1.50, "u": "\\u00e9 😀", "n": [null, true, {"x": 1e400}]}',
    ]);
    await writer.query(`INSERT INTO ${t} (id) VALUES (2)`);
    await writer.query(
      `INSERT INTO ${t} (id, f, d, f73, dte, dtm, ts0, t6, bi, b64, j, yr) VALUES
        (3, 3.40282e38, 1e300, 0.0625, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '-00:00:00.5', 9007199254740993, b'0', '"scalar"', 0),
        (4, 16777217, -0.0, -1.0005, '2020-00-05', '2020-05-00 01:02:03', '1970-01-01 05:30:01', '838:59:59.999999', -9007199254740991, b'10', '1.50', 1901),
        (5, 1234565, 1234567890123456, 99.9995, NULL, NULL, NULL, NULL, NULL, NULL, '[]', NULL)`,
    );
    await writer.query("SET time_zone = '-08:00'");
    await writer.query(`UPDATE ${t} SET ts6 = '2024-11-03 01:30:00.5', dec2 = -0.01, vc = 'v2', bl = '', f = 0.125 WHERE id = 1`);
    await writer.query(`DELETE FROM ${t} WHERE id IN (2, 5)`);
  } finally {
    await writer.end();
  }
}

async function readUntil(source: ChangeSource, count: number, timeoutMs = 20_000): Promise<CapturedChange[]> {
  const out: CapturedChange[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const batch = await source.read(1000);
    if (batch.changes.length === 0) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    out.push(...batch.changes);
    await source.ack(batch.ack);
  }
  return out;
}

before(async () => {
  db = await createTestDatabase();
  cdc = await openMysql(db.url, { ackWaitMs: 100 });
});

after(async () => {
  await cdc?.close();
  await db?.drop();
});

test('binlog images equal trigger images and the SELECT-decoded rows, for every common type', async () => {
  await db.exec(`CREATE TABLE types_t ${COLUMNS}`);
  await db.exec(`CREATE TABLE types_b ${COLUMNS}`);
  await cdc.install(ref('types_t'), {});
  await cdc.install(ref('types_b'), {});
  assert.equal((await cdc.upgrade(ref('types_b'), 'binlog')).state, 'done', 'idle table with an empty log switches at once');

  const logger = recordingLogger();
  const trigger = cdc.openSource(ref('types_t'), { logger });
  const binlog = cdc.openSource(ref('types_b'), { logger });
  await trigger.open();
  await binlog.open();
  assert.equal(binlog.mode, 'binlog');
  try {
    await writeAll('types_t');
    await writeAll('types_b');
    const expected = ['INSERT', 'UPDATE', 'INSERT', 'INSERT', 'INSERT', 'INSERT', 'UPDATE', 'DELETE', 'DELETE'];
    const fromTrigger = await readUntil(trigger, expected.length);
    const fromBinlog = await readUntil(binlog, expected.length);
    assert.deepEqual(fromTrigger.map((c) => c.operation), expected);
    assert.deepEqual(fromBinlog.map((c) => c.operation), expected);
    for (let k = 0; k < expected.length; k++) {
      const [t, b] = [fromTrigger[k]!, fromBinlog[k]!];
      assert.deepEqual(b.before, t.before, `before image of change ${k}`);
      assert.deepEqual(b.after, t.after, `after image of change ${k}`);
      assert.deepEqual(b.primaryKey, t.primaryKey);
    }
    const columns = (await describeTable(db.driver, ref('types_b')))!.columns;
    for (const id of [1, 3, 4]) {
      const [row] = await db.query(`SELECT ${canonicalSelectList(columns)} FROM types_b WHERE id = ?`, [id]);
      const last = fromBinlog.filter((c) => c.after?.id === id).at(-1)!;
      assert.deepEqual(last.after, decodeSelectedRow(row!, columns), `row ${id} read back`);
    }
    const r1 = fromBinlog[6]!.after!;
    assert.equal(r1.f, 0.125);
    assert.equal(r1.ts6, '2024-11-03T09:30:00.500000Z');
    assert.equal(r1.mpt, 'MULTIPOINT(1 1,2 2)');
    assert.equal(r1.ls, 'LINESTRING(0.0000001 123456789.12345679,1e15 1e20)');
    assert.equal(r1.ip, '2001:db8::1');
    assert.equal(fromBinlog[3]!.after!.yr, 0, 'YEAR 0000');
    assert.match(fromBinlog[0]!.transactionId ?? '', /^\d+-\d+-\d+$/, 'MariaDB GTID as transaction id');
  } finally {
    await trigger.close();
    await binlog.close();
  }
});
