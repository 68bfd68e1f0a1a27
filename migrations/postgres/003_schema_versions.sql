-- History of each captured table's columns, one row per schema_version (issue #5, schema tracking).
-- Written in the same statement that sets or bumps cdc.captured_tables.schema_version
-- (adapters/postgres/state-store.ts), so a version that events carry always has its row here.
-- Forward-only; IF NOT EXISTS so a re-run after a crash is harmless. Tables installed before this
-- migration get their first row at their next bump or re-install.
CREATE TABLE IF NOT EXISTS cdc.schema_versions (
  table_name  text NOT NULL,
  version     integer NOT NULL,
  -- [{"name": …, "type": format_type(…), "nullable": …}] in column order.
  columns     jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (table_name, version)
);
