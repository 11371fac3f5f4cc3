import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CheckoutRequest, Problem, Purchase } from '@shanhai/domain';
import type { ApiConfig } from '../../env';
import { IdempotencyHeaders, idempotentRequest, sendOutcome } from '../../lib/idempotency';
import { principalOf } from '../../plugins/auth';
import { cardUnavailable } from '../payments/payments-service';
import { purchaseSettings } from '../purchases/purchases-service';
import { checkout } from './checkout-service';

const guarded = { security: [{ bearer: [] }] };
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const checkoutRoutes: FastifyPluginAsyncZod<{ config: ApiConfig }> = async (app, opts) => {
  const settings = purchaseSettings(opts.config);
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
      preHandler: app.guard({ kinds: ['buyer'] }),
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (request.body.paymentMethod === 'card' && !opts.config.stripe) throw cardUnavailable();
      const out = await idempotentRequest(app.db, principal.orgId, request, 'POST /api/v1/purchases', async (tx) => {
        const { purchase, takeStock } = await checkout(tx, principal, request.body, settings);
        return { status: 201, body: purchase, final: takeStock };
      });
      if (!out.replayed) await app.queues.expirePurchaseAt(out.body.id, new Date(out.body.expiresAt));
      if (!out.replayed && out.body.status === 'pending_approval') await app.queues.notifySoon();
      return sendOutcome(reply, out);
    },
  );
};

export default checkoutRoutes;
