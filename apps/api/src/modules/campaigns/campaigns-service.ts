import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { anyOf, lockTalliesExclusive, schema, writeAudit, type Db, type DbOrTx } from '@shanhai/db';
import {
  businessDate,
  MAX_CAMPAIGN_DAYS,
  type Campaign,
  type CampaignBoard,
  type CampaignListQuery,
  type CampaignPhase,
  type CampaignPage,
  type CampaignProductPage,
  type CampaignReattributionPage,
  type CampaignScope,
  type CreateCampaignRequest,
  type PageQuery,
  type UpdateCampaignRequest,
} from '@shanhai/domain';
import { afterCursor, cursorKey, keysetOrder, keysetPage, pageOf, type Keyset } from '../../lib/cursor';
import { conflict, ruleBroken } from '../../lib/problem';
import type { Principal } from '../../types';
import { DETAIL_JOIN, ITEM_COLUMNS, toItem, type ItemRow } from '../catalog/catalog-service';

const {
  campaigns,
  campaignSales,
  campaignTownTallies,
  campaignPartnerTallies,
  campaignReattributions,
  towns,
  counties,
  orgs,
  products,
  users,
} = schema;

type CampaignRow = typeof campaigns.$inferSelect;

function phaseOf(c: { startsOn: string; endsOn: string }, today = businessDate()): CampaignPhase {
  if (today < c.startsOn) return 'upcoming';
  if (today > c.endsOn) return 'past';
  return 'active';
}

const scopeOf = (c: CampaignScope): CampaignScope => ({
  startsOn: c.startsOn,
  endsOn: c.endsOn,
  townIds: [...c.townIds].sort(),
  categories: [...c.categories].sort(),
  productIds: [...c.productIds].sort(),
});

const sameScope = (a: CampaignScope, b: CampaignScope) => JSON.stringify(scopeOf(a)) === JSON.stringify(scopeOf(b));

