import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { foldAll, tallyDrift } from '@shanhai/db';
import { createOrgWithUser, createProduct } from '@shanhai/db/testing';
import { QUEUES } from '@shanhai/domain';
import { bearer, createTestApp, DEMO_PASSWORD, login, type Session, type TestApp } from '../../../test-support/testing';

/**
 * The seam between ordering and the leaderboard: a paid purchase's ledger rows fold into the
 * town, buyer, category and product boards, and a refund takes them out again, with no drift.
 */
let t: TestApp;
let office: Session;
beforeAll(async () => {
  t = await createTestApp();
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
});
afterAll(() => t.close());

const post = (s: Session, url: string, payload: object = {}) =>
  t.app.inject({ method: 'POST', url, headers: bearer(s.token), payload });

/** The product tally behind the product board and the towns' top products. */
async function productSales(productId: string) {
  const r = await t.app.db.execute<{ s: number }>(
    sql`select coalesce(sum(amount_fen), 0)::bigint as s from product_daily_sales where product_id = ${productId}`,
  );
  return Number(r.rows[0]!.s);
}

async function board(by: 'town' | 'buyer' | 'category') {
  await foldAll(t.app.db);
  t.app.leaderboardLive.invalidate();
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/leaderboard?by=${by}` });
  expect(res.statusCode).toBe(200);
  return res.json().rows as { townId?: string; buyerOrgId?: string; category?: string; salesFen: number }[];
}

describe('orders → ledger → tallies → leaderboard', () => {
  it('a paid purchase moves its towns, its buyer and its categories by the line totals; a refund moves them back', async () => {
    const coop = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' });
    const coopSession = await login(t.app, coop.user.email);
    const buyer = await createOrgWithUser(t.app.db, { kind: 'buyer', role: 'owner' });
    const b = await login(t.app, buyer.user.email);
    const product = await createProduct(t.app.db, {
      cooperativeId: coop.org.id,
      stock: 50,
      priceTiers: [{ minQty: 1, unitPriceFen: 12_345 }],
    });

    const townBefore = (await board('town')).find((r) => r.townId === product.townId)!.salesFen;
    const catBefore = (await board('category')).find((r) => r.category === product.category)?.salesFen ?? 0;

    expect(
      (
        await t.app.inject({
          method: 'PUT',
          url: '/api/v1/cart',
          headers: bearer(b.token),
          payload: { lines: [{ productId: product.id, qty: 4 }] },
        })
      ).statusCode,
    ).toBe(200);
    const placed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/purchases',
      headers: { ...bearer(b.token), 'idempotency-key': 'seam-1' },
      payload: { paymentMethod: 'transfer' },
    });
    expect(placed.statusCode, placed.body).toBe(201);
    const purchase = placed.json();
    expect(purchase.totalFen).toBe(4 * 12_345);

    // Unpaid: nothing credited yet.
    expect((await board('town')).find((r) => r.townId === product.townId)!.salesFen).toBe(townBefore);

    const tallyJobs = async () => (await t.app.queues.get(QUEUES.tally)).getWaitingCount();
    expect(await tallyJobs()).toBe(0);
    expect(
      (await post(office, `/api/v1/payments/${purchase.id}/confirm-transfer`, { amountFen: purchase.totalFen }))
        .statusCode,
    ).toBe(200);
    // The commit asked the tally worker to fold (no worker runs here, so the job waits).
    expect(await tallyJobs()).toBe(1);
    expect((await board('town')).find((r) => r.townId === product.townId)!.salesFen).toBe(townBefore + 4 * 12_345);
    expect((await board('buyer')).find((r) => r.buyerOrgId === buyer.org.id)!.salesFen).toBe(4 * 12_345);
    expect((await board('category')).find((r) => r.category === product.category)!.salesFen).toBe(
      catBefore + 4 * 12_345,
    );
    expect(await productSales(product.id)).toBe(4 * 12_345);

    // Cancelled after payment: the negative rows bring every board back.
    const orderId = purchase.orders[0].id;
    expect((await post(coopSession, `/api/v1/orders/${orderId}/cancel`, { note: 'out of season' })).statusCode).toBe(
      200,
    );
    expect((await board('town')).find((r) => r.townId === product.townId)!.salesFen).toBe(townBefore);
    expect((await board('category')).find((r) => r.category === product.category)?.salesFen ?? 0).toBe(catBefore);
    expect(await productSales(product.id)).toBe(0);
    expect(await tallyDrift(t.app.db)).toBe(0);
  });
});
