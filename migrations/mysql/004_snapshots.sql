-- Progress of each table's initial snapshot (`cdc snapshot`, docs/snapshots.md). One row per table;
-- a chunk's SNAPSHOT rows and the advance of last_key commit in one transaction, so an interrupted
-- snapshot resumes exactly after the last chunk it emitted. Kept after the snapshot finished: `done`
-- is how `cdc run` knows not to snapshot a table again.
--
--   last_key  JSON text: the key of the last row covered so far, one string per key column.
CREATE TABLE IF NOT EXISTS cdc_snapshots (
  table_name    VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  state         VARCHAR(16) CHARACTER SET ascii NOT NULL,
  last_key      LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  rows_done     BIGINT UNSIGNED NOT NULL DEFAULT 0,
  rows_estimate BIGINT UNSIGNED NOT NULL DEFAULT 0,
  chunks        INT UNSIGNED NOT NULL DEFAULT 0,
  started_at    DATETIME(6) NOT NULL,
  updated_at    DATETIME(6) NOT NULL,
  finished_at   DATETIME(6) NULL,
  PRIMARY KEY (table_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
