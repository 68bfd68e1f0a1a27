-- History of each captured table's columns, one row per schema_version (issue #5, schema tracking).
-- Written in the transaction that sets or bumps cdc_captured_tables.schema_version
-- (adapters/mysql/schema-history.ts). DDL commits implicitly, so the statement is idempotent.
-- Tables installed before this migration get their first row at their next bump.
--
--   columns  JSON text: [{"name": …, "type": COLUMN_TYPE, "nullable": …}] in column order.
--            LONGTEXT rather than JSON: MariaDB's JSON is LONGTEXT anyway, and MySQL 5.7/8 agree on it.
CREATE TABLE IF NOT EXISTS cdc_schema_versions (
  table_name  VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  version     INT UNSIGNED NOT NULL,
  columns     LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  recorded_at DATETIME(6) NOT NULL,
  PRIMARY KEY (table_name, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
