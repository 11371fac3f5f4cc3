import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ConfirmTransferRequest,
  ListQuery,
  PaymentOptions,
  PaymentQueueItem,
  Problem,
  Purchase,
  QueueCount,
  SubmitTransferRequest,
} from '@shanhai/domain';
import type { ApiConfig } from '../../env';
import { sendCsv } from '../../lib/csv';
import { sendPage } from '../../lib/cursor';
import { conflict, HttpProblem, notFound, ruleBroken } from '../../lib/problem';
import { stripeClient } from '../../lib/stripe';
import { principalOf } from '../../plugins/auth';
import { getPurchase, purchaseSettings } from '../purchases/purchases-service';
import * as svc from './payments-service';

const IdParams = z.strictObject({ id: z.uuid() });
const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** Paying a purchase: a bank transfer the office confirms, or a card through Stripe and its webhook. */
const paymentsRoutes: FastifyPluginAsyncZod<{ config: ApiConfig }> = async (app, opts) => {
  const config = opts.config;
  const settings = purchaseSettings(config);
  const stripe = await stripeClient(config);

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
      preHandler: app.guard({ kinds: ['buyer'] }),
    },
    async (request) => {
      const principal = principalOf(request);
      const current = await getPurchase(app.db, principal, request.params.id, settings);
      if (!current) throw notFound('Purchase');
      if (current.paymentMethod === 'card') {
        const r = await svc.startCardPayment(app.db, stripe, principal, request.params.id);
        if (!r) throw notFound('Purchase');
        if ('superseded' in r) {
          await app.queues.stripeCallsOf(request.params.id);
          throw conflict('amount_changed', 'The amount due changed while paying (an order was cancelled); pay again');
        }
        const p = (await getPurchase(app.db, principal, request.params.id, settings))!;
        return { ...p, payment: p.payment && { ...p.payment, clientSecret: r.clientSecret } };
      }
      const body = request.body ?? {};
      if (body.amountFen === undefined) throw ruleBroken('body.amountFen', 'required_for_transfer');
      if (body.reference === undefined) throw ruleBroken('body.reference', 'required_for_transfer');
      await svc.submitTransfer(app.db, principal, request.params.id, body.amountFen, body.reference);
      await app.queues.notifySoon();
      return (await getPurchase(app.db, principal, request.params.id, settings))!;
    },
  );

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

  // How many payments the queue holds in all (the office home's badge): the list answers a page.
  app.get(
    '/payments/count',
    {
      schema: {
        tags: ['payments'],
        summary: 'How many payments the office queue holds (or ?status=), all of them rather than a page',
        ...guarded,
        querystring: ListQuery.pick({ status: true }),
        response: { 200: QueueCount, ...problems },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async (request) => ({ count: await svc.paymentQueueCount(app.db, request.query) }),
  );

  // The office's queue of transfers to confirm.
  app.get(
    '/payments',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Office payment queue: transfers awaiting confirmation (or ?status=), a page at a time (cursor, limit; the next cursor in x-next-cursor); ?format=csv streams every row',
        ...guarded,
        querystring: ListQuery.pick({ status: true, format: true, cursor: true, limit: true }),
        response: { 200: z.array(PaymentQueueItem), ...problems },
      },
      preHandler: app.guard({ kinds: ['office'] }),
    },
    async (request, reply) => {
      if (request.query.format !== 'csv') {
        return sendPage(reply, await svc.paymentQueue(app.db, request.query));
      }
      const all = svc.allPayments(app.db, request.query);
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
        (async function* () {
          for await (const p of all)
            yield [
              p.purchaseId,
              p.buyerOrgName,
              p.remittanceRef,
              p.method,
              p.status,
              p.amountFen,
              p.submittedAmountFen,
              p.submittedReference,
              p.submittedAt,
            ];
        })(),
      );
    },
  );

  app.post(
    '/payments/:id/confirm-transfer',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Office owner or manager: confirm receipt of a bank transfer of exactly the amount due (id = purchase id); marks it paid (audited)',
        ...guarded,
        params: IdParams,
        body: ConfirmTransferRequest,
        response: { 200: Purchase, ...problems },
      },
      preHandler: app.guard({ kinds: ['office'], roles: ['owner', 'manager'] }),
    },
    async (request) => {
      const principal = principalOf(request);
      const r = await svc.confirmTransfer(app.db, principal, request.params.id, request.body.amountFen);
      if (!r) throw notFound('Purchase');
      if (r === 'paid') await Promise.all([app.queues.tallySoon(), app.queues.notifySoon()]);
      return (await getPurchase(app.db, principal, request.params.id, settings))!;
    },
  );

  // Stripe's webhook. The signature covers the exact bytes Stripe sent, so this child plugin keeps
  // JSON bodies as raw Buffers (encapsulated: the routes above still get parsed JSON).
  await app.register(async (hooks) => {
    hooks.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    hooks.addHook('onResponse', (_request, reply, done) => {
      const status = reply.statusCode;
      if (status >= 400) app.webhookFailures.inc({ provider: 'stripe', reason: status >= 500 ? 'error' : 'rejected' });
      done();
    });
    hooks.post(
      '/webhooks/stripe',
      {
        schema: {
          tags: ['payments'],
          summary:
            'Stripe events (signature verified on the raw body; deduplicated by event id; a success for an expired or cancelled purchase, or of an amount no longer owed, is refunded)',
          response: { 200: z.object({ received: z.literal(true), outcome: z.string() }), 400: Problem, 404: Problem },
        },
      },
      async (request) => {
        if (!stripe || !config.stripe) throw new HttpProblem(404, 'not_found', 'Card payments are not configured');
        const raw = request.body;
        if (!Buffer.isBuffer(raw)) throw new HttpProblem(400, 'invalid_body', 'The body must be the JSON Stripe sent');
        const sig = request.headers['stripe-signature'];
        const r = await svc.handleStripeWebhook(
          app.db,
          stripe,
          config.stripe.webhookSecret,
          raw,
          typeof sig === 'string' ? sig : undefined,
        );
        if (r.outcome === 'paid') await Promise.all([app.queues.tallySoon(), app.queues.notifySoon()]);
        if (r.outcome === 'refunded') {
          request.log.info(
            { purchaseId: r.purchaseId },
            'stripe success for a purchase that had ended or an amount no longer owed: refunded automatically',
          );
          if (r.purchaseId) await app.queues.stripeCallsOf(r.purchaseId);
        }
        if (r.outcome === 'not_payable') {
          app.webhookFailures.inc({ provider: 'stripe', reason: 'not_payable' });
          request.log.warn(
            { purchaseId: r.purchaseId },
            'stripe success that cannot pay its purchase (amount or currency mismatch, or no such purchase): needs a manual refund',
          );
        }
        return { received: true as const, outcome: r.outcome };
      },
    );
  });
};

export default paymentsRoutes;
