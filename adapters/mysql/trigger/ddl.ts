import type { TableRef } from '../../../src/core/table-ref.js';
import { cdcObjectNames, quoteIdent, quoteTable } from '../identifiers.js';
import { sqlTemplate } from '../sql-files.js';
import type { CanonicalColumn } from '../types/canonical.js';
import { triggerImageExpression } from './image-expressions.js';
import { renderSql } from '../../../src/core/sql-template.js';

export type TriggerEvent = 'INSERT' | 'UPDATE' | 'DELETE';

export interface TriggerDdl {
  event: TriggerEvent;
  name: string;
  /** What information_schema.TRIGGERS.ACTION_STATEMENT holds once it is installed. */
  body: string;
  /** The full statement; `create` is CREATE or CREATE OR REPLACE. */
  statement(create: 'CREATE' | 'CREATE OR REPLACE'): string;
}

export interface InstallDdl {
  logTable: string;
  createLogTable: string;
  triggers: TriggerDdl[];
}

const OPS: Record<TriggerEvent, { op: string; before: boolean; after: boolean }> = {
  INSERT: { op: "'I'", before: false, after: true },
  UPDATE: { op: "'U'", before: true, after: true },
  DELETE: { op: "'D'", before: true, after: false },
};

/** Renders the log table and the three triggers of one table from sql/mysql/ (pure; no database). */
export function installDdl(
  table: TableRef,
  columns: readonly (CanonicalColumn & { dataType?: string })[],
  /** cdc's state database (identifiers.ts stateDatabaseName), where the change log lives. */
  stateDatabase: string,
  /** The key columns: an image too large to build keeps them (image-expressions.ts). */
  keyColumns: readonly string[] = [],
): InstallDdl {
  const names = cdcObjectNames(table);
  // Qualified: a trigger body resolves bare names in the captured table's database.
  const logRef = `${quoteIdent(stateDatabase)}.${quoteIdent(names.logTable)}`;
  const triggerNames: Record<TriggerEvent, string> = {
    INSERT: names.triggers.insert,
    UPDATE: names.triggers.update,
    DELETE: names.triggers.delete,
  };
  const [head, bodyTemplate] = splitTriggerTemplate(sqlTemplate('trigger.sql'));
  const triggers = (Object.keys(OPS) as TriggerEvent[]).map((event): TriggerDdl => {
    const o = OPS[event];
    const body = renderSql(bodyTemplate, {
      log_table: logRef,
      op: o.op,
      before_image: o.before ? triggerImageExpression(columns, 'OLD', keyColumns) : 'NULL',
      after_image: o.after ? triggerImageExpression(columns, 'NEW', keyColumns) : 'NULL',
    });
    const statement = (create: string) =>
      `${renderSql(head, {
        create,
        trigger: `${quoteIdent(table.schema)}.${quoteIdent(triggerNames[event])}`,
        event,
        table: quoteTable(table),
      })} FOR EACH ROW\n${body}`;
    return { event, name: triggerNames[event], body, statement };
  });
  return {
    logTable: names.logTable,
    createLogTable: renderSql(sqlTemplate('log-table.sql'), { log_table: logRef }),
    triggers,
  };
}

/**
 * Splits the template at FOR EACH ROW. The body is rendered on its own because it is what the
 * server stores as ACTION_STATEMENT; searching the rendered statement instead could match a table
 * name that contains the words.
 */
export function splitTriggerTemplate(template: string): [string, string] {
  const m = /\bFOR EACH ROW\s+/.exec(template);
  if (!m) throw new Error('sql/mysql/trigger.sql lacks FOR EACH ROW');
  return [template.slice(0, m.index).trim(), template.slice(m.index + m[0].length).trim()];
}
