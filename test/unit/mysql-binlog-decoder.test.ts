import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gcvtDouble, roundDecimals, roundSignificant } from '../../adapters/mysql/binlog/server-numbers.js';
import { geometryToWkt } from '../../adapters/mysql/binlog/wkt.js';
import { decodeBinlogRow, type BinlogColumn } from '../../adapters/mysql/types/binlog-decoder.js';
import type { ColumnKind } from '../../adapters/mysql/types/canonical.js';

const f32 = Math.fround;

test('FLOAT prints like the server: 6 significant digits, ties to even (values measured on MariaDB 10.11)', () => {
  const cases: [number, number][] = [
    [f32(1.1), 1.1],
    [f32(16777217), 16777200],
    [f32(1234565), 1234560],
    [f32(1234575), 1234580],
    [f32(0.1234565), 0.123457],
    [f32(1e-40), 9.99995e-41],
    [f32(123456789), 123457000],
    [f32(3.40282e38), 3.40282e38],
    [-f32(1.1), -1.1],
    [-0, 0],
  ];
  for (const [binary, printed] of cases) assert.equal(roundSignificant(binary, 6), printed, String(binary));
});

test('FLOAT(M,D)/DOUBLE(M,D) print exactly D decimals, ties to even', () => {
  const cases: [number, number, number][] = [
    [f32(0.125), 2, 0.12],
    [f32(0.375), 2, 0.38],
    [f32(-0.125), 2, -0.12],
    [f32(1.005), 2, 1],
    [f32(12345.678), 3, 12345.678],
    [1.005, 2, 1],
    [2.5, 0, 2],
  ];
  for (const [binary, decimals, printed] of cases) assert.equal(roundDecimals(binary, decimals), printed, `${binary} (${decimals})`);
});

test('WKT numbers as ST_AsText prints them (MariaDB 10.11)', () => {
  const cases: [number, string][] = [
    [0.30000000000000004, '0.30000000000000004'],
    [1e20, '1e20'],
    [1e-7, '0.0000001'],
    // eslint-disable-next-line no-loss-of-precision -- the rounding is what this case checks
    [123456789.123456789, '123456789.12345679'],
    [1e15, '1e15'],
    // eslint-disable-next-line no-loss-of-precision -- the rounding is what this case checks
    [123456789012345678, '1.2345678901234568e17'],
    [-0, '0'],
    [-2.25, '-2.25'],
    [100, '100'],
  ];
  for (const [x, text] of cases) assert.equal(gcvtDouble(x), text);
  const p = (x: number, y: number) => ({ x, y });
  assert.equal(geometryToWkt('point', p(1.5, -2.25), true), 'POINT(1.5 -2.25)');
  assert.equal(geometryToWkt('linestring', [p(0, 0), p(1, 1)], true), 'LINESTRING(0 0,1 1)');
  assert.equal(geometryToWkt('polygon', [[p(0, 0), p(1, 0), p(0, 0)]], true), 'POLYGON((0 0,1 0,0 0))');
  assert.equal(geometryToWkt('multipoint', [p(1, 1), p(2, 2)], true), 'MULTIPOINT(1 1,2 2)');
  assert.equal(geometryToWkt('multipoint', [p(1, 1), p(2, 2)], false), 'MULTIPOINT((1 1),(2 2))');
  assert.equal(geometryToWkt('multipolygon', [[[p(0, 0), p(1, 0), p(0, 0)]]], true), 'MULTIPOLYGON(((0 0,1 0,0 0)))');
  assert.equal(geometryToWkt('geometry', p(3, 4), true), 'POINT(3 4)');
  assert.throws(() => geometryToWkt('geometry', [p(1, 1)], true), /cannot be told apart/);
});

const col = (name: string, kind: ColumnKind, dataType: string, numericScale: number | null = null): BinlogColumn => ({
  name,
  kind,
  dataType,
  fsp: 0,
  numericScale,
});

test('zongji values → canonical values', () => {
  const cols = new Map(
    [
      col('yr', 'int', 'year'),
      col('i', 'int', 'int'),
      col('big', 'bigint', 'bigint'),
      col('b', 'bit', 'bit'),
      col('d', 'decimal', 'decimal', 2),
      col('f', 'float', 'float'),
      col('dbl', 'float', 'double'),
      col('bin', 'binary', 'varbinary'),
      col('dt', 'datetime', 'datetime'),
      col('zero', 'datetime', 'datetime'),
      col('ts', 'timestamp', 'timestamp'),
      col('j', 'json', 'longtext'),
      col('t', 'time', 'time'),
      col('pt', 'geometry', 'point'),
      col('n', 'text', 'varchar'),
    ].map((c) => [c.name, c]),
  );
  const row = decodeBinlogRow(
    {
      yr: 1900,
      i: -5,
      big: '18446744073709551615',
      b: Buffer.from([0x02, 0xaa]),
      d: '12.50',
      f: f32(1.1),
      dbl: -0,
      bin: Buffer.from([0, 255]),
      dt: '2024-01-02 03:04:05.000001',
      zero: '0000-00-00 00:00:00',
      ts: '2024-03-01 07:04:56.123456',
      j: '{"a": 1.50, "big": 123456789012345678901}',
      t: '-00:00:00.500000',
      pt: { x: 1.5, y: -2.25 },
      n: null,
    },
    cols,
    true,
  );
  assert.deepEqual(row, {
    yr: 0,
    i: -5,
    big: '18446744073709551615',
    b: 682,
    d: '12.50',
    f: 1.1,
    dbl: 0,
    bin: 'AP8=',
    dt: '2024-01-02T03:04:05.000001',
    zero: '0000-00-00 00:00:00',
    ts: '2024-03-01T07:04:56.123456Z',
    j: { a: 1.5, big: '123456789012345678901' },
    t: '-00:00:00.500000',
    pt: 'POINT(1.5 -2.25)',
    n: null,
  });
  assert.throws(() => decodeBinlogRow({ nope: 1 }, cols, true), /column "nope" the table does not have/);
});
