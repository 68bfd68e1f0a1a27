-- The change log of one captured table, created by `cdc install-triggers` in cdc's state database
-- (`cdc_<db>`), where the application's users have no grants (docs/security.md).
-- Placeholders (filled with backtick-quoted identifiers only):
--   {{log_table}}  `cdc_<db>`.`cdc_log_<sanitized>_<hash>`
--
-- It holds only changes not yet acknowledged by the sink: the reader deletes exactly the rows it
-- delivered (adapters/mysql/trigger/ack-query.ts), so it stays small and ids stay dense.
-- Images are LONGTEXT holding JSON_OBJECT text, not JSON: MySQL 8's JSON type would re-encode
-- every row on insert and MariaDB's adds a json_valid() check, for no benefit to the reader.
-- trx_id is NULL: neither server exposes the current transaction id cheaply and correctly to a
-- trigger (docs/mysql-trigger.md, "Transaction ids"); the column keeps the format stable.
CREATE TABLE IF NOT EXISTS {{log_table}} (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  op           CHAR(1) CHARACTER SET ascii NOT NULL,
  trx_id       VARCHAR(32) CHARACTER SET ascii NULL,
  changed_at   DATETIME(6) NOT NULL,
  before_image LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  after_image  LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB COMMENT='cdc change log; managed by cdc install-triggers / uninstall-triggers'
