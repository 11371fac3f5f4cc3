import { z } from 'zod';
import { Category } from '../catalog';
import { IsoDate } from '../dates';
import { Fen, NonNegativeFen } from '../money';
import { pgString } from '../storage';
import { CatalogItem } from './catalog';
import { Page, PageQuery } from './page';

const Text = (max: number) => pgString().trim().min(1).max(max);

/** Scope limits: a campaign narrows to a handful of towns, categories or products, not thousands. */
export const MAX_SCOPE_TOWNS = 50;
export const MAX_SCOPE_PRODUCTS = 200;
/** The longest campaign: a year (a programme year, not an open-ended filter). */
export const MAX_CAMPAIGN_DAYS = 366;

/** Where a campaign stands on today's business date. */
export const CampaignPhase = z.enum(['upcoming', 'active', 'past']);
export type CampaignPhase = z.infer<typeof CampaignPhase>;

/** Which ledger rows a campaign counts: its days, and each non-empty list narrowing (AND). */
export const CampaignScope = z.object({
  startsOn: IsoDate,
  endsOn: IsoDate,
  /** Empty = every town. */
  townIds: z.array(z.uuid()),
  /** Empty = every category. */
  categories: z.array(Category),
  /** Empty = every product. */
  productIds: z.array(z.uuid()),
});
export type CampaignScope = z.infer<typeof CampaignScope>;

export const Campaign = z.object({
  id: z.uuid(),
  nameZh: z.string(),
  nameEn: z.string(),
  ...CampaignScope.shape,
  targetFen: NonNegativeFen.nullable(),
  bannerZh: z.string(),
  bannerEn: z.string(),
  isDemo: z.boolean(),
  phase: CampaignPhase,
  /** Net fen of the ledger rows attributed to it and tallied. */
  salesFen: Fen,
  /** An edit of dates or scope is waiting for its re-attribution job. */
  reattributing: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Campaign = z.infer<typeof Campaign>;

const campaignFields = {
  nameZh: Text(60),
  nameEn: Text(120),
  startsOn: IsoDate,
  endsOn: IsoDate,
  townIds: z.array(z.uuid()).max(MAX_SCOPE_TOWNS),
  categories: z.array(Category).max(20),
  productIds: z.array(z.uuid()).max(MAX_SCOPE_PRODUCTS),
  targetFen: NonNegativeFen.nullable(),
  bannerZh: pgString().trim().max(200),
  bannerEn: pgString().trim().max(400),
};

function checkDates(v: { startsOn?: string | undefined; endsOn?: string | undefined }, ctx: z.RefinementCtx) {
  if (!v.startsOn || !v.endsOn) return;
  // Worded by the rule (field-messages.ts), so the form says it in the reader's language.
  if (v.endsOn < v.startsOn)
    ctx.addIssue({ code: 'custom', path: ['endsOn'], params: { rule: 'not_before_start' }, input: v.endsOn });
  else if ((Date.parse(v.endsOn) - Date.parse(v.startsOn)) / 86_400_000 + 1 > MAX_CAMPAIGN_DAYS)
    ctx.addIssue({
      code: 'custom',
      path: ['endsOn'],
      params: { rule: 'too_many_days', max: MAX_CAMPAIGN_DAYS },
      input: v.endsOn,
    });
}

/** What the office sends to create a campaign. Strict: ids, status and figures are the server's. */
export const CreateCampaignRequest = z
  .strictObject({
    ...campaignFields,
    townIds: campaignFields.townIds.default([]),
    categories: campaignFields.categories.default([]),
    productIds: campaignFields.productIds.default([]),
    targetFen: campaignFields.targetFen.optional(),
    bannerZh: campaignFields.bannerZh.default(''),
    bannerEn: campaignFields.bannerEn.default(''),
  })
  .superRefine(checkDates);
export type CreateCampaignRequest = z.infer<typeof CreateCampaignRequest>;

/**
 * An edit: any of the same fields. Changing dates or scope re-attributes the campaign's sales
 * through a recorded job. The service checks the merged dates again.
 */
export const UpdateCampaignRequest = z
  .strictObject({
    nameZh: campaignFields.nameZh.optional(),
    nameEn: campaignFields.nameEn.optional(),
    startsOn: campaignFields.startsOn.optional(),
    endsOn: campaignFields.endsOn.optional(),
    townIds: campaignFields.townIds.optional(),
    categories: campaignFields.categories.optional(),
    productIds: campaignFields.productIds.optional(),
    targetFen: campaignFields.targetFen.optional(),
    bannerZh: campaignFields.bannerZh.optional(),
    bannerEn: campaignFields.bannerEn.optional(),
  })
  .superRefine(checkDates);
export type UpdateCampaignRequest = z.infer<typeof UpdateCampaignRequest>;

/** The campaigns list: newest first, narrowed by `phase`, a page at a time. */
export const CampaignListQuery = z.strictObject({ phase: CampaignPhase.optional(), ...PageQuery.shape });
export type CampaignListQuery = z.infer<typeof CampaignListQuery>;

/** A campaign's re-attributions or its shelf: a page at a time, nothing to filter. */
export const CampaignPageQuery = PageQuery;
export type CampaignPageQuery = z.infer<typeof CampaignPageQuery>;

/** A recorded re-attribution: who changed what, and how many ledger rows moved in or out. */
export const CampaignReattribution = z.object({
  id: z.uuid(),
  campaignId: z.uuid(),
  status: z.enum(['pending', 'done']),
  requestedBy: z.object({ userId: z.uuid(), name: z.string() }).nullable(),
  requestedAt: z.iso.datetime(),
  before: CampaignScope,
  after: CampaignScope,
  finishedAt: z.iso.datetime().nullable(),
  addedRows: z.number().int().nullable(),
  removedRows: z.number().int().nullable(),
  addedFen: Fen.nullable(),
  removedFen: Fen.nullable(),
});
export type CampaignReattribution = z.infer<typeof CampaignReattribution>;

export const CampaignTownRow = z.object({
  rank: z.number().int(),
  townId: z.uuid(),
  nameZh: z.string(),
  nameEn: z.string(),
  countyNameZh: z.string(),
  countyNameEn: z.string(),
  salesFen: Fen,
});
export type CampaignTownRow = z.infer<typeof CampaignTownRow>;

export const CampaignUnitRow = z.object({
  rank: z.number().int(),
  buyerOrgId: z.uuid(),
  name: z.string(),
  salesFen: Fen,
});
export type CampaignUnitRow = z.infer<typeof CampaignUnitRow>;

/** A campaign's live board: its towns and partner units by attributed sales. Public. */
export const CampaignBoard = z.object({
  campaign: Campaign,
  /** Percentage of the target to two decimals; null without a target. */
  progressPct: z.number().nullable(),
  towns: z.array(CampaignTownRow),
  units: z.array(CampaignUnitRow),
});
export type CampaignBoard = z.infer<typeof CampaignBoard>;

export const CampaignPage = Page(Campaign);
export type CampaignPage = z.infer<typeof CampaignPage>;
export const CampaignReattributionPage = Page(CampaignReattribution);
export type CampaignReattributionPage = z.infer<typeof CampaignReattributionPage>;
/** A campaign's shelf: its listed products in scope, newest first. */
export const CampaignProductPage = Page(CatalogItem);
export type CampaignProductPage = z.infer<typeof CampaignProductPage>;
