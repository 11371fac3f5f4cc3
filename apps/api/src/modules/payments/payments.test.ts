import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { expirePurchaseIfDue, schema } from '@shanhai/db';
import { createOrgWithUser, createProduct } from '@shanhai/db/testing';
import {
  paymentIntentIdFor,
  runStripeCalls,
  startFakeStripe,
  type FakeStripe,
} from '../../../test-support/fake-stripe';
import { journalLinesOf, ledgerRowsOf, shop, type Member } from '../../../test-support/shop';
import { caller, createTestApp, DEMO_PASSWORD, login, type Session, type TestApp } from '../../../test-support/testing';

/** Stripe is faked at the network boundary (fake-stripe.ts); everything else is real. */
let fake: FakeStripe;
let t: TestApp;
let cardBuyer: Session;
let buyerOrgId: string;
let coopId: string;
let office: Session;
let coopA: Member;
let coopB: Member;
const { buyer, coop, post, placed } = shop(() => t);
const call = caller(() => t.app);

beforeAll(async () => {
  // Refunds answer after a pause so that concurrent webhooks really overlap.
  fake = await startFakeStripe({ refundDelayMs: 150 });
  t = await createTestApp({ config: { stripe: fake.config() } });
  const b = await createOrgWithUser(t.app.db, { kind: 'buyer' });
  buyerOrgId = b.org.id;
  cardBuyer = await login(t.app, b.user.email);
  coopId = (await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' })).org.id;
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
  coopA = await coop('dakun');
  coopB = await coop('daping');
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

/** Checks `lines` out as the card buyer and opens the card payment: the purchase and the pay answer. */
async function cardCheckout(lines: { productId: string; qty: number }[]) {
  await call(cardBuyer, 'PUT', '/api/v1/cart', { lines });
  const res = await call(cardBuyer, 'POST', '/api/v1/purchases', { paymentMethod: 'card' });
  expect(res.statusCode, res.body).toBe(201);
  const purchase = res.json();
  const pay = await call(cardBuyer, 'POST', `/api/v1/purchases/${purchase.id}/pay`, {});
  expect(pay.statusCode, pay.body).toBe(200);
  return { purchase, pay };
}
async function cardPurchase(qty = 2) {
  const p = await createProduct(t.app.db, {
    cooperativeId: coopId,
    stock: 50,
    priceTiers: [{ minQty: 1, unitPriceFen: 3000 }],
  });
  const { purchase, pay } = await cardCheckout([{ productId: p.id, qty }]);
  return { purchase, clientSecret: pay.json().payment.clientSecret as string, productId: p.id };
}

function event(type: string, purchaseId: string, amount: number, id?: string) {
  return fake.event(type, purchaseId, amount, id ? { id } : {}).payload;
}
function send(payload: string, opts: { secret?: string; timestamp?: number; header?: string } = {}) {
  const header = opts.header ?? fake.sign(payload, opts);
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
    payload,
  });
}
const ledgerOf = async (purchaseId: string) =>
  (await ledgerRowsOf(t.app.db, purchaseId)).map(({ kind, amountFen }) => ({ kind, amountFen }));
/** The journal lines posted for a purchase's payment and its orders, as `kind account debit/credit`. */
async function journalOf(purchaseId: string) {
  const orderIds = (
    await t.app.db.select({ id: schema.orders.id }).from(schema.orders).where(eq(schema.orders.purchaseId, purchaseId))
  ).map((o) => o.id);
  return journalLinesOf(t.app.db, [purchaseId, paymentIntentIdFor(purchaseId), ...orderIds]);
}
const statusOf = async (id: string) =>
  (await t.app.db.select({ s: schema.purchases.status }).from(schema.purchases).where(eq(schema.purchases.id, id)))[0]!
    .s;

describe('card payments through Stripe (faked at the network boundary)', () => {
  it('creates one CNY PaymentIntent per purchase with an idempotency key from the purchase id and the id in metadata', async () => {
    const before = fake.calls.length;
    const { purchase, clientSecret } = await cardPurchase();
    expect(clientSecret).toMatch(/^pi_.*_secret_x$/);
    const stripeCall = fake.calls.slice(before).find((c) => c.path === '/v1/payment_intents')!;
    const form = new URLSearchParams(stripeCall.body);
    expect([form.get('amount'), form.get('currency'), form.get('metadata[purchaseId]')]).toEqual([
      '6000',
      'cny',
      purchase.id,
    ]);
    expect(stripeCall.idempotencyKey).toBe(`purchase-${purchase.id}-6000`);
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
    // One journal entry however many events said so: Stripe's clearing owes us, the cooperative is owed.
    expect(await journalOf(purchase.id)).toEqual([
      'payment card_clearing 9000/0',
      'payment coop_payable_pending 0/9000',
    ]);
    const paidMoves = await t.app.db
      .select({ actor: schema.orderTransitions.actor, userId: schema.orderTransitions.actorUserId })
      .from(schema.orderTransitions)
      .innerJoin(schema.orders, eq(schema.orders.id, schema.orderTransitions.orderId))
      .where(and(eq(schema.orderTransitions.toStatus, 'paid'), eq(schema.orders.purchaseId, purchase.id)));
    expect(paidMoves).toEqual([{ actor: 'stripe', userId: null }]);
    // The confirmation is audited once, with the system as its actor and Stripe's ids as its proof.
    const audits = await t.app.db
      .select()
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.action, 'payment.card_paid'), eq(schema.auditLog.entityId, purchase.id)));
    expect(audits).toMatchObject([
      {
        actorUserId: null,
        actorOrgId: null,
        entityType: 'purchase',
        before: { status: 'awaiting_payment' },
        after: {
          status: 'paid',
          amountFen: 9000,
          paymentIntentId: expect.stringMatching(/^pi_/),
          stripeEventId: 'evt_dup_1',
        },
      },
    ]);
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
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/stripe',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(missing.statusCode).toBe(400);
    const tampered = await send(payload.replace('6000', '1'), { header: fake.sign(payload) });
    expect(tampered.statusCode).toBe(400);
    expect(await statusOf(purchase.id)).toBe('awaiting_payment');
    expect(await ledgerOf(purchase.id)).toEqual([]);
    expect(
      await t.app.db.select().from(schema.stripeEvents).where(eq(schema.stripeEvents.purchaseId, purchase.id)),
    ).toEqual([]);
  });

  it('copes with events out of order: a failure after the success does not undo it; a success after a failure pays', async () => {
    const a = await cardPurchase();
    await send(event('payment_intent.succeeded', a.purchase.id, 6000));
    expect((await send(event('payment_intent.payment_failed', a.purchase.id, 6000))).json().outcome).toBe(
      'failed_recorded',
    );
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

  it('a success with the wrong amount does not pay, and its money goes back automatically', async () => {
    const { purchase } = await cardPurchase();
    expect((await send(event('payment_intent.succeeded', purchase.id, 1))).json().outcome).toBe('refunded');
    expect(await statusOf(purchase.id)).toBe('awaiting_payment');
    expect(await ledgerOf(purchase.id)).toEqual([]);
    await runStripeCalls(t.app.db, t.config);
    const refund = fake.calls.find(
      (c) => c.path === '/v1/refunds' && c.idempotencyKey === `late-payment-refund-${paymentIntentIdFor(purchase.id)}`,
    )!;
    expect(new URLSearchParams(refund.body).get('amount')).toBe('1');
  });

  it('cancelling a paid card order refunds through Stripe and appends negative ledger rows', async () => {
    const { purchase, productId } = await cardPurchase(4);
    await send(event('payment_intent.succeeded', purchase.id, 12000));
    const before = fake.calls.length;
    const res = await call(cardBuyer, 'POST', `/api/v1/orders/${purchase.orders[0].id}/cancel`, {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('refunded');
    // Recorded with the refund, made after the commit (by the worker's job; here by hand).
    expect(fake.calls.slice(before).filter((c) => c.path === '/v1/refunds')).toEqual([]);
    expect(await runStripeCalls(t.app.db, t.config)).toEqual({ succeeded: 1, failed: 0, retry: 0 });
    const stripeCall = fake.calls.slice(before).find((c) => c.path === '/v1/refunds')!;
    expect(new URLSearchParams(stripeCall.body).get('amount')).toBe('12000');
    expect(stripeCall.idempotencyKey).toBe(`refund-${purchase.orders[0].id}`);
    const [refund] = await t.app.db
      .select()
      .from(schema.refunds)
      .where(eq(schema.refunds.orderId, purchase.orders[0].id));
    expect(refund).toMatchObject({ method: 'card', amountFen: 12000, stripeRefundId: expect.stringMatching(/^re_/) });
    expect((await ledgerOf(purchase.id)).map((r) => r.amountFen).sort()).toEqual([-12000, 12000]);
    expect(await journalOf(purchase.id)).toEqual([
      'payment card_clearing 12000/0',
      'payment coop_payable_pending 0/12000',
      'refund coop_payable_pending 12000/0',
      'refund card_clearing 0/12000',
    ]);
    const [p] = await t.app.db
      .select({ stock: schema.products.stock })
      .from(schema.products)
      .where(eq(schema.products.id, productId));
    expect(p!.stock).toBe(50);
    expect(buyerOrgId).toEqual(expect.any(String));
  });

  it('offers card with the publishable key, and lets Stripe.js load under the page CSP', async () => {
    const res = await call(cardBuyer, 'GET', '/api/v1/payments/options');
    expect(res.json()).toEqual({ methods: ['transfer', 'card'], stripePublishableKey: 'pk_test_fake_shanhai' });
    const csp = (await call(null, 'GET', '/healthz')).headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self' https://js.stripe.com https://*.js.stripe.com");
    expect(csp).toContain("frame-src 'self' https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com");
  });
});

describe('a card success for a purchase that has already ended is refunded automatically', () => {
  const stockOf = async (id: string) =>
    (
      await t.app.db.select({ stock: schema.products.stock }).from(schema.products).where(eq(schema.products.id, id))
    )[0]!.stock;
  const refundCalls = (pi: string) =>
    fake.calls.filter((c) => c.path === '/v1/refunds' && new URLSearchParams(c.body).get('payment_intent') === pi);
  const purchaseView = async (id: string) => (await call(cardBuyer, 'GET', `/api/v1/purchases/${id}`)).json();

  it('expired: one Stripe refund of the whole amount even when the same event comes twice (and twice at once); no ledger rows; stock given back once', async () => {
    const { purchase, productId } = await cardPurchase(3);
    expect(await stockOf(productId)).toBe(47);
    expect(await expirePurchaseIfDue(t.app.db, purchase.id, new Date(Date.now() + 31 * 60_000))).toBe(true);
    expect(await stockOf(productId)).toBe(50);
    const ledgerBefore = await t.app.db.select({ n: schema.sales.id }).from(schema.sales);

    const payload = event('payment_intent.succeeded', purchase.id, 9000, `evt_late_${purchase.id}`);
    const atOnce = await Promise.all([send(payload), send(payload)]);
    expect(atOnce.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(atOnce.map((r) => r.json().outcome).sort()).toEqual(['duplicate', 'refunded']);
    expect((await send(payload)).json()).toEqual({ received: true, outcome: 'duplicate' });
    await runStripeCalls(t.app.db, t.config);

    const pi = paymentIntentIdFor(purchase.id);
    const calls = refundCalls(pi);
    expect(calls).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(calls[0]!.body))).toEqual({
      payment_intent: pi,
      amount: '9000',
      'metadata[purchaseId]': purchase.id,
      'metadata[reason]': 'purchase_expired',
    });
    expect(calls[0]!.idempotencyKey).toBe(`late-payment-refund-${pi}`);

    expect(await statusOf(purchase.id)).toBe('expired');
    expect(await ledgerOf(purchase.id)).toEqual([]);
    // The money passed through, once: in from Stripe, held for the buyer, and back out.
    expect(await journalOf(purchase.id)).toEqual([
      'late_payment_refund card_clearing 9000/0',
      'late_payment_refund buyer_funds_held 0/9000',
      'late_payment_refund buyer_funds_held 9000/0',
      'late_payment_refund card_clearing 0/9000',
    ]);
    expect(await t.app.db.select({ n: schema.sales.id }).from(schema.sales)).toEqual(ledgerBefore);
    expect(await stockOf(productId)).toBe(50);
    const rows = await t.app.db.select().from(schema.refunds).where(eq(schema.refunds.purchaseId, purchase.id));
    expect(rows).toEqual([
      {
        id: expect.any(String),
        purchaseId: purchase.id,
        orderId: null,
        method: 'card',
        amountFen: 9000,
        stripeRefundId: expect.stringMatching(/^re_fake_\d+$/),
        stripePaymentIntentId: pi,
        reason: 'late payment: the purchase had expired',
        createdBy: null,
        createdAt: expect.any(Date),
      },
    ]);
    const view = await purchaseView(purchase.id);
    expect(view.status).toBe('expired');
    expect(view.refunds).toEqual([
      {
        orderId: null,
        method: 'card',
        amountFen: 9000,
        automatic: true,
        reason: 'late payment: the purchase had expired',
        createdAt: expect.any(String),
      },
    ]);
    expect(view.orders.map((o: { status: string }) => o.status)).toEqual(['cancelled']);
  });

  it('cancelled: two distinct success events for the same intent at once make one refund request', async () => {
    const { purchase, productId } = await cardPurchase(2);
    const cancel = await call(cardBuyer, 'POST', `/api/v1/purchases/${purchase.id}/cancel`, {});
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(await stockOf(productId)).toBe(50);

    const results = await Promise.all([
      send(event('payment_intent.succeeded', purchase.id, 6000)),
      send(event('payment_intent.succeeded', purchase.id, 6000)),
    ]);
    expect(results.map((r) => r.json().outcome).sort()).toEqual(['already_refunded', 'refunded']);
    expect((await send(event('payment_intent.succeeded', purchase.id, 6000))).json().outcome).toBe('already_refunded');
    await runStripeCalls(t.app.db, t.config);

    const pi = paymentIntentIdFor(purchase.id);
    expect(refundCalls(pi)).toHaveLength(1);
    expect(new URLSearchParams(refundCalls(pi)[0]!.body).get('metadata[reason]')).toBe('purchase_cancelled');
    expect(await statusOf(purchase.id)).toBe('cancelled');
    expect(await ledgerOf(purchase.id)).toEqual([]);
    expect(await stockOf(productId)).toBe(50);
    expect((await purchaseView(purchase.id)).refunds).toEqual([
      {
        orderId: null,
        method: 'card',
        amountFen: 6000,
        automatic: true,
        reason: 'late payment: the purchase had been cancelled',
        createdAt: expect.any(String),
      },
    ]);
  });

  it('Stripe out of reach while refunding: the webhook still answers 200 (nothing waits on Stripe under the lock); the call is retried with the same key until it lands', async () => {
    const { purchase } = await cardPurchase(1);
    await call(cardBuyer, 'POST', `/api/v1/purchases/${purchase.id}/cancel`, {});
    const pi = paymentIntentIdFor(purchase.id);
    const payload = event('payment_intent.succeeded', purchase.id, 3000);
    // The SDK tries three times (maxNetworkRetries 2); every try finds the connection dropped.
    fake.dropNext('/v1/refunds', 3);
    const first = await send(payload);
    expect(first.json()).toEqual({ received: true, outcome: 'refunded' });
    expect(await runStripeCalls(t.app.db, t.config)).toEqual({ succeeded: 1, failed: 0, retry: 1 });
    const [pending] = await t.app.db
      .select()
      .from(schema.stripeCalls)
      .where(and(eq(schema.stripeCalls.purchaseId, purchase.id), eq(schema.stripeCalls.kind, 'refund')));
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.any(String) });
    expect((await send(payload)).json()).toEqual({ received: true, outcome: 'duplicate' });
    expect(await runStripeCalls(t.app.db, t.config)).toEqual({ succeeded: 1, failed: 0, retry: 0 });
    const keys = refundCalls(pi).map((c) => c.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set([`late-payment-refund-${pi}`]));
    const [refund] = await t.app.db.select().from(schema.refunds).where(eq(schema.refunds.purchaseId, purchase.id));
    expect(refund!.stripeRefundId).toMatch(/^re_fake_\d+$/);
  });
});

