import { z } from 'zod';
import { Category } from '../catalog';
import { IsoDate } from '../dates';
import { Fen, NonNegativeFen } from '../money';
import { PageQuery } from './page';

export const LeaderboardBy = z.enum(['town', 'county', 'buyer', 'category', 'product']);
export type LeaderboardBy = z.infer<typeof LeaderboardBy>;

/** Pacing figures shared by town and county rows (fen; percentages to two decimals). */
const Paced = {
  salesFen: Fen,
  targetFen: NonNegativeFen.nullable(),
  progressPct: z.number().nullable(),
  expectedFen: Fen,
  aheadFen: Fen,
  projectedFen: Fen.nullable(),
  lastYearSamePeriodFen: Fen,
  changePct: z.number().nullable(),
};

export const TownRow = z.object({
  rank: z.number().int(),
  townId: z.uuid(),
  code: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  countyId: z.uuid(),
  countyCode: z.string(),
  countyNameZh: z.string(),
  countyNameEn: z.string(),
  isDemo: z.boolean(),
  ...Paced,
  curve: z.enum(['seasonal', 'linear']),
  pairedUnits: z.number().int(),
});
export type TownRow = z.infer<typeof TownRow>;

export const CountyRow = z.object({
  rank: z.number().int(),
  countyId: z.uuid(),
  code: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  towns: z.number().int(),
  ...Paced,
  pairedUnits: z.number().int(),
});
export type CountyRow = z.infer<typeof CountyRow>;

/** A partner unit's row: its name only (no contact data; the board is public). */
export const BuyerRow = z.object({
  rank: z.number().int(),
  buyerOrgId: z.uuid(),
  name: z.string(),
  salesFen: Fen,
  pledgeFen: NonNegativeFen.nullable(),
  pledgeProgressPct: z.number().nullable(),
  /** What it bought over the same days of last year (its partner tallies), and the change, percent. */
  lastYearSamePeriodFen: Fen,
  changePct: z.number().nullable(),
  /** Towns it bought from this year. */
  towns: z.number().int(),
});
export type BuyerRow = z.infer<typeof BuyerRow>;

export const CategoryRow = z.object({
  rank: z.number().int(),
  category: Category,
  salesFen: Fen,
  lastYearSamePeriodFen: Fen,
  changePct: z.number().nullable(),
});
export type CategoryRow = z.infer<typeof CategoryRow>;

/** How many products the product leaderboard and a town dashboard list. */
export const TOP_PRODUCTS = 50;

/** A product's row: what the public catalogue shows of it, and its credited platform sales. */
export const ProductRow = z.object({
  rank: z.number().int(),
  productId: z.uuid(),
  nameZh: z.string(),
  nameEn: z.string().nullable(),
  category: Category,
  cooperativeName: z.string(),
  townId: z.uuid(),
  townNameZh: z.string(),
  townNameEn: z.string(),
  salesFen: Fen,
});
export type ProductRow = z.infer<typeof ProductRow>;

const BoardBase = { year: z.number().int(), asOf: IsoDate };
export const Leaderboard = z.discriminatedUnion('by', [
  z.object({ ...BoardBase, by: z.literal('town'), rows: z.array(TownRow) }),
  z.object({ ...BoardBase, by: z.literal('county'), rows: z.array(CountyRow) }),
  z.object({ ...BoardBase, by: z.literal('buyer'), rows: z.array(BuyerRow) }),
  z.object({ ...BoardBase, by: z.literal('category'), rows: z.array(CategoryRow) }),
  z.object({ ...BoardBase, by: z.literal('product'), rows: z.array(ProductRow) }),
]);
export type Leaderboard = z.infer<typeof Leaderboard>;

export const TownDashboard = z.object({
  townId: z.uuid(),
  nameZh: z.string(),
  nameEn: z.string(),
  year: z.number().int(),
  targetFen: NonNegativeFen.nullable(),
  /** Twelve months, January first. */
  months: z.array(z.object({ month: z.number().int(), thisYearFen: Fen, lastYearFen: Fen })),
  /**
   * Ranked by what they bought in the town; the amount is for the office and for the buyer's own row
   * only (null to anyone else): who buys is public, how much a unit spent in one town is not.
   */
  topBuyers: z.array(z.object({ buyerOrgId: z.uuid(), name: z.string(), salesFen: Fen.nullable() })),
  topCategories: z.array(z.object({ category: Category, salesFen: Fen })),
  /** Ledger rows that name a product: platform orders (offline records and real imports name none). */
  topProducts: z.array(ProductRow.omit({ townId: true, townNameZh: true, townNameEn: true })),
  share: z.object({ orderFen: Fen, offlineFen: Fen, importFen: Fen }),
});
export type TownDashboard = z.infer<typeof TownDashboard>;

/** Rows waiting for the tally worker and the last reconcile: the office console's banner. */
export const TallyStatus = z.object({
  untallied: z.number().int(),
  lastReconcile: z
    .object({
      trigger: z.string(),
      finishedAt: z.iso.datetime(),
      ledgerRows: z.number().int(),
      driftRows: z.number().int(),
      details: z.array(z.object({ table: z.string(), key: z.string(), expected: z.number(), found: z.number() })),
    })
    .nullable(),
});

export type TallyStatus = z.infer<typeof TallyStatus>;

/** How many credited sales one page of the ticker's list may hold at most. */
const RECENT_SALES_MAX = 50;
/** The wall screen's ticker: the newest 20 unless the caller names a limit. */
const RECENT_SALES_DEFAULT = 20;

/** The ticker's list: the newest `limit` credited sales, then older ones from the cursor. */
export const RecentSalesQuery = z.strictObject({
  cursor: PageQuery.shape.cursor,
  limit: z.coerce.number().int().min(1).max(RECENT_SALES_MAX).default(RECENT_SALES_DEFAULT),
});
export type RecentSalesQuery = z.infer<typeof RecentSalesQuery>;

/**
 * One credited sale for the wall screen's ticker: where, what and how much, never who bought
 * (the board names buyers only by their yearly totals, not by single purchases).
 */
export const RecentSale = z.object({
  id: z.number().int(),
  townId: z.uuid(),
  townNameZh: z.string(),
  townNameEn: z.string(),
  category: Category,
  /** Platform orders name their product; offline records and imports do not. */
  productNameZh: z.string().nullable(),
  productNameEn: z.string().nullable(),
  source: z.enum(['order', 'offline', 'import']),
  amountFen: Fen,
  recordedAt: z.iso.datetime(),
});
export type RecentSale = z.infer<typeof RecentSale>;
/** A page of the ticker: the next cursor reads older sales (null: none older). */
export const RecentSales = z.object({ items: z.array(RecentSale), nextCursor: z.string().nullable() });
export type RecentSales = z.infer<typeof RecentSales>;
