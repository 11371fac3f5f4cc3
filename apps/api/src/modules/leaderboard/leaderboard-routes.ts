import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { variedQueryLimit } from '../../lib/rate-limit';
import { z } from 'zod';
import { desc } from 'drizzle-orm';
import { Gauge } from 'prom-client';
import { schema, untalliedCount, type DriftItem } from '@shanhai/db';
import {
  businessDate,
  businessYear,
  IsoDate,
  LeaderboardBy,
  Problem,
  QUEUES,
  RecentSales,
  RecentSalesQuery,
  TallyStatus,
  TownDashboard,
  Year,
} from '@shanhai/domain';
import { notModified, preferredCoding, type ContentCoding } from '../../lib/http-cache';
import { notFound } from '../../lib/problem';
import type { Representation } from './leaderboard-live';
import { leaderboard } from './leaderboard-service';
import { townDashboard } from './dashboard-service';
import { recentSales } from './recent-sales-service';

/** Today's business date, recomputed at most once a second (it is asked on every board request). */
let today = { at: 0, date: '' };
function todayCached(): string {
  const now = Date.now();
  if (now - today.at > 1_000) today = { at: now, date: businessDate(new Date(now)) };
  return today.date;
}

const LeaderboardQuery = z.strictObject({
  year: Year.optional(),
  by: LeaderboardBy.default('town'),
  asOf: IsoDate.optional(),
});

const leaderboardRoutes: FastifyPluginAsyncZod<{ publicQueryLimit: { max: number; windowMs: number } }> = async (
  app,
  opts,
) => {
  new Gauge({
    name: 'shanhai_tally_drift_rows',
    help: 'Tally rows that differed from the ledger at the last reconcile (repaired then)',
    registers: [app.metrics],
    async collect() {
      const [last] = await app.db
        .select({ n: schema.tallyReconciliations.driftRows })
        .from(schema.tallyReconciliations)
        .orderBy(desc(schema.tallyReconciliations.finishedAt))
        .limit(1);
      this.set(last?.n ?? 0);
    },
  });

  /** Sends one representation of a cached board, or 304 when the client already holds it. */
  const sendBoard = (request: FastifyRequest, reply: FastifyReply, r: Representation, coding: ContentCoding | null) => {
    // Revalidate every time (the board moves with each tally batch): a matching ETag costs a 304.
    reply.header('etag', r.etag).header('cache-control', 'public, no-cache').header('vary', 'accept-encoding');
    if (notModified(request.headers['if-none-match'], r.etag)) return reply.code(304).send();
    if (coding) reply.header('content-encoding', coding);
    return reply.type('application/json; charset=utf-8').send(r.body);
  };

  app.get(
    '/leaderboard',
    {
      schema: {
        tags: ['leaderboard'],
        summary:
          'The leaderboard by town, county, buyer org, category or product (top 50), as at the end of asOf (default today). Public; fen.',
        description:
          'Served from an in-process cache of the serialised answer (and its br/gzip codings), dropped when the tally worker announces a change. ' +
          'Strong ETag per coding; If-None-Match answers 304.',
        querystring: LeaderboardQuery,
        // 200: the Leaderboard contract (packages/domain), sent pre-serialised from the cache.
        response: { 200: z.unknown(), 304: z.null(), 400: Problem },
      },
      // Today's boards are cached and cheap; a past asOf or another year is computed: per-IP budget.
      config: variedQueryLimit(opts.publicQueryLimit, (request) => {
        const q = request.query as { asOf?: string; year?: number };
        return q.asOf !== undefined || q.year !== undefined;
      }),
    },
    // The hottest route: answered without a promise when the board is cached and its coding built.
    (request, reply) => {
      const { query } = request;
      const asOf = query.asOf ?? todayCached();
      const year = query.year ?? (query.asOf ? Number(asOf.slice(0, 4)) : businessYear());
      const key = `${year}|${query.by}|${asOf}`;
      const coding = preferredCoding(request.headers['accept-encoding']);
      const hit = app.leaderboardLive.peek(key);
      if (hit) {
        const r = coding ? hit.encoded(coding) : hit.identity;
        if (!(r instanceof Promise)) {
          sendBoard(request, reply, r, coding);
          return;
        }
      }
      return (async () => {
        const entry = hit ?? (await app.leaderboardLive.cached(key, () => leaderboard(app.db, year, query.by, asOf)));
        return sendBoard(request, reply, coding ? await entry.encoded(coding) : entry.identity, coding);
      })();
    },
  );

  app.get(
    '/leaderboard/stream',
    {
      schema: {
        tags: ['leaderboard'],
        summary:
          'Server-sent events: `changed` after each tally batch (id = board version), heartbeats; reconnect with Last-Event-ID',
        querystring: z.strictObject({ lastEventId: z.coerce.number().int().min(0).optional() }),
      },
    },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      const lastEventId =
        typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : (request.query.lastEventId ?? null);
      reply.hijack();
      await app.leaderboardLive.addClient(app.sse.open(reply.raw), lastEventId);
    },
  );

  app.get(
    '/towns/:id/dashboard',
    {
      schema: {
        tags: ['leaderboard'],
        summary:
          'A town’s year: monthly sales this year vs last, top buyer orgs (amounts for the office and the buyer’s own row only), top categories, offline vs platform share',
        params: z.strictObject({ id: z.uuid() }),
        querystring: z.strictObject({ year: Year.optional() }),
        response: { 200: TownDashboard, 400: Problem, 401: Problem, 404: Problem },
      },
      preHandler: app.optionalAuth(),
    },
    async (request) => {
      const d = await townDashboard(app.db, request.params.id, request.query.year ?? businessYear());
      if (!d) throw notFound('Town');
      const who = request.principal;
      if (who?.orgKind === 'office') return d;
      return {
        ...d,
        topBuyers: d.topBuyers.map((b) => (b.buyerOrgId === who?.orgId ? b : { ...b, salesFen: null })),
      };
    },
  );

  app.get(
    '/leaderboard/recent-sales',
    {
      schema: {
        tags: ['leaderboard'],
        summary:
          'The latest credited sales, newest first (the wall screen’s ticker): town, product or category, amount, time; never the buyer. The newest 20 unless `limit` says (at most 50); nextCursor reads older ones',
        security: [{ bearer: [] }],
        querystring: RecentSalesQuery,
        response: { 200: RecentSales, 400: Problem, 401: Problem, 403: Problem },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async (request) => recentSales(app.db, request.query),
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
      const [last] = await app.db
        .select()
        .from(schema.tallyReconciliations)
        .orderBy(desc(schema.tallyReconciliations.finishedAt))
        .limit(1);
      return {
        untallied: await untalliedCount(app.db),
        lastReconcile: last
          ? {
              trigger: last.trigger,
              finishedAt: last.finishedAt.toISOString(),
              ledgerRows: last.ledgerRows,
              driftRows: last.driftRows,
              details: last.details as DriftItem[],
            }
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
      const queued = await app.queues.enqueue(
        QUEUES.reconcile,
        'manual',
        { trigger: 'manual' },
        { deduplication: { id: 'reconcile-manual' } },
      );
      return reply.code(202).send({ queued });
    },
  );
};

export default leaderboardRoutes;
