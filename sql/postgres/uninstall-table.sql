-- Removes one table's trigger function and change log from schema cdc. CASCADE also removes the
-- triggers if the table was renamed and so escaped uninstall-triggers.sql.
DROP FUNCTION IF EXISTS cdc.{{function}}() CASCADE;
DROP TABLE IF EXISTS cdc.{{log_table}};
