import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createProduct } from '@shanhai/db/testing';
import { MAX_STOCK, ORDER_TRANSITIONS, QUEUES, type OrderStatus } from '@shanhai/domain';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { bearer, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let coopA: Member;
let coopB: Member;
const { buyer, call, post, stockOf, placed, paid } = shop(() => t);

beforeAll(async () => ({ t, office, coopA, coopB } = await buyingWorld()));
afterAll(() => t.close());

describe('fulfilment and refunds', () => {
  it("a paid order: ship → deliver → accept; the other cooperative's, cancelled after payment: stock back, refund record, negative ledger rows", async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10, category: 'tea' });
    const c = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 10 });
    const p = await paid(
      b,
      [
        { id: a.id, qty: 2 },
        { id: c.id, qty: 3 },
      ],
      office,
    );
    const lineIds = p.orders.flatMap((o: { lines: { id: string }[] }) => o.lines.map((l) => l.id));

    const orderA = p.orders.find((o: { cooperativeId: string }) => o.cooperativeId === coopA.orgId).id;
    expect((await post(b.s, `/api/v1/orders/${orderA}/ship`, { carrier: 'SF', trackingNo: 'SF1' })).statusCode).toBe(
      403,
    );
    expect(
      (await post(coopB.s, `/api/v1/orders/${orderA}/ship`, { carrier: 'SF', trackingNo: 'SF1' })).statusCode,
    ).toBe(404);
    expect((await post(coopA.s, `/api/v1/orders/${orderA}/ship`, { carrier: 'SF' })).json().errors).toEqual([
      {
        field: 'body.trackingNo',
        message: 'is required',
        code: 'invalid_type',
        params: { expected: 'string', received: 'missing' },
      },
    ]);
    expect((await post(coopA.s, `/api/v1/orders/${orderA}/deliver`)).json()).toMatchObject({
      status: 409,
      code: 'invalid_transition',
      from: 'paid',
      to: 'delivered',
    });
    const shipped = await post(coopA.s, `/api/v1/orders/${orderA}/ship`, {
      carrier: '顺丰',
      trackingNo: 'SF1234567890',
    });
    expect(shipped.json()).toMatchObject({ status: 'shipped', carrier: '顺丰', trackingNo: 'SF1234567890' });
    expect((await post(b.s, `/api/v1/orders/${orderA}/cancel`)).json().code).toBe('invalid_transition');
    expect((await post(coopA.s, `/api/v1/orders/${orderA}/deliver`)).json().status).toBe('delivered');
    // The automatic acceptance (自动确认收货) waits in Redis, delayed by the office's 7 days.
    const autoAccept = await t.app.queues.get(QUEUES.autoAccept);
    const job = await autoAccept.getJob(`auto-accept-${orderA}`);
    expect(job?.data).toEqual({ orderId: orderA });
    expect(job!.opts.delay).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(job!.opts.delay).toBeLessThanOrEqual(7 * 86_400_000);
    expect(await autoAccept.getJobState(job!.id!)).toBe('delayed');
    const acc = await post(b.s, `/api/v1/orders/${orderA}/accept`);
    expect(acc.json().status).toBe('accepted');
    expect(acc.json().transitions.map((x: { from: string | null; to: string }) => `${x.from}>${x.to}`)).toEqual([
      'null>awaiting_payment',
      'awaiting_payment>paid',
      'paid>shipped',
      'shipped>delivered',
      'delivered>accepted',
    ]);

    // The other cooperative's order is cancelled after payment: stock back, refund record, negative ledger rows.
    const orderB = p.orders.find((o: { cooperativeId: string }) => o.cooperativeId === coopB.orgId).id;
    const cancelled = await post(b.s, `/api/v1/orders/${orderB}/cancel`, { note: 'no longer needed' });
    expect(cancelled.json().status).toBe('refunded');
    expect(await stockOf(c.id)).toBe(10);
    const [refund] = await t.app.db.select().from(schema.refunds).where(eq(schema.refunds.orderId, orderB));
    expect(refund).toMatchObject({ method: 'transfer', amountFen: 30_000, stripeRefundId: null });
    const after = await t.app.db.select().from(schema.sales).where(inArray(schema.sales.sourceRef, lineIds));
    expect(after.reduce((s, r) => s + r.amountFen, 0)).toBe(20_000);
    expect(after.filter((r) => r.kind === 'refund').map((r) => r.amountFen)).toEqual([-30_000]);
  });

  it('a disputed delivery can be refunded by the office', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p2 = await placed(b, [{ id: a.id, qty: 1 }]);
    await post(office, `/api/v1/payments/${p2.id}/confirm-transfer`, { amountFen: p2.totalFen });
    const oid = p2.orders[0].id;
    await post(coopA.s, `/api/v1/orders/${oid}/ship`, { carrier: 'EMS', trackingNo: 'E1' });
    await post(coopA.s, `/api/v1/orders/${oid}/deliver`);
    expect((await post(b.s, `/api/v1/orders/${oid}/report`, {})).statusCode).toBe(400);
    const rep = await post(b.s, `/api/v1/orders/${oid}/report`, { note: '两箱破损' });
    expect(rep.json()).toMatchObject({ status: 'disputed', problemNote: '两箱破损' });
    expect((await post(b.s, `/api/v1/orders/${oid}/refund`)).statusCode).toBe(403);
    expect((await post(office, `/api/v1/orders/${oid}/refund`, { note: 'agreed' })).json().status).toBe('refunded');
    expect(await stockOf(a.id)).toBe(9);
  });
});

