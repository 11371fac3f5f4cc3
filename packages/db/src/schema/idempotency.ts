import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { orgs } from './identity';

/**
 * Idempotency keys of money-bearing POSTs, per org. The row is written in the same transaction
 * as the effect, so a key either has its effect and its stored answer, or neither.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    orgId: uuid()
      .notNull()
      .references(() => orgs.id),
    key: text().notNull(),
    /** `POST /api/v1/purchases`: a key is bound to one operation. */
    scope: text().notNull(),
    /** SHA-256 of the canonical request body: the same key with another body is refused. */
    requestHash: text().notNull(),
    responseStatus: integer().notNull(),
    responseBody: jsonb().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.key] }), index().on(t.createdAt)],
);
