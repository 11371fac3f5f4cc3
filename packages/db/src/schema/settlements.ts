import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  date,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { fen, timestamps } from './columns';
import { orgs, users } from './identity';
import { journalEntryKind } from './journal';

/**
 * `pending` (asked by the cooperative, not yet in force) → `active` (confirmed by the office) →
 * `superseded` (a later account was confirmed); `pending` → `rejected` | `withdrawn` (the
 * cooperative asked for another one before the office decided).
 */
export const payoutAccountStatus = pgEnum('payout_account_status', [
  'pending',
  'active',
  'superseded',
  'rejected',
  'withdrawn',
]);

/**
 * Where a cooperative is paid. A change takes effect only once the office confirms it
 * (redirecting payouts is the classic fraud): rows are versions, never edited in their details.
 */
export const payoutAccounts = pgTable(
  'payout_accounts',
  {
    id: uuid().primaryKey().defaultRandom(),
    cooperativeId: uuid()
      .notNull()
      .references(() => orgs.id),
    status: payoutAccountStatus().notNull().default('pending'),
    /** 户名: the account holder's name as the bank has it. */
    accountName: text().notNull(),
    /** 开户银行 (e.g. 中国农业银行) and 开户行/支行 (the branch). */
    bankName: text().notNull(),
    branch: text().notNull(),
    /** Digits only (spaces and dashes removed on the way in). */
    accountNo: text().notNull(),
    requestedBy: uuid()
      .notNull()
      .references(() => users.id),
    decidedBy: uuid().references(() => users.id),
    decidedAt: timestamp({ withTimezone: true }),
    rejectReason: text(),
    ...timestamps,
  },
  (t) => [
    // At most one account in force and one waiting per cooperative.
    uniqueIndex('payout_accounts_active_key')
      .on(t.cooperativeId)
      .where(sql`${t.status} = 'active'`),
    uniqueIndex('payout_accounts_pending_key')
      .on(t.cooperativeId)
      .where(sql`${t.status} = 'pending'`),
    index().on(t.status, t.createdAt),
  ],
);

export const settlementCadence = pgEnum('settlement_cadence', ['weekly', 'monthly', 'on_demand']);
export const settlementStatus = pgEnum('settlement_status', ['issued', 'voided']);

/**
 * One settlement run by the office over a period [start_at, end_at): one statement per
 * cooperative with activity or money owed, and the payouts to make.
 */
export const settlements = pgTable(
  'settlements',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** A short human number, `JS-YYYYMMDD-N`, printed on statements and the bank file. */
    number: text().notNull(),
    cadence: settlementCadence().notNull(),
    /** The business dates asked for, both ends included. */
    periodStart: date({ mode: 'string' }).notNull(),
    periodEnd: date({ mode: 'string' }).notNull(),
    /** The instants the period covers: [start_at, end_at); end_at is never later than the run. */
    startAt: timestamp({ withTimezone: true }).notNull(),
    endAt: timestamp({ withTimezone: true }).notNull(),
    status: settlementStatus().notNull().default('issued'),
    statementCount: integer().notNull().default(0),
    /** What the payouts of this settlement add up to (fen). */
    payoutTotalFen: fen().notNull().default(0),
    createdBy: uuid()
      .notNull()
      .references(() => users.id),
    voidedBy: uuid().references(() => users.id),
    voidedAt: timestamp({ withTimezone: true }),
    voidReason: text(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('settlements_number_key').on(t.number),
    index().on(t.status, t.endAt),
    check('settlements_period', sql`${t.startAt} < ${t.endAt} and ${t.periodStart} <= ${t.periodEnd}`),
  ],
);

/**
 * A cooperative's statement (结算单) of one settlement: the available balance at the start and
 * end of the period (from the journal), what moved it, and what is paid out.
 */
export const settlementStatements = pgTable(
  'settlement_statements',
  {
    id: uuid().primaryKey().defaultRandom(),
    settlementId: uuid()
      .notNull()
      .references(() => settlements.id),
    cooperativeId: uuid()
      .notNull()
      .references(() => orgs.id),
    /** Available (accepted, less fees and payouts) at start_at and at end_at (fen). */
    openingFen: fen().notNull(),
    closingFen: fen().notNull(),
    /** Accepted order totals, fees on them, refunds (of pending orders) in the period (fen). */
    acceptedFen: fen().notNull(),
    feesFen: fen().notNull(),
    refundsFen: fen().notNull(),
    /** Payouts posted, bounces and other corrections to the available balance in the period (net fen). */
    payoutsFen: fen().notNull(),
    adjustmentsFen: fen().notNull(),
    /** Earned to end_at and not yet covered by an earlier payout: what this settlement owes. */
    owedFen: fen().notNull(),
    /** Paid out by this statement's payout (owedFen when there is a confirmed account, else 0). */
    payoutFen: fen().notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex('settlement_statements_key').on(t.settlementId, t.cooperativeId), index().on(t.cooperativeId)],
);

/**
 * What a statement lists: one row per journal entry of the period that touched the
 * cooperative's payable accounts (an acceptance, a refund, a payout, a bounce, a correction).
 */
export const settlementItems = pgTable(
  'settlement_items',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    statementId: uuid()
      .notNull()
      .references(() => settlementStatements.id),
    entryId: bigint({ mode: 'number' }).notNull(),
    kind: journalEntryKind().notNull(),
    orderId: uuid(),
    /** The order total the entry moved out of pending (acceptance, refund). */
    grossFen: fen().notNull(),
    /** The platform fee taken (acceptance). */
    feeFen: fen().notNull(),
    /** Net change of the available balance (credit − debit). */
    netFen: fen().notNull(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index().on(t.statementId, t.occurredAt)],
);

/**
 * `pending` (in the bank file, to be sent) → `paid` (the office marked it with the bank's
 * reference; a payout entry is posted) → `bounced` (the bank returned it; the amount is
 * available again); `pending` → `voided` with its settlement.
 */
export const payoutStatus = pgEnum('payout_status', ['pending', 'paid', 'bounced', 'voided']);

export const payouts = pgTable(
  'payouts',
  {
    id: uuid().primaryKey().defaultRandom(),
    settlementId: uuid()
      .notNull()
      .references(() => settlements.id),
    statementId: uuid()
      .notNull()
      .references(() => settlementStatements.id),
    cooperativeId: uuid()
      .notNull()
      .references(() => orgs.id),
    /** Position in the bank file (序号). */
    seq: integer().notNull(),
    amountFen: fen().notNull(),
    status: payoutStatus().notNull().default('pending'),
    /** The confirmed account at the time of the settlement, copied: a later change cannot redirect it. */
    payoutAccountId: uuid()
      .notNull()
      .references(() => payoutAccounts.id),
    accountName: text().notNull(),
    bankName: text().notNull(),
    branch: text().notNull(),
    accountNo: text().notNull(),
    /** The bank's transaction reference of the transfer. */
    bankReference: text(),
    bankChargeFen: fen().notNull().default(0),
    paidBy: uuid().references(() => users.id),
    paidAt: timestamp({ withTimezone: true }),
    bouncedAt: timestamp({ withTimezone: true }),
    bounceReason: text(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('payouts_statement_key').on(t.statementId),
    // A settlement's payouts in bank-file order (its payouts page, the bank file, voiding) and its
    // payout counts on the settlements page: without it each read scanned every payout.
    index().on(t.settlementId, t.seq),
    index().on(t.status, t.createdAt),
    index().on(t.cooperativeId, t.status),
    check('payouts_positive', sql`${t.amountFen} > 0`),
  ],
);
