import { bigint, timestamp } from 'drizzle-orm/pg-core';

/** `created_at` / `updated_at`, both timestamptz. */
export const timestamps = {
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};

/** An amount of money in fen (分): bigint in SQL, a safe-integer number in TypeScript. */
export const fen = () => bigint({ mode: 'number' });
