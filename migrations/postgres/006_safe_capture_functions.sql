-- Security fixes of the capture objects (docs/security.md). Forward-only.
--
-- 1. Capture functions were executable by PUBLIC, so any role with USAGE on schema cdc could attach
--    one to a table of its own and forge that table's events. Nothing needs EXECUTE: a trigger fires
--    without it. Each function is also re-created, running as its table's owner, by the next
--    `cdc install-triggers` (cdc run warns about tables that still need it).
DO $revoke$
DECLARE
  f record;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure AS sig
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'cdc' AND p.prorettype = 'trigger'::regtype
  LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f.sig);
  END LOOP;
END
$revoke$;

-- 2. Snapshot rows now carry record text with their column names (`columns`), so logs made before
--    get the column now; the images stay as they are until the next install turns them into json.
DO $columns$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT ct.log_table FROM cdc.captured_tables ct
     WHERE pg_catalog.to_regclass(pg_catalog.format('cdc.%I', ct.log_table)) IS NOT NULL
  LOOP
    EXECUTE pg_catalog.format('ALTER TABLE cdc.%I ADD COLUMN IF NOT EXISTS columns text[]', t.log_table);
    EXECUTE pg_catalog.format('REVOKE ALL ON cdc.%I FROM PUBLIC', t.log_table);
  END LOOP;
END
$columns$;

-- 3. The history keeps what the log held: json images (jsonb would reject a json value holding
--    \u0000 that the log accepted, and so stop the ack) and the snapshot rows' column names.
ALTER TABLE cdc.change_history
  ALTER COLUMN before TYPE json USING before::json,
  ALTER COLUMN after TYPE json USING after::json,
  ADD COLUMN IF NOT EXISTS columns text[];
