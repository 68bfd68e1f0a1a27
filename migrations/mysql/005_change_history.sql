-- Retained change-log history for replay (docs/replay.md, "From the change history"). DDL commits
-- implicitly, so every statement is idempotent (IF NOT EXISTS). Nothing here is used unless a
-- table is given a retention (`cdc install-triggers --retain 7d`): without it the ack deletes as before.

-- Per table: how long acknowledged changes are kept, and since when the running source has kept
-- them (set by the first `cdc run` that honoured the setting; NULL until then). A table of its own
-- rather than columns of cdc_captured_tables: MySQL 8 has no ADD COLUMN IF NOT EXISTS.
CREATE TABLE IF NOT EXISTS cdc_history_settings (
  table_name     VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  retain_seconds INT UNSIGNED NOT NULL,
  history_since  DATETIME(6) NULL,
  PRIMARY KEY (table_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The acknowledged change-log rows of tables with retention, copied here by the ack in the same
-- transaction that deletes them from the log (adapters/mysql/trigger/ack-query.ts), with what their
-- events carried: change ids are `<generation>:<log_id>` (event_id derives from them), and
-- sequence_number / schema_version are the delivered ones. Column types match the log table's, so
-- a row reads back exactly as the log row did. The primary key is the replay order; the changed_at
-- index serves the replay window and the pruner.
CREATE TABLE IF NOT EXISTS cdc_change_history (
  table_name      VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  sequence_number DECIMAL(20) NOT NULL,
  generation      CHAR(36) CHARACTER SET ascii NOT NULL,
  log_id          BIGINT UNSIGNED NOT NULL,
  op              CHAR(1) CHARACTER SET ascii NOT NULL,
  trx_id          VARCHAR(32) CHARACTER SET ascii NULL,
  changed_at      DATETIME(6) NOT NULL,
  before_image    LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  after_image     LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  schema_version  INT UNSIGNED NOT NULL,
  acked_at        DATETIME(6) NOT NULL,
  PRIMARY KEY (table_name, sequence_number),
  KEY cdc_change_history_changed_at (table_name, changed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
