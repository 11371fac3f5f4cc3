import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { and, eq, inArray } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrgWithUser, createProduct } from '@shanhai/db/testing';
import { bearer, createTestApp, login, type Session, type TestApp } from '../../testing';

/**
 * Stripe is faked at the network boundary: a local HTTP server speaks the two endpoints the api
 * calls (PaymentIntents, Refunds); the SDK points at it via host/port/protocol. Webhooks are
 * signed with the SDK's own test-header helper.
 */
const WEBHOOK_SECRET = 'whsec_test_secret_for_orders';
const calls: { path: string; body: string; idempotencyKey: string | undefined }[] = [];
let fake: Server;
let t: TestApp;
let buyer: Session;
let buyerOrgId: string;
let coopId: string;
const signer = new Stripe('sk_test_unused');

beforeAll(async () => {
  fake = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', body, idempotencyKey: req.headers['idempotency-key'] as string | undefined });
      const form = new URLSearchParams(body);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/payment_intents') {
        const id = `pi_${form.get('metadata[purchaseId]')!.replaceAll('-', '').slice(0, 20)}`;
        res.end(JSON.stringify({ id, object: 'payment_intent', amount: Number(form.get('amount')), currency: form.get('currency'), client_secret: `${id}_secret_x`, metadata: { purchaseId: form.get('metadata[purchaseId]') }, status: 'requires_payment_method' }));
      } else if (req.url === '/v1/refunds') {
        res.end(JSON.stringify({ id: `re_${calls.length}`, object: 'refund', amount: Number(form.get('amount')), payment_intent: form.get('payment_intent'), status: 'succeeded' }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'unknown path' } }));
      }
    });
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  const port = (fake.address() as AddressInfo).port;
  t = await createTestApp({ config: { stripe: { secretKey: 'sk_test_fake', webhookSecret: WEBHOOK_SECRET, apiBase: `http://127.0.0.1:${port}` } } });
  const b = await createOrgWithUser(t.app.db, { kind: 'buyer' });
  buyerOrgId = b.org.id;
  buyer = await login(t.app, b.user.email);
  coopId = (await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' })).org.id;
});
afterAll(async () => {
  await t.close();
  await new Promise((r) => fake.close(r));
});

async function cardPurchase(qty = 2) {
  const p = await createProduct(t.app.db, { cooperativeId: coopId, stock: 50, priceTiers: [{ minQty: 1, unitPriceFen: 3000 }] });
  await t.app.inject({ method: 'PUT', url: '/api/v1/cart', headers: bearer(buyer.token), payload: { lines: [{ productId: p.id, qty }] } });
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/purchases', headers: bearer(buyer.token), payload: { paymentMethod: 'card' } });
  expect(res.statusCode, res.body).toBe(201);
  const purchase = res.json();
  const pay = await t.app.inject({ method: 'POST', url: `/api/v1/purchases/${purchase.id}/pay`, headers: bearer(buyer.token), payload: {} });
  expect(pay.statusCode, pay.body).toBe(200);
  return { purchase, clientSecret: pay.json().payment.clientSecret as string, productId: p.id };
}

let eventSeq = 0;
function event(type: string, purchaseId: string, amount: number, id = `evt_${++eventSeq}_${Date.now()}`) {
  return JSON.stringify({ id, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object: { id: `pi_${purchaseId.replaceAll('-', '').slice(0, 20)}`, object: 'payment_intent', amount, amount_received: amount, currency: 'cny', metadata: { purchaseId } } } });
}
function send(payload: string, opts: { secret?: string; timestamp?: number; header?: string } = {}) {
  const header = opts.header ?? signer.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WEBHOOK_SECRET, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}) });
  return t.app.inject({ method: 'POST', url: '/api/v1/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': header }, payload });
}
async function ledgerOf(purchaseId: string) {
  const lines = await t.app.db.select({ id: schema.orderLines.id }).from(schema.orderLines).innerJoin(schema.orders, eq(schema.orders.id, schema.orderLines.orderId)).where(eq(schema.orders.purchaseId, purchaseId));
  return t.app.db.select({ kind: schema.sales.kind, amountFen: schema.sales.amountFen }).from(schema.sales).where(inArray(schema.sales.sourceRef, lines.map((l) => l.id)));
}
const statusOf = async (id: string) => (await t.app.db.select({ s: schema.purchases.status }).from(schema.purchases).where(eq(schema.purchases.id, id)))[0]!.s;

