import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { appendSales, foldAll, schema } from '@shanhai/db';
import { businessDate, businessYear } from '@shanhai/domain';
import { salesWorld, tokenCalls } from '../../../test-support/sales';
import { bearer, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let townId: string;
let countyId: string;
let buyerOrgId: string;
let otherBuyerOrgId: string;
let office: string;
let buyerManager: string;
let otherBuyer: string;
const { post, get } = tokenCalls(() => t);
const put = (url: string, token: string | null, payload: unknown) =>
  t.app.inject({ method: 'PUT', url, headers: token ? bearer(token) : {}, payload: payload as object });

const year = businessYear();
const ly = year - 1;

/** What the ledger says the unit bought in `year` through `through` (tallied rows, every source). */
async function ledgerSum(orgId: string, through: string): Promise<number> {
  const r = await t.app.db.execute<{ s: number }>(sql`
    select coalesce(sum(amount_fen), 0)::bigint as s from sales
    where buyer_org_id = ${orgId} and business_date >= ${`${year}-01-01`}::date and business_date <= ${through}::date`);
  return r.rows[0]!.s;
}

const order = (ref: string, kind: string, amountFen: number, businessDate: string, category = 'honey' as const) => ({
  source: 'order' as const,
  sourceRef: ref,
  kind,
  townId,
  buyerOrgId,
  category,
  amountFen,
  businessDate,
});

beforeAll(async () => {
  ({ t, townId, buyerOrgId, otherBuyerOrgId, office, buyerManager, otherBuyer } = await salesWorld());
  const [town] = await t.app.db.select().from(schema.towns);
  countyId = town!.countyId;
  await put(`/api/v1/units/${buyerOrgId}/classification`, office, { year, isBudgetUnit: true, unitKind: 'agency' });
  await put(`/api/v1/units/${otherBuyerOrgId}/classification`, office, { year, isBudgetUnit: true, unitKind: 'soe' });
  // Last year: 100,000 by 15 January, 400,000 in all (the unit's own curve).
  await appendSales(t.app.db, [
    order('ly-1', 'sale', 100_000, `${ly}-01-15`),
    order('ly-2', 'sale', 300_000, `${ly}-07-01`),
  ]);
  // This year: a purchase and its partial refund, a later purchase of tea.
  await appendSales(t.app.db, [
    order('line-1', 'sale', 50_000, `${year}-01-10`),
    order('line-1', 'refund', -10_000, `${year}-01-10`),
    order('line-2', 'sale', 70_000, `${year}-06-01`, 'tea' as 'honey'),
  ]);
  // Approved offline records count; a reversed one counts net zero.
  for (const [amountFen, reverse] of [
    [123_456, false],
    [9_999, true],
  ] as const) {
    const rec = (
      await post('/api/v1/sales/offline', buyerManager, {
        townId,
        category: 'grain_oil',
        amountFen,
        businessDate: `${year}-03-05`,
      })
    ).json();
    expect((await post(`/api/v1/sales/offline/${rec.id}/approve`, office)).statusCode).toBe(200);
    if (reverse) await post(`/api/v1/sales/offline/${rec.id}/reverse`, office, { reason: '发票作废' });
  }
  await foldAll(t.app.db);
  // Declared and approved: 10,000,000 × 10% reserved.
  const d = (
    await put(`/api/v1/units/${buyerOrgId}/declarations/${year}`, buyerManager, { totalFen: 10_000_000, ratioBp: 1000 })
  ).json();
  await post(`/api/v1/declarations/${d.id}/submit`, buyerManager);
  await post(`/api/v1/declarations/${d.id}/approve`, office);
});
afterAll(async () => t.close());

describe('unit progress', () => {
  it('equals the sum of the unit’s ledger rows through refunds and offline records, today and as of past days', async () => {
    for (const asOf of [`${year}-01-09`, `${year}-02-01`, `${year}-03-31`, `${year}-12-31`]) {
      const p = (await get(`/api/v1/units/${buyerOrgId}/progress/${year}?asOf=${asOf}`, buyerManager)).json();
      expect(p.progress.salesFen).toBe(await ledgerSum(buyerOrgId, asOf));
    }
    const feb = (await get(`/api/v1/units/${buyerOrgId}/progress/${year}?asOf=${year}-02-01`, office)).json();
    expect(feb.progress).toMatchObject({
      unitId: buyerOrgId,
      declarationStatus: 'approved',
      reservedFen: 1_000_000,
      salesFen: 40_000,
      progressPct: 4,
      // Last year had 100,000 of 400,000 by 1 February: a quarter of the reserved amount is expected.
      curve: 'seasonal',
      expectedFen: 250_000,
      aheadFen: -210_000,
      behindPace: true,
      lastYearSamePeriodFen: 100_000,
      changePct: -60,
    });
    const all = (await get(`/api/v1/units/${buyerOrgId}/progress/${year}?asOf=${year}-12-31`, buyerManager)).json();
    expect(all.progress.salesFen).toBe(233_456);
    expect(all.monthly.slice(0, 7)).toEqual([
      { month: 1, salesFen: 40_000, lastYearFen: 100_000 },
      { month: 2, salesFen: 0, lastYearFen: 0 },
      { month: 3, salesFen: 123_456, lastYearFen: 0 },
      { month: 4, salesFen: 0, lastYearFen: 0 },
      { month: 5, salesFen: 0, lastYearFen: 0 },
      { month: 6, salesFen: 70_000, lastYearFen: 0 },
      { month: 7, salesFen: 0, lastYearFen: 300_000 },
    ]);
    expect(all.byTown).toEqual([
      { townId, nameZh: '甲镇', nameEn: 'Jia', salesFen: 233_456, lastYearSamePeriodFen: 400_000 },
    ]);
    expect(all.byCategory).toEqual([
      { category: 'grain_oil', salesFen: 123_456 },
      { category: 'tea', salesFen: 70_000 },
      { category: 'honey', salesFen: 40_000 },
    ]);
  });

  it('is the office’s or the unit’s own: 401, 404 for another unit, 400 naming the field', async () => {
    expect((await get(`/api/v1/units/${buyerOrgId}/progress/${year}`, null)).statusCode).toBe(401);
    expect((await get(`/api/v1/units/${buyerOrgId}/progress/${year}`, otherBuyer)).statusCode).toBe(404);
    const bad = await get(`/api/v1/units/${buyerOrgId}/progress/${year}?asOf=2026-02-30`, office);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('query.asOf');
  });
});

describe('unit ranking', () => {
  it('ranks budget units by completion, marks behind pace and not declared by the deadline, filters by kind and county', async () => {
    expect((await get(`/api/v1/units/ranking`, null)).statusCode).toBe(401);
    expect((await get(`/api/v1/units/ranking`, buyerManager)).statusCode).toBe(403);
    expect((await get(`/api/v1/units/ranking?kind=bank`, office)).json().errors[0].field).toBe('query.kind');

    await put(`/api/v1/units/settings/${year}`, office, { minRatioBp: 1000, declarationDeadline: `${year}-02-20` });
    const march = (await get(`/api/v1/units/ranking?year=${year}&asOf=${year}-03-31`, office)).json();
    expect(march.settings.declarationDeadline).toBe(`${year}-02-20`);
    expect(
      march.rows.map((r: Record<string, unknown>) => [
        r.rank,
        r.unitId,
        r.salesFen,
        r.progressPct,
        r.behindPace,
        r.notDeclaredByDeadline,
      ]),
    ).toEqual([
      // Declared today, long after 20 February: late, and behind its pace.
      [1, buyerOrgId, 163_456, 16.35, true, true],
      [2, otherBuyerOrgId, 0, null, false, true],
    ]);
    // Before the deadline nobody is late yet.
    const feb = (await get(`/api/v1/units/ranking?year=${year}&asOf=${year}-02-01`, office)).json();
    expect(feb.rows.map((r: { notDeclaredByDeadline: boolean }) => r.notDeclaredByDeadline)).toEqual([false, false]);
    // A deadline of today: the unit that submitted today was on time.
    await put(`/api/v1/units/settings/${year}`, office, { minRatioBp: 1000, declarationDeadline: businessDate() });
    const late = (await get(`/api/v1/units/ranking?year=${year}&asOf=${year + 1}-01-01`, office)).json();
    expect(
      late.rows.map((r: { unitId: string; notDeclaredByDeadline: boolean }) => [r.unitId, r.notDeclaredByDeadline]),
    ).toEqual([
      [buyerOrgId, false],
      [otherBuyerOrgId, true],
    ]);

    const soe = (await get(`/api/v1/units/ranking?year=${year}&kind=soe`, office)).json();
    expect(soe.rows.map((r: { unitId: string }) => r.unitId)).toEqual([otherBuyerOrgId]);
    expect((await get(`/api/v1/units/ranking?year=${year}&countyId=${countyId}`, office)).json().rows).toEqual([]);
    expect(
      (await post('/api/v1/pairings', office, { buyerOrgId, townId, startsOn: `${year}-01-01`, pledgeFen: 500_000 }))
        .statusCode,
    ).toBe(201);
    const paired = (await get(`/api/v1/units/ranking?year=${year}&countyId=${countyId}`, office)).json();
    expect(paired.rows.map((r: { unitId: string }) => r.unitId)).toEqual([buyerOrgId]);
    // The unit's page shows the pairing: pledge against what it bought there, and last year's same period.
    const detail = (await get(`/api/v1/units/${buyerOrgId}/progress/${year}?asOf=${year}-12-31`, buyerManager)).json();
    expect(detail.pairings).toEqual([
      {
        pairingId: expect.any(String),
        townId,
        nameZh: '甲镇',
        nameEn: 'Jia',
        role: 'member',
        startsOn: `${year}-01-01`,
        endsOn: null,
        pledgeFen: 500_000,
        salesFen: 233_456,
        pledgeProgressPct: 46.69,
        lastYearSamePeriodFen: 400_000,
      },
    ]);
  });
});

describe('unit progress without last year', () => {
  it('a unit with no history is paced on the straight line; its owner declares', async () => {
    // The other unit bought nothing last year: its expected share is the days gone by.
    const put2 = await put(`/api/v1/units/${otherBuyerOrgId}/declarations/${year}`, otherBuyer, {
      totalFen: 3_650_000,
      ratioBp: 1000,
      canteenOutsourced: true,
    });
    expect(put2.statusCode, put2.body).toBe(200);
    expect((await post(`/api/v1/declarations/${put2.json().id}/submit`, otherBuyer)).statusCode).toBe(200);
    expect((await post(`/api/v1/declarations/${put2.json().id}/approve`, office)).statusCode).toBe(200);
    await appendSales(t.app.db, [{ ...order('other-1', 'sale', 5_000, `${year}-01-05`), buyerOrgId: otherBuyerOrgId }]);
    await foldAll(t.app.db);
    const daysInYear = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1 ? 366 : 365;
    const p = (await get(`/api/v1/units/${otherBuyerOrgId}/progress/${year}?asOf=${year}-01-10`, office)).json();
    expect(p.progress).toMatchObject({
      reservedFen: 365_000,
      salesFen: 5_000,
      curve: 'linear',
      // 10 days of the year gone: 10/365 (or /366) of 365,000.
      expectedFen: Math.round((365_000 * 10) / daysInYear),
      aheadFen: 5_000 - Math.round((365_000 * 10) / daysInYear),
      behindPace: true,
      lastYearSamePeriodFen: 0,
      changePct: null,
    });
  });
});
