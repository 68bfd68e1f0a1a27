/**
 * A captured table. `schema` is the PostgreSQL schema or the MySQL database; `name` is kept exactly
 * as the database spells it (capitals, spaces and quotes included) and is only ever quoted by the
 * adapter, never interpolated raw.
 */
export interface TableRef {
  schema: string;
  name: string;
}

/** `public.users` — the contract's table_name and the checkpoint key. */
export function qualifiedName(t: TableRef): string {
  return `${t.schema}.${t.name}`;
}

/**
 * Parses a user-supplied table argument. `users` takes the default schema; `public.users` splits
 * on the first dot; `"odd.name"` style double quotes keep dots inside a part.
 */
export function parseTableRef(input: string, defaultSchema: string): TableRef {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (quoted) {
      if (ch === '"' && input[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === '.' && parts.length === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) throw new Error(`table name ${JSON.stringify(input)} has an unterminated double quote`);
  parts.push(cur);
  if (parts.some((p) => p.length === 0)) throw new Error(`table name ${JSON.stringify(input)} has an empty part`);
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: defaultSchema, name: parts[0]! };
}

/** Splits `a,b,"c,d"` into table arguments, keeping commas inside double quotes. */
export function splitTableList(input: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of input) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