describe('cancelling an order of a card purchase before payment (issue 13: money edges)', () => {
  /** A card purchase of two orders (two cooperatives), its intent made for the whole. */
  async function twoOrderCardPurchase() {
    const a = await createProduct(t.app.db, {
      cooperativeId: coopId,
      stock: 20,
      priceTiers: [{ minQty: 1, unitPriceFen: 1000 }],
    });
    const b = await createProduct(t.app.db, {
      cooperativeId: coopA.orgId,
      stock: 20,
      priceTiers: [{ minQty: 1, unitPriceFen: 2500 }],
    });
    const { purchase } = await cardCheckout([
      { productId: a.id, qty: 2 },
      { productId: b.id, qty: 2 },
    ]);
    expect(purchase.totalFen).toBe(7000);
    const cheap = purchase.orders.find((o: { totalFen: number }) => o.totalFen === 2000);
    return { purchase, cheapOrderId: cheap.id as string };
  }
  const cancelOrder = (id: string) => call(cardBuyer, 'POST', `/api/v1/orders/${id}/cancel`, {});
  const callsOf = (purchaseId: string) =>
    t.app.db
      .select({
        kind: schema.stripeCalls.kind,
        status: schema.stripeCalls.status,
        paymentIntentId: schema.stripeCalls.paymentIntentId,
        idempotencyKey: schema.stripeCalls.idempotencyKey,
      })
      .from(schema.stripeCalls)
      .where(eq(schema.stripeCalls.purchaseId, purchaseId))
      .orderBy(schema.stripeCalls.createdAt);

  it('the live intent for the old total is cancelled; the next pay makes one for the new total; a success of the old one is refunded, the new one pays', async () => {
    const { purchase, cheapOrderId } = await twoOrderCardPurchase();
    const oldPi = paymentIntentIdFor(purchase.id);
    const cancelled = await cancelOrder(cheapOrderId);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(await callsOf(purchase.id)).toEqual([
      { kind: 'cancel_payment_intent', status: 'pending', paymentIntentId: oldPi, idempotencyKey: `cancel-${oldPi}` },
    ]);
    await runStripeCalls(t.app.db, t.config);
    const cancelCall = fake.calls.find((c) => c.path === `/v1/payment_intents/${oldPi}/cancel`)!;
    expect(cancelCall.idempotencyKey).toBe(`cancel-${oldPi}`);
    expect((await callsOf(purchase.id))[0]!.status).toBe('succeeded');

    // Paying again: a new intent for exactly what is owed now.
    const again = await call(cardBuyer, 'POST', `/api/v1/purchases/${purchase.id}/pay`, {});
    expect(again.statusCode, again.body).toBe(200);
    const newPi = paymentIntentIdFor(purchase.id, 2);
    expect(again.json().payment.clientSecret).toBe(`${newPi}_secret_x`);
    const created = fake.calls.filter((c) => c.path === '/v1/payment_intents' && c.body.includes(purchase.id));
    expect(created.map((c) => new URLSearchParams(c.body).get('amount'))).toEqual(['7000', '5000']);

    // The old intent's success arrives anyway (the buyer had confirmed it): refunded whole, nothing paid.
    const late = await send(
      fake.event('payment_intent.succeeded', purchase.id, 7000, { paymentIntentId: oldPi }).payload,
    );
    expect(late.json()).toEqual({ received: true, outcome: 'refunded' });
    expect(await statusOf(purchase.id)).toBe('awaiting_payment');
    expect(await ledgerOf(purchase.id)).toEqual([]);
    await runStripeCalls(t.app.db, t.config);
    const refund = fake.calls.find((c) => c.path === '/v1/refunds' && c.body.includes(oldPi))!;
    expect(Object.fromEntries(new URLSearchParams(refund.body))).toEqual({
      payment_intent: oldPi,
      amount: '7000',
      'metadata[purchaseId]': purchase.id,
      'metadata[reason]': 'purchase_superseded',
    });

    // The new intent pays the purchase, for the new total.
    const paid = await send(
      fake.event('payment_intent.succeeded', purchase.id, 5000, { paymentIntentId: newPi }).payload,
    );
    expect(paid.json()).toEqual({ received: true, outcome: 'paid' });
    expect((await ledgerOf(purchase.id)).map((r) => r.amountFen)).toEqual([5000]);
  });

  it('cancelling the last open order cancels the purchase and its intent', async () => {
    const { purchase } = await twoOrderCardPurchase();
    for (const o of purchase.orders) expect((await cancelOrder(o.id)).statusCode).toBe(200);
    expect(await statusOf(purchase.id)).toBe('cancelled');
    const pi = paymentIntentIdFor(purchase.id);
    expect(await callsOf(purchase.id)).toEqual([
      { kind: 'cancel_payment_intent', status: 'pending', paymentIntentId: pi, idempotencyKey: `cancel-${pi}` },
    ]);
    await runStripeCalls(t.app.db, t.config);
    expect((await callsOf(purchase.id)).map((c) => c.status)).toEqual(['succeeded']);
  });

  it('Stripe down: a paid card order is still cancelled and refunded at once (no Stripe call under the locks); the refund is made when Stripe is back', async () => {
    const { purchase } = await cardPurchase(2);
    await send(event('payment_intent.succeeded', purchase.id, 6000));
    fake.failNext('/v1/refunds', 100);
    const res = await cancelOrder(purchase.orders[0].id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('refunded');
    await runStripeCalls(t.app.db, t.config);
    const [pending] = await t.app.db
      .select()
      .from(schema.stripeCalls)
      .where(eq(schema.stripeCalls.purchaseId, purchase.id));
    expect(pending).toMatchObject({
      kind: 'refund',
      status: 'pending',
      amountFen: 6000,
      idempotencyKey: `refund-${purchase.orders[0].id}`,
      lastError: expect.stringContaining('bad day'),
    });
    fake.failNext('/v1/refunds', 0);
    await runStripeCalls(t.app.db, t.config);
    expect((await callsOf(purchase.id)).map((c) => c.status)).toEqual(['succeeded']);
    const [refund] = await t.app.db
      .select()
      .from(schema.refunds)
      .where(eq(schema.refunds.orderId, purchase.orders[0].id));
    expect(refund!.stripeRefundId).toMatch(/^re_fake_\d+$/);
    const keys = fake.calls.filter((c) => c.path === '/v1/refunds' && c.body.includes(paymentIntentIdFor(purchase.id)));
    expect(new Set(keys.map((c) => c.idempotencyKey))).toEqual(new Set([`refund-${purchase.orders[0].id}`]));
  });

  it("Stripe's final refusal (an intent that succeeded cannot be cancelled) is recorded as failed, not retried; the success is then refunded", async () => {
    const { purchase } = await cardPurchase(1);
    const pi = paymentIntentIdFor(purchase.id);
    fake.succeeded(pi);
    await call(cardBuyer, 'POST', `/api/v1/purchases/${purchase.id}/cancel`, {});
    await runStripeCalls(t.app.db, t.config);
    const [stripeCall] = await callsOf(purchase.id);
    expect(stripeCall).toMatchObject({ kind: 'cancel_payment_intent', status: 'failed' });
    expect((await send(event('payment_intent.succeeded', purchase.id, 3000))).json().outcome).toBe('refunded');
    await runStripeCalls(t.app.db, t.config);
    expect((await callsOf(purchase.id)).map((c) => `${c.kind} ${c.status}`)).toEqual([
      'cancel_payment_intent failed',
      'refund succeeded',
    ]);
  });
});

describe('bank transfer', () => {
  it('buyer submits, office confirms the exact amount (mismatch refused), ledger rows per line', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10, category: 'tea' });
    const c = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 10 });
    const p = await placed(b, [
      { id: a.id, qty: 2 },
      { id: c.id, qty: 3 },
    ]);
    expect(p.bankAccount.account).toEqual(expect.any(String));
    const sub = await post(b.s, `/api/v1/purchases/${p.id}/pay`, { amountFen: 50_000, reference: 'ICBC-778899' });
    expect(sub.statusCode).toBe(200);
    expect(sub.json().payment).toMatchObject({
      status: 'submitted',
      submittedAmountFen: 50_000,
      submittedReference: 'ICBC-778899',
    });
    const missing = await post(b.s, `/api/v1/purchases/${p.id}/pay`, { reference: 'x' });
    expect(missing.json().errors).toEqual([
      {
        field: 'body.amountFen',
        message: 'is required for a bank transfer',
        code: 'required_for_transfer',
        params: {},
      },
    ]);

    const queue = await call(office, 'GET', '/api/v1/payments');
    expect(queue.json().find((q: { purchaseId: string }) => q.purchaseId === p.id)).toMatchObject({
      status: 'submitted',
      amountFen: 50_000,
      remittanceRef: p.remittanceRef,
    });
    expect((await post(coopA.s, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 50_000 })).statusCode).toBe(
      403,
    );
    expect((await post(b.s, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 50_000 })).statusCode).toBe(403);
    const mismatch = await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 49_999 });
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json()).toMatchObject({
      code: 'amount_mismatch',
      detail: 'Received 49999 fen but the purchase is 50000 fen; only the exact amount can be confirmed',
      expectedFen: 50_000,
    });
    const ok = await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 50_000 });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('paid');
    expect(ok.json().orders.map((o: { status: string }) => o.status)).toEqual(['paid', 'paid']);
    expect((await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 50_000 })).statusCode).toBe(
      200,
    );
    const lineIds = p.orders.flatMap((o: { lines: { id: string }[] }) => o.lines.map((l) => l.id));
    const ledger = await t.app.db.select().from(schema.sales).where(inArray(schema.sales.sourceRef, lineIds));
    expect(ledger.map((r) => [r.kind, r.amountFen, r.buyerOrgId, r.category]).sort()).toEqual([
      ['sale', 20_000, b.orgId, 'tea'],
      ['sale', 30_000, b.orgId, 'honey'],
    ]);
  });

  it("another org's token cannot pay the purchase (404), and nothing changes", async () => {
    const b = await buyer();
    const intruder = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p = await placed(b, [{ id: a.id, qty: 2 }]);
    const r = await post(intruder.s, `/api/v1/purchases/${p.id}/pay`, { amountFen: 1, reference: 'x' });
    expect(r.statusCode).toBe(404);
    const after = await call(b.s, 'GET', `/api/v1/purchases/${p.id}`);
    expect(after.json()).toMatchObject({ status: 'awaiting_payment', payment: { status: 'pending' } });
  });

  it("the payment queue is the office's only, and exports CSV", async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p = await placed(b, [{ id: a.id, qty: 1 }]);
    expect((await call(b.s, 'GET', '/api/v1/payments')).statusCode).toBe(403);
    const pay = await call(office, 'GET', '/api/v1/payments?format=csv');
    expect(pay.body).toContain(p.remittanceRef);
  });
});
