import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnExpression, imageExpression } from '../../adapters/mysql/trigger/image-expressions.js';
import { installDdl, splitTriggerTemplate } from '../../adapters/mysql/trigger/ddl.js';
import { columnKind, type CanonicalColumn, type ColumnKind } from '../../adapters/mysql/types/canonical.js';

const col = (name: string, kind: ColumnKind, fsp = 0): CanonicalColumn => ({ name, kind, fsp });

test('columnKind maps information_schema DATA_TYPE, with MariaDB JSON via its CHECK', () => {
  const cases: [string, boolean, ColumnKind][] = [
    ['tinyint', false, 'int'],
    ['int', false, 'int'],
    ['year', false, 'int'],
    ['bigint', false, 'bigint'],
    ['bit', false, 'bit'],
    ['decimal', false, 'decimal'],
    ['float', false, 'float'],
    ['double', false, 'float'],
    ['varchar', false, 'text'],
    ['enum', false, 'text'],
    ['set', false, 'text'],
    ['longtext', false, 'text'],
    ['longtext', true, 'json'],
    ['json', false, 'json'],
    ['varbinary', false, 'binary'],
    ['longblob', true, 'binary'],
    ['date', false, 'date'],
    ['time', false, 'time'],
    ['datetime', false, 'datetime'],
    ['timestamp', false, 'timestamp'],
    ['point', false, 'geometry'],
    ['inet6', false, 'other'],
    ['DOUBLE', false, 'float'],
  ];
  for (const [dataType, json, kind] of cases) assert.equal(columnKind(dataType, json), kind, `${dataType}/${json}`);
});

test('column expressions render each kind canonically inside the trigger', () => {
  const cases: [CanonicalColumn, string][] = [
    [col('id', 'int'), 'NEW.`id`'],
    [col('big', 'bigint'), 'NEW.`big`'],
    [col('b', 'bit'), 'NEW.`b` + 0'],
    [col('price', 'decimal'), 'CAST(NEW.`price` AS CHAR)'],
    [col('f', 'float'), 'CAST(NEW.`f` AS CHAR) + 0e0'],
    [col('name', 'text'), 'NEW.`name`'],
    [col('bin', 'binary'), "REPLACE(TO_BASE64(NEW.`bin`), CHAR(10 USING ascii), '')"],
    [col('d', 'date'), 'CAST(NEW.`d` AS CHAR)'],
    [col('t', 'time', 3), 'CAST(NEW.`t` AS CHAR)'],
    [col('g', 'geometry'), 'ST_AsText(NEW.`g`)'],
    [col('j', 'json'), "IF(NEW.`j` IS NULL, NULL, JSON_OBJECT('json', CAST(NEW.`j` AS CHAR)))"],
    [col('u', 'other'), 'CAST(NEW.`u` AS CHAR)'],
    [
      col('dt', 'datetime', 6),
      "IF(SUBSTRING(CAST(NEW.`dt` AS CHAR), 6, 2) = '00' OR SUBSTRING(CAST(NEW.`dt` AS CHAR), 9, 2) = '00', CAST(NEW.`dt` AS CHAR), REPLACE(CAST(NEW.`dt` AS CHAR), ' ', 'T'))",
    ],
  ];
  for (const [c, expected] of cases) assert.equal(columnExpression(c, 'NEW'), expected, c.kind);
});

test('TIMESTAMP goes through UNIX_TIMESTAMP and keeps exactly fsp digits', () => {
  const ts0 = columnExpression(col('ts', 'timestamp', 0), 'OLD');
  const ts3 = columnExpression(col('ts', 'timestamp', 3), 'OLD');
  assert.match(ts0, /UNIX_TIMESTAMP\(OLD\.`ts`\)/);
  assert.match(ts0, /LEFT\(CAST\(DATE_ADD\(.*\), 19\)/);
  assert.match(ts3, /, 23\), ' ', 'T'\), 'Z'\)\)$/);
  assert.match(ts3, /^IF\(LEFT\(CAST\(OLD\.`ts` AS CHAR\), 4\) = '0000', CAST\(OLD\.`ts` AS CHAR\)/);
  assert.doesNotMatch(ts3, /time_zone|CONVERT_TZ|\\/);
});

test('imageExpression is one JSON_OBJECT keyed by column names, hostile names included', () => {
  const cols = [col('id', 'int'), col("it's", 'text'), col('We`ird; DROP TABLE x; --', 'decimal'), col('back\\slash', 'int')];
  assert.equal(
    imageExpression(cols, 'OLD'),
    "JSON_OBJECT('id', OLD.`id`, 'it''s', OLD.`it's`, 'We`ird; DROP TABLE x; --', CAST(OLD.`We``ird; DROP TABLE x; --` AS CHAR), " +
      "CONVERT(X'6261636b5c736c617368' USING utf8mb4), OLD.`back\\slash`)",
  );
  assert.throws(() => imageExpression([], 'NEW'), /at least one column/);
});

test('installDdl renders the log table and three triggers from sql/mysql templates', () => {
  const table = { schema: 'sh op', name: 'We`ird FOR EACH ROW x' };
  const ddl = installDdl(table, [col('id', 'int'), col('v', 'text')], 'cdc_sh op');
  // The change log lives in cdc's state database, out of the application's grants.
  assert.match(ddl.createLogTable, /^CREATE TABLE IF NOT EXISTS `cdc_sh op`\.`cdc_log_we_ird_for_each_row_x_[0-9a-f]{8}` \(/);
  assert.doesNotMatch(ddl.createLogTable, /\{\{|--/);
  assert.deepEqual(
    ddl.triggers.map((t) => t.event),
    ['INSERT', 'UPDATE', 'DELETE'],
  );
  const [ins, upd, del] = ddl.triggers;
  assert.equal(
    ins!.statement('CREATE'),
    `CREATE TRIGGER \`sh op\`.\`${ins!.name}\` AFTER INSERT ON \`sh op\`.\`We\`\`ird FOR EACH ROW x\` FOR EACH ROW\n${ins!.body}`,
  );
  assert.match(upd!.statement('CREATE OR REPLACE'), /^CREATE OR REPLACE TRIGGER /);
  assert.match(ins!.body, /^INSERT INTO `cdc_sh op`\.`cdc_log_[^`]+` \(op, trx_id, changed_at, before_image, after_image\)\nVALUES \('I', NULL, UTC_TIMESTAMP\(6\), NULL, JSON_OBJECT\('id', NEW\.`id`, 'v', NEW\.`v`\)\)$/);
  assert.match(upd!.body, /VALUES \('U', NULL, UTC_TIMESTAMP\(6\), JSON_OBJECT\('id', OLD\.`id`.*\), JSON_OBJECT\('id', NEW\.`id`/);
  assert.match(del!.body, /VALUES \('D', NULL, UTC_TIMESTAMP\(6\), JSON_OBJECT\('id', OLD\.`id`, 'v', OLD\.`v`\), NULL\)$/);
  assert.throws(() => splitTriggerTemplate('CREATE TRIGGER x'), /FOR EACH ROW/);
});
