import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrgWithUser, createProduct } from '@shanhai/db/testing';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { bearer, login, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let coopA: Member;
let coopB: Member;
const { buyer, post, paid } = shop(() => t);
const get = (s: Session | null, url: string) => t.app.inject({ method: 'GET', url, headers: s ? bearer(s.token) : {} });
const put = (s: Session | null, url: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'PUT', url, headers: s ? bearer(s.token) : {}, payload });

beforeAll(async () => ({ t, office, coopA, coopB } = await buyingWorld()));
afterAll(() => t.close());

describe('balances', () => {
  it('the buyer accepts and the cooperative sees the amount move from pending to available, less its fee', async () => {
    expect((await put(office, `/api/v1/fee-rates/cooperatives/${coopA.orgId}`, { rateBps: 100 })).statusCode).toBe(200);
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p = await paid(b, [{ id: a.id, qty: 2 }], office);
    const o = p.orders[0];
    const paidView = (await get(coopA.s, '/api/v1/balances/mine')).json();
    expect(paidView).toMatchObject({ pendingFen: o.totalFen, availableFen: 0, paidOutThisYearFen: 0 });
    expect(paidView.lines).toEqual([
      {
        id: expect.any(Number),
        entryId: expect.any(Number),
        kind: 'payment',
        account: 'coop_payable_pending',
        orderId: o.id,
        orderNo: o.orderNo,
        debitFen: 0,
        creditFen: o.totalFen,
        occurredAt: expect.any(String),
      },
    ]);
    await post(coopA.s, `/api/v1/orders/${o.id}/ship`, { carrier: '顺丰', trackingNo: 'SF9' });
    await post(coopA.s, `/api/v1/orders/${o.id}/deliver`);
    expect((await post(b.s, `/api/v1/orders/${o.id}/accept`)).statusCode).toBe(200);
    const fee = Math.floor((o.totalFen * 100 + 5000) / 10_000);
    const view = (await get(coopA.s, '/api/v1/balances/mine?limit=2')).json();
    expect(view).toMatchObject({ pendingFen: 0, availableFen: o.totalFen - fee, paidOutThisYearFen: 0 });
    expect(view.lines.map((l: { kind: string; account: string }) => `${l.kind} ${l.account}`)).toEqual([
      'acceptance coop_payable_available',
      'acceptance coop_payable_pending',
    ]);
    // The office sees it in the overview, with the rate it set.
    const overview = (await get(office, '/api/v1/balances')).json();
    expect(overview.cooperatives.find((c: { cooperativeId: string }) => c.cooperativeId === coopA.orgId)).toEqual({
      cooperativeId: coopA.orgId,
      name: expect.any(String),
      pendingFen: 0,
      availableFen: o.totalFen - fee,
      paidOutThisYearFen: 0,
      feeRateBps: 100,
    });
    expect(overview.feeRevenueFen).toBe(fee);
    expect(overview.autoAcceptDays).toBe(7);
  });

  it('a cooperative sees only its own balance; buyers and the unauthenticated are refused', async () => {
    expect((await get(coopB.s, '/api/v1/balances/mine')).json()).toMatchObject({
      pendingFen: 0,
      availableFen: 0,
      lines: [],
    });
    expect((await get(null, '/api/v1/balances/mine')).statusCode).toBe(401);
    const b = await buyer();
    expect((await get(b.s, '/api/v1/balances/mine')).statusCode).toBe(403);
    expect((await get(b.s, '/api/v1/balances')).statusCode).toBe(403);
    expect((await get(coopA.s, '/api/v1/balances')).statusCode).toBe(403);
    expect((await get(null, '/api/v1/balances')).statusCode).toBe(401);
    expect((await get(coopA.s, '/api/v1/balances/mine?limit=0')).json().errors[0].field).toBe('query.limit');
  });

  it('fee rates and the acceptance period: office owner or manager only, bad input named, audited', async () => {
    const member = await createOrgWithUser(t.app.db, { kind: 'office', role: 'member' });
    const m = await login(t.app, member.user.email);
    expect((await put(m, '/api/v1/fee-rates/categories/tea', { rateBps: 200 })).statusCode).toBe(403);
    expect((await put(coopA.s, '/api/v1/fee-rates/categories/tea', { rateBps: 200 })).statusCode).toBe(403);
    expect((await put(null, '/api/v1/money-settings', { autoAcceptDays: 5 })).statusCode).toBe(401);
    const bad = await put(office, '/api/v1/fee-rates/categories/tea', { rateBps: 10_001 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(['body.rateBps']);
    expect((await put(office, '/api/v1/fee-rates/categories/nope', { rateBps: 1 })).json().errors[0].field).toBe(
      'params.category',
    );
    expect((await put(office, '/api/v1/money-settings', { autoAcceptDays: 0 })).json().errors[0].field).toBe(
      'body.autoAcceptDays',
    );
    // Not a cooperative: 404, and nothing is written.
    const notCoop = await put(office, `/api/v1/fee-rates/cooperatives/${member.org.id}`, { rateBps: 5 });
    expect(notCoop.statusCode).toBe(404);

    expect((await put(office, '/api/v1/fee-rates/categories/tea', { rateBps: 200 })).statusCode).toBe(200);
    expect((await put(office, '/api/v1/fee-rates/categories/tea', { rateBps: 300 })).statusCode).toBe(200);
    // Two at once: one row, one of the two rates.
    await Promise.all([
      put(office, '/api/v1/fee-rates/categories/poultry', { rateBps: 10 }),
      put(office, '/api/v1/fee-rates/categories/poultry', { rateBps: 20 }),
    ]);
    expect(await t.app.db.$count(schema.feeRates, eq(schema.feeRates.category, 'poultry'))).toBe(1);
    expect((await put(office, '/api/v1/fee-rates/categories/poultry', { rateBps: null })).statusCode).toBe(200);
    expect((await put(office, '/api/v1/money-settings', { autoAcceptDays: 10 })).statusCode).toBe(200);
    const overview = (await get(office, '/api/v1/balances')).json();
    expect(overview.categoryRates).toEqual([{ category: 'tea', rateBps: 300 }]);
    expect(overview.autoAcceptDays).toBe(10);

    const audits = await t.app.db
      .select({ action: schema.auditLog.action, before: schema.auditLog.before, after: schema.auditLog.after })
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.entityType, 'category'), eq(schema.auditLog.entityId, 'tea')))
      .orderBy(schema.auditLog.id);
    expect(audits).toEqual([
      { action: 'fee_rate.set', before: { rateBps: null }, after: { rateBps: 200 } },
      { action: 'fee_rate.set', before: { rateBps: 200 }, after: { rateBps: 300 } },
    ]);
    const [settingsAudit] = await t.app.db
      .select({ before: schema.auditLog.before, after: schema.auditLog.after })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.action, 'money_settings.set'));
    expect(settingsAudit).toEqual({ before: { autoAcceptDays: 7 }, after: { autoAcceptDays: 10 } });
    await put(office, '/api/v1/money-settings', { autoAcceptDays: 7 });
  });
});
