/**
 * Parsers for PostgreSQL's text output of arrays and composites. They only split structure; the
 * element strings are mapped by the element type afterwards (text-decoder.ts).
 */

/** Nested arrays of element texts; SQL NULL elements are null. */
export type ArrayTexts = (string | null | ArrayTexts)[];

/**
 * `{1,NULL,"a \"b\""}`, `{{1,2},{3,4}}`, `[0:1]={7,8}` (non-default bounds are dropped, as
 * to_jsonb drops them). `delimiter` is the element type's typdelim (`;` for box).
 */
export function parseArrayLiteral(text: string, delimiter = ','): ArrayTexts {
  let i = 0;
  if (text[0] === '[') {
    i = text.indexOf('=') + 1;
    if (i === 0) throw new Error(`malformed array literal ${JSON.stringify(text)}`);
  }
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const parseList = (): ArrayTexts => {
    if (text[i] !== '{') throw new Error(`malformed array literal ${JSON.stringify(text)} at ${i}`);
    i++;
    const out: ArrayTexts = [];
    skipSpace();
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      skipSpace();
      if (text[i] === '{') out.push(parseList());
      else if (text[i] === '"') out.push(readQuoted());
      else {
        const raw = readUnquoted([delimiter, '}']);
        out.push(raw.quotedParts === 0 && raw.text.toUpperCase() === 'NULL' ? null : raw.text);
      }
      skipSpace();
      const c = text[i++];
      if (c === '}') return out;
      if (c !== delimiter) throw new Error(`malformed array literal ${JSON.stringify(text)} at ${i - 1}`);
    }
  };
  const readQuoted = (): string => {
    i++;
    let s = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      s += text[i++];
    }
    i++;
    return s;
  };
  const readUnquoted = (stops: string[]): { text: string; quotedParts: number } => {
    let s = '';
    let escaped = 0;
    while (i < text.length && !stops.includes(text[i]!)) {
      if (text[i] === '\\') {
        i++;
        escaped++;
      }
      s += text[i++];
    }
    return { text: escaped ? s : s.trimEnd(), quotedParts: escaped };
  };
  const result = parseList();
  return result;
}

/**
 * `(1,"a b",,"x""y")` → ['1', 'a b', null, 'x"y']: an empty unquoted field is NULL, `""` is the
 * empty string; inside quotes `""` and `\x` both stand for the character.
 */
export function parseRecordLiteral(text: string): (string | null)[] {
  if (text[0] !== '(' || text[text.length - 1] !== ')') throw new Error(`malformed record literal ${JSON.stringify(text)}`);
  const out: (string | null)[] = [];
  let i = 1;
  const end = text.length - 1;
  if (end === 1) return [null];
  for (;;) {
    let s = '';
    let any = false;
    while (i < end && text[i] !== ',') {
      any = true;
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (text[i] === '\\') s += text[++i];
          else if (text[i] === '"' && text[i + 1] === '"') s += text[++i];
          else if (text[i] === '"') break;
          else s += text[i];
          i++;
        }
        i++;
      } else if (text[i] === '\\') {
        s += text[++i];
        i++;
      } else s += text[i++];
    }
    out.push(any ? s : null);
    if (i >= end) return out;
    i++;
  }
}
