-- The publication of one WAL-captured table. Filled in by adapters/postgres/upgrade/to-wal.ts with
-- quoted identifiers only:
--   {{publication}}  cdc_<table>_<hash>, named like the table's replication slot
--   {{table}}        the captured table, quoted and schema-qualified
-- One table per publication: a later publication change never races a running stream (see
-- docs/postgres-wal.md, "One slot per table"). TRUNCATE is published because trigger mode emits it.
DROP PUBLICATION IF EXISTS {{publication}};
CREATE PUBLICATION {{publication}} FOR TABLE {{table}} WITH (publish = 'insert, update, delete, truncate');
