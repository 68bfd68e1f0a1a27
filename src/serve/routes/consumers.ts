import { randomBytes } from 'node:crypto';
import type { ConsumerRoute } from '../../core/consumer-route.js';
import { ApiError, type ApiRoute } from '../api-route.js';
import type { ServeContext } from '../context.js';
import { getSourceRow, sourceTables } from '../registry/sources-store.js';
import * as s from '../schemas.js';

interface ConsumerRow {
  id: string;
  source_id: string;
  kafka_topic: string;
  table_filter: string;
  column_filter: string;
  operation_filter: string;
  created_at: string;
}

export const consumerTopic = (consumerId: string) => `cdc.consumer.${consumerId}`;

export function consumerRoutes(ctx: ServeContext): ApiRoute[] {
  const { db } = ctx;
  const found = async (id: string): Promise<ConsumerRow> => {
    const row = await db<ConsumerRow>('consumers').where({ id }).first();
    if (!row) throw new ApiError(404, `consumer_id: no consumer ${JSON.stringify(id)}`);
    return row;
  };
  return [
    {
      method: 'POST',
      url: '/api/v1/consumers',
      summary: "Subscribe a consumer: its own topic cdc.consumer.<consumer_id> gets the source's events its filters select",
      scope: 'admin',
      body: s.createConsumerSchema,
      responses: { 201: s.createdConsumerSchema },
      async handler(req, reply) {
        const body = req.body as s.CreateConsumer;
        const source = await getSourceRow(db, body.source_id);
        if (!source) throw new ApiError(404, `body.source_id: no source ${JSON.stringify(body.source_id)}`);
        const tables = (await sourceTables(db, source.id)).map((t) => t.table_name);
        for (const [i, t] of body.table_filter.entries()) {
          if (!tables.includes(t)) throw new ApiError(400, `body.table_filter.${i}: ${JSON.stringify(t)} is not a table of source ${source.id} (${tables.join(', ')})`);
        }
        const id = `c${randomBytes(6).toString('hex')}`;
        const row: ConsumerRow = {
          id,
          source_id: source.id,
          kafka_topic: consumerTopic(id),
          table_filter: JSON.stringify(body.table_filter),
          column_filter: JSON.stringify(body.column_filter),
          operation_filter: JSON.stringify(body.operation_filter),
          created_at: new Date().toISOString(),
        };
        await db('consumers').insert(row);
        try {
          await ctx.routes.start(await routeOf(ctx, row));
        } catch (err) {
          await db('consumers').where({ id }).delete();
          throw err;
        }
        reply.code(201);
        return { consumer_id: id, kafka_topic: row.kafka_topic };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/consumers',
      summary: 'List the consumers',
      scope: 'read',
      responses: { 200: s.consumerSchema.array() },
      handler: async () => (await db<ConsumerRow>('consumers').orderBy('created_at')).map(view),
    },
    {
      method: 'GET',
      url: '/api/v1/consumers/:id',
      summary: 'One consumer and its filters',
      scope: 'read',
      params: s.idParamsSchema,
      responses: { 200: s.consumerSchema },
      handler: async (req) => view(await found(req.params.id)),
    },
    {
      method: 'DELETE',
      url: '/api/v1/consumers/:id',
      summary: 'Stop the consumer\'s router and forget it; its topic stays unless ?delete_topic=true',
      scope: 'admin',
      params: s.idParamsSchema,
      query: s.deleteConsumerQuerySchema,
      responses: { 200: s.deletedSchema },
      async handler(req) {
        const row = await found(req.params.id);
        await ctx.routes.stop(row.id);
        await db('consumers').where({ id: row.id }).delete();
        if (req.query.delete_topic === 'true') await ctx.deleteTopic(row.kafka_topic);
        return { deleted: true };
      },
    },
  ];
}

function view(row: ConsumerRow) {
  return {
    consumer_id: row.id,
    source_id: row.source_id,
    kafka_topic: row.kafka_topic,
    table_filter: JSON.parse(row.table_filter),
    column_filter: JSON.parse(row.column_filter),
    operation_filter: JSON.parse(row.operation_filter),
    created_at: row.created_at,
  };
}

/** The router's contract (src/core/consumer-route.ts) for a consumer row. */
export async function routeOf(ctx: ServeContext, row: ConsumerRow): Promise<ConsumerRoute> {
  const tables = await sourceTables(ctx.db, row.source_id);
  return {
    consumerId: row.id,
    sourceTopics: tables.map((t) => ctx.topicOf(row.source_id, t.table_name)),
    targetTopic: row.kafka_topic,
    tables: JSON.parse(row.table_filter),
    columns: JSON.parse(row.column_filter),
    operations: JSON.parse(row.operation_filter),
  };
}
