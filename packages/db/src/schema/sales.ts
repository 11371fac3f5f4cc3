import { sql } from 'drizzle-orm';
import { bigint, date, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { category } from './catalog';
import { orgs } from './identity';
import { towns } from './regions';

export const saleSource = pgEnum('sale_source', ['order', 'offline', 'import']);

/**
 * The sales ledger: append-only, one row per credited line, from which every tally is derived.
 * Rows are never updated (except `tallied_at`, set once by the tally worker in the same
 * transaction that folds the row) and never deleted; a refund or reversal is a new negative row.
 */
export const sales = pgTable(
  'sales',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    source: saleSource().notNull(),
    /** The thing credited: an order line id, an offline record id, `<import file hash>:<row>`. */
    sourceRef: text().notNull(),
    /** What happened to it: `sale`, `refund`, `reversal`, … Unique with source and sourceRef. */
    kind: text().notNull(),
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    buyerOrgId: uuid().references(() => orgs.id),
    cooperativeId: uuid().references(() => orgs.id),
    productId: uuid(),
    category: category().notNull(),
    /** Signed fen: sales positive, refunds and reversals negative. */
    amountFen: bigint({ mode: 'number' }).notNull(),
    /** The Asia/Shanghai calendar day the sale counts on. */
    businessDate: date({ mode: 'string' }).notNull(),
    recordedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Set by the tally worker in the transaction that adds the row to every tally; null = not yet. */
    talliedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('sales_source_ref_kind_key').on(t.source, t.sourceRef, t.kind),
    index('sales_untallied_idx')
      .on(t.id)
      .where(sql`${t.talliedAt} is null`),
    index().on(t.townId, t.businessDate),
    index().on(t.buyerOrgId, t.businessDate),
    // A cooperative's month on its dashboard.
    index().on(t.cooperativeId, t.businessDate),
  ],
);
