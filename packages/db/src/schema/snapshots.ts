import { date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './identity';

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

/**
 * A frozen budget-unit ranking (the monthly 通报 of reserved-share progress): immutable like the
 * town snapshots (a trigger refuses updates and deletes). The office freezes one by hand; the
 * worker freezes one on the 1st of each month for the month before (`period`).
 */
export const unitSnapshots = pgTable(
  'unit_snapshots',
  {
    id: uuid().primaryKey().defaultRandom(),
    title: text().notNull(),
    year: integer().notNull(),
    asOf: date({ mode: 'string' }).notNull(),
    /** The unit ranking as served at creation (rows and the year's settings), in fen. */
    payload: jsonb().notNull(),
    /** Who froze it; null for the worker's monthly freeze (the system). */
    createdBy: uuid().references(() => users.id),
    /** The month ('2026-11') the worker froze it for; null for the office's own. One per month. */
    period: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex().on(t.title), uniqueIndex().on(t.period), index().on(t.createdAt)],
);
