import { UserInputError } from '../core/errors.js';
import { parseTableRef, qualifiedName } from '../core/table-ref.js';
import type { CdcConfig, TableEntry } from '../config/schema.js';
import { compileTransform } from '../transform/compile.js';
import type { EventTransform } from '../pipeline/table-pipeline.js';

/**
 * What `cdc run --config` applied to one table's events, so `cdc replay --from-history --config`
 * rebuilds the events the service actually produced: its format, topic template and source id, and
 * the table's filters and transforms (docs/filters-and-transforms.md). The source is found by its
 * URL as given in --source.
 */
export interface RunSettings {
  format: CdcConfig['format'];
  /** Debezium's options the service ran with (format debezium). */
  debezium: CdcConfig['debezium'];
  topicTemplate: string;
  sourceId: string | null;
  brokers: string[] | null;
  /** Compiled for the table once it is qualified (the database's default schema is needed). */
  transformFor(tableName: string, defaultSchema: string, keyColumns: string[]): EventTransform | undefined;
}

export function runSettings(config: CdcConfig, sourceUrl: string, origin: string): RunSettings {
  const index = config.sources.findIndex((s) => s.url === sourceUrl);
  if (index < 0) throw new UserInputError(`${origin} has no source with the url given in --source`);
  const source = config.sources[index]!;
  return {
    format: config.format,
    debezium: config.debezium,
    topicTemplate: config.kafka.topic_template,
    sourceId: source.id ?? null,
    brokers: config.kafka.brokers ?? null,
    transformFor(tableName, defaultSchema, keyColumns) {
      const tables = source.tables ?? [];
      const at = tables.findIndex((entry: TableEntry) => {
        const name = typeof entry === 'string' ? entry : entry.name;
        try {
          return qualifiedName(parseTableRef(name, defaultSchema)) === tableName;
        } catch {
          return false;
        }
      });
      const entry = tables[at];
      if (entry === undefined || typeof entry === 'string') return undefined;
      return compileTransform(tableName, entry, process.env, { keyColumns, keyPrefix: `sources.${index}.tables.${at}.` });
    },
  };
}
