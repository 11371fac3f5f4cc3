import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createProduct } from '@shanhai/db/testing';
import { QUEUES } from '@shanhai/domain';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { bearer, type TestApp } from '../../../test-support/testing';
import { refs } from './checkout-service';

let t: TestApp;
let coopA: Member;
let coopB: Member;
const { buyer, put, checkout, stockOf, soldOf, placed } = shop(() => t);

beforeAll(async () => ({ t, coopA, coopB } = await buyingWorld()));
afterAll(() => t.close());

describe('checkout', () => {
  it('a remittance reference that is taken already is drawn again, never a 500 (busy days collide)', async () => {
    const b = await buyer();
    const product = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const first = await placed(b, [{ id: product.id, qty: 1 }]);
    const real = refs.next;
    const draws = [first.remittanceRef as string, first.remittanceRef as string, 'SH000000FRESH2'];
    refs.next = () => draws.shift() ?? real();
    try {
      const second = await placed(b, [{ id: product.id, qty: 2 }]);
      expect(second.remittanceRef).toBe('SH000000FRESH2');
      expect(draws).toEqual([]);
      const rows = await t.app.db.select().from(schema.purchases).where(eq(schema.purchases.buyerOrgId, b.orgId));
      expect(rows.map((r) => r.remittanceRef).sort()).toEqual([first.remittanceRef, 'SH000000FRESH2'].sort());
      const orders = await t.app.db.select().from(schema.orders).where(eq(schema.orders.buyerOrgId, b.orgId));
      expect(orders).toHaveLength(2);
      expect(await stockOf(product.id)).toBe(7);
    } finally {
      refs.next = real;
    }
  });

  it('splits one purchase into one order per cooperative with snapshots, takes stock and empties the cart', async () => {
    const b = await buyer();
    const a1 = await createProduct(t.app.db, {
      cooperativeId: coopA.orgId,
      stock: 20,
      priceTiers: [
        { minQty: 1, unitPriceFen: 1000 },
        { minQty: 10, unitPriceFen: 900 },
      ],
    });
    const a2 = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 5 });
    const b1 = await createProduct(t.app.db, {
      cooperativeId: coopB.orgId,
      stock: 7,
      unitLabel: '罐',
      unitSpec: '250 g/罐',
    });
    const p = await placed(b, [
      { id: a1.id, qty: 10 },
      { id: a2.id, qty: 1 },
      { id: b1.id, qty: 7 },
    ]);
    expect(p).toMatchObject({
      status: 'awaiting_payment',
      paymentMethod: 'transfer',
      totalFen: 9000 + 10_000 + 70_000,
      remittanceRef: expect.stringMatching(/^SH\d{6}[A-Z2-9]{6}$/),
    });
    expect(p.invoiceTitle).toMatch(/^Invoice title/);
    expect(p.orders).toHaveLength(2);
    const byCoop = Object.fromEntries(p.orders.map((o: { cooperativeId: string }) => [o.cooperativeId, o]));
    expect(byCoop[coopA.orgId].totalFen).toBe(19_000);
    // Each order has a number to quote: the business date and a running number of its own.
    expect(byCoop[coopA.orgId].orderNo).toMatch(/^\d{8}-\d{6,}$/);
    expect(byCoop[coopB.orgId].orderNo).not.toBe(byCoop[coopA.orgId].orderNo);
    expect(byCoop[coopB.orgId].lines).toEqual([
      expect.objectContaining({
        productId: b1.id,
        // The product code, as on the cart line: what the buyer quotes.
        code: b1.code,
        qty: 7,
        unitLabel: '罐',
        unitSpec: '250 g/罐',
        unitPriceFen: 10_000,
        lineTotalFen: 70_000,
      }),
    ]);
    expect(byCoop[coopB.orgId].transitions).toEqual([
      expect.objectContaining({ from: null, to: 'awaiting_payment', actor: 'user', actorUserId: b.s.userId }),
    ]);
    expect([await stockOf(a1.id), await stockOf(a2.id), await stockOf(b1.id)]).toEqual([10, 4, 0]);
    // The answer (made without reading the rows back) is what was stored: it reads back the same.
    type Shape = { orders: { id: string; lines: { id: string }[] }[] };
    const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
    const norm = (x: Shape) => ({
      ...x,
      orders: x.orders.map((o) => ({ ...o, lines: [...o.lines].sort(byId) })).sort(byId),
    });
    const stored = await t.app.inject({ method: 'GET', url: `/api/v1/purchases/${p.id}`, headers: bearer(b.s.token) });
    expect(norm(stored.json())).toEqual(norm(p));
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/cart', headers: bearer(b.s.token) })).json().lines,
    ).toEqual([]);
    // The expiry job waits in Redis, delayed until the purchase's expiry (72 h for a transfer).
    const job = await (
      await t.app.queues.get(QUEUES.purchaseExpiry)
    ).getJob(`expire-${p.id}-${new Date(p.expiresAt).getTime()}`);
    expect(job?.data).toEqual({ purchaseId: p.id });
    expect(job!.opts.delay).toBeGreaterThan(71 * 3600_000);
    expect(await (await t.app.queues.get(QUEUES.purchaseExpiry)).getJobState(job!.id!)).toBe('delayed');
  });

  it('409 listing every failing line takes nothing', async () => {
    const b = await buyer();
    const ok = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const short = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 2 });
    const gone = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 10 });
    await put(b.s, [
      { productId: ok.id, qty: 5 },
      { productId: short.id, qty: 3 },
      { productId: gone.id, qty: 1 },
    ]);
    await t.app.db.update(schema.products).set({ status: 'delisted' }).where(eq(schema.products.id, gone.id));
    const res = await checkout(b.s, 'k-fail');
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('lines_unavailable');
    expect(res.json().lines).toEqual([
      { productId: gone.id, qty: 1, code: 'not_available', message: 'is not on sale' },
    ]);
    await t.app.db.update(schema.products).set({ status: 'listed' }).where(eq(schema.products.id, gone.id));
    const res2 = await checkout(b.s, 'k-fail');
    expect(res2.statusCode).toBe(409);
    expect(res2.json().lines).toEqual([
      { productId: short.id, qty: 3, code: 'out_of_stock', message: 'only 2 left in stock' },
    ]);
    expect([await stockOf(ok.id), await stockOf(short.id), await stockOf(gone.id)]).toEqual([10, 2, 10]);
    expect(await t.app.db.select().from(schema.purchases).where(eq(schema.purchases.buyerOrgId, b.orgId))).toEqual([]);
  });

  it('card without Stripe keys is refused with a clear 422 naming paymentMethod', async () => {
    const b = await buyer();
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId });
    await put(b.s, [{ productId: p.id, qty: 1 }]);
    const res = await checkout(b.s, 'card-1', { paymentMethod: 'card' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      code: 'card_payments_unavailable',
      errors: [{ field: 'body.paymentMethod', message: 'card payment is not available; use transfer' }],
    });
    expect(await stockOf(p.id)).toBe(100);
    const options = await t.app.inject({ method: 'GET', url: '/api/v1/payments/options', headers: bearer(b.s.token) });
    expect(options.json()).toEqual({ methods: ['transfer'], stripePublishableKey: null });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/payments/options' })).statusCode).toBe(401);
  });

  it('400 for bad input (unknown field, bad method), 401 and 403 for a cooperative', async () => {
    const b = await buyer();
    const r = await checkout(b.s, undefined, { paymentMethod: 'cash' });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].field).toBe('body.paymentMethod');
    const r2 = await checkout(b.s, undefined, { paymentMethod: 'transfer', totalFen: 1 });
    expect(r2.json().errors).toEqual([
      { field: 'body.totalFen', message: 'is not an accepted field', code: 'unrecognized_keys' },
    ]);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/purchases', payload: { paymentMethod: 'transfer' } }))
        .statusCode,
    ).toBe(401);
    expect((await checkout(coopA.s)).statusCode).toBe(403);
  });
});

