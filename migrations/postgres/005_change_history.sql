-- Retained change-log history for replay (docs/replay.md, "From the change history"). Forward-only;
-- IF NOT EXISTS so a re-run after a crash is harmless. Nothing here is used unless a table is given
-- a retention (`cdc install-triggers --retain 7d`): without it the ack deletes as before.

-- Per table: how long acknowledged changes are kept (NULL: not kept), and since when the running
-- source has kept them (set by the first `cdc run` that honoured the setting; NULL until then).
-- Columns of the registry row, so an uninstall forgets the setting with the table.
ALTER TABLE cdc.captured_tables
  ADD COLUMN IF NOT EXISTS retain_seconds integer CHECK (retain_seconds > 0),
  ADD COLUMN IF NOT EXISTS history_since  timestamptz;

-- The acknowledged change-log rows of tables with retention, moved here by the ack in the same
-- statement that deletes them from the log (adapters/postgres/trigger/ack-query.ts), with what
-- their events carried: change ids are `<generation>:<log_id>` (event_id derives from them), and
-- sequence_number / schema_version are the delivered ones. One table for all captured tables, so
-- no install has to create anything for it. The primary key is the replay order; the changed_at
-- index serves both the replay window and the pruner.
CREATE TABLE IF NOT EXISTS cdc.change_history (
  table_name      text NOT NULL,
  sequence_number numeric(20) NOT NULL,
  generation      uuid NOT NULL,
  log_id          bigint NOT NULL,
  txid            xid8 NOT NULL,
  op              "char" NOT NULL,
  changed_at      timestamptz NOT NULL,
  before          jsonb,
  after           jsonb,
  schema_version  integer NOT NULL,
  acked_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (table_name, sequence_number)
);
CREATE INDEX IF NOT EXISTS change_history_changed_at ON cdc.change_history (table_name, changed_at);
