-- Progress of each table's initial snapshot (`cdc snapshot`, docs/snapshots.md). One row per table;
-- a chunk's SNAPSHOT events and the advance of last_key commit in one transaction, so an interrupted
-- snapshot resumes exactly after the last chunk it emitted. Kept after the snapshot finished: `done`
-- is how `cdc run` knows not to snapshot a table again.
CREATE TABLE IF NOT EXISTS cdc.snapshots (
  table_name    text PRIMARY KEY,
  state         text NOT NULL CHECK (state IN ('running', 'done')),
  -- The key of the last row covered so far, as text per key column (NULL before the first chunk).
  last_key      jsonb,
  rows_done     bigint NOT NULL DEFAULT 0,
  -- reltuples when the snapshot started: a progress estimate, never a bound.
  rows_estimate bigint NOT NULL DEFAULT 0,
  chunks        integer NOT NULL DEFAULT 0,
  started_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
