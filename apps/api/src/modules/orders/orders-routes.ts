import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CartImportRequest,
  CartImportResponse,
  CartResponse,
  CheckoutRequest,
  ConfirmTransferRequest,
  ListQuery,
  NoteRequest,
  OptionalNoteRequest,
  Order,
  PaymentOptions,
  PaymentQueueItem,
  Problem,
  Purchase,
  PurchaseSummary,
  PutCartRequest,
  QUEUES,
  ShipRequest,
  SubmitTransferRequest,
} from '@shanhai/domain';
import type { ApiConfig } from '../../env';
import { IdempotencyHeaders, idempotent } from '../../lib/idempotency';
import { badRequest, notFound } from '../../lib/problem';
import { stripeClient } from '../../lib/stripe';
import { principalOf } from '../../plugins/auth';
import * as cart from './cart-service';
import { cardUnavailable, startCardPayment } from './payments-service';
import * as svc from './purchases-service';

const IdParams = z.strictObject({ id: z.uuid() });
const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const DEFAULT_EXPIRY = { transferMs: 72 * 3600_000, cardMs: 30 * 60_000 };
const DEFAULT_BANK = {
  name: '广清对口帮扶消费平台（演示）',
  bank: '中国工商银行广州分行（演示）',
  account: '3602 0000 0000 0000 000',
};

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // A leading = + - @ would run as a formula in a spreadsheet: quote it away.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function sendCsv(reply: FastifyReply, filename: string, header: string[], rows: unknown[][]) {
  const body = '\uFEFF' + [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .serializer((x: unknown) => x as string)
    .send(body as never);
}

