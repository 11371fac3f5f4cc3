import { sql } from 'drizzle-orm';
import {
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
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { category, products } from './catalog';
import { fen, timestamps } from './columns';
import { orgs, users } from './identity';
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

/** Sales per buyer org (partner unit), town and year. */
export const partnerTallies = pgTable(
  'partner_tallies',
  {
    buyerOrgId: uuid()
      .notNull()
      .references(() => orgs.id),
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    year: integer().notNull(),
    amountFen: fen().notNull().default(0),
    rowCount: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.buyerOrgId, t.townId, t.year] }), index().on(t.townId, t.year)],
);

/** Sales per buyer org, town and day: as-of answers for the buyer leaderboard. */
export const partnerDailySales = pgTable(
  'partner_daily_sales',
  {
    buyerOrgId: uuid()
      .notNull()
      .references(() => orgs.id),
    townId: uuid()
      .notNull()
      .references(() => towns.id),
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

export const offlineSaleStatus = pgEnum('offline_sale_status', ['pending', 'approved', 'rejected', 'reversed']);

/**
 * An off-platform sale recorded by office staff, or by a buyer org's manager for their own org
 * (pending office approval). Approval appends a ledger row; reversal appends a negative one. The
 * record itself is never edited beyond its status.
 */
export const offlineSales = pgTable(
  'offline_sales',
  {
    id: uuid().primaryKey().defaultRandom(),
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    cooperativeId: uuid().references(() => orgs.id),
    buyerOrgId: uuid().references(() => orgs.id),
    category: category().notNull(),
    /** Positive fen. */
    amountFen: fen().notNull(),
    businessDate: date({ mode: 'string' }).notNull(),
    invoiceNo: text(),
    note: text(),
    status: offlineSaleStatus().notNull().default('pending'),
    /** Why it was rejected or reversed. */
    decisionReason: text(),
    recordedBy: uuid()
      .notNull()
      .references(() => users.id),
    /** The org of the person who recorded it (office or the buyer org). */
    recordedByOrgId: uuid()
      .notNull()
      .references(() => orgs.id),
    decidedBy: uuid().references(() => users.id),
    decidedAt: timestamp({ withTimezone: true }),
    reversedBy: uuid().references(() => users.id),
    reversedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index().on(t.status, t.createdAt),
    index().on(t.buyerOrgId),
    check('offline_sales_amount_positive', sql`${t.amountFen} > 0`),
  ],
);

/** Evidence files of an offline record (at most 3, enforced by the api). */
export const offlineSaleFiles = pgTable(
  'offline_sale_files',
  {
    offlineSaleId: uuid()
      .notNull()
      .references(() => offlineSales.id),
    /** Content-addressed stored name, `<sha256>.<ext>`. */
    fileName: text().notNull(),
    mime: text().notNull(),
    size: integer().notNull(),
    originalName: text(),
  },
  (t) => [primaryKey({ columns: [t.offlineSaleId, t.fileName] })],
);

/** A committed import of historical sales (CSV/XLSX). Ledger rows reference `<fileHash>:<row>`. */
export const salesImports = pgTable(
  'sales_imports',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** sha256 of the file's bytes. */
    fileHash: text().notNull(),
    fileName: text().notNull(),
    rowCount: integer().notNull(),
    /** Rows newly added to the ledger by this upload (0 when the same file came before). */
    addedRows: integer().notNull(),
    addedFen: fen().notNull(),
    importedBy: uuid()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.fileHash)],
);

/** A frozen leaderboard: immutable (a trigger refuses updates and deletes). */
export const leaderboardSnapshots = pgTable(
  'leaderboard_snapshots',
  {
    id: uuid().primaryKey().defaultRandom(),
    title: text().notNull(),
    year: integer().notNull(),
    asOf: date({ mode: 'string' }).notNull(),
    /** The town leaderboard as served at creation (rows and totals), in fen. */
    payload: jsonb().notNull(),
    createdBy: uuid()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex().on(t.title), index().on(t.createdAt)],
);
