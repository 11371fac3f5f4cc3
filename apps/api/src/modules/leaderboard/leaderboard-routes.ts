import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { desc } from 'drizzle-orm';
import { Gauge } from 'prom-client';
import { schema, untalliedCount, type DriftItem } from '@shanhai/db';
import { businessDate, businessYear, IsoDate, LeaderboardBy, Problem, QUEUES, TallyStatus, TownDashboard, Year } from '@shanhai/domain';
import { notFound } from '../../lib/problem';
import { leaderboard } from './leaderboard-service';
import { townDashboard } from './dashboard-service';

/** Today's business date, recomputed at most once a second (it is asked on every board request). */
let today = { at: 0, date: '' };
function todayCached(): string {
  const now = Date.now();
  if (now - today.at > 1_000) today = { at: now, date: businessDate(new Date(now)) };
  return today.date;
}

const LeaderboardQuery = z.strictObject({ year: Year.optional(), by: LeaderboardBy.default('town'), asOf: IsoDate.optional() });

const leaderboardRoutes: FastifyPluginAsyncZod = async (app) => {
  new Gauge({
    name: 'shanhai_tally_drift_rows',
    help: 'Tally rows that differed from the ledger at the last reconcile (repaired then)',
    registers: [app.metrics],
    async collect() {
      const [last] = await app.db.select({ n: schema.tallyReconciliations.driftRows }).from(schema.tallyReconciliations).orderBy(desc(schema.tallyReconciliations.finishedAt)).limit(1);
      this.set(last?.n ?? 0);
    },
  });

  app.get(
    '/leaderboard',
    {
      schema: {
        tags: ['leaderboard'],
        summary: 'The leaderboard by town, county, buyer org, category or product (top 50), as at the end of asOf (default today). Public; fen.',
        description: 'Served from an in-process cache of the serialised answer, dropped when the tally worker announces a change. Supports ETag / If-None-Match.',
        querystring: LeaderboardQuery,
        // 200: the Leaderboard contract (packages/domain), sent pre-serialised from the cache.
        response: { 200: z.unknown(), 304: z.null(), 400: Problem },
      },
      // The hottest route: a cached JSON body. Helmet's dozen HTML-oriented headers (CSP, frame
      // options, …) cost ~40% of its throughput and mean nothing for JSON; nosniff is set below.
      helmet: false,
    },
    async (request, reply) => {
      const asOf = request.query.asOf ?? todayCached();
      const year = request.query.year ?? (request.query.asOf ? Number(asOf.slice(0, 4)) : businessYear());
      const { by } = request.query;
      const entry = await app.leaderboardLive.cached(`${year}|${by}|${asOf}`, () => leaderboard(app.db, year, by, asOf));
      reply.header('etag', entry.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
      if (request.headers['if-none-match'] === entry.etag) return reply.code(304).send(null);
      return reply.type('application/json; charset=utf-8').send(entry.body);
    },
  );

  app.get(
    '/leaderboard/stream',
    {
      schema: {
        tags: ['leaderboard'],
        summary: 'Server-sent events: `changed` after each tally batch (id = board version), heartbeats; reconnect with Last-Event-ID',
        querystring: z.strictObject({ lastEventId: z.coerce.number().int().min(0).optional() }),
      },
    },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      const lastEventId = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : (request.query.lastEventId ?? null);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const remove = await app.leaderboardLive.addClient(res, lastEventId);
      request.raw.on('close', remove);
    },
  );

  app.get(
    '/towns/:id/dashboard',
    {
      schema: {
        tags: ['leaderboard'],
        summary: 'A town’s year: monthly sales this year vs last, top buyer orgs (names only), top categories, offline vs platform share',
        params: z.strictObject({ id: z.uuid() }),
        querystring: z.strictObject({ year: Year.optional() }),
        response: { 200: TownDashboard, 400: Problem, 404: Problem },
      },
    },
    async (request) => {
      const d = await townDashboard(app.db, request.params.id, request.query.year ?? businessYear());
      if (!d) throw notFound('Town');
      return d;
    },
  );

  app.get(
    '/tallies/status',
    {
      schema: {
        tags: ['leaderboard'],
        summary: 'Rows waiting for the tally worker and the last reconcile (office console banner)',
        security: [{ bearer: [] }],
        response: { 200: TallyStatus, 401: Problem, 403: Problem },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async () => {
      const [last] = await app.db.select().from(schema.tallyReconciliations).orderBy(desc(schema.tallyReconciliations.finishedAt)).limit(1);
      return {
        untallied: await untalliedCount(app.db),
        lastReconcile: last
          ? { trigger: last.trigger, finishedAt: last.finishedAt.toISOString(), ledgerRows: last.ledgerRows, driftRows: last.driftRows, details: last.details as DriftItem[] }
          : null,
      };
    },
  );

  app.post(
    '/tallies/reconcile',
    {
      schema: {
        tags: ['leaderboard'],
        summary: 'Run reconcile now (office staff): recompute every tally from the ledger, report and repair drift',
        security: [{ bearer: [] }],
        response: { 202: z.object({ queued: z.boolean() }), 401: Problem, 403: Problem },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async (_request, reply) => {
      const queued = await app.queues.enqueue(QUEUES.reconcile, 'manual', { trigger: 'manual' }, { deduplication: { id: 'reconcile-manual' } });
      return reply.code(202).send({ queued });
    },
  );
};

export default leaderboardRoutes;
