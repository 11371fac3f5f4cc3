/**
 * Test support (imported by tests only): Stripe faked at the network boundary. A local HTTP server
 * speaks the endpoints the api and the worker call (create and cancel a PaymentIntent, create a
 * Refund) and their
 * Stripe SDK points at it through `stripe.apiBase`; webhooks are signed with the SDK's own
 * test-header helper, so the api verifies them exactly as it verifies Stripe's.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { sweepStripeCalls, type Db } from '@shanhai/db';
import type { ApiConfig } from '../src/env';
import { stripeClient } from '../src/lib/stripe';

interface FakeStripeCall {
  method: string;
  path: string;
  body: string;
  idempotencyKey: string | undefined;
}

export interface FakeStripe {
  /** Base URL for `stripe.apiBase`. */
  url: string;
  /** Every request the api made, in order. */
  calls: FakeStripeCall[];
  /** Drops the connection of the next `times` requests to `path`, as a network failure would. */
  dropNext(path: string, times: number): void;
  /** Answers the next `times` requests to `path` with Stripe's error of this HTTP status (500: Stripe down). */
  failNext(path: string, times: number, status?: number): void;
  /** Says that a customer completed this intent: Stripe then refuses to cancel it. */
  succeeded(paymentIntentId: string): void;
  /** The api's `stripe` config pointing at this server. */
  config(): NonNullable<ApiConfig['stripe']>;
  /** A Stripe-Signature header for this body (the webhook secret unless told otherwise). */
  sign(payload: string, opts?: { secret?: string; timestamp?: number }): string;
  /** A payment_intent event as Stripe would send it: the JSON body and a valid Stripe-Signature header. */
  event(
    type: string,
    purchaseId: string,
    amountFen: number,
    opts?: { id?: string; secret?: string; timestamp?: number; paymentIntentId?: string },
  ): { payload: string; signature: string };
  close(): Promise<void>;
}

const FAKE_WEBHOOK_SECRET = 'whsec_test_secret_for_orders';
const FAKE_PUBLISHABLE_KEY = 'pk_test_fake_shanhai';

/**
 * The PaymentIntent id the fake gives a purchase (deterministic, so events can name it); a later
 * intent of the same purchase (a new amount, after an order was cancelled) is `…_2`, `…_3`.
 */
export const paymentIntentIdFor = (purchaseId: string, nth = 1) =>
  `pi_${purchaseId.replaceAll('-', '').slice(0, 20)}${nth > 1 ? `_${nth}` : ''}`;

const signer = new Stripe('sk_test_unused');
let eventSeq = 0;

/**
 * Starts the fake. Like Stripe, a request with an Idempotency-Key it has seen before gets the first
 * answer again. `refundDelayMs` holds refund answers back, so that concurrent webhooks overlap.
 */
