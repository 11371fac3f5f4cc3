import { sql } from 'drizzle-orm';
import { check, date, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { category } from './catalog';
import { fen, timestamps } from './columns';
import { orgs, users } from './identity';
import { towns } from './regions';

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