describe('state machine', () => {
  it('allows exactly the listed moves', () => {
    const all = Object.keys(ORDER_TRANSITIONS) as OrderStatus[];
    const allowed = all.flatMap((f) => ORDER_TRANSITIONS[f].map((to) => `${f}>${to}`));
    expect(allowed).toEqual([
      'pending_approval>awaiting_payment',
      'pending_approval>cancelled',
      'awaiting_payment>paid',
      'awaiting_payment>cancelled',
      'paid>shipped',
      'paid>refunded',
      'shipped>delivered',
      'delivered>accepted',
      'delivered>disputed',
      'disputed>accepted',
      'disputed>refunded',
    ]);
  });

  it('refuses a sample of forbidden moves over HTTP with 409 invalid_transition', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p = await placed(b, [{ id: a.id, qty: 1 }]);
    const oid = p.orders[0].id;
    for (const [who, action, body] of [
      [coopA.s, 'ship', { carrier: 'x', trackingNo: 'y' }],
      [coopA.s, 'deliver', {}],
      [b.s, 'accept', {}],
      [b.s, 'report', { note: 'n' }],
      [office, 'refund', {}],
    ] as const) {
      const r = await post(who, `/api/v1/orders/${oid}/${action}`, body);
      expect(r.statusCode, action).toBe(409);
      expect(r.json().code).toBe('invalid_transition');
    }
    expect((await t.app.db.select().from(schema.orders).where(eq(schema.orders.id, oid)))[0]!.status).toBe(
      'awaiting_payment',
    );
  });
});

describe('tenancy and lists', () => {
  it("another org's token gets 404 on every order route, and nothing changes", async () => {
    const b = await buyer();
    const intruder = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p = await placed(b, [{ id: a.id, qty: 2 }]);
    const oid = p.orders[0].id;
    const calls: [string, string, unknown][] = [
      ['GET', `/api/v1/orders/${oid}`, undefined],
      ['POST', `/api/v1/orders/${oid}/ship`, { carrier: 'a', trackingNo: 'b' }],
      ['POST', `/api/v1/orders/${oid}/deliver`, {}],
      ['POST', `/api/v1/orders/${oid}/accept`, {}],
      ['POST', `/api/v1/orders/${oid}/report`, { note: 'x' }],
      ['POST', `/api/v1/orders/${oid}/cancel`, {}],
      ['POST', `/api/v1/orders/${oid}/refund`, {}],
    ];
    for (const c of calls) expect((await call(intruder.s, c)).statusCode, `${c[0]} ${c[1]}`).toBe(404);
    for (const c of calls) expect((await call(coopB.s, c)).statusCode, `coop ${c[0]} ${c[1]}`).toBe(404);
    const after = await t.app.inject({ method: 'GET', url: `/api/v1/purchases/${p.id}`, headers: bearer(b.s.token) });
    expect(after.json()).toMatchObject({ status: 'awaiting_payment', payment: { status: 'pending' } });
    expect(await stockOf(a.id)).toBe(8);
  });

  it('the cooperative sees only its own orders; CSV export', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10, nameZh: '列表蜂蜜' });
    const p = await placed(b, [{ id: a.id, qty: 1 }]);
    const coopOrders = await t.app.inject({
      method: 'GET',
      url: '/api/v1/orders?format=csv',
      headers: bearer(coopA.s.token),
    });
    expect(coopOrders.body).toContain('列表蜂蜜×1');
    const coopBOrders = await t.app.inject({ method: 'GET', url: '/api/v1/orders', headers: bearer(coopB.s.token) });
    expect(coopBOrders.json().some((o: { purchaseId: string }) => o.purchaseId === p.id)).toBe(false);
  });
});

describe('stock that comes back (issue 13)', () => {
  it('a seller cannot raise stock past MAX_STOCK less the units that may come back, so every cancel and refund gives them back in full', async () => {
    const b = await buyer();
    const prod = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 100 });
    const p = await placed(b, [{ id: prod.id, qty: 60 }]);
    expect(await stockOf(prod.id)).toBe(40);
    const stockUrl = `/api/v1/products/${prod.id}/stock`;
    const refused = { code: 'stock_with_open_orders', params: { out: 60, max: MAX_STOCK } };
    const raise = await post(coopA.s, stockUrl, { delta: MAX_STOCK - 40 });
    expect(raise.statusCode, raise.body).toBe(400);
    expect(raise.json().errors).toEqual([
      {
        field: 'body.delta',
        ...refused,
        message: 'would take stock above 100,000,000 once the 60 units in open orders come back',
      },
    ]);
    const set = await call(coopA.s, ['PATCH', `/api/v1/products/${prod.id}`, { stock: MAX_STOCK }]);
    expect(set.statusCode, set.body).toBe(400);
    expect(set.json().errors).toMatchObject([{ field: 'body.stock', ...refused }]);
    expect(await stockOf(prod.id)).toBe(40);
    // Up to the room left, a raise is taken; the cancel then brings stock to MAX_STOCK exactly.
    expect((await post(coopA.s, stockUrl, { delta: MAX_STOCK - 100 })).statusCode).toBe(200);
    expect((await post(b.s, `/api/v1/purchases/${p.id}/cancel`)).statusCode).toBe(200);
    expect(await stockOf(prod.id)).toBe(MAX_STOCK);
    // A paid order counts too, and its cancellation (a refund) gives its units back in full.
    const q = await paid(b, [{ id: prod.id, qty: 10 }], office);
    expect((await post(coopA.s, stockUrl, { delta: 1 })).json().errors).toMatchObject([
      { field: 'body.delta', code: 'stock_with_open_orders', params: { out: 10 } },
    ]);
    const refund = await post(coopA.s, `/api/v1/orders/${q.orders[0].id}/cancel`, { note: '缺货' });
    expect(refund.statusCode, refund.body).toBe(200);
    expect(await stockOf(prod.id)).toBe(MAX_STOCK);
  });
});
