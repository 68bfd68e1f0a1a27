import { z } from 'zod';

/**
 * zod → JSON Schema (draft 2020-12, what OpenAPI 3.1 uses). Each generated object remembers its
 * zod schema, so fastify's validator compiler validates with zod itself, refinements included.
 */
const zodOf = new WeakMap<object, z.ZodType>();

export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  zodOf.set(json, schema);
  return json;
}

export class RequestValidationError extends Error {
  readonly statusCode = 400;
}

/** fastify's validatorCompiler: the schema object is one jsonSchema() made, so its zod is known. */
export function zodValidatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }) {
  const zod = zodOf.get(schema);
  if (!zod) throw new Error('route schema was not made by jsonSchema()');
  const part = httpPart === 'querystring' ? 'query' : (httpPart ?? 'body');
  return (data: unknown) => {
    const r = zod.safeParse(data ?? (part === 'body' ? undefined : {}));
    return r.success ? { value: r.data } : { error: new RequestValidationError(describeIssue(part, r.error.issues[0]!, data)) };
  };
}

/** One line naming the field: `body.db_type: must be one of "postgresql", "mysql", …`. */
export function describeIssue(part: string, issue: z.core.$ZodIssue, input: unknown): string {
  const field = [part, ...issue.path.map(String)].join('.');
  switch (issue.code) {
    case 'invalid_value':
      return `${field}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `${field}.${issue.keys[0]}: unknown field`;
    case 'invalid_type':
      return valueAt(input, issue.path) === undefined ? `${field}: required` : `${field}: expected ${issue.expected}`;
    default:
      return `${field}: ${issue.message}`;
  }
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}
