import { beforeAll, describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { eq, sql } from 'drizzle-orm';
import { appendSales, schema, tallyDrift, type LedgerRow } from '@shanhai/db';
import { useTestDatabase } from '@shanhai/db/testing';
import { createLogger } from '../log';
import { twoTownsWithProducts } from '../../test-support/testing';
import { processCampaignReattribution } from './campaign-reattribution';
import { processReconcile, processTally } from './tally';

/*
 * Campaign attribution happens in the tally fold: each ledger row counts for every campaign whose
 * days and scope hold it, exactly once, however many times and however concurrently the fold runs.
 * Expected figures are computed here in TypeScript from the rows themselves, not with the SQL rule.
 */

const handle = useTestDatabase('empty', { max: 6 });
let townA: string;
let townB: string;
let buyer: string;
let productA: string;
let productB: string;
const log = createLogger('silent');
const deps = () => ({ db: handle.db, redis: null, prefix: 'unused', log, batchSize: 89 });

interface Scope {
  id: string;
  startsOn: string;
  endsOn: string;
  townIds: string[];
  categories: string[];
  productIds: string[];
}
let campaigns: Scope[] = [];
const ledger: (LedgerRow & { tallied?: boolean })[] = [];

beforeAll(async () => {
  ({ townA, townB, buyer, productA, productB } = await twoTownsWithProducts(handle.db));
  // Three campaigns, overlapping: everything in 1–5 June; town A's honey 3–9 June; product B in June.
  campaigns = await handle.db
    .insert(schema.campaigns)
    .values([
      { nameZh: '全部', nameEn: 'All', startsOn: '2026-06-01', endsOn: '2026-06-05' },
      {
        nameZh: '甲镇蜂蜜',
        nameEn: 'A honey',
        startsOn: '2026-06-03',
        endsOn: '2026-06-09',
        townIds: [townA],
        categories: ['honey'],
      },
      { nameZh: '乙品', nameEn: 'B product', startsOn: '2026-06-01', endsOn: '2026-06-30', productIds: [productB] },
    ])
    .returning();
});

let seq = 0;
function rows(n: number): LedgerRow[] {
  const out = Array.from({ length: n }, (_, i) => ({
    source: 'order' as const,
    sourceRef: `line-${++seq}`,
    kind: i % 7 === 0 ? 'refund' : 'sale',
    townId: i % 2 ? townA : townB,
    buyerOrgId: i % 3 ? buyer : null,
    productId: i % 4 === 0 ? null : i % 2 ? productA : productB,
    category: i % 3 === 1 ? ('honey' as const) : ('tea' as const),
    amountFen: i % 7 === 0 ? -(100 + i) : 1000 + i,
    businessDate: `2026-06-${String((i % 12) + 1).padStart(2, '0')}`,
  }));
  ledger.push(...out);
  return out;
}

const inScope = (c: Scope, r: LedgerRow) =>
  r.businessDate >= c.startsOn &&
  r.businessDate <= c.endsOn &&
  (c.townIds.length === 0 || c.townIds.includes(r.townId)) &&
  (c.categories.length === 0 || c.categories.includes(r.category)) &&
  (c.productIds.length === 0 || (r.productId != null && c.productIds.includes(r.productId)));

/** Expected `campaign/town → fen` and `campaign/buyer → fen` from the rows alone. */
function expected() {
  const towns: Record<string, number> = {};
  const units: Record<string, number> = {};
  for (const c of campaigns)
    for (const r of ledger.filter((x) => inScope(c, x))) {
      towns[`${c.id}/${r.townId}`] = (towns[`${c.id}/${r.townId}`] ?? 0) + r.amountFen;
      if (r.buyerOrgId) units[`${c.id}/${r.buyerOrgId}`] = (units[`${c.id}/${r.buyerOrgId}`] ?? 0) + r.amountFen;
    }
  return { towns, units };
}
async function found() {
  const t = await handle.db.select().from(schema.campaignTownTallies);
  const u = await handle.db.select().from(schema.campaignPartnerTallies);
  return {
    towns: Object.fromEntries(t.filter((r) => r.rowCount > 0).map((r) => [`${r.campaignId}/${r.townId}`, r.amountFen])),
    units: Object.fromEntries(
      u.filter((r) => r.rowCount > 0).map((r) => [`${r.campaignId}/${r.buyerOrgId}`, r.amountFen]),
    ),
  };
}
async function townTotals() {
  const r = await handle.db.execute<{ town_id: string; s: string }>(
    sql`select town_id, sum(amount_fen)::text as s from town_tallies group by 1 order by 1`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.town_id, Number(x.s)]));
}
function ledgerTownTotals() {
  const out: Record<string, number> = {};
  for (const r of ledger) out[r.townId] = (out[r.townId] ?? 0) + r.amountFen;
  return out;
}

