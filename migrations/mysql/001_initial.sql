-- cdc's own state, kept in the user's database (legacy users often may not create databases).
--
-- MySQL and MariaDB commit DDL implicitly, so a migration cannot roll back: the runner applies
-- each statement on its own and records the version only after the last one succeeded. Every
-- statement must therefore be safe to run again after a crash half-way (IF NOT EXISTS).
--
-- Keys hold `db.table` (qualifiedName): at most 64 + 1 + 64 characters. VARCHAR(191) in utf8mb4
-- is 764 bytes, inside even the 767-byte index limit of old COMPACT row formats. utf8mb4_bin,
-- because table names are case-sensitive on Linux: `Users` and `users` are two tables.

CREATE TABLE IF NOT EXISTS cdc_captured_tables (
  table_name        VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  db                VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  relation          VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  key_columns       TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  log_table         VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  -- New on every (re)creation of the log table: change ids are `${generation}:${log id}`, so ids
  -- that restart after an uninstall never repeat an event_id.
  generation        CHAR(36) CHARACTER SET ascii NOT NULL,
  mode              VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'trigger',
  schema_version    INT UNSIGNED NOT NULL DEFAULT 1,
  columns_signature CHAR(40) CHARACTER SET ascii NOT NULL,
  installed_at      DATETIME(6) NOT NULL,
  PRIMARY KEY (table_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per table ever captured or numbered. `seq_reserved` backs the SequenceStore and is
-- kept by uninstall, so sequence numbers never go backwards for consumers of a table.
CREATE TABLE IF NOT EXISTS cdc_checkpoints (
  table_name   VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  mode         VARCHAR(16) CHARACTER SET ascii NULL,
  position     TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  seq_reserved DECIMAL(20) NOT NULL DEFAULT 0,
  updated_at   DATETIME(6) NULL,
  PRIMARY KEY (table_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
