import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toChangeEvent } from '../../src/core/change-event.js';
import { getOwn, pickColumns, rowFromEntries } from '../../src/core/row.js';
import { encodeNative } from '../../src/format/native.js';
import { debeziumEncoder } from '../../src/format/debezium/index.js';

const encodeDebezium = debeziumEncoder();
import { toCapturedChange as pgChange } from '../../adapters/postgres/trigger/rows.js';
import { decodeJsonbImage } from '../../adapters/postgres/types/jsonb-decoder.js';
import { toCapturedChange as mysqlChange } from '../../adapters/mysql/trigger/read-query.js';
import { decodeSelectedRow } from '../../adapters/mysql/types/select-decoder.js';
import { compileTransform } from '../../src/transform/compile.js';

/**
 * Issue 11 item 1: a key column named "__proto__" gave `primary_key: {}` (key[k] = v on a plain
 * object sets the prototype), and a missing "constructor" column read as Object's constructor.
 * Every name special to JavaScript objects must survive every place rows become objects.
 */
const SPECIAL = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

test('pickColumns keeps every key column as an own property, whatever its name', () => {
  for (const name of SPECIAL) {
    const row = rowFromEntries([[name, 7], ['other', 'x']]);
    const key = pickColumns(row, [name]);
    assert.deepEqual(Object.keys(key), [name], name);
    assert.equal(JSON.stringify(key), `{${JSON.stringify(name)}:7}`, name);
    // A key column the image lacks is null, never an inherited member of Object.prototype.
    assert.equal(JSON.stringify(pickColumns({ other: 1 }, [name])), `{${JSON.stringify(name)}:null}`, name);
    assert.equal(getOwn({}, name), undefined, name);
  }
});

const ctx = { sourceId: 's', tableName: 't.x', mode: 'trigger' as const, sequence: 1n, schemaVersion: 1 };

for (const name of SPECIAL) {
  test(`PostgreSQL trigger row with key column ${name}: complete key in both formats`, () => {
    const types = new Map([[name, { kind: 'int' as const }], ['v', { kind: 'string' as const }]]);
    const image = `{${JSON.stringify(name)}: 42, "v": "a"}`;
    const change = pgChange(
      { id: '1', op: 'I', txid: '9', changed_at: '2024-01-01 00:00:00+00', before: null, after: image } as never,
      { generation: 'g', keyColumns: [name], decode: (text) => decodeJsonbImage(types as never, text) },
    );
    assert.equal(JSON.stringify(change.primaryKey), `{${JSON.stringify(name)}:42}`);
    const event = toChangeEvent(change, ctx);
    const native = encodeNative(event);
    assert.equal(native.key, `{${JSON.stringify(name)}:42}`);
    assert.equal(JSON.parse(native.value.toString()).after_data[name], 42);
    assert.ok(Object.hasOwn(JSON.parse(native.value.toString()).primary_key, name));
    const debezium = JSON.parse(encodeDebezium(event).value.toString());
    assert.ok(Object.hasOwn(debezium.after, name));
  });

  test(`MySQL trigger row with key column ${name}: complete key`, () => {
    const image = `{${JSON.stringify(name)}: 42, "v": "a"}`;
    const change = mysqlChange(
      { id: '1', op: 'U', trx_id: '9', changed_at: '2024-01-01 00:00:00.000000', before_image: image, after_image: image },
      { table: 'd.t', generation: 'g', keyColumns: [name] },
    );
    assert.equal(JSON.stringify(change.primaryKey), `{${JSON.stringify(name)}:42}`);
    assert.equal(JSON.stringify(change.after), `{${JSON.stringify(name)}:42,"v":"a"}`);
  });
}

test('MySQL SELECT rows are read under positional aliases, so no user column names a result column', () => {
  const columns = [{ name: '__proto__', kind: 'int' as const, fsp: 0 }, { name: 'constructor', kind: 'text' as const, fsp: 0 }];
  const row = decodeSelectedRow({ __cdc_c0: 5, __cdc_c1: 'c' }, columns);
  assert.equal(JSON.stringify(row), '{"__proto__":5,"constructor":"c"}');
  assert.throws(() => decodeSelectedRow({}, columns), /missing/);
});

test('transforms keep a "__proto__" column in images and keys', () => {
  const transform = compileTransform('t.x', { columns: { exclude: ['secret'] } } as never)!;
  const change = { operation: 'INSERT' as const, before: null, after: rowFromEntries([['__proto__', 1], ['secret', 2]]), primaryKey: rowFromEntries([['__proto__', 1]]), timestamp: 't', transactionId: null, changeId: 'c', position: 'p' };
  const out = transform(toChangeEvent(change, ctx))!;
  assert.equal(JSON.stringify(out.after_data), '{"__proto__":1}');
  assert.equal(JSON.stringify(out.primary_key), '{"__proto__":1}');
});
