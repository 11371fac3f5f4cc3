import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ListQuery, OptionalNoteRequest, Problem, Purchase, PurchaseSummary } from '@shanhai/domain';
import type { ApiConfig } from '../../env';
import { sendCsv } from '../../lib/csv';
import { sendPage } from '../../lib/cursor';
import { found, notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import * as svc from './purchases-service';

const IdParams = z.strictObject({ id: z.uuid() });
const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** A buyer's purchases: the lists, one purchase, approval and cancelling before payment. */
const purchasesRoutes: FastifyPluginAsyncZod<{ config: ApiConfig }> = async (app, opts) => {
  const settings = svc.purchaseSettings(opts.config);

  app.get(
    '/purchases',
    {
      schema: {
        tags: ['purchases'],
        summary:
          "My org's purchases (office: all), a page at a time (cursor, limit; the next cursor in x-next-cursor); ?format=csv streams every row",
        ...guarded,
        querystring: ListQuery,
        response: { 200: z.array(PurchaseSummary), ...problems },
      },
      preHandler: app.guard({ kinds: ['buyer', 'office'] }),
    },
    async (request, reply) => {
      if (request.query.format !== 'csv') {
        return sendPage(reply, await svc.listPurchases(app.db, principalOf(request), request.query));
      }
      const all = svc.allPurchases(app.db, principalOf(request), request.query);
      return sendCsv(
        reply,
        'purchases.csv',
        ['id', 'created_at', 'buyer', 'status', 'payment_method', 'total_fen', 'remittance_ref', 'orders'],
        (async function* () {
          for await (const p of all)
            yield [
              p.id,
              p.createdAt,
              p.buyerOrgName,
              p.status,
              p.paymentMethod,
              p.totalFen,
              p.remittanceRef,
              p.orderCount,
            ];
        })(),
      );
    },
  );

  app.get(
    '/purchases/:id',
    {
      schema: { tags: ['purchases'], ...guarded, params: IdParams, response: { 200: Purchase, ...problems } },
      preHandler: app.guard(),
    },
    async (request) =>
      found(await svc.getPurchase(app.db, principalOf(request), request.params.id, settings), 'Purchase'),
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/purchases/:id/${decision}`,
      {
        schema: {
          tags: ['purchases'],
          summary: `Approver: ${decision} a purchase above the org's threshold`,
          ...guarded,
          params: IdParams,
          body: OptionalNoteRequest,
          response: { 200: Purchase, ...problems },
        },
        preHandler: app.guard({ kinds: ['buyer'], roles: ['owner', 'manager'] }),
      },
      async (request) => {
        const principal = principalOf(request);
        const r = await svc.decidePurchase(
          app.db,
          principal,
          request.params.id,
          decision,
          settings,
          request.body?.note,
        );
        if (!r) throw notFound('Purchase');
        if (r.expiresAt) await app.queues.expirePurchaseAt(request.params.id, r.expiresAt);
        await app.queues.notifySoon();
        return (await svc.getPurchase(app.db, principal, request.params.id, settings))!;
      },
    );
  }

  app.post(
    '/purchases/:id/cancel',
    {
      schema: {
        tags: ['purchases'],
        summary: 'Cancel an unpaid purchase; its stock comes back and a card intent made for it is cancelled',
        ...guarded,
        params: IdParams,
        body: OptionalNoteRequest,
        response: { 200: Purchase, ...problems },
      },
      preHandler: app.guard({ kinds: ['buyer'] }),
    },
    async (request) => {
      const principal = principalOf(request);
      if (!(await svc.cancelPurchase(app.db, principal, request.params.id, request.body?.note)))
        throw notFound('Purchase');
      // A card intent made for it is cancelled after the commit (a late success is refunded).
      await app.queues.stripeCallsOf(request.params.id);
      return (await svc.getPurchase(app.db, principal, request.params.id, settings))!;
    },
  );
};

export default purchasesRoutes;
