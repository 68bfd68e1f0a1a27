import type { ApiRoute } from './api-route.js';
import { jsonSchema } from './validate.js';
import { errorSchema } from './schemas.js';

/**
 * The OpenAPI 3.1 document, generated from the same route table and zod schemas the server
 * validates with. docs/openapi.json is this output, committed; a test keeps the two equal.
 */
export function openApiDocument(routes: ApiRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { description: 'error', content: { 'application/json': { schema: jsonSchema(errorSchema, 'output') } } };
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...Object.keys((r.params && (jsonSchema(r.params).properties as object)) ?? {}).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries((r.query && (jsonSchema(r.query).properties as Record<string, unknown>)) ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [code, schema] of Object.entries(r.responses)) {
      responses[code] = { description: 'success', content: { 'application/json': { schema: jsonSchema(schema, 'output') } } };
    }
    if (r.body || r.params || r.query) responses['400'] = error;
    if (r.scope) Object.assign(responses, { 401: error, 403: error });
    if (r.params) responses['404'] = error;
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      ...(r.scope ? { security: [{ bearer: [] }], 'x-scope': r.scope } : { security: [] }),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'cdc service API', version, description: 'cdc serve: sources, consumers and replays (docs/service.md). Bearer tokens: cdc token create --scope read|admin.' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