describe('amounts past the safe range (issue 13)', () => {
  const DEAR = [{ minQty: 1, unitPriceFen: 9_000_000_000_000 }]; // 90 billion yuan a unit

  it('explicit lines whose total passes it: 400 naming body.lines, nothing taken or stored', async () => {
    const b = await buyer();
    const p1 = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 1_000, priceTiers: DEAR });
    const p2 = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 1_000, priceTiers: DEAR });
    const res = await checkout(b.s, 'k-huge', {
      paymentMethod: 'transfer',
      deliveryAddress: '广州市天河区',
      lines: [
        { productId: p1.id, qty: 900 },
        { productId: p2.id, qty: 900 },
      ],
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'body.lines', code: 'amount_too_large', message: 'makes an amount too large to record', params: {} },
    ]);
    expect([await stockOf(p1.id), await stockOf(p2.id)]).toEqual([1_000, 1_000]);
    expect(await t.app.db.select().from(schema.purchases).where(eq(schema.purchases.buyerOrgId, b.orgId))).toEqual([]);
  });

  it('a cart line whose total passes it (the price was raised): 409 listing the line, nothing taken', async () => {
    const b = await buyer();
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 5_000 });
    expect((await put(b.s, [{ productId: p.id, qty: 2_000 }])).statusCode).toBe(200);
    await t.app.db.update(schema.products).set({ priceTiers: DEAR }).where(eq(schema.products.id, p.id));
    const res = await checkout(b.s, 'k-raised');
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().lines).toEqual([
      { productId: p.id, qty: 2_000, code: 'amount_too_large', message: 'makes an amount too large to record' },
    ]);
    expect(await stockOf(p.id)).toBe(5_000);
    expect(await t.app.db.select().from(schema.purchases).where(eq(schema.purchases.buyerOrgId, b.orgId))).toEqual([]);
  });
});