async function toCampaigns(db: DbOrTx, rows: CampaignRow[]): Promise<Campaign[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [totals, pending] = await Promise.all([
    db
      .select({ id: campaignTownTallies.campaignId, fen: sql<string>`sum(${campaignTownTallies.amountFen})` })
      .from(campaignTownTallies)
      .where(inArray(campaignTownTallies.campaignId, ids))
      .groupBy(campaignTownTallies.campaignId),
    db
      .selectDistinct({ id: campaignReattributions.campaignId })
      .from(campaignReattributions)
      .where(and(inArray(campaignReattributions.campaignId, ids), eq(campaignReattributions.status, 'pending'))),
  ]);
  const today = businessDate();
  return rows.map((r) => ({
    id: r.id,
    nameZh: r.nameZh,
    nameEn: r.nameEn,
    startsOn: r.startsOn,
    endsOn: r.endsOn,
    townIds: r.townIds,
    categories: r.categories,
    productIds: r.productIds,
    targetFen: r.targetFen,
    bannerZh: r.bannerZh,
    bannerEn: r.bannerEn,
    isDemo: r.isDemo,
    phase: phaseOf(r, today),
    salesFen: Number(totals.find((t) => t.id === r.id)?.fen ?? 0),
    reattributing: pending.some((p) => p.id === r.id),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

/** Campaigns: the latest start first, then by Chinese name; the id breaks ties. */
const CAMPAIGNS_KEYSET: Keyset = {
  name: 'campaigns',
  keys: [
    { expr: campaigns.startsOn, type: 'date', order: 'desc' },
    { expr: campaigns.nameZh, type: 'text', order: 'asc' },
    { expr: campaigns.id, type: 'uuid', order: 'asc' },
  ],
};

/** One page of campaigns, narrowed by `phase` (judged on today's business date). */
export async function listCampaigns(db: Db, query: CampaignListQuery): Promise<CampaignPage> {
  const today = businessDate();
  const phase = query.phase;
  const cond =
    phase === 'active'
      ? and(sql`${campaigns.startsOn} <= ${today}`, sql`${campaigns.endsOn} >= ${today}`)
      : phase === 'upcoming'
        ? sql`${campaigns.startsOn} > ${today}`
        : phase === 'past'
          ? sql`${campaigns.endsOn} < ${today}`
          : undefined;
  const rows = await keysetPage(
    db
      .select({ c: campaigns, cursorKey: cursorKey(CAMPAIGNS_KEYSET) })
      .from(campaigns)
      .$dynamic(),
    CAMPAIGNS_KEYSET,
    query,
    cond,
  );
  const { items, nextCursor } = pageOf(CAMPAIGNS_KEYSET, rows, query.limit);
  return {
    items: await toCampaigns(
      db,
      items.map((r) => r.c),
    ),
    nextCursor,
  };
}

export async function getCampaign(db: DbOrTx, id: string): Promise<Campaign | null> {
  const rows = await db.select().from(campaigns).where(eq(campaigns.id, id));
  return (await toCampaigns(db, rows))[0] ?? null;
}

/** Every id named in the scope exists: a town, a product (any status: a campaign may name a product before it is listed). */
async function checkScope(db: DbOrTx, scope: { townIds?: string[]; productIds?: string[] }) {
  if (scope.townIds?.length) {
    const found = await db.select({ id: towns.id }).from(towns).where(inArray(towns.id, scope.townIds));
    const missing = scope.townIds.findIndex((id) => !found.some((f) => f.id === id));
    if (missing >= 0) throw ruleBroken(`body.townIds.${missing}`, 'not_a_town');
  }
  if (scope.productIds?.length) {
    const found = await db.select({ id: products.id }).from(products).where(inArray(products.id, scope.productIds));
    const missing = scope.productIds.findIndex((id) => !found.some((f) => f.id === id));
    if (missing >= 0) throw ruleBroken(`body.productIds.${missing}`, 'not_a_product');
  }
}

/**
 * Creates a campaign. One whose first day is today or earlier may already hold tallied ledger rows
 * (a campaign entered after the fact): a re-attribution is recorded for the worker to count them.
 */
export async function createCampaign(
  db: Db,
  who: Principal,
  body: CreateCampaignRequest,
): Promise<{ campaign: Campaign; reattributionId: string | null }> {
  await checkScope(db, body);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(campaigns)
      .values({
        nameZh: body.nameZh,
        nameEn: body.nameEn,
        startsOn: body.startsOn,
        endsOn: body.endsOn,
        townIds: body.townIds,
        categories: body.categories,
        productIds: body.productIds,
        targetFen: body.targetFen ?? null,
        bannerZh: body.bannerZh,
        bannerEn: body.bannerEn,
        createdBy: who.userId,
      })
      .returning();
    let reattributionId: string | null = null;
    if (row!.startsOn <= businessDate()) {
      const [rec] = await tx
        .insert(campaignReattributions)
        .values({ campaignId: row!.id, requestedBy: who.userId, before: scopeOf(row!), after: scopeOf(row!) })
        .returning({ id: campaignReattributions.id });
      reattributionId = rec!.id;
    }
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'campaign.create',
      entityType: 'campaign',
      entityId: row!.id,
      after: body,
      note: reattributionId ? `re-attribution ${reattributionId}` : undefined,
    });
    return { campaign: (await toCampaigns(tx, [row!]))[0]!, reattributionId };
  });
}

export interface UpdateOutcome {
  campaign: Campaign;
  /** The re-attribution the edit recorded (dates or scope changed), to enqueue after commit. */
  reattributionId: string | null;
}

/**
 * Edits a campaign. A change of its days or scope records a pending re-attribution (before and
 * after, who, when) in the same transaction; the worker carries it out. Audit-logged.
 */
