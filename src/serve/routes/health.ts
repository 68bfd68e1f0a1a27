import type { Knex } from 'knex';
import { z } from 'zod';
import { ApiError, type ApiRoute } from '../api-route.js';

const ok = z.object({ status: z.literal('ok') });

/** Open probes: /healthz says the process answers, /readyz that the registry does too. */
export function healthRoutes(db: Knex): ApiRoute[] {
  return [
    { method: 'GET', url: '/healthz', summary: 'Liveness', scope: null, responses: { 200: ok }, handler: async () => ({ status: 'ok' }) },
    {
      method: 'GET',
      url: '/readyz',
      summary: 'Readiness: the registry answers',
      scope: null,
      responses: { 200: ok },
      async handler() {
        try {
          await db.raw('select 1');
        } catch {
          throw new ApiError(503, 'registry: not reachable');
        }
        return { status: 'ok' };
      },
    },
  ];
}