describe('checkout of explicit lines', () => {
  it('buys the given lines (two lines of one product summed) and leaves the cart alone', async () => {
    const b = await buyer();
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 5 });
    const other = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 5 });
    await put(b.s, [{ productId: other.id, qty: 1 }]);
    const over = await checkout(b.s, undefined, {
      paymentMethod: 'transfer',
      lines: [
        { productId: p.id, qty: 3 },
        { productId: p.id, qty: 3 },
      ],
    });
    expect(over.statusCode).toBe(409);
    expect(over.json().lines).toEqual([
      { productId: p.id, qty: 6, code: 'out_of_stock', message: 'only 5 left in stock' },
    ]);
    const ok = await checkout(b.s, undefined, {
      paymentMethod: 'transfer',
      lines: [
        { productId: p.id, qty: 2 },
        { productId: p.id, qty: 3 },
      ],
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().orders[0].lines[0].qty).toBe(5);
    expect(await stockOf(p.id)).toBe(0);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/cart', headers: bearer(b.s.token) })).json().lines,
    ).toHaveLength(1);
  });
});

describe('idempotency', () => {
  it('a replay answers the first response; another body answers 422; nothing is taken twice', async () => {
    const b = await buyer();
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    await put(b.s, [{ productId: p.id, qty: 2 }]);
    const first = await checkout(b.s, 'same-key');
    expect(first.statusCode).toBe(201);
    await put(b.s, [{ productId: p.id, qty: 2 }]);
    const again = await checkout(b.s, 'same-key');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    const other = await checkout(b.s, 'same-key', { paymentMethod: 'transfer', note: 'different' });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    expect(await stockOf(p.id)).toBe(8);
  });

  it('two identical requests at once make one purchase', async () => {
    const b = await buyer();
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    await put(b.s, [{ productId: p.id, qty: 3 }]);
    const rs = await Promise.all([
      checkout(b.s, 'concurrent'),
      checkout(b.s, 'concurrent'),
      checkout(b.s, 'concurrent'),
    ]);
    expect(rs.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(rs.map((r) => r.json().id)).size).toBe(1);
    expect(await stockOf(p.id)).toBe(7);
    expect(await t.app.db.select().from(schema.purchases).where(eq(schema.purchases.buyerOrgId, b.orgId))).toHaveLength(
      1,
    );
  });
});

describe('race for the last units', () => {
  it('many buyers, 5 units: exactly 5 sold, the rest 409, stock never below zero', async () => {
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 5 });
    const buyers = await Promise.all(Array.from({ length: 12 }, () => buyer()));
    for (const b of buyers) await put(b.s, [{ productId: p.id, qty: 1 }]);
    const rs = await Promise.all(buyers.map((b, i) => checkout(b.s, `race-${i}`)));
    const codes = rs.map((r) => r.statusCode).sort();
    expect(codes).toEqual([...Array(5).fill(201), ...Array(7).fill(409)]);
    expect(await stockOf(p.id)).toBe(0);
    expect((await stockOf(p.id)) + (await soldOf(p.id))).toBe(5);
  });

  it('two products taken in opposite cart orders: no 500, no deadlock, totals add up', async () => {
    const x = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 6 });
    const y = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 6 });
    const buyers = await Promise.all(Array.from({ length: 10 }, () => buyer()));
    for (const [i, b] of buyers.entries()) {
      const lines = [
        { productId: x.id, qty: 1 },
        { productId: y.id, qty: 1 },
      ];
      await put(b.s, i % 2 ? lines.reverse() : lines);
    }
    const rs = await Promise.all(buyers.map((b, i) => checkout(b.s, `opp-${i}`)));
    expect(rs.filter((r) => r.statusCode === 201)).toHaveLength(6);
    expect(rs.filter((r) => r.statusCode === 409)).toHaveLength(4);
    for (const id of [x.id, y.id]) expect((await stockOf(id)) + (await soldOf(id))).toBe(6);
  });
});
