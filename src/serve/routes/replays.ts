import { ApiError, type ApiRoute } from '../api-route.js';
import type { ServeContext } from '../context.js';
import { getSourceRow, sourceTables } from '../registry/sources-store.js';
import * as s from '../schemas.js';

export function replayRoutes(ctx: ServeContext): ApiRoute[] {
  const { db } = ctx;
  return [
    {
      method: 'POST',
      url: '/api/v1/sources/:id/replay',
      summary: 'Start a replay of [start_timestamp, end_timestamp) of the source\'s topics into a new topic; returns at once',
      scope: 'admin',
      params: s.idParamsSchema,
      body: s.createReplaySchema,
      responses: { 202: s.createdReplaySchema },
      async handler(req, reply) {
        const body = req.body as s.CreateReplay;
        const source = await getSourceRow(db, req.params.id);
        if (!source) throw new ApiError(404, `source_id: no source ${JSON.stringify(req.params.id)}`);
        const tables = (await sourceTables(db, source.id)).map((t) => t.table_name);
        for (const [i, t] of body.table_filter.entries()) {
          if (!tables.includes(t)) throw new ApiError(400, `body.table_filter.${i}: ${JSON.stringify(t)} is not a table of source ${source.id} (${tables.join(', ')})`);
        }
        // Without an end the window ends now: the job has a fixed end and terminates.
        const toMs = body.end_timestamp ? Date.parse(body.end_timestamp) : Date.now();
        const fromMs = Date.parse(body.start_timestamp);
        if (toMs <= fromMs) throw new ApiError(400, 'body.start_timestamp: must be in the past when end_timestamp is left out');
        const chosen = body.table_filter.length > 0 ? body.table_filter : tables;
        const job = await ctx.replays.submit({ sourceId: source.id, tables: chosen.map((table) => ({ table, topic: ctx.topicOf(source.id, table) })), fromMs, toMs });
        reply.code(202);
        return { replay_id: job.replayId, kafka_topic: job.topic };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/replays',
      summary: 'List the replays',
      scope: 'read',
      responses: { 200: s.replaySchema.array() },
      handler: async () => (await db('replays').orderBy('created_at')).map(view),
    },
    {
      method: 'GET',
      url: '/api/v1/replays/:id',
      summary: 'A replay\'s status, per-table progress and error',
      scope: 'read',
      params: s.idParamsSchema,
      responses: { 200: s.replaySchema },
      async handler(req) {
        const row = await db('replays').where({ id: req.params.id }).first();
        if (!row) throw new ApiError(404, `replay_id: no replay ${JSON.stringify(req.params.id)}`);
        return view(row);
      },
    },
  ];
}

function view(row: Record<string, any>) {
  return {
    replay_id: row.id,
    source_id: row.source_id,
    kafka_topic: row.kafka_topic,
    status: row.status,
    start_timestamp: row.start_timestamp,
    end_timestamp: row.end_timestamp,
    table_filter: JSON.parse(row.table_filter),
    progress: JSON.parse(row.progress),
    error: row.error ?? null,
    created_at: row.created_at,
  };
}
