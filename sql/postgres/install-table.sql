-- Capture objects for one table. Filled in by adapters/postgres/trigger/install.ts with quoted
-- identifiers only; run in one transaction with the registry update, so a failure changes nothing.
--   {{table}}      the captured table, quoted and schema-qualified
--   {{log_table}}  its change log in schema cdc (a plain lowercase name)
--   {{function}}   its trigger function in schema cdc (a plain lowercase name)
--   {{owner}}      the captured table's owner, quoted (the role the trigger function runs as)
-- Before this runs, install.ts has checked that schema cdc and anything of it that already exists
-- belong to roles cdc trusts (adapters/postgres/trust.ts).

-- Only undrained changes live here: the reader deletes what the sink acknowledged. `id` orders
-- changes; `txid` (the top-level transaction, also inside savepoints) decides when a change is
-- committed for a read round (pg_visible_in_snapshot). A busy queue table needs vacuum long before
-- the default 20 % of dead rows, or index scans wade through deleted entries.
-- Images are json, not jsonb: json keeps a json column's text as it is, where jsonb rejects a valid
-- json value holding \u0000 and would make the application's write fail. `columns` is set only by
-- snapshot rows, whose images are record text (adapters/postgres/snapshot/chunk.ts).
CREATE TABLE IF NOT EXISTS cdc.{{log_table}} (
  id         bigserial PRIMARY KEY,
  txid       xid8 NOT NULL DEFAULT pg_current_xact_id(),
  op         "char" NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  before     json,
  after      json,
  columns    text[]
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.05);
-- A log made by an earlier version: jsonb images become json, and snapshot rows get `columns`.
ALTER TABLE cdc.{{log_table}} ADD COLUMN IF NOT EXISTS columns text[];
DO $upgrade$
BEGIN
  IF (SELECT atttypid FROM pg_catalog.pg_attribute WHERE attrelid = 'cdc.{{log_table}}'::regclass AND attname = 'after') = 'jsonb'::regtype THEN
    ALTER TABLE cdc.{{log_table}} ALTER COLUMN before TYPE json USING before::json, ALTER COLUMN after TYPE json USING after::json;
  END IF;
END
$upgrade$;
REVOKE ALL ON cdc.{{log_table}} FROM PUBLIC;

-- The trigger function runs as the captured table's OWNER (SECURITY DEFINER, owned by that role),
-- which may insert into this one change log and nothing else of cdc's. So the application's
-- writers need no privileges on schema cdc and cannot write any change log themselves; and code
-- the image calls (row_to_json applies user-defined casts to json, and the owner can create
-- those) runs with no rights beyond those the owner already has: never as the installer or a
-- superuser, and never with access to another table's log (docs/security.md).
-- The caller's search_path is in force in a definer function, so every name is schema-qualified,
-- operators included. (The usual `SET search_path` clause instead cost 30 % of UPDATE throughput in
-- pgbench: a GUC save/restore on every row.) The primary key is not extracted here: the reader
-- takes it from the images.
-- Dropped and created, not replaced: a function of that name made by anyone else (with grants of
-- its own) is never adopted. CASCADE takes the triggers, which are created again below.
DROP FUNCTION IF EXISTS cdc.{{function}}() CASCADE;
CREATE FUNCTION cdc.{{function}}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $cdc$
BEGIN
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    INSERT INTO cdc.{{log_table}} (op, before, after) VALUES ('U', pg_catalog.row_to_json(OLD), pg_catalog.row_to_json(NEW));
  ELSIF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
    INSERT INTO cdc.{{log_table}} (op, after) VALUES ('I', pg_catalog.row_to_json(NEW));
  ELSIF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
    INSERT INTO cdc.{{log_table}} (op, before) VALUES ('D', pg_catalog.row_to_json(OLD));
  ELSE
    INSERT INTO cdc.{{log_table}} (op) VALUES ('T');
  END IF;
  RETURN NULL;
END
$cdc$;
-- A trigger fires without EXECUTE. EXECUTE would only let a role attach this function, and so this
-- table's change log, to a table of its own and forge this table's events.
REVOKE ALL ON FUNCTION cdc.{{function}}() FROM PUBLIC;
ALTER FUNCTION cdc.{{function}}() OWNER TO {{owner}};
GRANT USAGE ON SCHEMA cdc TO {{owner}};
GRANT INSERT ON cdc.{{log_table}} TO {{owner}};
-- (and USAGE on the log's id sequence: granted by install.ts, which looks up the sequence's name)

-- Drop and create (not CREATE OR REPLACE TRIGGER, PostgreSQL 14+) so a re-install also re-enables a
-- trigger someone disabled.
DROP TRIGGER IF EXISTS cdc_capture ON {{table}};
CREATE TRIGGER cdc_capture AFTER INSERT OR UPDATE OR DELETE ON {{table}}
  FOR EACH ROW EXECUTE FUNCTION cdc.{{function}}();
DROP TRIGGER IF EXISTS cdc_capture_truncate ON {{table}};
CREATE TRIGGER cdc_capture_truncate AFTER TRUNCATE ON {{table}}
  FOR EACH STATEMENT EXECUTE FUNCTION cdc.{{function}}();
