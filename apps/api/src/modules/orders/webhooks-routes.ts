import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Problem } from '@shanhai/domain';
import type { ApiConfig } from '../../env';
import { HttpProblem } from '../../lib/problem';
import { stripeClient } from '../../lib/stripe';
import { handleStripeWebhook } from './payments-service';

/**
 * Stripe webhooks. The signature covers the exact bytes Stripe sent, so this plugin keeps JSON
 * bodies as raw Buffers (encapsulated: other routes still get parsed JSON).
 */
const webhooksRoutes: FastifyPluginAsyncZod<{ config: ApiConfig }> = async (app, opts) => {
  const stripe = stripeClient(opts.config);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post(
    '/webhooks/stripe',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Stripe events (signature verified on the raw body; deduplicated by event id; a success for an expired or cancelled purchase is refunded)',
        response: { 200: z.object({ received: z.literal(true), outcome: z.string() }), 400: Problem, 404: Problem },
      },
    },
    async (request) => {
      if (!stripe || !opts.config.stripe) throw new HttpProblem(404, 'not_found', 'Card payments are not configured');
      const raw = request.body;
      if (!Buffer.isBuffer(raw)) throw new HttpProblem(400, 'invalid_body', 'The body must be the JSON Stripe sent');
      const sig = request.headers['stripe-signature'];
      const r = await handleStripeWebhook(
        app.db,
        stripe,
        opts.config.stripe.webhookSecret,
        raw,
        typeof sig === 'string' ? sig : undefined,
      );
      if (r.outcome === 'paid') await Promise.all([app.queues.tallySoon(), app.queues.notifySoon()]);
      if (r.outcome === 'refunded')
        request.log.info(
          { purchaseId: r.purchaseId },
          'stripe success for a purchase that had expired or been cancelled: refunded automatically',
        );
      if (r.outcome === 'not_payable')
        request.log.warn(
          { purchaseId: r.purchaseId },
          'stripe success that cannot pay its purchase (amount or currency mismatch, or no such purchase): needs a manual refund',
        );
      return { received: true as const, outcome: r.outcome };
    },
  );
};

export default webhooksRoutes;
