import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { cooperativeBalance, schema } from '@shanhai/db';
import { createProduct } from '@shanhai/db/testing';
import { buyingWorld, journalLinesOf, shop, type Member } from '../../../test-support/shop';
import type { Session, TestApp } from '../../../test-support/testing';

/** Invariant 8 through the api: each money event posts one balanced entry, once, with the event. */
let t: TestApp;
let office: Session;
let coopA: Member;
let coopB: Member;
const { buyer, post, placed, paid } = shop(() => t);
const year = new Date().getFullYear();

beforeAll(async () => ({ t, office, coopA, coopB } = await buyingWorld()));
afterAll(() => t.close());

const journalOf = (sourceIds: string[]) => journalLinesOf(t.app.db, sourceIds);

describe('the journal follows the money', () => {
  it('transfer confirmed → pending; accepted (two clicks at once) → available less the fee, posted once', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10, category: 'tea' });
    const c = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 10, category: 'poultry' });
    // 2.5% on tea, for every cooperative.
    await t.app.db.insert(schema.feeRates).values({ category: 'tea', rateBps: 250 });
    const before = await cooperativeBalance(t.app.db, coopA.orgId, year);
    const p = await placed(b, [
      { id: a.id, qty: 2 },
      { id: c.id, qty: 3 },
    ]);
    // The office clicks confirm twice at once: one payment entry.
    const confirms = await Promise.all(
      [1, 2].map(() => post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen })),
    );
    expect(confirms.map((r) => r.statusCode)).toEqual([200, 200]);
    const orderA = p.orders.find((o: { cooperativeId: string }) => o.cooperativeId === coopA.orgId);
    const orderB = p.orders.find((o: { cooperativeId: string }) => o.cooperativeId === coopB.orgId);
    // One line per order; the orders' lines come in no promised order, so compare them as a set.
    expect((await journalOf([p.id])).sort()).toEqual(
      [
        'payment platform_bank 50000/0',
        `payment coop_payable_pending 0/${orderA.totalFen}`,
        `payment coop_payable_pending 0/${orderB.totalFen}`,
      ].sort(),
    );
    expect(orderA.totalFen + orderB.totalFen).toBe(50_000);
    expect((await cooperativeBalance(t.app.db, coopA.orgId, year)).pendingFen - before.pendingFen).toBe(
      orderA.totalFen,
    );

    await post(coopA.s, `/api/v1/orders/${orderA.id}/ship`, { carrier: '顺丰', trackingNo: 'SF1' });
    await post(coopA.s, `/api/v1/orders/${orderA.id}/deliver`);
    const accepts = await Promise.all([1, 2].map(() => post(b.s, `/api/v1/orders/${orderA.id}/accept`)));
    expect(accepts.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const fee = Math.floor((orderA.totalFen * 250 + 5000) / 10_000);
    expect(await journalOf([orderA.id])).toEqual([
      `acceptance coop_payable_pending ${orderA.totalFen}/0`,
      `acceptance coop_payable_available 0/${orderA.totalFen - fee}`,
      `acceptance fee_revenue 0/${fee}`,
    ]);
    const after = await cooperativeBalance(t.app.db, coopA.orgId, year);
    expect(after.pendingFen).toBe(before.pendingFen);
    expect(after.availableFen - before.availableFen).toBe(orderA.totalFen - fee);

    // The other order is cancelled after payment: the transfer refund is owed to the buyer.
    expect((await post(b.s, `/api/v1/orders/${orderB.id}/cancel`)).json().status).toBe('refunded');
    expect(await journalOf([orderB.id])).toEqual([
      `refund coop_payable_pending ${orderB.totalFen}/0`,
      `refund refunds_payable 0/${orderB.totalFen}`,
    ]);
    await t.app.db.delete(schema.feeRates);
  });

  it('a disputed delivery refunded by the cooperative posts its refund once; nothing is posted for unpaid cancels', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p = await paid(b, [{ id: a.id, qty: 1 }], office);
    const o = p.orders[0];
    await post(coopA.s, `/api/v1/orders/${o.id}/ship`, { carrier: '顺丰', trackingNo: 'SF2' });
    await post(coopA.s, `/api/v1/orders/${o.id}/deliver`);
    await post(b.s, `/api/v1/orders/${o.id}/report`, { note: '破损' });
    const refunds = await Promise.all([1, 2].map(() => post(coopA.s, `/api/v1/orders/${o.id}/refund`)));
    expect(refunds.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(await journalOf([o.id])).toEqual([
      `refund coop_payable_pending ${o.totalFen}/0`,
      `refund refunds_payable 0/${o.totalFen}`,
    ]);

    const unpaid = await placed(b, [{ id: a.id, qty: 1 }]);
    await post(b.s, `/api/v1/orders/${unpaid.orders[0].id}/cancel`);
    expect(await journalOf([unpaid.id, unpaid.orders[0].id])).toEqual([]);
  });

  it('every entry balances and the journal sums to zero', async () => {
    const r = await t.app.db.execute<{ unbalanced: number; d: string; c: string }>(sql`
      select (select count(*)::int from (select entry_id from journal_lines group by entry_id
                having sum(debit_fen) <> sum(credit_fen)) x) as unbalanced,
             (select coalesce(sum(debit_fen), 0) from journal_lines) as d,
             (select coalesce(sum(credit_fen), 0) from journal_lines) as c`);
    expect(r.rows[0]!.unbalanced).toBe(0);
    expect(Number(r.rows[0]!.d)).toBe(Number(r.rows[0]!.c));
    expect(Number(r.rows[0]!.d)).toBeGreaterThan(0);
  });
});
