-- Capture-mode switches (trigger <-> binlog) that `cdc upgrade` requested and a running `cdc run`
-- performs at an exact boundary (docs/mysql-binlog.md, "Switching modes"). One row per table while
-- a switch is pending; the row is deleted in the same transaction that completes the switch.
-- A new table rather than new columns of cdc_captured_tables: MySQL 8 has no
-- ADD COLUMN IF NOT EXISTS, and every statement here must be safe to run again after a crash.
--
--   target    'binlog' | 'trigger'
--   phase     to binlog:  requested -> cleanup (mode already 'binlog'; triggers and log to drop)
--             to trigger: installing -> installed -> boundary (binlog coordinate in `boundary`)
CREATE TABLE IF NOT EXISTS cdc_mode_switches (
  table_name   VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  target       VARCHAR(16) CHARACTER SET ascii NOT NULL,
  phase        VARCHAR(16) CHARACTER SET ascii NOT NULL,
  boundary     TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  requested_at DATETIME(6) NOT NULL,
  updated_at   DATETIME(6) NOT NULL,
  PRIMARY KEY (table_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
