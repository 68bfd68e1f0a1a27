-- cdc's registry and checkpoints. Schema cdc is created by the migration driver
-- (adapters/postgres/migrations.ts) before this runs, under the migration lock; knex's migrator
-- records applied migrations in cdc.knex_migrations (docs/migrations.md).

-- One row per table with capture installed. table_name is qualifiedName() ('public.users'),
-- the checkpoint key everywhere. generation changes whenever the log table is (re)created, because
-- change ids (`<generation>:<log id>`) restart with it.
CREATE TABLE cdc.captured_tables (
  table_name       text PRIMARY KEY,
  schema_name      text NOT NULL,
  relation_name    text NOT NULL,
  key_columns      text[] NOT NULL,
  log_table        text NOT NULL UNIQUE,
  generation       uuid NOT NULL,
  mode             text NOT NULL DEFAULT 'trigger',
  installed_at     timestamptz NOT NULL DEFAULT now(),
  -- Hash of the rendered install template: a re-install is a no-op only when nothing differs.
  definition_hash  text NOT NULL,
  -- Bumped by the reader when the table's columns (names, types) change.
  schema_version   integer NOT NULL DEFAULT 1,
  column_signature text
);

-- Per-table checkpoint and sequence-number reservations. Kept for any table name, also one never
-- installed, and kept (position cleared) on uninstall: sequence numbers must never go backwards,
-- also across an uninstall or a switch of capture mode.
CREATE TABLE cdc.checkpoints (
  table_name   text PRIMARY KEY,
  mode         text,
  position     text,
  seq_reserved numeric(20) NOT NULL DEFAULT 0,
  updated_at   timestamptz
);
