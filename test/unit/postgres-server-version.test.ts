import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UserInputError } from '../../src/core/errors.js';
import { assertSupportedServer, legacySql } from '../../adapters/postgres/server-version.js';

describe('postgres server versions: SQL for 10–12', () => {
  const cases: [string, string, string][] = [
    ['column default', 'txid xid8 NOT NULL DEFAULT pg_current_xact_id(),', 'txid bigint NOT NULL DEFAULT txid_current(),'],
    ['snapshot', 'SELECT pg_current_snapshot()::text AS s', 'SELECT txid_current_snapshot()::text AS s'],
    [
      'visibility with casts',
      'AND pg_visible_in_snapshot(l.txid, $2::pg_snapshot) AND ($3::pg_snapshot IS NULL)',
      'AND txid_visible_in_snapshot(l.txid, $2::txid_snapshot) AND ($3::txid_snapshot IS NULL)',
    ],
    ['xmax', 'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x', 'SELECT txid_snapshot_xmax(txid_current_snapshot())::text AS x'],
    ['trigger', 'FOR EACH ROW EXECUTE FUNCTION cdc.f();', 'FOR EACH ROW EXECUTE PROCEDURE cdc.f();'],
    [
      'storage parameter of 13+',
      ') WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.05);',
      ') WITH (autovacuum_vacuum_scale_factor = 0.01);',
    ],
    // Quoted identifiers that merely contain the words are user names, never respelled.
    ['quoted names untouched', 'SELECT "pg_current_snapshot", "xid8", "pg_current_snapshot()" FROM "xid8 NOT NULL"', 'SELECT "pg_current_snapshot", "xid8", "pg_current_snapshot()" FROM "xid8 NOT NULL"'],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.equal(legacySql(input), expected));

  it('respells the real install template so that nothing of 13+ is left', async () => {
    const { sqlTemplate } = await import('../../adapters/postgres/sql-files.js');
    const out = legacySql(sqlTemplate('install-table.sql'));
    assert.doesNotMatch(out, /xid8|pg_current_xact_id|EXECUTE FUNCTION|insert_scale_factor/);
    assert.match(out, /txid +bigint NOT NULL DEFAULT txid_current\(\)/);
  });
});

describe('postgres server versions: refusal', () => {
  it('9.6 is refused with one line naming the version and the minimum', () => {
    assert.throws(
      () => assertSupportedServer({ num: 90624, text: '9.6.24' }),
      (err: Error) => err instanceof UserInputError && /^PostgreSQL 9\.6\.24 is not supported: cdc needs PostgreSQL 10 or later/.test(err.message) && !err.message.includes('\n'),
    );
  });
  it('10 is accepted', () => assert.doesNotThrow(() => assertSupportedServer({ num: 100023, text: '10.23' })));
});