export async function updateCampaign(
  db: Db,
  who: Principal,
  id: string,
  body: UpdateCampaignRequest,
): Promise<UpdateOutcome | null> {
  await checkScope(db, body);
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
    if (!before) return null;
    const after = { ...before, ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) };
    if (after.endsOn < after.startsOn)
      throw body.endsOn !== undefined
        ? ruleBroken('body.endsOn', 'not_before_start')
        : ruleBroken('body.startsOn', 'not_after_end');
    if ((Date.parse(after.endsOn) - Date.parse(after.startsOn)) / 86_400_000 + 1 > MAX_CAMPAIGN_DAYS)
      throw ruleBroken('body.endsOn', 'too_many_days', { max: MAX_CAMPAIGN_DAYS });
    const changed = Object.fromEntries(
      Object.entries(body).filter(
        ([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(before[k as keyof CampaignRow]),
      ),
    );
    if (Object.keys(changed).length === 0)
      return { campaign: (await toCampaigns(tx, [before]))[0]!, reattributionId: null };
    const [row] = await tx
      .update(campaigns)
      .set({ ...changed, updatedAt: new Date() })
      .where(eq(campaigns.id, id))
      .returning();
    let reattributionId: string | null = null;
    if (!sameScope(before, row!)) {
      const [rec] = await tx
        .insert(campaignReattributions)
        .values({ campaignId: id, requestedBy: who.userId, before: scopeOf(before), after: scopeOf(row!) })
        .returning({ id: campaignReattributions.id });
      reattributionId = rec!.id;
    }
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'campaign.update',
      entityType: 'campaign',
      entityId: id,
      before: Object.fromEntries(Object.keys(changed).map((k) => [k, before[k as keyof CampaignRow]])),
      after: changed,
      note: reattributionId ? `re-attribution ${reattributionId}` : undefined,
    });
    return { campaign: (await toCampaigns(tx, [row!]))[0]!, reattributionId };
  });
}

/**
 * Deletes a campaign nothing has counted for yet (a mistake caught early). One with attributed
 * sales or a re-attribution history is part of the record: 409. Holds the tally lock so a fold
 * cannot attribute a row to it meanwhile.
 */
export async function deleteCampaign(db: Db, who: Principal, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockTalliesExclusive(tx);
    const [row] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
    if (!row) return false;
    const [used] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(campaignSales)
      .where(eq(campaignSales.campaignId, id));
    // A re-attribution that moved rows is history too (its rows may have gone out again since).
    const [edits] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(campaignReattributions)
      .where(
        and(
          eq(campaignReattributions.campaignId, id),
          sql`(${campaignReattributions.addedRows} > 0 or ${campaignReattributions.removedRows} > 0)`,
        ),
      );
    if ((used?.n ?? 0) > 0 || (edits?.n ?? 0) > 0)
      throw conflict('campaign_has_sales', 'Sales have counted for this campaign; edit its dates instead');
    await tx.delete(campaignReattributions).where(eq(campaignReattributions.campaignId, id));
    await tx.delete(campaignTownTallies).where(eq(campaignTownTallies.campaignId, id));
    await tx.delete(campaignPartnerTallies).where(eq(campaignPartnerTallies.campaignId, id));
    await tx.delete(campaigns).where(eq(campaigns.id, id));
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'campaign.delete',
      entityType: 'campaign',
      entityId: id,
      before: { nameZh: row.nameZh, nameEn: row.nameEn, startsOn: row.startsOn, endsOn: row.endsOn },
    });
    return true;
  });
}

/** A campaign's re-attributions, newest first; the id breaks ties. */
const REATTRIBUTIONS_KEYSET: Keyset = {
  name: 'campaign-reattributions',
  keys: [
    { expr: campaignReattributions.requestedAt, type: 'timestamptz' },
    { expr: campaignReattributions.id, type: 'uuid' },
  ],
};

/** One page of a campaign's re-attributions (null: no such campaign). */
export async function listReattributions(
  db: Db,
  campaignId: string,
  page: PageQuery,
): Promise<CampaignReattributionPage | null> {
  const [c] = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, campaignId));
  if (!c) return null;
  const rows = await keysetPage(
    db
      .select({ r: campaignReattributions, name: users.name, cursorKey: cursorKey(REATTRIBUTIONS_KEYSET) })
      .from(campaignReattributions)
      .leftJoin(users, eq(users.id, campaignReattributions.requestedBy))
      .$dynamic(),
    REATTRIBUTIONS_KEYSET,
    page,
    eq(campaignReattributions.campaignId, campaignId),
  );
  const { items, nextCursor } = pageOf(REATTRIBUTIONS_KEYSET, rows, page.limit);
  return {
    items: items.map(({ r, name }) => ({
      id: r.id,
      campaignId: r.campaignId,
      status: r.status,
      requestedBy: r.requestedBy ? { userId: r.requestedBy, name: name ?? '' } : null,
      requestedAt: r.requestedAt.toISOString(),
      before: r.before as CampaignScope,
      after: r.after as CampaignScope,
      finishedAt: r.finishedAt?.toISOString() ?? null,
      addedRows: r.addedRows,
      removedRows: r.removedRows,
      addedFen: r.addedFen,
      removedFen: r.removedFen,
    })),
    nextCursor,
  };
}

