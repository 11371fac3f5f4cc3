import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { JOURNAL_ACCOUNTS, JOURNAL_ENTRY_KINDS } from '@shanhai/domain';
import { category } from './catalog';
import { fen } from './columns';
import { orgs, users } from './identity';

/** The accounts of the double-entry journal and what an entry records: listed once, in @shanhai/domain. */
export const journalAccount = pgEnum('journal_account', JOURNAL_ACCOUNTS);

export const journalEntryKind = pgEnum('journal_entry_kind', JOURNAL_ENTRY_KINDS);

/**
 * One money event: a balanced set of lines, posted in the transaction of the event. Never updated
 * or deleted (a trigger refuses); a correction is a new entry with `reverses_entry_id`.
 */
export const journalEntries = pgTable(
  'journal_entries',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: journalEntryKind().notNull(),
    /** The row the event happened to: `purchase`, `order`, `refund`, `bank_charge`, `entry`, … */
    sourceType: text().notNull(),
    sourceId: text().notNull(),
    /** `<kind>:<source type>:<source id>`: a second post of the same event adds nothing. */
    idempotencyKey: text().notNull(),
    reversesEntryId: bigint({ mode: 'number' }),
    memo: text(),
    occurredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('journal_entries_idempotency_key').on(t.idempotencyKey), index().on(t.sourceType, t.sourceId)],
);

/** One side of an entry: exactly one of debit and credit is positive. Never updated or deleted. */
export const journalLines = pgTable(
  'journal_lines',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    entryId: bigint({ mode: 'number' })
      .notNull()
      .references(() => journalEntries.id),
    account: journalAccount().notNull(),
    /** The cooperative (payables, fee revenue) or buyer org (refunds payable) of the account; null for platform accounts. */
    orgId: uuid().references(() => orgs.id),
    /** Which platform bank account, for `platform_bank` and `bank_charges` (`default` until there are several). */
    bankRef: text(),
    /** The order the line is about, when there is one (statements list lines by order). */
    orderId: uuid(),
    debitFen: fen().notNull().default(0),
    creditFen: fen().notNull().default(0),
    /** Copied from the entry so an account's lines read in order without a join. */
    occurredAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [
    index().on(t.entryId),
    index().on(t.account, t.orgId, t.id),
    // Payouts of a cooperative by date: "paid out this year" without reading its other lines.
    index('journal_lines_payouts_idx')
      .on(t.orgId, t.occurredAt)
      .where(sql`${t.account} = 'coop_payable_available' and ${t.debitFen} > 0`),
    check(
      'journal_lines_one_side',
      sql`(${t.debitFen} > 0 and ${t.creditFen} = 0) or (${t.creditFen} > 0 and ${t.debitFen} = 0)`,
    ),
  ],
);

/**
 * Running totals per account (and org / bank), written in the transaction that posts the lines:
 * a balance is one row read, never a journal scan. The reconcile job recomputes them.
 */
export const accountBalances = pgTable(
  'account_balances',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    account: journalAccount().notNull(),
    orgId: uuid().references(() => orgs.id),
    bankRef: text(),
    debitFen: fen().notNull().default(0),
    creditFen: fen().notNull().default(0),
    lineCount: integer().notNull().default(0),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('account_balances_key').on(t.account, t.orgId, t.bankRef).nullsNotDistinct()],
);

/**
 * The platform service fee, in basis points of an accepted order line (100 = 1%). A cooperative's
 * own rate wins over its line's category rate; with neither the fee is 0.
 */
export const feeRates = pgTable(
  'fee_rates',
  {
    id: uuid().primaryKey().defaultRandom(),
    cooperativeId: uuid().references(() => orgs.id),
    category: category(),
    rateBps: integer().notNull(),
    updatedBy: uuid().references(() => users.id),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('fee_rates_scope_key').on(t.cooperativeId, t.category).nullsNotDistinct(),
    check('fee_rates_one_scope', sql`(${t.cooperativeId} is null) <> (${t.category} is null)`),
    check('fee_rates_range', sql`${t.rateBps} >= 0 and ${t.rateBps} <= 10000`),
  ],
);

/** Office settings of the money side: one row (id is always true). */
export const moneySettings = pgTable(
  'money_settings',
  {
    id: boolean().primaryKey().default(true),
    /** A delivered order neither accepted nor disputed after this many days is accepted by the system. */
    autoAcceptDays: integer().notNull().default(7),
    updatedBy: uuid().references(() => users.id),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('money_settings_single', sql`${t.id}`),
    check('money_settings_days', sql`${t.autoAcceptDays} between 1 and 60`),
  ],
);

/** One run of the journal reconcile: balances and payables recomputed, what differed. */
export const journalReconciliations = pgTable(
  'journal_reconciliations',
  {
    id: uuid().primaryKey().defaultRandom(),
    trigger: text().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    finishedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    journalLines: integer().notNull(),
    /** Balance rows or payables that differed (0 = healthy). */
    driftRows: integer().notNull(),
    /** Up to a few drifted keys with expected and found values. */
    details: jsonb().notNull().default([]),
  },
  (t) => [index().on(t.finishedAt)],
);
