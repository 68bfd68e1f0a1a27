-- One AFTER … FOR EACH ROW trigger of a captured table; install creates three (I, U, D).
-- Placeholders (filled with quoted identifiers and generated expressions only):
--   {{create}}        CREATE, or CREATE OR REPLACE on MariaDB when regenerating
--   {{trigger}}       `cdc_ai_…` / `cdc_au_…` / `cdc_ad_…`
--   {{event}}         INSERT | UPDATE | DELETE
--   {{table}}         `schema`.`table`
--   {{log_table}}     `cdc_<db>`.`cdc_log_…` (always qualified: a trigger resolves bare names in its own database)
--   {{op}}            'I' | 'U' | 'D'
--   {{before_image}}  JSON_OBJECT(… OLD.`col` …) or NULL   (trigger/image-expressions.ts)
--   {{after_image}}   JSON_OBJECT(… NEW.`col` …) or NULL
--
-- The INSERT runs inside the writer's transaction: a rolled-back write leaves no log row, and the
-- log row becomes visible to the reader exactly when the data change does. changed_at is the
-- statement's start in UTC (UTC_TIMESTAMP is constant within a statement).
-- Everything after FOR EACH ROW is compared with information_schema.TRIGGERS.ACTION_STATEMENT to
-- decide whether a re-install has anything to do.
{{create}} TRIGGER {{trigger}} AFTER {{event}} ON {{table}} FOR EACH ROW
INSERT INTO {{log_table}} (op, trx_id, changed_at, before_image, after_image)
VALUES ({{op}}, NULL, UTC_TIMESTAMP(6), {{before_image}}, {{after_image}})