describe('card payments through Stripe (faked at the network boundary)', () => {
  it('creates one CNY PaymentIntent per purchase with an idempotency key from the purchase id and the id in metadata', async () => {
    const before = calls.length;
    const { purchase, clientSecret } = await cardPurchase();
    expect(clientSecret).toMatch(/^pi_.*_secret_x$/);
    const call = calls.slice(before).find((c) => c.path === '/v1/payment_intents')!;
    const form = new URLSearchParams(call.body);
    expect([form.get('amount'), form.get('currency'), form.get('metadata[purchaseId]')]).toEqual(['6000', 'cny', purchase.id]);
    expect(call.idempotencyKey).toBe(`purchase-${purchase.id}-6000`);
  });

  it('a valid payment_intent.succeeded marks the purchase paid with one ledger row per line; a duplicate and a second success change nothing', async () => {
    const { purchase } = await cardPurchase(3);
    const payload = event('payment_intent.succeeded', purchase.id, 9000, 'evt_dup_1');
    const r1 = await send(payload);
    expect(r1.statusCode).toBe(200);
    expect(r1.json()).toEqual({ received: true, outcome: 'paid' });
    expect(await statusOf(purchase.id)).toBe('paid');
    expect(await ledgerOf(purchase.id)).toEqual([{ kind: 'sale', amountFen: 9000 }]);
    const dup = await send(payload);
    expect(dup.json()).toEqual({ received: true, outcome: 'duplicate' });
    const second = await send(event('payment_intent.succeeded', purchase.id, 9000));
    expect(second.json()).toEqual({ received: true, outcome: 'already_paid' });
    expect(await ledgerOf(purchase.id)).toEqual([{ kind: 'sale', amountFen: 9000 }]);
    const paidMoves = await t.app.db
      .select({ actor: schema.orderTransitions.actor, userId: schema.orderTransitions.actorUserId })
      .from(schema.orderTransitions)
      .innerJoin(schema.orders, eq(schema.orders.id, schema.orderTransitions.orderId))
      .where(and(eq(schema.orderTransitions.toStatus, 'paid'), eq(schema.orders.purchaseId, purchase.id)));
    expect(paidMoves).toEqual([{ actor: 'stripe', userId: null }]);
  });

  it('refuses a bad signature, a stale and a future timestamp (400), leaving the ledger empty', async () => {
    const { purchase } = await cardPurchase();
    const payload = event('payment_intent.succeeded', purchase.id, 6000);
    const bad = await send(payload, { secret: 'whsec_wrong' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('invalid_signature');
    const stale = await send(payload, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale.statusCode).toBe(400);
    const future = await send(payload, { timestamp: Math.floor(Date.now() / 1000) + 3600 });
    expect(future.statusCode).toBe(400);
    expect(future.json().detail).toBe('The signature timestamp is in the future');
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks/stripe', headers: { 'content-type': 'application/json' }, payload });
    expect(missing.statusCode).toBe(400);
    const tampered = await send(payload.replace('6000', '1'), { header: signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) });
    expect(tampered.statusCode).toBe(400);
    expect(await statusOf(purchase.id)).toBe('awaiting_payment');
    expect(await ledgerOf(purchase.id)).toEqual([]);
    expect(await t.app.db.select().from(schema.stripeEvents).where(eq(schema.stripeEvents.purchaseId, purchase.id))).toEqual([]);
  });

  it('copes with events out of order: a failure after the success does not undo it; a success after a failure pays', async () => {
    const a = await cardPurchase();
    await send(event('payment_intent.succeeded', a.purchase.id, 6000));
    expect((await send(event('payment_intent.payment_failed', a.purchase.id, 6000))).json().outcome).toBe('failed_recorded');
    expect((await send(event('payment_intent.created', a.purchase.id, 6000))).json().outcome).toBe('ignored');
    expect(await statusOf(a.purchase.id)).toBe('paid');
    const [pay] = await t.app.db.select().from(schema.payments).where(eq(schema.payments.purchaseId, a.purchase.id));
    expect(pay!.status).toBe('succeeded');
    expect(await ledgerOf(a.purchase.id)).toEqual([{ kind: 'sale', amountFen: 6000 }]);

    const b = await cardPurchase();
    await send(event('payment_intent.payment_failed', b.purchase.id, 6000));
    expect((await send(event('payment_intent.succeeded', b.purchase.id, 6000))).json().outcome).toBe('paid');
    expect(await ledgerOf(b.purchase.id)).toEqual([{ kind: 'sale', amountFen: 6000 }]);
  });

  it('a success with the wrong amount does not pay', async () => {
    const { purchase } = await cardPurchase();
    expect((await send(event('payment_intent.succeeded', purchase.id, 1))).json().outcome).toBe('not_payable');
    expect(await statusOf(purchase.id)).toBe('awaiting_payment');
    expect(await ledgerOf(purchase.id)).toEqual([]);
  });

  it('cancelling a paid card order refunds through Stripe and appends negative ledger rows', async () => {
    const { purchase, productId } = await cardPurchase(4);
    await send(event('payment_intent.succeeded', purchase.id, 12000));
    const before = calls.length;
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${purchase.orders[0].id}/cancel`, headers: bearer(buyer.token), payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('refunded');
    const call = calls.slice(before).find((c) => c.path === '/v1/refunds')!;
    expect(new URLSearchParams(call.body).get('amount')).toBe('12000');
    expect(call.idempotencyKey).toBe(`refund-${purchase.orders[0].id}`);
    const [refund] = await t.app.db.select().from(schema.refunds).where(eq(schema.refunds.orderId, purchase.orders[0].id));
    expect(refund).toMatchObject({ method: 'card', amountFen: 12000, stripeRefundId: expect.stringMatching(/^re_/) });
    expect((await ledgerOf(purchase.id)).map((r) => r.amountFen).sort()).toEqual([-12000, 12000]);
    const [p] = await t.app.db.select({ stock: schema.products.stock }).from(schema.products).where(eq(schema.products.id, productId));
    expect(p!.stock).toBe(50);
    expect(buyerOrgId).toEqual(expect.any(String));
  });
});