export async function startFakeStripe(options: { refundDelayMs?: number } = {}): Promise<FakeStripe> {
  const calls: FakeStripeCall[] = [];
  const answered = new Map<string, string>();
  let refundSeq = 0;
  const drops = new Map<string, number>();
  const failures = new Map<string, { times: number; status: number }>();
  const intentsOf = new Map<string, number>();
  const completed = new Set<string>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      const drop = drops.get(req.url ?? '') ?? 0;
      if (drop > 0) {
        drops.set(req.url ?? '', drop - 1);
        req.socket.destroy();
        return;
      }
      calls.push({ method: req.method ?? '', path: req.url ?? '', body, idempotencyKey });
      const form = new URLSearchParams(body);
      res.setHeader('content-type', 'application/json');
      const failure = failures.get(req.url ?? '');
      if (failure && failure.times > 0) {
        failure.times--;
        res.statusCode = failure.status;
        res.end(JSON.stringify({ error: { type: 'api_error', message: 'Stripe is having a bad day (fake)' } }));
        return;
      }
      const cancel = /^\/v1\/payment_intents\/([^/]+)\/cancel$/.exec(req.url ?? '');
      const send = (json: string) => {
        if (idempotencyKey) answered.set(`${req.url} ${idempotencyKey}`, json);
        res.end(json);
      };
      const replay = idempotencyKey ? answered.get(`${req.url} ${idempotencyKey}`) : undefined;
      if (replay) {
        res.setHeader('idempotent-replayed', 'true');
        res.end(replay);
      } else if (req.method === 'POST' && req.url === '/v1/payment_intents') {
        const purchaseId = form.get('metadata[purchaseId]')!;
        const nth = (intentsOf.get(purchaseId) ?? 0) + 1;
        intentsOf.set(purchaseId, nth);
        const id = paymentIntentIdFor(purchaseId, nth);
        send(
          JSON.stringify({
            id,
            object: 'payment_intent',
            amount: Number(form.get('amount')),
            currency: form.get('currency'),
            client_secret: `${id}_secret_x`,
            metadata: { purchaseId },
            status: 'requires_payment_method',
          }),
        );
      } else if (req.method === 'POST' && cancel) {
        const id = decodeURIComponent(cancel[1]!);
        if (completed.has(id)) {
          res.statusCode = 400;
          res.end(
            JSON.stringify({
              error: {
                type: 'invalid_request_error',
                code: 'payment_intent_unexpected_state',
                message: `You cannot cancel this PaymentIntent because it has a status of succeeded.`,
              },
            }),
          );
          return;
        }
        send(JSON.stringify({ id, object: 'payment_intent', status: 'canceled' }));
      } else if (req.method === 'POST' && req.url === '/v1/refunds') {
        const json = JSON.stringify({
          id: `re_fake_${++refundSeq}`,
          object: 'refund',
          amount: Number(form.get('amount')),
          currency: 'cny',
          payment_intent: form.get('payment_intent'),
          status: 'succeeded',
        });
        setTimeout(() => send(json), options.refundDelayMs ?? 0);
      } else {
        res.statusCode = 404;
        res.end(
          JSON.stringify({
            error: { type: 'invalid_request_error', message: `unknown path ${req.method} ${req.url}` },
          }),
        );
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (payload: string, opts: { secret?: string; timestamp?: number } = {}) =>
    signer.webhooks.generateTestHeaderString({
      payload,
      secret: opts.secret ?? FAKE_WEBHOOK_SECRET,
      ...(opts.timestamp ? { timestamp: opts.timestamp } : {}),
    });
  return {
    url,
    calls,
    sign,
    dropNext: (path, times) => void drops.set(path, times),
    failNext: (path, times, status = 500) => void failures.set(path, { times, status }),
    succeeded: (paymentIntentId) => void completed.add(paymentIntentId),
    config: () => ({
      secretKey: 'sk_test_fake',
      webhookSecret: FAKE_WEBHOOK_SECRET,
      publishableKey: FAKE_PUBLISHABLE_KEY,
      apiBase: url,
    }),
    event(type, purchaseId, amountFen, opts = {}) {
      const id = opts.id ?? `evt_${++eventSeq}_${Date.now()}`;
      const payload = JSON.stringify({
        id,
        object: 'event',
        type,
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            id: opts.paymentIntentId ?? paymentIntentIdFor(purchaseId),
            object: 'payment_intent',
            amount: amountFen,
            amount_received: amountFen,
            currency: 'cny',
            metadata: { purchaseId },
          },
        },
      });
      return { payload, signature: sign(payload, opts) };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Makes every recorded call to Stripe that is still pending now, as the worker's stripe-calls jobs
 * would after the commit (api tests have no worker). A call that cannot reach Stripe stays pending.
 */
export async function runStripeCalls(
  db: Db,
  config: ApiConfig,
): Promise<{ succeeded: number; failed: number; retry: number }> {
  const stripe = await stripeClient(config);
  // The sweep leaves calls younger than its age to their jobs: look from a moment later.
  return sweepStripeCalls(db, stripe!, new Date(Date.now() + 5 * 60_000));
}
