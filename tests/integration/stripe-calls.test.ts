/**
 * Calls to Stripe made after the commit, through real Redis and the worker (issue 13, money edges):
 * a cancel or refund records its call in its transaction, the api enqueues a job after the commit,
 * the worker makes the call with the recorded idempotency key, BullMQ retries it while Stripe fails,
 * and the sweep makes a call whose job was lost. Stripe is faked at the network boundary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { QUEUES } from '@shanhai/domain';
import { createOrgWithUser, createProduct } from '@shanhai/db/testing';
import type { Runtime } from '@shanhai/worker/runtime';
import { processStripeCall, workerStripeClient } from '@shanhai/worker/jobs/stripe-calls';
import { paymentIntentIdFor, startFakeStripe, type FakeStripe } from '../../apps/api/test-support/fake-stripe';
import { bearer, createTestApp, login, type Session, type TestApp } from '../../apps/api/test-support/testing';
import { startWorkerFor } from '../support/worker';

let fake: FakeStripe;
let t: TestApp;
let worker: Runtime;
let buyer: Session;
let coopId: string;

beforeAll(async () => {
  fake = await startFakeStripe();
  t = await createTestApp({ config: { stripe: fake.config() } });
  worker = await startWorkerFor(t, { concurrency: 2, stripe: { secretKey: 'sk_test_fake', apiBase: fake.url } });
  const b = await createOrgWithUser(t.app.db, { kind: 'buyer' });
  buyer = await login(t.app, b.user.email);
  coopId = (await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' })).org.id;
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await t?.close();
  await fake?.close();
});

async function paidCardOrder() {
  const p = await createProduct(t.app.db, {
    cooperativeId: coopId,
    stock: 10,
    priceTiers: [{ minQty: 1, unitPriceFen: 4200 }],
  });
  await t.app.inject({
    method: 'PUT',
    url: '/api/v1/cart',
    headers: bearer(buyer.token),
    payload: { lines: [{ productId: p.id, qty: 1 }] },
  });
  const purchase = (
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/purchases',
      headers: bearer(buyer.token),
      payload: { paymentMethod: 'card' },
    })
  ).json();
  await t.app.inject({
    method: 'POST',
    url: `/api/v1/purchases/${purchase.id}/pay`,
    headers: bearer(buyer.token),
    payload: {},
  });
  const ev = fake.event('payment_intent.succeeded', purchase.id, 4200);
  const paid = await t.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': ev.signature },
    payload: ev.payload,
  });
  expect(paid.json().outcome).toBe('paid');
  return { purchaseId: purchase.id as string, orderId: purchase.orders[0].id as string };
}

/** Waits (polling PostgreSQL, no timing asserted) until the purchase's calls are all done. */
async function settled(purchaseId: string) {
  for (;;) {
    const rows = await t.app.db
      .select({ status: schema.stripeCalls.status, attempts: schema.stripeCalls.attempts })
      .from(schema.stripeCalls)
      .where(eq(schema.stripeCalls.purchaseId, purchaseId));
    if (rows.length > 0 && rows.every((r) => r.status !== 'pending')) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The buyer cancels its order (a paid card order: the refund is the worker's to make). */
const cancelAsBuyer = (orderId: string) =>
  t.app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/cancel`, headers: bearer(buyer.token), payload: {} });

describe('stripe calls after the commit, by the worker', () => {
  it('a cancel of a paid card order is refunded by the job the api enqueued', async () => {
    const { purchaseId, orderId } = await paidCardOrder();
    const res = await cancelAsBuyer(orderId);
    expect(res.statusCode, res.body).toBe(200);
    expect(await settled(purchaseId)).toEqual([{ status: 'succeeded', attempts: 1 }]);
    // Made by the job the api enqueued for this call after its commit, not by the periodic sweep.
    const [call] = await t.app.db
      .select({ id: schema.stripeCalls.id })
      .from(schema.stripeCalls)
      .where(eq(schema.stripeCalls.purchaseId, purchaseId));
    const job = await (await t.app.queues.get(QUEUES.stripeCalls)).getJob(`stripe-call-${call!.id}`);
    expect(job?.data).toEqual({ stripeCallId: call!.id });
    expect(await job?.getState()).toBe('completed');
    const refunds = fake.calls.filter((c) => c.path === '/v1/refunds' && c.idempotencyKey === `refund-${orderId}`);
    expect(refunds).toHaveLength(1);
    const [r] = await t.app.db.select().from(schema.refunds).where(eq(schema.refunds.orderId, orderId));
    expect(r!.stripeRefundId).toMatch(/^re_fake_\d+$/);
  }, 60_000);

  it('Stripe failing: BullMQ retries the job with the same key until Stripe answers', async () => {
    const { purchaseId, orderId } = await paidCardOrder();
    // Two whole tries fail (the SDK itself tries three times each).
    fake.failNext('/v1/refunds', 6);
    const res = await cancelAsBuyer(orderId);
    expect(res.statusCode, res.body).toBe(200);
    expect(await settled(purchaseId)).toEqual([{ status: 'succeeded', attempts: 3 }]);
    const keys = fake.calls
      .filter((c) => c.path === '/v1/refunds' && c.body.includes(paymentIntentIdFor(purchaseId)))
      .map((c) => c.idempotencyKey);
    expect(keys).toHaveLength(7);
    expect(new Set(keys)).toEqual(new Set([`refund-${orderId}`]));
  }, 120_000);

  it('a call whose job was lost is made by the sweep, once, however often the sweep runs', async () => {
    const { purchaseId, orderId } = await paidCardOrder();
    // The commit happened but no job was enqueued (Redis away): cancel in the database's own terms.
    await t.app.db.transaction(async (tx) => {
      const [refund] = await tx
        .insert(schema.refunds)
        .values({ purchaseId, orderId, method: 'card', amountFen: 4200, reason: 'lost job' })
        .returning();
      await tx.insert(schema.stripeCalls).values({
        kind: 'refund',
        purchaseId,
        refundId: refund!.id,
        paymentIntentId: paymentIntentIdFor(purchaseId),
        amountFen: 4200,
        metadata: { orderId },
        idempotencyKey: `refund-${orderId}`,
        createdAt: sql`now() - interval '5 minutes'`,
      });
    });
    const stripe = await workerStripeClient({ secretKey: 'sk_test_fake', apiBase: fake.url });
    const runs = await Promise.all([
      processStripeCall({ db: t.app.db, stripe }, { id: 's1', data: { sweep: true } }),
      processStripeCall({ db: t.app.db, stripe }, { id: 's2', data: { sweep: true } }),
    ]);
    expect(runs.map((r) => ('succeeded' in r ? r.succeeded : -1)).sort()).toEqual([0, 1]);
    expect(await settled(purchaseId)).toEqual([{ status: 'succeeded', attempts: 1 }]);
    expect(fake.calls.filter((c) => c.idempotencyKey === `refund-${orderId}`)).toHaveLength(1);
    await expect(
      processStripeCall({ db: t.app.db, stripe }, { id: 'bad', data: { stripeCallId: 'nope' } }),
    ).rejects.toThrow(/malformed stripe-call job/);
  }, 60_000);
});
