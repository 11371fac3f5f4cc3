import { date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { category, products } from './catalog';
import { fen } from './columns';
import { towns } from './regions';

/*
 * Tallies: sums of the sales ledger, folded by the tally worker in the same transaction that sets
 * `sales.tallied_at`, so each equals the sum of its tallied ledger rows (invariant 2). The
 * leaderboard reads these, never the ledger. `reconcile` recomputes them all from the ledger.
 */

/** Sales per town and calendar year (Asia/Shanghai business dates). */
export const townTallies = pgTable(
  'town_tallies',
  {
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    year: integer().notNull(),
    /** Net fen of every tallied ledger row of this town and year. */
    amountFen: fen().notNull().default(0),
    /** How many ledger rows went in (a reconciliation figure). */
    rowCount: integer().notNull().default(0),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.townId, t.year] })],
);

/** Sales per town and day, split by source: the pacing curve, as-of answers and platform share. */
export const dailyTownSales = pgTable(
  'daily_town_sales',
  {
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    day: date({ mode: 'string' }).notNull(),
    /** Net fen from every source. */
    amountFen: fen().notNull().default(0),
    /** Net fen from paid platform orders. */
    orderFen: fen().notNull().default(0),
    /** Net fen from approved offline records. */
    offlineFen: fen().notNull().default(0),
    /** Net fen from imports (historical figures). */
    importFen: fen().notNull().default(0),
    rowCount: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.townId, t.day] }), index().on(t.day)],
);

/**
 * Sales per buyer org (partner unit), town and year. No foreign keys here or in the other
 * per-buyer tallies: their keys are copied from ledger rows whose own keys were checked when
 * written, and neither ledger rows nor orgs nor towns are ever deleted. A check per upserted row
 * cost the fold a third of its time with 10,000 buyers (docs/benchmarks.md, bench:units).
 *
 * The year is also kept month by month (`month01Fen` … `month12Fen`, summing to `amountFen`),
 * folded in the same upsert: a budget unit's progress as of a day reads its whole months here,
 * a row per town and year, and only the days of a month not yet over from `partner_daily_sales`,
 * so the unit ranking's cost follows the units, not how many days they bought on (migration 0034).
 */
export const partnerTallies = pgTable(
  'partner_tallies',
  {
    buyerOrgId: uuid().notNull(),
    townId: uuid().notNull(),
    year: integer().notNull(),
    amountFen: fen().notNull().default(0),
    rowCount: integer().notNull().default(0),
    month01Fen: fen().notNull().default(0),
    month02Fen: fen().notNull().default(0),
    month03Fen: fen().notNull().default(0),
    month04Fen: fen().notNull().default(0),
    month05Fen: fen().notNull().default(0),
    month06Fen: fen().notNull().default(0),
    month07Fen: fen().notNull().default(0),
    month08Fen: fen().notNull().default(0),
    month09Fen: fen().notNull().default(0),
    month10Fen: fen().notNull().default(0),
    month11Fen: fen().notNull().default(0),
    month12Fen: fen().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.buyerOrgId, t.townId, t.year] }), index().on(t.townId, t.year)],
);

/** Sales per buyer org, town and day: as-of answers for the buyer leaderboard. Keys unchecked, as above. */
export const partnerDailySales = pgTable(
  'partner_daily_sales',
  {
    buyerOrgId: uuid().notNull(),
    townId: uuid().notNull(),
    day: date({ mode: 'string' }).notNull(),
    amountFen: fen().notNull().default(0),
    rowCount: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.buyerOrgId, t.townId, t.day] }), index().on(t.day)],
);

/** Sales per category, town and day: the category leaderboard and a town's top categories. */
export const categoryDailySales = pgTable(
  'category_daily_sales',
  {
    category: category().notNull(),
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    day: date({ mode: 'string' }).notNull(),
    amountFen: fen().notNull().default(0),
    rowCount: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.category, t.townId, t.day] }), index().on(t.day)],
);

/**
 * Sales per product, town and day: the product leaderboard and a town's top products. Only ledger
 * rows that name a product (platform order lines) count here; offline records and imports name none.
 */
export const productDailySales = pgTable(
  'product_daily_sales',
  {
    productId: uuid()
      .notNull()
      .references(() => products.id),
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    day: date({ mode: 'string' }).notNull(),
    amountFen: fen().notNull().default(0),
    rowCount: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.productId, t.townId, t.day] }), index().on(t.day), index().on(t.townId, t.day)],
);

/** One run of the reconcile job: what drifted and was repaired. */
export const tallyReconciliations = pgTable(
  'tally_reconciliations',
  {
    id: uuid().primaryKey().defaultRandom(),
    trigger: text().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    finishedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    ledgerRows: integer().notNull(),
    /** Tally rows whose stored value differed from the ledger's sum (0 = healthy). */
    driftRows: integer().notNull(),
    /** Up to a few drifted keys with expected and found values, for the console banner. */
    details: jsonb().notNull().default([]),
  },
  (t) => [index().on(t.finishedAt)],
);
