import type { Logger } from '../../../src/core/logger.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import type { PgQueryable } from '../driver.js';
import { findTable, loadColumns } from '../introspect.js';
import { recordColumns } from '../state-store.js';
import type { PgType } from '../types/pg-type.js';

/**
 * The table's column types for decoding pgoutput text, and its schema version. Reloaded from the
 * catalog whenever pgoutput sends a Relation message: it does so when a stream starts and after
 * every change of the table's definition, so types follow ALTER TABLE the way the trigger source's
 * once-per-round reload does (and bump schema_version the same way, in the same registry row).
 */
export class ColumnTracker {
  types = new Map<string, PgType>();
  version = 1;
  private signature: string | null = null;

  constructor(
    private readonly q: PgQueryable,
    private readonly table: TableRef,
    private readonly tableName: string,
    private readonly logger: Logger,
  ) {}

  init(version: number, signature: string | null): void {
    this.version = version;
    this.signature = signature;
  }

  async reload(): Promise<void> {
    const t = await findTable(this.q, this.table);
    if (!t) {
      this.logger.warn({ table: this.tableName }, 'captured table no longer exists; decoding with the types we had');
      return;
    }
    const { columns, signature, definition } = await loadColumns(this.q, t.oid);
    this.types = new Map(columns.map((c) => [c.name, c.type]));
    if (signature === this.signature) return;
    const version = await recordColumns(this.q, this.tableName, signature, definition);
    this.signature = signature;
    if (version !== null && version !== this.version) {
      this.logger.info({ table: this.tableName, schemaVersion: version }, 'table columns changed; new schema version');
      this.version = version;
    }
  }
}
