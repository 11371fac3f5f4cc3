import { sql } from 'drizzle-orm';
import { bigint, check, date, index, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { fen } from './columns';
import { users } from './identity';
import { journalEntries } from './journal';

/**
 * A charge the bank took from the platform's account that belongs to no payout (an account fee, a
 * fee on an incoming transfer, a returned-payment fee), recorded by the office from the bank's
 * statement. Once per bank transaction id: the unique key is what makes recording it twice, or
 * twice at once, post one entry. The api never updates or deletes one; a wrong one is reversed in the journal.
 * (A payout's own charge stays on the payout: `payouts.bank_charge_fen`.)
 */
export const bankCharges = pgTable(
  'bank_charges',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Which platform bank account (`default` until there are several), as on the journal lines. */
    bankRef: text().notNull().default('default'),
    /** The bank's own transaction id of the charge, as printed on its statement. */
    bankTxnId: text().notNull(),
    amountFen: fen().notNull(),
    /** The business date the bank booked it. */
    bookedOn: date({ mode: 'string' }).notNull(),
    memo: text().notNull().default(''),
    /** The `bank_charge` entry posted with it, in the same transaction. */
    entryId: bigint({ mode: 'number' })
      .notNull()
      .references(() => journalEntries.id),
    recordedBy: uuid()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('bank_charges_txn_key').on(t.bankRef, t.bankTxnId),
    // The list: newest booking first (GET /bank-charges).
    index().on(t.bookedOn, t.createdAt, t.id),
    check('bank_charges_positive', sql`${t.amountFen} > 0`),
  ],
);