/** The campaign's board: towns and partner units by attributed, tallied sales. */
export async function campaignBoard(db: Db, id: string): Promise<CampaignBoard | null> {
  const campaign = await getCampaign(db, id);
  if (!campaign) return null;
  const [townRows, unitRows] = await Promise.all([
    db
      .select({
        townId: towns.id,
        nameZh: towns.nameZh,
        nameEn: towns.nameEn,
        countyNameZh: counties.nameZh,
        countyNameEn: counties.nameEn,
        salesFen: campaignTownTallies.amountFen,
      })
      .from(campaignTownTallies)
      .innerJoin(towns, eq(towns.id, campaignTownTallies.townId))
      .innerJoin(counties, eq(counties.id, towns.countyId))
      .where(and(eq(campaignTownTallies.campaignId, id), sql`${campaignTownTallies.rowCount} > 0`))
      .orderBy(desc(campaignTownTallies.amountFen), asc(towns.sortOrder), asc(towns.code)),
    db
      .select({ buyerOrgId: orgs.id, name: orgs.name, salesFen: campaignPartnerTallies.amountFen })
      .from(campaignPartnerTallies)
      .innerJoin(orgs, eq(orgs.id, campaignPartnerTallies.buyerOrgId))
      .where(and(eq(campaignPartnerTallies.campaignId, id), sql`${campaignPartnerTallies.rowCount} > 0`))
      .orderBy(desc(campaignPartnerTallies.amountFen), asc(orgs.name)),
  ]);
  return {
    campaign,
    progressPct:
      campaign.targetFen && campaign.targetFen > 0
        ? Math.round((campaign.salesFen / campaign.targetFen) * 10_000) / 100
        : null,
    towns: townRows.map((r, i) => ({ rank: i + 1, ...r })),
    units: unitRows.map((r, i) => ({ rank: i + 1, ...r })),
  };
}

/** A campaign's shelf: newest listing first; the id breaks ties. */
const CAMPAIGN_PRODUCTS_KEYSET: Keyset = {
  name: 'campaign-products',
  keys: [
    { expr: sql`p.created_at`, type: 'timestamptz' },
    { expr: sql`p.id`, type: 'uuid' },
  ],
};

/**
 * The landing page's shelf, a page at a time: listed products of active cooperatives within the
 * campaign's scope (null: no such campaign).
 */
export async function campaignProducts(db: Db, id: string, page: PageQuery): Promise<CampaignProductPage | null> {
  const [c] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  if (!c) return null;
  const ks = CAMPAIGN_PRODUCTS_KEYSET;
  // An empty list in a campaign's scope means every one.
  const within = (column: SQL, values: string[], type: 'uuid' | 'category') =>
    values.length === 0 ? sql`true` : anyOf(column, values, type);
  const res = await db.execute<ItemRow & { cursor_key: string[] }>(sql`
    select ${ITEM_COLUMNS}, 0 as sort_key, ${cursorKey(ks)} as cursor_key from products p ${DETAIL_JOIN}
    where p.status = 'listed' and p.coop_active
      and ${within(sql`p.town_id`, c.townIds, 'uuid')}
      and ${within(sql`p.category`, c.categories, 'category')}
      and ${within(sql`p.id`, c.productIds, 'uuid')}
      and ${afterCursor(ks, page.cursor) ?? sql`true`}
    order by ${sql.join(keysetOrder(ks), sql`, `)} limit ${page.limit + 1}`);
  const { items, nextCursor } = pageOf(
    ks,
    res.rows.map((r) => ({ row: r, cursorKey: r.cursor_key })),
    page.limit,
  );
  return { items: items.map((r) => toItem(r.row)), nextCursor };
}
