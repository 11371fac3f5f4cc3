import { sql } from 'drizzle-orm';
import { check, date, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { fen, timestamps } from './columns';
import { users } from './identity';
import { purchases } from './orders';

/**
 * What became of a statement row: confirmed a transfer by itself (`matched_auto`), matched by the
 * office (`matched_manual`), waiting in the matching queue (`unmatched`), to be sent back
 * (`refund_marked`) or set aside with a reason (`ignored`).
 */
export const bankRowState = pgEnum('bank_row_state', [
  'matched_auto',
  'matched_manual',
  'unmatched',
  'refund_marked',
  'ignored',
]);

/**
 * Why a row did not confirm a transfer by itself: no remittance reference in its memo, a reference
 * no purchase has, an amount other than the amount owed, a purchase paid already (or not payable
 * by transfer any more).
 */
export const bankUnmatchedReason = pgEnum('bank_unmatched_reason', [
  'no_reference',
  'unknown_reference',
  'amount_mismatch',
  'already_paid',
  'not_payable',
]);

/** One committed upload of the platform account's statement (CSV or XLSX of incoming transfers). */
export const bankStatements = pgTable(
  'bank_statements',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** sha256 of the file's bytes. */
    fileHash: text().notNull(),
    fileName: text().notNull(),
    /** Data rows in the file. */
    rowCount: integer().notNull(),
    /** Rows new to the platform (a bank transaction id seen before adds nothing). */
    addedRows: integer().notNull(),
    /** Added rows that confirmed a transfer by themselves. */
    matchedRows: integer().notNull(),
    uploadedBy: uuid()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.createdAt)],
);

/**
 * One incoming transfer of a statement, kept once per bank transaction id whatever the number of
 * statements that list it. Only its state (and the decision columns) ever change.
 */
export const bankStatementRows = pgTable(
  'bank_statement_rows',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** The statement that first brought this transaction. */
    statementId: uuid()
      .notNull()
      .references(() => bankStatements.id),
    /** The bank's own id of the transaction (交易流水号): re-uploads and overlapping statements add nothing. */
    bankTxnId: text().notNull(),
    /** The bank's value date (交易日期), a calendar day. */
    txnDate: date({ mode: 'string' }).notNull(),
    payerName: text().notNull(),
    payerAccount: text().notNull(),
    /** Amount received, positive fen. */
    amountFen: fen().notNull(),
    /** 附言 / 摘要 / 用途, as the bank wrote it. */
    memo: text().notNull(),
    /** The remittance reference found in the memo, if any. */
    reference: text(),
    state: bankRowState().notNull(),
    /** Why the row went to the queue (kept after a manual decision, for the record). */
    unmatchedReason: bankUnmatchedReason(),
    /** The purchase it paid (matched) or named (queue). */
    purchaseId: uuid().references(() => purchases.id),
    /** The office's reason for ignoring it or marking it for refund. */
    decisionNote: text(),
    decidedBy: uuid().references(() => users.id),
    decidedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('bank_statement_rows_bank_txn_id_key').on(t.bankTxnId),
    // A purchase is paid by one bank row at most: the database's own guard against a double match.
    uniqueIndex('bank_statement_rows_matched_purchase_key')
      .on(t.purchaseId)
      .where(sql`state in ('matched_auto', 'matched_manual')`),
    index().on(t.state, t.txnDate),
    index().on(t.statementId),
    index().on(t.amountFen),
    check('bank_statement_rows_amount_positive', sql`${t.amountFen} > 0`),
  ],
);
