import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { CdcError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { redactSecrets } from '../logging.js';
import { ApiError, type ApiRoute } from './api-route.js';
import { tokenScope } from './registry/tokens-store.js';
import { scopeAllows } from './tokens.js';
import { jsonSchema, RequestValidationError, zodValidatorCompiler } from './validate.js';

/** Bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT = 1024 * 1024;

/**
 * The HTTP server: every route of `routes` with its zod validation, bearer auth by scope, and one
 * error shape `{"error": "<field>: <problem>"}` for every failure.
 */
export function buildServer(routes: ApiRoute[], db: Knex, logger: Logger): FastifyInstance {
  const app = Fastify({ bodyLimit: BODY_LIMIT, logger: false });
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const [status, message] = describeError(err);
    if (status >= 500) logger.error({ method: req.method, url: req.routeOptions.url, err: redactSecrets(err.message) }, 'request failed');
    void reply.code(status).send({ error: redactSecrets(message).replace(/\s*\n\s*/g, ' ') });
  });
  app.setNotFoundHandler((req, reply) => void reply.code(404).send({ error: `path: no route ${req.method} ${req.url.split('?')[0]}` }));

  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      schema: {
        ...(route.body ? { body: jsonSchema(route.body) } : {}),
        ...(route.params ? { params: jsonSchema(route.params) } : {}),
        ...(route.query ? { querystring: jsonSchema(route.query) } : {}),
      },
      onRequest: route.scope ? async (req) => authorize(db, req, route.scope!) : undefined,
      handler: route.handler,
    });
  }
  return app;
}

async function authorize(db: Knex, req: FastifyRequest, needed: 'read' | 'admin'): Promise<void> {
  const header = req.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
  if (!token) throw new ApiError(401, 'authorization: missing bearer token (cdc token create --scope read|admin)');
  const scope = await tokenScope(db, token);
  if (!scope) throw new ApiError(401, 'authorization: unknown or invalid token');
  if (!scopeAllows(scope, req.method)) throw new ApiError(403, `authorization: the token's scope is ${scope}; ${req.method} needs ${needed}`);
}

function describeError(err: Error & { statusCode?: number; code?: string }): [number, string] {
  if (err instanceof ApiError) return [err.statusCode, err.message];
  if (err instanceof RequestValidationError) return [400, err.message];
  // fastify's own refusals: bad JSON, too large, wrong content type.
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return [413, `body: larger than ${BODY_LIMIT} bytes`];
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) return [400, `body: malformed JSON (${err.message})`];
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return [400, 'body: empty, expected a JSON object'];
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return [415, 'content-type: expected application/json'];
  if (err instanceof CdcError) return [400, err.message];
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return [err.statusCode, `request: ${err.message}`];
  return [500, `internal: ${err.message}`];
}
