import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  QueueCount,
  CreateOfflineSaleRequest,
  OfflineSale,
  OfflineSaleListQuery,
  OfflineSalePage,
  Problem,
  ReasonRequest,
} from '@shanhai/domain';
import { IdempotencyHeaders, idempotentRequest, sendOutcome } from '../../lib/idempotency';
import { notFound } from '../../lib/problem';
import { EVIDENCE_TYPES, readSingleFile } from '../../lib/uploads';
import { acceptUploads } from '../../plugins/uploads';
import { principalOf } from '../../plugins/auth';
import * as sales from './offline-sales-service';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const IdParams = z.strictObject({ id: z.uuid() });

/** Sales made off the platform: recorded with evidence, credited to the ledger once the office approves. */
const offlineSalesRoutes: FastifyPluginAsyncZod = async (app) => {
  await acceptUploads(app);
  const office = app.guard({ kinds: ['office'] });
  // Crediting or debiting the ledger moves money: an office owner or manager.
  const officeManager = app.guard({ kinds: ['office'], roles: ['owner', 'manager'] });
  const officeOrBuyerManager = app.guard({ kinds: ['office', 'buyer'], roles: ['owner', 'manager'] });

  app.get(
    '/sales/offline',
    {
      schema: {
        tags: ['sales'],
        summary:
          'Offline sales records, newest first: all for office staff, their own org’s for buyer-org managers; a page at a time (cursor, limit, nextCursor)',
        security: [{ bearer: [] }],
        querystring: OfflineSaleListQuery,
        response: { 200: OfflineSalePage, ...errors },
      },
      preHandler: officeOrBuyerManager,
    },
    async (request) => sales.listOffline(app.db, principalOf(request), request.query),
  );

  // How many records there are (or ?status=): the office home's badge, without reading every page.
  app.get(
    '/sales/offline/count',
    {
      schema: {
        tags: ['sales'],
        summary:
          'How many offline sales records there are (or ?status=): all for office staff, their own org’s for buyer-org managers',
        security: [{ bearer: [] }],
        querystring: OfflineSaleListQuery.pick({ status: true }),
        response: { 200: QueueCount, ...errors },
      },
      preHandler: officeOrBuyerManager,
    },
    async (request) => ({ count: await sales.countOffline(app.db, principalOf(request), request.query.status) }),
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
      const out = await idempotentRequest(app.db, who.orgId, request, 'POST /api/v1/sales/offline', async (tx) => ({
        status: 201,
        body: await sales.createOffline(tx, who, request.body),
      }));
      if (!out.replayed) await app.queues.notifySoon();
      return sendOutcome(reply, out);
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
              ? 'Approve a pending record: credits it to the ledger (office owner or manager)'
              : action === 'reject'
                ? 'Reject a pending record with a reason (office staff)'
                : 'Reverse an approved record with a reason: appends a negative ledger row (office owner or manager)',
          security: [{ bearer: [] }],
          params: IdParams,
          ...(action === 'approve' ? {} : { body: ReasonRequest }),
          response: { 200: OfflineSale, ...errors },
        },
        preHandler: action === 'reject' ? office : officeManager,
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
};

export default offlineSalesRoutes;
