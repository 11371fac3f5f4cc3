import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { orgs, users } from './identity';

/** Who changed what, when, from what, to what. Append-only. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    actorUserId: uuid().references(() => users.id),
    actorOrgId: uuid().references(() => orgs.id),
    /** Dotted verb, e.g. `town_target.set`, `org.activate`, `member.deactivate`. */
    action: text().notNull(),
    entityType: text().notNull(),
    entityId: text().notNull(),
    before: jsonb(),
    after: jsonb(),
    note: text(),
  },
  // (at, id): the log reads newest first by event time with the id as the tiebreak, and pages by
  // that pair, so one index walk serves every page.
  (t) => [index().on(t.entityType, t.entityId), index().on(t.at, t.id)],
);
