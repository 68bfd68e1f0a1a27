-- WAL capture and live switches between capture modes (adapters/postgres/wal, adapters/postgres/upgrade).
-- Forward-only; every column is NULL for a table that never left trigger mode, so 001's readers
-- keep working unchanged.
ALTER TABLE cdc.captured_tables
  -- The mode `cdc upgrade` asked for; the running source clears it when it switched at the boundary.
  ADD COLUMN pending_mode    text CHECK (pending_mode IN ('trigger', 'wal')),
  -- The table's replication slot and publication, while they exist: from `cdc upgrade --to wal`
  -- until the table is back in trigger mode and they were dropped (a crash in between leaves
  -- the names here, so the next open drops them instead of leaking a slot that retains WAL).
  ADD COLUMN wal_slot        text,
  ADD COLUMN wal_publication text,
  -- JSON, adapter-owned: where the WAL source starts and which transactions the trigger log
  -- already delivered (set when the table switched to wal).
  ADD COLUMN wal_boundary    text,
  -- JSON, adapter-owned: the boundary data of the pending switch (exported snapshot, or marker).
  ADD COLUMN switch_request  text;
