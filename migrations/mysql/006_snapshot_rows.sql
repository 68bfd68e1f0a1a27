-- Snapshot rows of binlog-captured tables (docs/snapshots.md, "Binlog capture"). A chunk of
-- `cdc snapshot` inserts its rows' images here and deletes them again in the same transaction:
-- the table stays empty, but the binlog carries the inserted rows inside the chunk's commit, in
-- commit order with the writers' changes, and the binlog stream (adapters/mysql/binlog/demux.ts)
-- turns each into a SNAPSHOT change of `table_name`. Nothing ever reads the table itself.
--
--   table_name  the captured table, `schema.table` as in cdc_captured_tables
--   image       the row as the capture trigger would write it (JSON text, trigger/image-expressions.ts)
--
-- The primary key leads with table_name so a chunk deletes its own rows by a range of the
-- clustered index, without locking other tables' concurrent chunks; InnoDB wants the
-- AUTO_INCREMENT column first in some index, hence the second key.
CREATE TABLE IF NOT EXISTS cdc_snapshot_rows (
  table_name VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  image      LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (table_name, id),
  KEY cdc_snapshot_rows_id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
