import { UserInputError } from './errors.js';

/**
 * Derived object names (change-log tables, functions, triggers) are a readable part plus 32 bits
 * of a hash of the exact table name, so two tables could share one only by a hash collision (and
 * identical readable parts). Improbable, but then both tables' triggers would write one log
 * (MySQL creates it IF NOT EXISTS) and events would mix: install refuses instead.
 * `registered` maps a captured table's qualified name to its derived name.
 */
export function refuseNameClash(table: string, derived: string, registered: Iterable<{ table: string; derived: string }>): void {
  for (const r of registered) {
    if (r.derived === derived && r.table !== table) {
      throw new UserInputError(`table ${table} would share cdc's object ${derived} with the captured table ${r.table}; rename one of them`);
    }
  }
}
