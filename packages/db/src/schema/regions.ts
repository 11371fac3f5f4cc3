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
} from 'drizzle-orm/pg-core';
import { fen, timestamps } from './columns';
import { orgs, users } from './identity';

export const counties = pgTable('counties', {
  id: uuid().primaryKey().defaultRandom(),
  /** Stable slug, e.g. `yangshan`; what seeds and imports match on. */
  code: text().notNull().unique(),
  nameZh: text().notNull(),
  nameEn: text().notNull(),
  sortOrder: integer().notNull().default(0),
});

export const towns = pgTable(
  'towns',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Stable slug, e.g. `dakun`; what seeds and imports match on. */
    code: text().notNull().unique(),
    countyId: uuid()
      .notNull()
      .references(() => counties.id),
    nameZh: text().notNull(),
    nameEn: text().notNull(),
    /** Added to reach the programme's 24 towns for the demo; its figures are generated. */
    isDemo: boolean().notNull().default(false),
    sortOrder: integer().notNull().default(0),
  },
  (t) => [index().on(t.countyId)],
);

/** One yearly sales target per town. */
export const townTargets = pgTable(
  'town_targets',
  {
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    year: integer().notNull(),
    /** Yearly sales target in fen. */
    targetFen: fen().notNull(),
    /** A generated placeholder, not an official figure. */
    isDemo: boolean().notNull().default(false),
    updatedBy: uuid().references(() => users.id),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.townId, t.year] }), check('town_targets_target_nonneg', sql`${t.targetFen} >= 0`)],
);

export const pairingRole = pgEnum('pairing_role', ['lead', 'member']);

/** A buyer org (组团单位) paired with a town it assists. */
export const pairings = pgTable(
  'pairings',
  {
    id: uuid().primaryKey().defaultRandom(),
    buyerOrgId: uuid()
      .notNull()
      .references(() => orgs.id),
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    role: pairingRole().notNull().default('member'),
    startsOn: date({ mode: 'string' }).notNull(),
    /** Inclusive last day; null while the pairing runs. */
    endsOn: date({ mode: 'string' }),
    /** Yearly pledge in fen, where the unit made one. */
    pledgeFen: fen(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex().on(t.buyerOrgId, t.townId, t.startsOn),
    index().on(t.townId),
    check('pairings_dates', sql`${t.endsOn} is null or ${t.endsOn} >= ${t.startsOn}`),
  ],
);
