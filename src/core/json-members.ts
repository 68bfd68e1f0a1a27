/**
 * The members `names` of a JSON object text, as a small object text (`{"id": 7}`), without
 * parsing the rest: an iterative scan that skips every other value by bracket matching. Lets a
 * change whose image is beyond JSON_LIMITS still be named by its key. Null when `text` is not a
 * JSON object or is malformed. Values are copied as written; the caller decodes the result.
 */
export function extractMembers(text: string, names: readonly string[]): string | null {
  const wanted = new Set(names);
  const picked: string[] = [];
  let i = skipSpace(text, 0);
  if (text[i] !== '{') return null;
  i = skipSpace(text, i + 1);
  if (text[i] === '}') return '{}';
  for (;;) {
    if (text[i] !== '"') return null;
    const nameEnd = stringEnd(text, i);
    if (nameEnd < 0) return null;
    const nameText = text.slice(i, nameEnd + 1);
    i = skipSpace(text, nameEnd + 1);
    if (text[i] !== ':') return null;
    const valueStart = skipSpace(text, i + 1);
    const valueEnd = skipValue(text, valueStart);
    if (valueEnd < 0) return null;
    let name: unknown;
    try {
      name = JSON.parse(nameText);
    } catch {
      return null;
    }
    if (wanted.has(name as string)) picked.push(`${nameText}:${text.slice(valueStart, valueEnd)}`);
    i = skipSpace(text, valueEnd);
    if (text[i] === ',') i = skipSpace(text, i + 1);
    else if (text[i] === '}') return `{${picked.join(',')}}`;
    else return null;
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return i;
}

/** Index of the quote closing the string that opens at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return -1;
}

/** Index just past the value that starts at `start`, or -1 when malformed. */
function skipValue(text: string, start: number): number {
  const c = text[start];
  if (c === '"') {
    const end = stringEnd(text, start);
    return end < 0 ? -1 : end + 1;
  }
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const d = text[i];
      if (d === '"') {
        i = stringEnd(text, i);
        if (i < 0) return -1;
      } else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = start;
  while (i < text.length && text[i] !== ',' && text[i] !== '}' && text[i] !== ']' && text[i] !== ' ' && text[i] !== '\n' && text[i] !== '\r' && text[i] !== '\t') i++;
  return i > start ? i : -1;
}
