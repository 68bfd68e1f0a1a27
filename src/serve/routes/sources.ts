import { ConfigError, UserInputError } from '../../core/errors.js';
import { parseTableRef, qualifiedName } from '../../core/table-ref.js';
import { redactUrl } from '../../logging.js';
import { openSourceDatabase } from '../../sources/open-source-database.js';
import { ApiError, type ApiRoute } from '../api-route.js';
import type { ServeContext } from '../context.js';
import { checkSource, oneLine } from '../register-source.js';
import { isUniqueViolation } from '../registry/registry.js';
import { getSourceRow, loadSourceSpec, sourceTables, sourceView, type SourceRow } from '../registry/sources-store.js';
import * as s from '../schemas.js';

export function sourceRoutes(ctx: ServeContext): ApiRoute[] {
  const { db } = ctx;
  const found = async (id: string): Promise<SourceRow> => {
    const row = await getSourceRow(db, id);
    if (!row) throw new ApiError(404, `source_id: no source ${JSON.stringify(id)}`);
    return row;
  };
  return [
    {
      method: 'POST',
      url: '/api/v1/sources',
      summary: 'Register a source database; validates the connection, tables, keys and privileges at once',
      scope: 'admin',
      body: s.createSourceSchema,
      responses: { 201: s.createdSourceSchema },
      async handler(req, reply) {
        const body = req.body as s.CreateSource;
        const checked = await checkSource(body);
        try {
          const id = body.source_id ?? checked.databaseName;
          if (!/^[A-Za-z0-9._-]{1,100}$/.test(id)) throw new ApiError(400, `body.source_id: the database name ${JSON.stringify(id)} cannot name a source; give source_id`);
          if (await getSourceRow(db, id)) throw new ApiError(409, `body.source_id: source ${JSON.stringify(id)} is already registered`);
          const display = redactUrl(body.connection_string);
          // The same table of the same database under two sources would be drained by both.
          const same = await db('tables').join('sources', 'sources.id', 'tables.source_id').where('sources.display_url', display).whereIn('tables.table_name', checked.tables).first('tables.table_name', 'sources.id');
          if (same) throw new ApiError(409, `body.tables: ${same.table_name} of this database is already registered by source ${JSON.stringify(same.id)}`);
          const options = qualifiedOptions(body, checked.tables);
          const now = new Date().toISOString();
          await db.transaction(async (trx) => {
            await trx('sources').insert({
              id,
              db_type: body.db_type,
              connection_sealed: ctx.box.seal(body.connection_string),
              display_url: display,
              options: JSON.stringify(options),
              status: 'ACTIVE',
              created_at: now,
              updated_at: now,
            });
            await trx('tables').insert(checked.tables.map((t, position) => ({ source_id: id, table_name: t, mode: options.tables[t]?.mode ?? options.mode, position })));
            // Installing last: a failure rolls the registry rows back, and install is idempotent.
            if (body.install && checked.db.dialect !== 'mongodb') {
              for (const t of checked.tables) await checked.db.install(parseTableRef(t, checked.db.defaultSchema), {});
            }
          }).catch((err) => {
            if (isUniqueViolation(err)) throw new ApiError(409, `body.source_id: source ${JSON.stringify(id)} is already registered`);
            throw err;
          });
          reply.code(201);
          return { source_id: id, status: 'ACTIVE' };
        } finally {
          await checked.db.close();
        }
      },
    },
    {
      method: 'GET',
      url: '/api/v1/sources',
      summary: 'List the registered sources',
      scope: 'read',
      responses: { 200: s.sourceSchema.array() },
      async handler() {
        const rows = await db<SourceRow>('sources').orderBy('created_at');
        return Promise.all(rows.map((r) => sourceView(db, r)));
      },
    },
    {
      method: 'GET',
      url: '/api/v1/sources/:id',
      summary: 'One source; its connection string with the password redacted',
      scope: 'read',
      params: s.idParamsSchema,
      responses: { 200: s.sourceSchema },
      handler: async (req) => sourceView(db, await found(req.params.id)),
    },
    {
      method: 'DELETE',
      url: '/api/v1/sources/:id',
      summary: 'Stop and forget a source (its triggers and checkpoints stay in the database: cdc uninstall-triggers removes them)',
      scope: 'admin',
      params: s.idParamsSchema,
      responses: { 200: s.deletedSchema },
      async handler(req) {
        const row = await found(req.params.id);
        const consumer = await db('consumers').where({ source_id: row.id }).first('id');
        if (consumer) throw new ApiError(409, `source_id: consumer ${JSON.stringify(consumer.id)} reads this source; delete it first`);
        await db('sources').where({ id: row.id }).delete();
        await ctx.captures.stop(row.id);
        return { deleted: true };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/sources/:id/start',
      summary: 'Install what each table\'s mode needs (idempotent) and begin capture',
      scope: 'admin',
      params: s.idParamsSchema,
      responses: { 200: s.startedSchema },
      async handler(req) {
        const row = await found(req.params.id);
        // The conditional update is the claim: of two concurrent starts (here or on another
        // `cdc serve` of the same registry) exactly one changes the row.
        const claimed = await db('sources').where({ id: row.id }).whereNot({ status: 'STARTED' }).update({ status: 'STARTED', updated_at: new Date().toISOString() });
        if (claimed === 0) throw new ApiError(409, `source_id: source ${JSON.stringify(row.id)} is already started`);
        try {
          await ctx.captures.start(await loadSourceSpec(db, ctx.box, row));
        } catch (err) {
          await db('sources').where({ id: row.id }).update({ status: row.status, updated_at: new Date().toISOString() });
          if (err instanceof ApiError) throw err;
          // The database's own preconditions (e.g. REPLICA IDENTITY FULL for WAL capture) are the caller's to fix.
          if (err instanceof UserInputError || err instanceof ConfigError) throw new ApiError(400, `source_id: cannot start ${JSON.stringify(row.id)}: ${oneLine(err)}`);
          throw new ApiError(502, `source_id: cannot start ${JSON.stringify(row.id)}: ${oneLine(err)}`);
        }
        const tables = await tableStatuses(ctx, row);
        return { status: 'STARTED', checkpoint: Object.fromEntries(tables.map((t) => [t.table, t.checkpoint])) };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/sources/:id/stop',
      summary: 'Stop capture; checkpoints are kept, so a later start resumes where this stopped',
      scope: 'admin',
      params: s.idParamsSchema,
      responses: { 200: s.stoppedSchema },
      async handler(req) {
        const row = await found(req.params.id);
        const changed = await db('sources').where({ id: row.id, status: 'STARTED' }).update({ status: 'STOPPED', updated_at: new Date().toISOString() });
        if (changed === 0) throw new ApiError(409, `source_id: source ${JSON.stringify(row.id)} is not started`);
        await ctx.captures.stop(row.id);
        return { status: 'STOPPED' };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/sources/:id/status',
      summary: 'Capture status: lag, rate, and per table mode, backlog and checkpoint (as cdc status)',
      scope: 'read',
      params: s.idParamsSchema,
      responses: { 200: s.sourceStatusSchema },
      async handler(req) {
        const row = await found(req.params.id);
        const tables = await tableStatuses(ctx, row);
        const stats = ctx.captures.stats(row.id);
        return {
          status: row.status,
          lag_seconds: Math.max(0, ...tables.map((t) => t.lag_seconds)),
          changes_per_second: stats.changesPerSecond,
          last_captured_timestamp: stats.lastCapturedAt,
          tables,
        };
      },
    },
  ];
}

/** Per-table options keyed by the qualified names the registry keeps (`users` → `public.users`). */
function qualifiedOptions(body: s.CreateSource, qualified: string[]): s.SourceOptions {
  // checkSource returns the listed tables qualified, in the order listed.
  const tables = Object.fromEntries(Object.entries(body.options.tables).map(([name, o]) => [qualified[body.tables.indexOf(name)]!, o]));
  return { ...body.options, tables };
}

/** Backlog and checkpoint per table from the adapters' own status (what `cdc status` prints). */
async function tableStatuses(ctx: ServeContext, row: SourceRow) {
  const spec = await loadSourceSpec(ctx.db, ctx.box, row);
  const wanted = await sourceTables(ctx.db, row.id);
  const source = await openSourceDatabase(spec.url).catch((err) => {
    throw new ApiError(502, `source_id: cannot reach the database of ${JSON.stringify(row.id)}: ${oneLine(err)}`);
  });
  try {
    const rows = await source.status();
    const byName = new Map(rows.map((r) => [r.table, r]));
    return wanted.map((t) => {
      const r = byName.get(t.table_name) ?? byName.get(qualifiedName(parseTableRef(t.table_name, source.defaultSchema)));
      return { table: t.table_name, mode: r?.mode ?? t.mode, backlog: r?.backlog ?? 0, checkpoint: r?.checkpoint ?? null, lag_seconds: r?.lagSeconds ?? 0 };
    });
  } finally {
    await source.close();
  }
}
