import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { seedDemoOrdersInto } from '@shanhai/db/seed';
import { createProduct } from '@shanhai/db/testing';
import { businessDate } from '@shanhai/domain';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { bearer, DEMO_PASSWORD, login, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let coopA: Member;
let coopB: Member;
const { buyer, post, placed, paid } = shop(() => t);
const dashboard = (s: Session | null) =>
  t.app.inject({ method: 'GET', url: '/api/v1/coop/dashboard', headers: s ? bearer(s.token) : {} });

beforeAll(async () => ({ t, office, coopA, coopB } = await buyingWorld()));
afterAll(() => t.close());

/** The first day of last month as an Asia/Shanghai business date. */
function lastMonthDay(): string {
  const [y, m] = businessDate().split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12-15` : `${y}-${String(m - 1).padStart(2, '0')}-15`;
}

describe('GET /coop/dashboard', () => {
  it('401 without a token; 403 for a buyer and for the office', async () => {
    expect((await dashboard(null)).statusCode).toBe(401);
    const b = await buyer();
    expect((await dashboard(b.s)).statusCode).toBe(403);
    expect((await dashboard(office)).statusCode).toBe(403);
  });

  it("counts the cooperative's own orders to ship and to confirm, its months' sales, reviews and low stock; another cooperative sees only its own", async () => {
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 100, nameZh: '甲 蜂蜜' });
    const low = await createProduct(t.app.db, {
      cooperativeId: coopA.orgId,
      stock: 5,
      moq: 2,
      nameZh: '乙 腊肉',
      unitLabel: '包',
      unitSpec: '500 g/包',
    });
    await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 0, status: 'pending_review' });
    // Out of stock but not listed: not "low stock" (it is not on sale).
    await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 0, status: 'delisted' });
    const c = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 50 });

    const b = await buyer();
    const toShip = await paid(b, [{ id: a.id, qty: 2 }], office);
    const shipped = await paid(b, [{ id: a.id, qty: 3 }], office);
    const shippedOrder = shipped.orders[0].id;
    expect(
      (await post(coopA.s, `/api/v1/orders/${shippedOrder}/ship`, { carrier: '顺丰速运', trackingNo: 'SF1' }))
        .statusCode,
    ).toBe(200);
    await placed(b, [{ id: a.id, qty: 1 }]); // unpaid: neither to ship nor sold
    const other = await paid(b, [{ id: c.id, qty: 4 }], office);
    // Last month's sale, as an import would credit it.
    const [coopRow] = await t.app.db
      .select({ townId: schema.orgs.townId })
      .from(schema.orgs)
      .where(eq(schema.orgs.id, coopA.orgId));
    await t.app.db.insert(schema.sales).values({
      source: 'import',
      sourceRef: `dashboard-test:${coopA.orgId}`,
      kind: 'sale',
      townId: coopRow!.townId!,
      cooperativeId: coopA.orgId,
      category: 'honey',
      amountFen: 123_400,
      businessDate: lastMonthDay(),
    });

    const res = await dashboard(coopA.s);
    expect(res.statusCode, res.body).toBe(200);
    const month = businessDate().slice(0, 7);
    expect(res.json()).toEqual({
      toShip: 1,
      toConfirmDelivery: 1,
      disputed: 0,
      thisMonth: { month, salesFen: toShip.totalFen + shipped.totalFen, orders: 2 },
      lastMonth: { month: lastMonthDay().slice(0, 7), salesFen: 123_400, orders: 0 },
      pendingReview: 1,
      lowStock: [
        {
          id: low.id,
          nameZh: '乙 腊肉',
          nameEn: null,
          unitLabel: '包',
          unitSpec: '500 g/包',
          unitLabelEn: null,
          unitSpecEn: null,
          stock: 5,
          moq: 2,
        },
      ],
      lowStockCount: 1,
    });
    expect(toShip.totalFen).toBe(20_000);

    const mine = (await dashboard(coopB.s)).json();
    expect(mine).toMatchObject({
      toShip: 1,
      toConfirmDelivery: 0,
      thisMonth: { salesFen: other.totalFen, orders: 1 },
      lastMonth: { salesFen: 0, orders: 0 },
      pendingReview: 0,
      lowStock: [],
      lowStockCount: 0,
    });
  });

  it("the demo cooperatives' dashboards are not zeros once npm start's demo orders are seeded (and the orders open)", async () => {
    await seedDemoOrdersInto(t.app.db);
    const month = businessDate().slice(0, 7);
    const coop = await login(t.app, 'coop@demo.shanhai', DEMO_PASSWORD);
    const dakun = (await dashboard(coop)).json();
    expect(dakun).toMatchObject({ toShip: 2, toConfirmDelivery: 1, disputed: 1, thisMonth: { month } });
    expect(dakun.thisMonth.salesFen).toBeGreaterThan(0);
    expect(dakun.thisMonth.orders).toBe(5);
    const coop2 = await login(t.app, 'coop2@demo.shanhai', DEMO_PASSWORD);
    const daping = (await dashboard(coop2)).json();
    expect(daping).toMatchObject({ toShip: 1, toConfirmDelivery: 1, disputed: 0, thisMonth: { month, orders: 4 } });
    expect(daping.thisMonth.salesFen).toBeGreaterThan(0);
    // Each order reads as any order does: number, lines with their codes, who moved it when.
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/orders?status=disputed',
      headers: bearer(coop.token),
    });
    expect(list.statusCode, list.body).toBe(200);
    const [disputed] = list.json();
    expect(disputed).toMatchObject({ status: 'disputed', orderNo: expect.stringMatching(/^\d{8}-\d{6,}$/) });
    expect(disputed.problemNote).toContain('破损');
    expect(disputed.lines[0].code).toMatch(/^SH\d+$/);
    expect(disputed.transitions.map((x: { to: string }) => x.to)).toEqual([
      'awaiting_payment',
      'paid',
      'shipped',
      'delivered',
      'disputed',
    ]);
  });

  it('a refund this month is netted from the sales', async () => {
    const b = await buyer();
    const x = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 50 });
    const before = (await dashboard(coopB.s)).json();
    const p = await paid(b, [{ id: x.id, qty: 1 }], office);
    expect((await post(coopB.s, `/api/v1/orders/${p.orders[0].id}/refund`)).statusCode).toBe(200);
    const after = (await dashboard(coopB.s)).json();
    expect(after.thisMonth.salesFen).toBe(before.thisMonth.salesFen);
    expect(after.thisMonth.orders).toBe(before.thisMonth.orders + 1);
    expect(after.toShip).toBe(before.toShip);
  });
});
