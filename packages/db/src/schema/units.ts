import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { fen, timestamps } from './columns';
import { orgs, users } from './identity';

/*
 * Budget units' reserved share (预留份额): each year a budget unit declares its canteen food
 * procurement total and the share it reserves for products of the assisted areas; the office
 * approves it. Progress is read from the partner tallies, never stored here.
 */

/** The office's rules for one year. Without a row the defaults apply (10%, no deadline). */
export const unitYearSettings = pgTable(
  'unit_year_settings',
  {
    year: integer().primaryKey(),
    /** Lowest ratio a unit may declare, in basis points (1000 = 10%). */
    minRatioBp: integer().notNull().default(1000),
    /** Last day (Asia/Shanghai, inclusive) to declare for the first time this year; null = none. */
    declarationDeadline: date({ mode: 'string' }),
    updatedBy: uuid().references(() => users.id),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('unit_year_settings_ratio', sql`${t.minRatioBp} between 0 and 10000`)],
);

/**
 * Which buyer orgs are budget units (预算单位) in a year, as the office set them: a row = a budget
 * unit that year, which must declare and buy its reserved share. Per year, because a unit's status
 * can change from one year to the next while its past rankings and 通报 keep the year's list.
 */
export const budgetUnitYears = pgTable(
  'budget_unit_years',
  {
    year: integer().notNull(),
    buyerOrgId: uuid()
      .notNull()
      .references(() => orgs.id),
    setBy: uuid().references(() => users.id),
    setAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  // Year first: the ranking reads a year's units; one unit's status is (year, org) too.
  (t) => [primaryKey({ columns: [t.year, t.buyerOrgId] })],
);

export const declarationStatus = pgEnum('declaration_status', ['draft', 'submitted', 'approved', 'returned']);

/**
 * One version of a unit's yearly declaration. A draft or returned version is edited in place; a
 * change after approval starts a new version (the approved one stays in force until the new one
 * is approved), so every approved figure stays on record.
 */
export const unitDeclarations = pgTable(
  'unit_declarations',
  {
    id: uuid().primaryKey().defaultRandom(),
    buyerOrgId: uuid()
      .notNull()
      .references(() => orgs.id),
    year: integer().notNull(),
    /** 1 for the first declaration of the year, +1 for each change after an approval. */
    version: integer().notNull(),
    status: declarationStatus().notNull().default('draft'),
    /** Yearly canteen food procurement (食堂食材采购) total, fen. */
    totalFen: fen().notNull(),
    /** Reserved share in basis points (1500 = 15%); the reserved amount is total × ratio. */
    ratioBp: integer().notNull(),
    canteenOutsourced: boolean().notNull().default(false),
    /** The unit whose declaration covers the canteen this unit shares; null when none. */
    sharedCanteenOrgId: uuid().references((): AnyPgColumn => orgs.id),
    note: text(),
    /** Why the office returned it. */
    returnReason: text(),
    createdBy: uuid()
      .notNull()
      .references(() => users.id),
    submittedBy: uuid().references(() => users.id),
    submittedAt: timestamp({ withTimezone: true }),
    decidedBy: uuid().references(() => users.id),
    decidedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex().on(t.buyerOrgId, t.year, t.version),
    index().on(t.year, t.status),
    check('unit_declarations_total_nonneg', sql`${t.totalFen} >= 0`),
    check('unit_declarations_ratio', sql`${t.ratioBp} between 0 and 10000`),
  ],
);
