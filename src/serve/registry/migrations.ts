import type { Knex } from 'knex';

/**
 * The registry's schema as knex migrations, kept in code (a migration source) rather than as
 * files knex would load at run time: the CLI runs from TypeScript through tsx, and a list in code
 * is also the order. Forward-only; knex runs each in a transaction and takes its migration lock,
 * so two `cdc serve` processes starting at once on one PostgreSQL registry migrate once.
 */
const MIGRATIONS: Record<string, { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }> = {
  '001_registry': {
    async up(knex) {
      await knex.schema.createTable('sources', (t) => {
        t.string('id', 100).primary();
        t.string('db_type', 20).notNullable();
        /** The connection string sealed with AES-GCM (src/serve/secret-box.ts). */
        t.text('connection_sealed').notNullable();
        /** The connection string with its password replaced: what the API shows, and duplicate checks. */
        t.text('display_url').notNullable();
        t.text('options').notNullable();
        t.string('status', 20).notNullable();
        t.string('created_at', 40).notNullable();
        t.string('updated_at', 40).notNullable();
      });
      await knex.schema.createTable('tables', (t) => {
        t.string('source_id', 100).notNullable().references('id').inTable('sources').onDelete('CASCADE');
        t.string('table_name', 200).notNullable();
        t.string('mode', 20).notNullable();
        t.integer('position').notNullable();
        t.primary(['source_id', 'table_name']);
      });
      await knex.schema.createTable('consumers', (t) => {
        t.string('id', 100).primary();
        t.string('source_id', 100).notNullable().references('id').inTable('sources');
        t.string('kafka_topic', 249).notNullable().unique();
        t.text('table_filter').notNullable();
        t.text('column_filter').notNullable();
        t.text('operation_filter').notNullable();
        t.string('created_at', 40).notNullable();
      });
      await knex.schema.createTable('replays', (t) => {
        t.string('id', 100).primary();
        t.string('source_id', 100).notNullable();
        t.string('kafka_topic', 249).notNullable();
        t.string('status', 20).notNullable();
        t.string('start_timestamp', 40).notNullable();
        t.string('end_timestamp', 40).notNullable();
        t.text('table_filter').notNullable();
        t.text('progress').notNullable();
        t.text('error');
        t.string('created_at', 40).notNullable();
        t.string('updated_at', 40).notNullable();
      });
      await knex.schema.createTable('api_tokens', (t) => {
        t.string('id', 20).primary();
        /** sha256 of the token's secret, hex; the token itself is never stored. */
        t.string('secret_hash', 64).notNullable();
        t.string('scope', 10).notNullable();
        t.string('created_at', 40).notNullable();
      });
    },
    async down(knex) {
      for (const t of ['api_tokens', 'replays', 'consumers', 'tables', 'sources']) await knex.schema.dropTableIfExists(t);
    },
  },
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name]!,
};
