import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_ROWS,
  checkpointAt,
  compareCoords,
  compareFiles,
  compareKeys,
  formatCheckpoint,
  formatKey,
  parseCheckpoint,
  parseCoord,
  parseKey,
} from '../../adapters/mysql/binlog/position.js';
import { bytesBetween } from '../../adapters/mysql/binlog/status.js';

test('binlog files order by their numeric suffix, not as text', () => {
  const cases: [string, string, number][] = [
    ['mariadb-bin.000001', 'mariadb-bin.000002', -1],
    ['mariadb-bin.999999', 'mariadb-bin.1000000', -1],
    ['mariadb-bin.000010', 'mariadb-bin.000009', 1],
    ['bin.000003', 'bin.000003', 0],
  ];
  for (const [a, b, sign] of cases) assert.equal(Math.sign(compareFiles(a, b)), sign, `${a} vs ${b}`);
  assert.ok(compareCoords({ file: 'b.000001', pos: 900 }, { file: 'b.000002', pos: 4 }) < 0);
  assert.ok(compareCoords({ file: 'b.000002', pos: 5 }, { file: 'b.000002', pos: 4 }) > 0);
});

test('change keys: commit offset, then row ordinal; "*" covers every row of a transaction', () => {
  const k = (s: string) => parseKey(s);
  assert.ok(compareKeys(k('b.000001:100:0'), k('b.000001:100:1')) < 0);
  assert.ok(compareKeys(k('b.000001:100:7'), k('b.000001:200:0')) < 0);
  assert.ok(compareKeys(k('b.000001:100:*'), k('b.000001:100:99999')) > 0);
  assert.ok(compareKeys(k('b.000001:100:*'), k('b.000001:101:0')) < 0);
  assert.equal(k('b.000001:100:*').ord, ALL_ROWS);
  for (const s of ['mariadb-bin.000042:1234:3', 'a:b.000001:4:*']) assert.equal(formatKey(parseKey(s)), s);
  assert.deepEqual(parseCoord('host:bin.000001:4'), { file: 'host:bin.000001', pos: 4 });
  assert.throws(() => parseKey('bin.000001:12'), /not a binlog change key/);
});

test('checkpoints round-trip and start at a boundary', () => {
  const c = checkpointAt({ file: 'bin.000007', pos: 4711 }, '2024-01-01T00:00:00.000Z');
  assert.deepEqual(parseCheckpoint(formatCheckpoint(c)), c);
  assert.equal(formatCheckpoint(c), '{"resume":"bin.000007:4711","after":"bin.000007:4711:*","ts":"2024-01-01T00:00:00.000Z"}');
  assert.throws(() => parseCheckpoint('{"last_id":"1"}'), /not a binlog checkpoint/);
});

test('bytes behind count across binlog files', () => {
  const files = [
    { name: 'b.000001', size: 1000 },
    { name: 'b.000002', size: 500 },
    { name: 'b.000003', size: 300 },
  ];
  assert.equal(bytesBetween({ file: 'b.000001', pos: 400 }, { file: 'b.000001', pos: 900 }, files), 500);
  assert.equal(bytesBetween({ file: 'b.000001', pos: 400 }, { file: 'b.000003', pos: 100 }, files), 600 + 500 + 100);
  assert.equal(bytesBetween({ file: 'b.000003', pos: 400 }, { file: 'b.000002', pos: 100 }, files), 0);
});
