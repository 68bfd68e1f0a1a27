import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserInputError } from '../../src/core/errors.js';
import { checkBinlogSettings, checkBinlogTable, missingReplicationPrivileges, type BinlogSettings } from '../../adapters/mysql/binlog/settings.js';
import type { ColumnInfo, TableInfo } from '../../adapters/mysql/introspect.js';

/** A fake settings reader: what SHOW GLOBAL VARIABLES / SHOW GRANTS would say, without touching the shared server. */
const ok: BinlogSettings = {
  mariadb: true,
  logBin: true,
  format: 'ROW',
  rowImage: 'FULL',
  rowMetadata: 'NO_LOG',
  rowValueOptions: null,
  transactionCompression: null,
  grants: ['GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `cdc`@`%`'],
};

function refused(s: Partial<BinlogSettings>, message: RegExp): void {
  assert.throws(
    () => checkBinlogSettings({ ...ok, ...s }),
    (err: Error) => {
      assert.ok(err instanceof UserInputError, err.name);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('binlog settings: each wrong setting is named with its fix', () => {
  checkBinlogSettings(ok);
  checkBinlogSettings({ ...ok, mariadb: false, rowMetadata: 'MINIMAL', rowValueOptions: '', transactionCompression: 'OFF' });
  refused({ logBin: false }, /log_bin is OFF/);
  refused({ format: 'STATEMENT' }, /binlog_format=ROW, and the server has STATEMENT/);
  refused({ format: 'MIXED' }, /binlog_format=ROW, and the server has MIXED/);
  refused({ rowImage: 'MINIMAL' }, /binlog_row_image=FULL .* has MINIMAL/);
  refused({ rowImage: 'NOBLOB' }, /binlog_row_image=FULL/);
  refused({ rowValueOptions: 'PARTIAL_JSON' }, /PARTIAL_JSON/);
  refused({ transactionCompression: 'ON' }, /binlog_transaction_compression=OFF/);
  refused({ grants: ['GRANT SELECT, INSERT ON *.* TO `cdc`@`%`'] }, /lacks REPLICATION SLAVE and REPLICATION CLIENT.*BINLOG MONITOR/);
  refused({ mariadb: false, grants: ['GRANT REPLICATION SLAVE ON *.* TO `cdc`@`%`'] }, /lacks REPLICATION CLIENT: GRANT REPLICATION SLAVE, REPLICATION CLIENT/);
});

test('replication privileges from SHOW GRANTS', () => {
  const cases: [string[], string[]][] = [
    [['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION'], []],
    [["GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'cdc'@'%'"], []],
    [['GRANT SUPER, REPLICATION SLAVE ON *.* TO `cdc`@`%`'], []],
    [['GRANT USAGE ON *.* TO `cdc`@`%`', 'GRANT ALL PRIVILEGES ON `shop`.* TO `cdc`@`%`'], ['REPLICATION SLAVE', 'REPLICATION CLIENT']],
    [['GRANT BINLOG MONITOR ON *.* TO `cdc`@`%`'], ['REPLICATION SLAVE']],
    // Roles may carry the privileges: the check steps aside.
    [['GRANT USAGE ON *.* TO `cdc`@`%`', 'GRANT `replicator` TO `cdc`@`%`'], []],
  ];
  for (const [grants, missing] of cases) assert.deepEqual(missingReplicationPrivileges(grants), missing, grants.join(' / '));
});

const column = (name: string, dataType: string, columnType = dataType): ColumnInfo => ({
  name,
  dataType,
  columnType,
  kind: 'text',
  fsp: 0,
  numericScale: null,
});
const tableOf = (columns: ColumnInfo[], engine = 'InnoDB'): TableInfo => ({
  table: { schema: 'shop', name: 't' },
  tableType: 'BASE TABLE',
  engine,
  columns,
  primaryKey: ['id'],
});

test('per-table checks: InnoDB, no generic GEOMETRY, ENUM labels zongji can split', () => {
  checkBinlogTable('shop.t', tableOf([column('id', 'int'), column('p', 'point'), column('e', 'enum', "enum('a','b c')")]), ok);
  const cases: [TableInfo, Partial<BinlogSettings>, RegExp][] = [
    [tableOf([column('id', 'int')], 'MyISAM'), {}, /needs an InnoDB table \(it is MyISAM\)/],
    [tableOf([column('g', 'geometry')]), {}, /"g" .* is GEOMETRY/],
    [tableOf([column('g', 'geometrycollection')]), {}, /GEOMETRYCOLLECTION/],
    [tableOf([column('e', 'enum', "enum('a,b','c')")]), {}, /ENUM labels with commas or quotes/],
    [tableOf([column('s', 'set', "set('it''s','x')")]), {}, /SET labels/],
    [tableOf([column('u', 'uuid')]), { rowMetadata: 'FULL' }, /UUID/],
  ];
  for (const [info, settings, message] of cases) {
    assert.throws(() => checkBinlogTable('shop.t', info, { ...ok, ...settings }), message);
  }
  // With the labels in the binlog itself, any label decodes.
  checkBinlogTable('shop.t', tableOf([column('e', 'enum', "enum('a,b','c')")]), { ...ok, rowMetadata: 'FULL' });
});
