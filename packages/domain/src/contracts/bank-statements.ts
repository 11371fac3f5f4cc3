import { z } from 'zod';
import { IsoDate } from '../dates';
import { NonNegativeFen, PositiveFen } from '../money';
import { PurchaseStatus } from './orders';
import { pgString } from '../storage';

/** What became of a statement row (see packages/db/src/schema/bank-statements.ts). */
export const BankRowState = z.enum(['matched_auto', 'matched_manual', 'unmatched', 'refund_marked', 'ignored']);
export type BankRowState = z.infer<typeof BankRowState>;

/** Why a row did not confirm a transfer by itself. */
export const BankUnmatchedReason = z.enum([
  'no_reference',
  'unknown_reference',
  'amount_mismatch',
  'already_paid',
  'not_payable',
]);
export type BankUnmatchedReason = z.infer<typeof BankUnmatchedReason>;

/** The longest memo kept; a bank's 附言 is far shorter, so more is a broken or hostile file. */
export const MAX_BANK_MEMO_CHARS = 500;

export const BankStatementRowError = z.object({ row: z.number().int(), field: z.string(), message: z.string() });

/** One row of a statement as the preview (or the commit) saw it. */
export const BankStatementPreviewRow = z.object({
  /** The row's number in the file (the header row counted). */
  row: z.number().int(),
  bankTxnId: z.string(),
  txnDate: IsoDate,
  payerName: z.string(),
  payerAccount: z.string(),
  amountFen: PositiveFen,
  memo: z.string(),
  reference: z.string().nullable(),
  /** `match`: confirms its purchase's transfer; `queue`: goes to the matching queue; `duplicate`: seen before. */
  outcome: z.enum(['match', 'queue', 'duplicate']),
  reason: BankUnmatchedReason.nullable(),
  purchaseId: z.uuid().nullable(),
});
export type BankStatementPreviewRow = z.infer<typeof BankStatementPreviewRow>;

/** The answer of an upload, dry run (preview) or commit. */
export const BankStatementResult = z.object({
  dryRun: z.boolean(),
  fileHash: z.string(),
  /** Data rows in the file. */
  rows: z.number().int(),
  /** Rows without a credit amount (outgoing payments in a full statement): not taken. */
  skippedRows: z.number().int(),
  errors: z.array(BankStatementRowError),
  /** Rows new to the platform, rows seen before (by bank transaction id). */
  newRows: z.number().int(),
  duplicateRows: z.number().int(),
  /** New rows that confirm (dry run: would confirm) a transfer, and their sum. */
  matchedRows: z.number().int(),
  matchedFen: NonNegativeFen,
  /** New rows for the matching queue. */
  queuedRows: z.number().int(),
  /** The first rows (at most PREVIEW_ROWS) with what happens to each. */
  preview: z.array(BankStatementPreviewRow),
  /** The committed statement; null on a dry run. */
  statementId: z.uuid().nullable(),
});
export type BankStatementResult = z.infer<typeof BankStatementResult>;
export const BANK_PREVIEW_ROWS = 500;

export const BankStatement = z.object({
  id: z.uuid(),
  fileName: z.string(),
  rowCount: z.number().int(),
  addedRows: z.number().int(),
  matchedRows: z.number().int(),
  uploadedBy: z.string(),
  createdAt: z.iso.datetime(),
});
export type BankStatement = z.infer<typeof BankStatement>;

export const BankTransaction = z.object({
  id: z.uuid(),
  bankTxnId: z.string(),
  txnDate: IsoDate,
  payerName: z.string(),
  payerAccount: z.string(),
  amountFen: PositiveFen,
  memo: z.string(),
  reference: z.string().nullable(),
  state: BankRowState,
  unmatchedReason: BankUnmatchedReason.nullable(),
  purchase: z
    .object({ id: z.uuid(), remittanceRef: z.string(), buyerOrgName: z.string(), totalFen: NonNegativeFen })
    .nullable(),
  decisionNote: z.string().nullable(),
  decidedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type BankTransaction = z.infer<typeof BankTransaction>;

/** The queue's filters: state (default unmatched), payer name, account or memo text, exact amount. */
export const BankTransactionQuery = z.strictObject({
  state: BankRowState.optional(),
  q: pgString().trim().max(100).optional(),
  amountFen: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type BankTransactionQuery = z.infer<typeof BankTransactionQuery>;

/** Purchases a queue row could pay: search by buyer (payer) name or reference, and amount. */
export const TransferCandidateQuery = z.strictObject({
  q: pgString().trim().max(100).optional(),
  amountFen: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type TransferCandidateQuery = z.infer<typeof TransferCandidateQuery>;

export const TransferCandidate = z.object({
  purchaseId: z.uuid(),
  remittanceRef: z.string(),
  buyerOrgName: z.string(),
  totalFen: NonNegativeFen,
  status: PurchaseStatus,
  submittedAmountFen: NonNegativeFen.nullable(),
  submittedReference: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type TransferCandidate = z.infer<typeof TransferCandidate>;

export const MatchBankTransactionRequest = z.strictObject({ purchaseId: z.uuid() });
export type MatchBankTransactionRequest = z.infer<typeof MatchBankTransactionRequest>;

/** Marking for refund or ignoring: the office says why. */
export const BankDecisionRequest = z.strictObject({ reason: pgString().trim().min(2).max(500) });
export type BankDecisionRequest = z.infer<typeof BankDecisionRequest>;