const ordersRoutes: FastifyPluginAsyncZod<{ config: ApiConfig }> = async (app, opts) => {
  const config = opts.config;
  const settings: svc.PurchaseSettings = {
    expiry: config.purchaseExpiry ?? DEFAULT_EXPIRY,
    bankAccount: config.bankAccount ?? DEFAULT_BANK,
  };
  const stripe = stripeClient(config);

  const scheduleExpiry = (purchaseId: string, expiresAt: Date) =>
    app.queues.enqueue(
      QUEUES.purchaseExpiry,
      'expire',
      { purchaseId },
      { delay: Math.max(0, expiresAt.getTime() - Date.now()), jobId: `expire-${purchaseId}-${expiresAt.getTime()}` },
    );

  // ---- cart ----
  const buyerOnly = app.guard({ kinds: ['buyer'] });
  app.get(
    '/cart',
    {
      schema: {
        tags: ['cart'],
        summary: 'My cart with per-line checks and tier prices',
        ...guarded,
        response: { 200: CartResponse, ...problems },
      },
      preHandler: buyerOnly,
    },
    async (request) => cart.getCart(app.db, principalOf(request).userId),
  );
  app.put(
    '/cart',
    {
      schema: {
        tags: ['cart'],
        summary: 'Replace my cart; two lines of one product are summed',
        ...guarded,
        body: PutCartRequest,
        response: { 200: CartResponse, ...problems },
      },
      preHandler: buyerOnly,
    },
    async (request) => app.db.transaction((tx) => cart.putCart(tx, principalOf(request).userId, request.body)),
  );
  // An uploaded file may come as the raw body (`content-type: text/csv`) instead of JSON `{ csv }`.
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 200_000 }, (_req, body, done) =>
    done(null, { csv: body }),
  );
  app.post(
    '/cart/import',
    {
      schema: {
        tags: ['cart'],
        summary:
          'Quick order: CSV `product id or name, quantity` as JSON `{ csv }` or a text/csv body; a per-row report',
        ...guarded,
        body: CartImportRequest,
        response: { 200: CartImportResponse, ...problems, 413: Problem },
      },
      preHandler: buyerOnly,
    },
    async (request) => {
      const userId = principalOf(request).userId;
      const rows = await app.db.transaction((tx) => cart.importCart(tx, userId, request.body.csv));
      return { rows, cart: await cart.getCart(app.db, userId) };
    },
  );

  // ---- purchases ----
  app.post(
    '/purchases',
    {
      schema: {
        tags: ['purchases'],
        summary:
          'Check the cart out: one purchase, one order per cooperative; stock taken atomically (Idempotency-Key)',
        ...guarded,
        headers: IdempotencyHeaders,
        body: CheckoutRequest,
        response: { 201: Purchase, ...problems, 422: Problem },
      },
      preHandler: buyerOnly,
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (request.body.paymentMethod === 'card' && !stripe) throw cardUnavailable();
      const out = await idempotent(
        app.db,
        {
          orgId: principal.orgId,
          key: request.headers['idempotency-key'],
          scope: 'POST /api/v1/purchases',
          request: request.body,
        },
        async (tx) => {
          const { purchase, takeStock } = await svc.checkout(tx, principal, request.body, settings);
          return { status: 201, body: purchase, final: takeStock };
        },
      );
      if (!out.replayed) await scheduleExpiry(out.body.id, new Date(out.body.expiresAt));
      if (!out.replayed && out.body.status === 'pending_approval') await app.queues.notifySoon();
      return reply.status(out.status).header('idempotent-replayed', String(out.replayed)).send(out.body);
    },
  );

  app.get(
    '/purchases',
    {
      schema: {
        tags: ['purchases'],
        summary: "My org's purchases (office: all); ?format=csv",
        ...guarded,
        querystring: ListQuery,
        response: { 200: z.array(PurchaseSummary), ...problems },
      },
      preHandler: app.guard({ kinds: ['buyer', 'office'] }),
    },
    async (request, reply) => {
      const list = await svc.listPurchases(app.db, principalOf(request), request.query);
      if (request.query.format !== 'csv') return list;
      return sendCsv(
        reply,
        'purchases.csv',
        ['id', 'created_at', 'buyer', 'status', 'payment_method', 'total_fen', 'remittance_ref', 'orders'],
        list.map((p) => [
          p.id,
          p.createdAt,
          p.buyerOrgName,
          p.status,
          p.paymentMethod,
          p.totalFen,
          p.remittanceRef,
          p.orderCount,
        ]),
      );
    },
  );

  app.get(
    '/purchases/:id',
    {
      schema: { tags: ['purchases'], ...guarded, params: IdParams, response: { 200: Purchase, ...problems } },
      preHandler: app.guard(),
    },
    async (request) => {
      const p = await svc.getPurchase(app.db, principalOf(request), request.params.id, settings);
      if (!p) throw notFound('Purchase');
      return p;
    },
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
        if (r.expiresAt) await scheduleExpiry(request.params.id, r.expiresAt);
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
        summary: 'Cancel an unpaid purchase; its stock comes back',
        ...guarded,
        params: IdParams,
        body: OptionalNoteRequest,
        response: { 200: Purchase, ...problems },
      },
      preHandler: buyerOnly,
    },
    async (request) => {
      const principal = principalOf(request);
      if (!(await svc.cancelPurchase(app.db, principal, request.params.id, request.body?.note)))
        throw notFound('Purchase');
      return (await svc.getPurchase(app.db, principal, request.params.id, settings))!;
    },
  );

  app.post(
    '/purchases/:id/pay',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Transfer: submit the amount paid and the bank reference. Card: create the PaymentIntent and get its client secret',
        ...guarded,
        params: IdParams,
        body: SubmitTransferRequest.partial().strict().nullish(),
        response: { 200: Purchase, ...problems, 422: Problem },
      },
      preHandler: buyerOnly,
    },
    async (request) => {
      const principal = principalOf(request);
      const current = await svc.getPurchase(app.db, principal, request.params.id, settings);
      if (!current) throw notFound('Purchase');
      if (current.paymentMethod === 'card') {
        const r = await startCardPayment(app.db, stripe, principal, request.params.id);
        if (!r) throw notFound('Purchase');
        const p = (await svc.getPurchase(app.db, principal, request.params.id, settings))!;
        return { ...p, payment: p.payment && { ...p.payment, clientSecret: r.clientSecret } };
      }
      const body = request.body ?? {};
      if (body.amountFen === undefined) throw badRequest('body.amountFen', 'is required for a bank transfer');
      if (body.reference === undefined) throw badRequest('body.reference', 'is required for a bank transfer');
      await svc.submitTransfer(app.db, principal, request.params.id, body.amountFen, body.reference);
      await app.queues.notifySoon();
      return (await svc.getPurchase(app.db, principal, request.params.id, settings))!;
    },
  );

  // ---- payments ----
  app.get(
    '/payments/options',
    {
      schema: {
        tags: ['payments'],
        summary:
          'How purchases can be paid here; card (with the Stripe publishable key) only when Stripe is configured',
        ...guarded,
        response: { 200: PaymentOptions, ...problems },
      },
      preHandler: app.guard(),
    },
    async () => ({
      methods: config.stripe ? ['transfer' as const, 'card' as const] : ['transfer' as const],
      stripePublishableKey: config.stripe?.publishableKey ?? null,
    }),
  );

  // ---- payments (office) ----
  app.get(
    '/payments',
    {
      schema: {
        tags: ['payments'],
        summary: 'Office payment queue: transfers awaiting confirmation (or ?status=); ?format=csv',
        ...guarded,
        querystring: ListQuery.pick({ status: true, format: true }),
        response: { 200: z.array(PaymentQueueItem), ...problems },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async (request, reply) => {
      const list = await svc.paymentQueue(app.db, request.query);
      if (request.query.format !== 'csv') return list;
      return sendCsv(
        reply,
        'payments.csv',
        [
          'purchase_id',
          'buyer',
          'remittance_ref',
          'method',
          'status',
          'amount_fen',
          'submitted_amount_fen',
          'submitted_reference',
          'submitted_at',
        ],
        list.map((p) => [
          p.purchaseId,
          p.buyerOrgName,
          p.remittanceRef,
          p.method,
          p.status,
          p.amountFen,
          p.submittedAmountFen,
          p.submittedReference,
          p.submittedAt,
        ]),
      );
    },
  );

  app.post(
    '/payments/:id/confirm-transfer',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Office: confirm receipt of a bank transfer of exactly the amount due (id = purchase id); marks it paid',
        ...guarded,
        params: IdParams,
        body: ConfirmTransferRequest,
        response: { 200: Purchase, ...problems },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async (request) => {
      const principal = principalOf(request);
      const r = await svc.confirmTransfer(app.db, principal, request.params.id, request.body.amountFen);
      if (!r) throw notFound('Purchase');
      if (r === 'paid') await Promise.all([app.queues.tallySoon(), app.queues.notifySoon()]);
      return (await svc.getPurchase(app.db, principal, request.params.id, settings))!;
    },
  );

  // ---- orders ----
  app.get(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: "Orders: a cooperative's queue, a buyer's orders, all for the office; ?format=csv",
        ...guarded,
        querystring: ListQuery,
        response: { 200: z.array(Order), ...problems },
      },
      preHandler: app.guard(),
    },
    async (request, reply) => {
      const list = await svc.listOrders(app.db, principalOf(request), request.query);
      if (request.query.format !== 'csv') return list;
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
        list.map((o) => [
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
        ]),
      );
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: { tags: ['orders'], ...guarded, params: IdParams, response: { 200: Order, ...problems } },
      preHandler: app.guard(),
    },
    async (request) => {
      const o = await svc.getOrder(app.db, principalOf(request), request.params.id);
      if (!o) throw notFound('Order');
      return o;
    },
  );

  const refund = async (paymentIntentId: string, amountFen: number, orderId: string) => {
    if (!stripe) throw cardUnavailable();
    const r = await stripe.refunds.create(
      { payment_intent: paymentIntentId, amount: amountFen, metadata: { orderId } },
      { idempotencyKey: `refund-${orderId}` },
    );
    return r.id;
  };
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
        const r = await svc.actOnOrder(app.db, principal, request.params.id, action, input, refund);
        if (!r) throw notFound('Order');
        if (r.ledgerChanged) await app.queues.tallySoon();
        if (action !== 'cancel' && action !== 'refund') await app.queues.notifySoon();
        return (await svc.getOrder(app.db, principal, request.params.id))!;
      },
    );
  }
};

export default ordersRoutes;
