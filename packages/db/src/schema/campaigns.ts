import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { category } from './catalog';
import { fen, timestamps } from './columns';
import { users } from './identity';
import { towns } from './regions';

/**
 * A campaign (6·30 扶贫济困日, 年货节, 丰收节): a named range of business days with an optional
 * scope. A ledger row counts for a campaign when its business date is within [startsOn, endsOn]
 * and its line is in scope: each non-empty scope array narrows (town AND category AND product);
 * an empty array does not restrict. Campaigns may overlap.
 */
export const campaigns = pgTable(
  'campaigns',
  {
    id: uuid().primaryKey().defaultRandom(),
    nameZh: text().notNull(),
    nameEn: text().notNull(),
    /** First business day (Asia/Shanghai), included. */
    startsOn: date({ mode: 'string' }).notNull(),
    /** Last business day, included. */
    endsOn: date({ mode: 'string' }).notNull(),
    /** Towns in scope; empty = every town. */
    townIds: uuid()
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    /** Categories in scope; empty = every category. */
    categories: category()
      .array()
      .notNull()
      .default(sql`'{}'::category[]`),
    /** Products in scope; empty = every product (rows naming no product are then in scope too). */
    productIds: uuid()
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    /** Optional target in fen for the whole campaign. */
    targetFen: fen(),
    bannerZh: text().notNull().default(''),
    bannerEn: text().notNull().default(''),
    /** Demo data made by the seed, labelled as such in the ui. */
    isDemo: boolean().notNull().default(false),
    createdBy: uuid().references(() => users.id),
    ...timestamps,
  },
  (t) => [
    index().on(t.startsOn, t.endsOn),
    check('campaigns_dates_ordered', sql`${t.startsOn} <= ${t.endsOn}`),
    check('campaigns_target_nonnegative', sql`${t.targetFen} is null or ${t.targetFen} >= 0`),
  ],
);

/**
 * Attribution: which ledger rows count for which campaign. Written by the tally worker in the
 * transaction that folds the row (the moment a credited row first counts anywhere), so it is fixed
 * from then on; only a recorded re-attribution (after an edit of dates or scope) adds or removes rows.
 */
export const campaignSales = pgTable(
  'campaign_sales',
  {
    // No foreign keys, for the fold's speed (one check per attributed row cost it a sixth of its
    // time): the fold copies both ids from rows it holds (the sale locked, the campaign read in the
    // same statement); ledger rows are never deleted, and a campaign is deleted only while it has
    // no row here, under the exclusive tally lock (campaigns-service deleteCampaign).
    campaignId: uuid().notNull(),
    saleId: bigint({ mode: 'number' }).notNull(),
    /** The re-attribution that added it; null = attributed by the fold. */
    reattributionId: uuid(),
    attributedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.saleId] }), index().on(t.saleId)],
);

/** Sales per campaign and town: the campaign's town leaderboard. Sums of campaign_sales ⋈ sales. */
export const campaignTownTallies = pgTable(
  'campaign_town_tallies',
  {
    campaignId: uuid()
      .notNull()
      .references(() => campaigns.id),
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    amountFen: fen().notNull().default(0),
    rowCount: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.townId] })],
);

/**
 * Sales per campaign and buyer org (partner unit): the campaign's unit leaderboard. Keys unchecked,
 * like partner_tallies and campaign_sales: a row per campaign and buyer is upserted on every fold.
 */
export const campaignPartnerTallies = pgTable(
  'campaign_partner_tallies',
  {
    campaignId: uuid().notNull(),
    buyerOrgId: uuid().notNull(),
    amountFen: fen().notNull().default(0),
    rowCount: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.buyerOrgId] })],
);

export const reattributionStatus = pgEnum('campaign_reattribution_status', ['pending', 'done']);

/**
 * A re-attribution: an edit of a campaign's dates or scope, recorded in the edit's transaction and
 * carried out by the worker (campaign-reattribution job), which fills in the counts. Never edited
 * after it is done.
 */
export const campaignReattributions = pgTable(
  'campaign_reattributions',
  {
    id: uuid().primaryKey().defaultRandom(),
    campaignId: uuid()
      .notNull()
      .references(() => campaigns.id),
    status: reattributionStatus().notNull().default('pending'),
    /** Who edited the campaign; null when the reconcile asked for it. */
    requestedBy: uuid().references(() => users.id),
    requestedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Dates and scope before and after the edit. */
    before: jsonb().notNull(),
    after: jsonb().notNull(),
    finishedAt: timestamp({ withTimezone: true }),
    /** Ledger rows that now count and no longer count, and their net fen. */
    addedRows: integer(),
    removedRows: integer(),
    addedFen: fen(),
    removedFen: fen(),
  },
  (t) => [index().on(t.campaignId, t.requestedAt), index().on(t.status)],
);

export type CampaignRow = typeof campaigns.$inferSelect;
