import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSequence,
  pgTable,
  smallint,
  text,
  uuid,
} from 'drizzle-orm/pg-core';
import { CATEGORIES, type PriceTier, type ProductRevision } from '@shanhai/domain';
import { timestamps } from './columns';
import { orgs } from './identity';
import { towns } from './regions';

export const category = pgEnum('category', CATEGORIES);
export const listingStatus = pgEnum('listing_status', ['draft', 'pending_review', 'listed', 'rejected', 'delisted']);

/** Numbers of product codes: SH1001, SH1002, … (never reused). */
export const productCodeSeq = pgSequence('product_code_seq', { startWith: 1001 });

/**
 * A cooperative's product. It is credited to the cooperative's town (copied here when the product
 * is created, so the catalogue and the ledger never need the join).
 */
export const products = pgTable(
  'products',
  {
    id: uuid().primaryKey().defaultRandom(),
    cooperativeId: uuid()
      .notNull()
      .references(() => orgs.id),
    /** The cooperative's town at creation; the body of a request never sets it. */
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    category: category().notNull(),
    /**
     * The product's code ("SH1001"), given at creation and never changed: what a buyer writes in a
     * quick order or on the phone instead of a name two cooperatives may share.
     */
    code: text()
      .notNull()
      .unique()
      .default(sql`'SH' || nextval('product_code_seq')`),
    nameZh: text().notNull(),
    nameEn: text(),
    description: text(),
    /** The description in English for the en UI; null shows the Chinese one, marked as such. */
    descriptionEn: text(),
    /**
     * The sale unit's name alone, e.g. "瓶", "只", "箱": quantities are whole units of it and read
     * "10 瓶". What one unit holds goes in `unitSpec`, never here (a "500 g 瓶" label made
     * "起订 10500 g 瓶"; migrations/0023 split the old labels).
     */
    unitLabel: text().notNull(),
    /** What one sale unit holds, e.g. "500 g/瓶", "约 450 g/只", "5 kg/箱"; shown beside a quantity. */
    unitSpec: text(),
    /** The unit's name and specification in English ("jar", "500 g/jar"); null falls back to Chinese. */
    unitLabelEn: text(),
    unitSpecEn: text(),
    /** Minimum order quantity in sale units; equals the first price tier's minQty. */
    moq: integer().notNull().default(1),
    /** Quantities above the MOQ go in steps of this many units. */
    orderStep: integer().notNull().default(1),
    /** Units on hand. Taken when a purchase is placed, given back on cancel or expiry; never negative. */
    stock: integer().notNull().default(0),
    leadTimeDays: integer().notNull().default(3),
    certifications: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** English names of `certifications`, position by position; a missing one shows the Chinese. */
    certificationsEn: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Price tiers on sale now, ascending by minQty (validated by @shanhai/domain tierProblems). */
    priceTiers: jsonb().$type<PriceTier[]>().notNull(),
    /** Up to 8 photo URLs (`/media/<sha256>.<ext>`), the first is the cover. */
    photos: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Unit price at the MOQ (first tier), derived: what price filters and price sorting use. */
    basePriceFen: bigint({ mode: 'number' }).generatedAlwaysAs(sql`((price_tiers -> 0 ->> 'unitPriceFen')::bigint)`),
    /** Lowest unit price of any tier (the last tier), derived. */
    lowestPriceFen: bigint({ mode: 'number' }).generatedAlwaysAs(sql`((price_tiers -> -1 ->> 'unitPriceFen')::bigint)`),
    /**
     * What a buyer trusts that the row itself says, derived: a real (non-demo) listing 4, a photo 2,
     * stock 2 (so 0, 2, 4, 6 or 8). The search ranks the most trusted matches of a broad word tier
     * by tier through the GIN indexes on (row_trust, search) and (row_trust, search_fuzzy), reading
     * at most RANK_CAP rows per tier instead of every match (apps/api search-service
     * `trustedMatches`). A column, not an index expression: a sale that leaves stock above zero
     * leaves it unchanged, so checkout's stock update stays HOT.
     */
    rowTrust: smallint().generatedAlwaysAs(
      sql`((case when is_demo then 0 else 4 end) + (case when cardinality(photos) > 0 then 2 else 0 end) + (case when stock > 0 then 2 else 0 end))`,
    ),
    /**
     * An edit of a listed product's name, MOQ/step or tiers waiting for the office. The approved
     * fields above stay on sale until it is approved (applied) or rejected (dropped).
     */
    pendingRevision: jsonb().$type<ProductRevision>(),
    status: listingStatus().notNull().default('draft'),
    /**
     * Copy of "the cooperative is active", kept by triggers (migrations/*_catalog_search_sql.sql) so
     * the public catalogue filters on products alone and its indexes drive every query.
     */
    coopActive: boolean().notNull().default(false),
    /** Why the office rejected the last submission. */
    rejectionReason: text(),
    /** Generated for the demo; the UI labels it. */
    isDemo: boolean().notNull().default(false),
    ...timestamps,
  },
  (t) => [
    check('products_stock_nonneg', sql`${t.stock} >= 0`),
    check('products_moq_positive', sql`${t.moq} >= 1 and ${t.orderStep} >= 1`),
    index().on(t.cooperativeId, t.status),
    index().on(t.townId, t.status),
    index().on(t.category, t.status),
    index('products_listed_newest_idx')
      .on(t.createdAt.desc(), t.id.desc())
      .where(sql`${t.status} = 'listed'`),
    // Town (or county) + category filters with price order; the facets of such a filter.
    index('products_listed_town_category_idx')
      .on(t.townId, t.category, t.basePriceFen)
      .where(sql`${t.status} = 'listed'`),
    index('products_listed_category_price_idx')
      .on(t.category, t.basePriceFen, t.id)
      .where(sql`${t.status} = 'listed'`),
    index('products_listed_price_idx')
      .on(t.basePriceFen, t.id)
      .where(sql`${t.status} = 'listed'`),
    index('products_review_idx')
      .on(t.updatedAt)
      .where(sql`${t.status} = 'pending_review' or ${t.pendingRevision} is not null`),
    // The full-text columns `search` and `search_fuzzy` (written by refreshSearchIndex) and their
    // indexes are hand-written (migrations/*_search_segmented.sql; with row_trust since
    // migrations/0033_search_by_trust.sql).
  ],
);
