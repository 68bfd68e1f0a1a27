/**
 * Fills `{{name}}` placeholders of one of cdc's SQL templates (sql/<dialect>/), in one pass: a
 * value is never re-scanned, so a table named `{{log_table}}` stays a name. Values must already be
 * quoted identifiers or generated SQL — never raw user input. A missing or an unused value is a bug
 * in cdc, so both throw.
 */
export function renderSql(template: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`SQL template placeholder {{${key}}} has no value`);
    used.add(key);
    return v;
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`SQL template has no placeholder for ${unused.join(', ')}`);
  return out;
}
