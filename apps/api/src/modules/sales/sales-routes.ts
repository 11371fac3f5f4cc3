import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import {
  CreateOfflineSaleRequest,
  CreatePairingRequest,
  CreateSnapshotRequest,
  ImportResult,
  OfflineSale,
  OfflineSaleStatus,
  Pairing,
  Problem,
  QUEUES,
  ReasonRequest,
  Snapshot,
  SnapshotSummary,
} from '@shanhai/domain';
import { IdempotencyHeaders, idempotent } from '../../lib/idempotency';
import { HttpProblem, notFound } from '../../lib/problem';
import { EVIDENCE_TYPES, readSingleFile } from '../../lib/uploads';
import { acceptUploads } from '../../plugins/uploads';
import { ACCESS_TOKEN_SECONDS, principalOf } from '../../plugins/auth';
import * as sales from './sales-service';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const IdParams = z.strictObject({ id: z.uuid() });

/** Cookie (path /admin/queues) that carries an office access token for browser tabs of Bull Board. */
export const QUEUE_BOARD_COOKIE = 'shanhai_queues';

const salesRoutes: FastifyPluginAsyncZod = async (app) => {
  await acceptUploads(app);
  // Cookies (an onRequest and an onSend hook) only where a route reads or sets one, not app-wide.
  await app.register(cookie);
  const office = app.guard({ kinds: ['office'] });
  const officeOrBuyerManager = app.guard({ kinds: ['office', 'buyer'], roles: ['owner', 'manager'] });
  /** After a ledger commit: wake the tally worker (deduplicated); the sweep covers a Redis outage. */

  app.get(
    '/sales/offline',
    {
      schema: {
        tags: ['sales'],
        summary: 'Offline sales records: all for office staff, their own org’s for buyer-org managers',
        security: [{ bearer: [] }],
        querystring: z.strictObject({ status: OfflineSaleStatus.optional() }),
        response: { 200: z.object({ items: z.array(OfflineSale) }), ...errors },
      },
      preHandler: officeOrBuyerManager,
    },
    async (request) => ({ items: await sales.listOffline(app.db, principalOf(request), request.query.status) }),
  );

  app.post(
    '/sales/offline',
    {
      schema: {
        tags: ['sales'],
        summary:
          'Record an off-platform sale (pending until office staff approve it); Idempotency-Key: a resent form records it once',
        security: [{ bearer: [] }],
        headers: IdempotencyHeaders,
        body: CreateOfflineSaleRequest,
        response: { 201: OfflineSale, ...errors, 422: Problem },
      },
      preHandler: officeOrBuyerManager,
    },
    async (request, reply) => {
      const who = principalOf(request);
      const out = await idempotent(
        app.db,
        {
          orgId: who.orgId,
          key: request.headers['idempotency-key'],
          scope: 'POST /api/v1/sales/offline',
          request: request.body,
        },
        async (tx) => ({
          status: 201,
          body: await sales.createOffline(tx, who, request.body),
        }),
      );
      return reply.code(out.status).header('idempotent-replayed', String(out.replayed)).send(out.body);
    },
  );

  app.post(
    '/sales/offline/:id/evidence',
    {
      schema: {
        tags: ['sales'],
        summary: `Attach an evidence file (photo or PDF, content-checked; at most ${sales.MAX_EVIDENCE_FILES}) to a pending record`,
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: OfflineSale, ...errors },
      },
      preHandler: officeOrBuyerManager,
    },
    async (request) => {
      const who = principalOf(request);
      if (!(await sales.visibleOffline(app.db, who, request.params.id))) throw notFound('Offline sale');
      const { buffer, filename } = await readSingleFile(request);
      const stored = await app.files.store({
        bytes: buffer,
        allowed: EVIDENCE_TYPES,
        ownerOrgId: who.orgId,
        purpose: 'offline_evidence',
        visibility: 'private',
        uploadedBy: who.userId,
      });
      return sales.addEvidence(app.db, request.params.id, stored, filename);
    },
  );

  for (const action of ['approve', 'reject', 'reverse'] as const) {
    app.post(
      `/sales/offline/:id/${action}`,
      {
        schema: {
          tags: ['sales'],
          summary:
            action === 'approve'
              ? 'Approve a pending record: credits it to the ledger (office staff)'
              : action === 'reject'
                ? 'Reject a pending record with a reason (office staff)'
                : 'Reverse an approved record with a reason: appends a negative ledger row (office staff)',
          security: [{ bearer: [] }],
          params: IdParams,
          ...(action === 'approve' ? {} : { body: ReasonRequest }),
          response: { 200: OfflineSale, ...errors },
        },
        preHandler: office,
      },
      async (request) => {
        const reason = (request.body as { reason?: string } | undefined)?.reason ?? null;
        const result = await sales.decideOffline(app.db, principalOf(request), request.params.id, action, reason);
        if (!result) throw notFound('Offline sale');
        if (action !== 'reject') await app.queues.tallySoon();
        return result;
      },
    );
  }

  app.post(
    '/sales/import',
    {
      schema: {
        tags: ['sales'],
        summary:
          'Import historical daily sales per town from CSV or XLSX (office staff). dryRun=true reports per-row errors and totals per town; a commit is idempotent per file row.',
        security: [{ bearer: [] }],
        querystring: z.strictObject({ dryRun: z.enum(['true', 'false']).default('true') }),
        response: { 200: ImportResult, ...errors },
      },
      preHandler: office,
    },
    async (request) => {
      const { buffer, filename } = await readSingleFile(request);
      const dryRun = request.query.dryRun === 'true';
      const result = await sales.importSales(app.db, principalOf(request), buffer, filename, dryRun);
      if (result.addedRows > 0) await app.queues.tallySoon();
      return result;
    },
  );

  app.get(
    '/snapshots',
    {
      schema: {
        tags: ['reports'],
        summary: 'Frozen leaderboards, newest first (office staff)',
        security: [{ bearer: [] }],
        response: { 200: z.object({ items: z.array(SnapshotSummary) }), ...errors },
      },
      preHandler: office,
    },
    async () => ({ items: await sales.listSnapshots(app.db) }),
  );

  app.post(
    '/snapshots',
    {
      schema: {
        tags: ['reports'],
        summary: 'Freeze the town leaderboard as of a date under a title (immutable)',
        security: [{ bearer: [] }],
        body: CreateSnapshotRequest,
        response: { 201: Snapshot, ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const { title, asOf } = request.body;
      const year = request.body.year ?? Number(asOf.slice(0, 4));
      return reply.code(201).send(await sales.createSnapshot(app.db, principalOf(request), title, asOf, year));
    },
  );

  app.get(
    '/snapshots/:id',
    {
      schema: {
        tags: ['reports'],
        summary: 'One snapshot with its rows',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: Snapshot, ...errors },
      },
      preHandler: office,
    },
    async (request) => {
      const s = await sales.getSnapshot(app.db, request.params.id);
      if (!s) throw notFound('Snapshot');
      return s;
    },
  );

  app.get(
    '/snapshots/:id/export',
    {
      schema: {
        tags: ['reports'],
        summary: 'Download a snapshot as XLSX or CSV with Chinese headers',
        security: [{ bearer: [] }],
        params: IdParams,
        querystring: z.strictObject({ format: z.enum(['xlsx', 'csv']).default('xlsx') }),
        response: { 200: z.unknown(), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const s = await sales.getSnapshot(app.db, request.params.id);
      if (!s) throw notFound('Snapshot');
      const name = encodeURIComponent(`${s.title}-${s.asOf}.${request.query.format}`);
      reply.header('content-disposition', `attachment; filename*=UTF-8''${name}`);
      if (request.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(sales.snapshotCsv(s));
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .send(await sales.snapshotXlsx(s));
    },
  );

  app.get(
    '/pairings',
    {
      schema: {
        tags: ['regions'],
        summary: 'Pairings of buyer orgs with towns (office: all; a buyer org: its own)',
        security: [{ bearer: [] }],
        querystring: z.strictObject({ townId: z.uuid().optional() }),
        response: { 200: z.object({ items: z.array(Pairing) }), ...errors },
      },
      preHandler: app.guard({ kinds: ['office', 'buyer'] }),
    },
    async (request) => ({ items: await sales.listPairings(app.db, principalOf(request), request.query) }),
  );

  app.post(
    '/pairings',
    {
      schema: {
        tags: ['regions'],
        summary: 'Pair a buyer org with a town (office staff; audit-logged)',
        security: [{ bearer: [] }],
        body: CreatePairingRequest,
        response: { 201: Pairing, ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const p = await sales.createPairing(app.db, principalOf(request), request.body);
      await app.leaderboardLive.announce();
      return reply.code(201).send(p);
    },
  );

  app.delete(
    '/pairings/:id',
    {
      schema: {
        tags: ['regions'],
        summary: 'Remove a pairing (office staff; audit-logged)',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 204: z.null(), ...errors },
      },
      preHandler: office,
    },
    async (request, reply) => {
      if (!(await sales.deletePairing(app.db, principalOf(request), request.params.id))) throw notFound('Pairing');
      await app.leaderboardLive.announce();
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/admin/queues/session',
    {
      schema: {
        tags: ['sales'],
        summary:
          'Lets the office console open Bull Board (/admin/queues) in a browser tab: puts the caller’s access token in an httpOnly cookie scoped to that path',
        security: [{ bearer: [] }],
        response: { 204: z.null(), 401: Problem, 403: Problem },
      },
      preHandler: office,
    },
    async (request, reply) => {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /i, '');
      // The same short-lived access token, readable only by requests to /admin/queues.
      reply.setCookie(QUEUE_BOARD_COOKIE, token, {
        path: '/admin/queues',
        httpOnly: true,
        sameSite: 'strict',
        secure: 'auto',
        maxAge: ACCESS_TOKEN_SECONDS,
      });
      return reply.code(204).send(null);
    },
  );
};

export default salesRoutes;

/** Bull Board at /admin/queues for office staff (bearer token), registered at the root. */
export async function registerQueueBoard(app: FastifyInstance): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath('/admin/queues');
  createBullBoard({
    queues: [QUEUES.tally, QUEUES.reconcile, QUEUES.purchaseExpiry, QUEUES.housekeeping].map(
      (q) => new BullMQAdapter(app.queues.get(q), { readOnlyMode: false }),
    ),
    serverAdapter,
  });
  await app.register(async (scope) => {
    await scope.register(cookie);
    const guard = app.guard({ kinds: ['office'] });
    // Bull Board installs its own error handler, so the guard answers its problem itself.
    scope.addHook('onRequest', async (request, reply) => {
      // A browser tab has no Authorization header: the cookie from /api/v1/admin/queues/session stands in.
      const fromCookie = request.cookies[QUEUE_BOARD_COOKIE];
      if (!request.headers.authorization && fromCookie) request.headers.authorization = `Bearer ${fromCookie}`;
      try {
        await guard(request, reply);
      } catch (err) {
        if (!(err instanceof HttpProblem)) throw err;
        return reply.code(err.status).type('application/problem+json').send({
          type: 'about:blank',
          title: err.code,
          status: err.status,
          code: err.code,
          detail: err.message,
          requestId: request.id,
        });
      }
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: '/admin/queues' });
  });
}
