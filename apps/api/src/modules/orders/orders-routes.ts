import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CoopDashboard,
  ListQuery,
  NoteRequest,
  OptionalNoteRequest,
  Order,
  Problem,
  ShipRequest,
} from '@shanhai/domain';
import type { ApiConfig } from '../../env';
import { sendCsv } from '../../lib/csv';
import { sendPage } from '../../lib/cursor';
import { found, notFound } from '../../lib/problem';
import { principalOf } from '../../plugins/auth';
import { coopDashboard } from './coop-dashboard-service';
import * as svc from './orders-service';

const IdParams = z.strictObject({ id: z.uuid() });
const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** Orders (one per cooperative of a purchase): the lists and the fulfilment state machine with refunds. */
const ordersRoutes: FastifyPluginAsyncZod<{ config: ApiConfig }> = async (app) => {
  app.get(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary:
          "Orders: a cooperative's queue, a buyer's orders, all for the office; a page at a time (cursor, limit; the next cursor in x-next-cursor); ?format=csv streams every row",
        ...guarded,
        querystring: ListQuery,
        response: { 200: z.array(Order), ...problems },
      },
      preHandler: app.guard(),
    },
    async (request, reply) => {
      if (request.query.format !== 'csv') {
        return sendPage(reply, await svc.listOrders(app.db, principalOf(request), request.query));
      }
      const all = svc.allOrders(app.db, principalOf(request), request.query);
      return sendCsv(
        reply,
        'orders.csv',
        [
          'id',
          'purchase_id',
          'created_at',
          'buyer',
          'cooperative',
          'status',
          'total_fen',
          'carrier',
          'tracking_no',
          'lines',
        ],
        (async function* () {
          for await (const o of all)
            yield [
              o.id,
              o.purchaseId,
              o.createdAt,
              o.buyerOrgName,
              o.cooperativeName,
              o.status,
              o.totalFen,
              o.carrier,
              o.trackingNo,
              o.lines.map((l) => `${l.nameZh}×${l.qty}`).join('; '),
            ];
        })(),
      );
    },
  );

  app.get(
    '/coop/dashboard',
    {
      schema: {
        tags: ['orders'],
        summary:
          "The cooperative's home: orders to ship and to confirm, this and last month's sales, reviews, low stock",
        ...guarded,
        response: { 200: CoopDashboard, 401: Problem, 403: Problem },
      },
      preHandler: app.guard({ kinds: ['cooperative'] }),
    },
    async (request) => coopDashboard(app.db, principalOf(request).orgId),
  );

  app.get(
    '/orders/:id',
    {
      schema: { tags: ['orders'], ...guarded, params: IdParams, response: { 200: Order, ...problems } },
      preHandler: app.guard(),
    },
    async (request) => found(await svc.getOrder(app.db, principalOf(request), request.params.id), 'Order'),
  );

  const actions = [
    ['ship', ShipRequest, 'Cooperative: ship a paid order (carrier, tracking number)'],
    ['deliver', OptionalNoteRequest, 'Cooperative: mark a shipped order delivered'],
    ['accept', OptionalNoteRequest, 'Buyer: accept the delivery (验收)'],
    ['report', NoteRequest, 'Buyer: report a problem with the delivery (note required)'],
    [
      'cancel',
      OptionalNoteRequest,
      'Cancel before shipping: stock back; after payment also a refund and negative ledger rows',
    ],
    ['refund', OptionalNoteRequest, 'Cooperative or office: refund a disputed (or paid) order'],
  ] as const;
  for (const [action, body, summary] of actions) {
    app.post(
      `/orders/:id/${action}`,
      {
        schema: {
          tags: ['orders'],
          summary,
          ...guarded,
          params: IdParams,
          body,
          response: { 200: Order, ...problems },
        },
        preHandler: app.guard(),
      },
      async (request) => {
        const principal = principalOf(request);
        const input = (request.body ?? {}) as { carrier?: string; trackingNo?: string; note?: string };
        const r = await svc.actOnOrder(app.db, principal, request.params.id, action, input);
        if (!r) throw notFound('Order');
        if (action === 'cancel' || action === 'refund') await app.queues.stripeCallsOf(r.purchaseId);
        if (r.ledgerChanged) await app.queues.tallySoon();
        if (r.autoAcceptAt) await app.queues.autoAcceptAt(request.params.id, r.autoAcceptAt);
        if (action !== 'cancel' && action !== 'refund') await app.queues.notifySoon();
        return (await svc.getOrder(app.db, principal, request.params.id))!;
      },
    );
  }
};

export default ordersRoutes;
