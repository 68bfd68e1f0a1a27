-- Removes the capture triggers from {{table}} (quoted, schema-qualified). Only run when the table
-- still exists; a dropped table took its triggers with it.
DROP TRIGGER IF EXISTS cdc_capture ON {{table}};
DROP TRIGGER IF EXISTS cdc_capture_truncate ON {{table}};