describe('campaign attribution in the tally fold', () => {
  it('counts each row once for every campaign that holds it, through duplicate and concurrent jobs; other totals count it once', async () => {
    await appendSales(handle.db, rows(1200));
    const [a, b] = await Promise.all([
      processTally(deps(), { id: 'same', data: { reason: 'ledger-commit' } }),
      processTally(deps(), { id: 'same', data: { reason: 'ledger-commit' } }),
    ]);
    const again = await processTally(deps(), { id: 'same', data: { reason: 'ledger-commit' } });
    expect(a.rows + b.rows).toBe(1200);
    expect(again.rows).toBe(0);
    const want = expected();
    // Overlap is real: some rows count for all three campaigns.
    expect(Object.keys(want.towns).length).toBe(4);
    expect(await found()).toEqual(want);
    // The town totals are the ledger's: a row in three campaigns still counts once there.
    expect(await townTotals()).toEqual(ledgerTownTotals());
    const [{ n } = { n: -1 }] = (
      await handle.db.execute<{ n: number }>(
        sql`select count(*)::int as n from (select sale_id from campaign_sales group by sale_id, campaign_id having count(*) > 1) x`,
      )
    ).rows;
    expect(n).toBe(0);
    expect(await tallyDrift(handle.db)).toBe(0);
  });
});

describe('campaign re-attribution job', () => {
  it('an edit of days and scope, recorded, moves exactly the rows that came in or went out; duplicates apply once', async () => {
    const c = campaigns[1]!;
    const before = { ...c };
    // What the api does in the edit's transaction: change the campaign, record the re-attribution.
    const after = { ...c, startsOn: '2026-06-08', endsOn: '2026-06-12', townIds: [], categories: ['tea'] };
    await handle.db
      .update(schema.campaigns)
      .set({ startsOn: after.startsOn, endsOn: after.endsOn, townIds: [], categories: ['tea'] })
      .where(eq(schema.campaigns.id, c.id));
    const [rec] = await handle.db
      .insert(schema.campaignReattributions)
      .values({ campaignId: c.id, before, after })
      .returning();
    // Rows credited after the edit but before the job are attributed by their fold, by the new scope.
    await appendSales(handle.db, rows(60));
    campaigns[1] = after;
    const wasIn = ledger.filter((r) => inScope(before, r));
    const job = { id: 'r', data: { reattributionId: rec!.id } };
    await processTally(deps(), { id: 't', data: { reason: 'ledger-commit' } });
    const [one, two] = await Promise.all([
      processCampaignReattribution(deps(), job),
      processCampaignReattribution(deps(), { id: 'sweep', data: { sweep: true } }),
    ]);
    expect([...one, ...two]).toHaveLength(1);
    expect(await processCampaignReattribution(deps(), job)).toEqual([]);
    const done = (
      await handle.db.select().from(schema.campaignReattributions).where(eq(schema.campaignReattributions.id, rec!.id))
    )[0]!;
    // Only rows tallied before the job count as moved; the 60 new ones were the fold's.
    const old = ledger.slice(0, 1200);
    const added = old.filter((r) => inScope(after, r) && !inScope(before, r));
    const removed = old.filter((r) => inScope(before, r) && !inScope(after, r));
    expect(wasIn.length).toBeGreaterThan(0);
    expect(done).toMatchObject({
      status: 'done',
      addedRows: added.length,
      removedRows: removed.length,
      addedFen: added.reduce((s, r) => s + r.amountFen, 0),
      removedFen: removed.reduce((s, r) => s + r.amountFen, 0),
      finishedAt: expect.any(Date),
    });
    expect(added.length).toBeGreaterThan(0);
    expect(removed.length).toBeGreaterThan(0);
    expect(await found()).toEqual(expected());
    expect(await townTotals()).toEqual(ledgerTownTotals());
    expect(await tallyDrift(handle.db)).toBe(0);
  });

  it('fails a malformed payload for good', async () => {
    await expect(
      processCampaignReattribution(deps(), { id: 'x', data: { reattributionId: 'nope' } }),
    ).rejects.toBeInstanceOf(UnrecoverableError);
  });
});

describe('reconcile covers campaigns', () => {
  it('repairs drifted campaign tallies, and records (never silently applies) a re-attribution for drifted attribution', async () => {
    const c = campaigns[0]!;
    await handle.db
      .update(schema.campaignTownTallies)
      .set({ amountFen: sql`${schema.campaignTownTallies.amountFen} + 5` })
      .where(eq(schema.campaignTownTallies.campaignId, c.id));
    // A lost attribution row (and its tallies with it: the reconcile sees the attribution drift).
    const [lost] = (
      await handle.db.execute<{ sale_id: number }>(
        sql`delete from campaign_sales where campaign_id = ${c.id} and sale_id = (select min(sale_id) from campaign_sales where campaign_id = ${c.id}) returning sale_id`,
      )
    ).rows;
    expect(await tallyDrift(handle.db)).toBeGreaterThan(0);
    const r = await processReconcile(deps(), { id: 'rc', data: { trigger: 'manual' } });
    expect(r.details).toContainEqual({
      table: 'campaign_sales',
      key: `${c.id}/${lost!.sale_id}`,
      expected: 1,
      found: 0,
    });
    expect(r.details.some((d) => d.table === 'campaign_town_tallies')).toBe(true);
    const [pending] = await handle.db
      .select()
      .from(schema.campaignReattributions)
      .where(
        sql`${schema.campaignReattributions.campaignId} = ${c.id} and ${schema.campaignReattributions.status} = 'pending'`,
      );
    expect(pending).toMatchObject({ requestedBy: null, status: 'pending' });
    // The sweep carries it out: the lost row comes back, counted once.
    const done = await processCampaignReattribution(deps(), { id: 's', data: { sweep: true } });
    expect(done).toEqual([expect.objectContaining({ campaignId: c.id, addedRows: 1, removedRows: 0 })]);
    expect(await found()).toEqual(expected());
    expect(await tallyDrift(handle.db)).toBe(0);
  });
});
