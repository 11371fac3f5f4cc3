import { z } from 'zod';
import { IsoDate } from '../dates';
import { JournalEntryKind } from './balances';
import { BankAccountNo } from './identity';
import { pgString } from '../storage';

const Name = pgString().trim().min(1).max(100);

/** A cooperative's payout account as it asks for it (户名, 开户银行, 开户行/支行, 账号). */
export const PayoutAccountRequest = z.strictObject({
  accountName: Name,
  bankName: Name,
  branch: Name,
  accountNo: BankAccountNo,
});
export type PayoutAccountRequest = z.infer<typeof PayoutAccountRequest>;

export const PayoutAccountStatus = z.enum(['pending', 'active', 'superseded', 'rejected', 'withdrawn']);
export type PayoutAccountStatus = z.infer<typeof PayoutAccountStatus>;

export const PayoutAccount = z.object({
  id: z.uuid(),
  cooperativeId: z.uuid(),
  cooperativeName: z.string(),
  status: PayoutAccountStatus,
  accountName: z.string(),
  bankName: z.string(),
  branch: z.string(),
  accountNo: z.string(),
  requestedBy: z.string(),
  requestedAt: z.iso.datetime(),
  decidedAt: z.iso.datetime().nullable(),
  rejectReason: z.string().nullable(),
});
export type PayoutAccount = z.infer<typeof PayoutAccount>;

/** The account in force (payouts go there) and a change waiting for the office, if any. */
export const MyPayoutAccount = z.object({ active: PayoutAccount.nullable(), pending: PayoutAccount.nullable() });
export type MyPayoutAccount = z.infer<typeof MyPayoutAccount>;

/** A change waiting for the office, beside the account it would replace. */
export const PayoutAccountChange = PayoutAccount.extend({ current: PayoutAccount.nullable() });
export type PayoutAccountChange = z.infer<typeof PayoutAccountChange>;

export const Reason = z.strictObject({ reason: pgString().trim().min(1).max(500) });
export type Reason = z.infer<typeof Reason>;

export const SettlementCadence = z.enum(['weekly', 'monthly', 'on_demand']);
export type SettlementCadence = z.infer<typeof SettlementCadence>;

/**
 * Run a settlement: a week (7 days), a calendar month, or on demand (any days; the start defaults
 * to the end of the last settlement). Business dates, both ends included; a period that ends
 * today ends at the moment of the run.
 */
export const SettlementRequest = z.strictObject({
  cadence: SettlementCadence,
  periodStart: IsoDate.optional(),
  periodEnd: IsoDate,
});
export type SettlementRequest = z.infer<typeof SettlementRequest>;

export const SettlementStatus = z.enum(['issued', 'voided']);
export const PayoutStatus = z.enum(['pending', 'paid', 'bounced', 'voided']);
export type PayoutStatus = z.infer<typeof PayoutStatus>;

export const Settlement = z.object({
  id: z.uuid(),
  number: z.string(),
  cadence: SettlementCadence,
  periodStart: z.string(),
  periodEnd: z.string(),
  startAt: z.iso.datetime(),
  endAt: z.iso.datetime(),
  status: SettlementStatus,
  statementCount: z.number().int(),
  payoutTotalFen: z.number().int(),
  payoutCount: z.number().int(),
  paidCount: z.number().int(),
  createdAt: z.iso.datetime(),
  voidedAt: z.iso.datetime().nullable(),
  voidReason: z.string().nullable(),
});
export type Settlement = z.infer<typeof Settlement>;

export const Payout = z.object({
  id: z.uuid(),
  settlementId: z.uuid(),
  settlementNumber: z.string(),
  statementId: z.uuid(),
  cooperativeId: z.uuid(),
  cooperativeName: z.string(),
  seq: z.number().int(),
  amountFen: z.number().int(),
  status: PayoutStatus,
  accountName: z.string(),
  bankName: z.string(),
  branch: z.string(),
  accountNo: z.string(),
  bankReference: z.string().nullable(),
  bankChargeFen: z.number().int(),
  paidAt: z.iso.datetime().nullable(),
  bouncedAt: z.iso.datetime().nullable(),
  bounceReason: z.string().nullable(),
});
export type Payout = z.infer<typeof Payout>;

export const PayoutListQuery = z.strictObject({ status: PayoutStatus.optional() });

/** A statement's totals (the list view). */
export const StatementSummary = z.object({
  id: z.uuid(),
  settlementId: z.uuid(),
  settlementNumber: z.string(),
  settlementStatus: SettlementStatus,
  cooperativeId: z.uuid(),
  cooperativeName: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  openingFen: z.number().int(),
  acceptedFen: z.number().int(),
  feesFen: z.number().int(),
  refundsFen: z.number().int(),
  payoutsFen: z.number().int(),
  adjustmentsFen: z.number().int(),
  closingFen: z.number().int(),
  /** Earned by the end of the period and not covered by an earlier payout. */
  owedFen: z.number().int(),
  /** Paid by this statement's payout: 0 while the cooperative has no confirmed payout account. */
  payoutFen: z.number().int(),
  payoutStatus: PayoutStatus.nullable(),
  createdAt: z.iso.datetime(),
});
export type StatementSummary = z.infer<typeof StatementSummary>;

export const StatementOrderLine = z.object({
  productName: z.string(),
  unit: z.string(),
  qty: z.number().int(),
  unitPriceFen: z.number().int(),
  lineTotalFen: z.number().int(),
});

export const StatementItem = z.object({
  entryId: z.number().int(),
  kind: JournalEntryKind,
  orderId: z.uuid().nullable(),
  /** The purchase's remittance reference, for an order's items. */
  ref: z.string().nullable(),
  buyerName: z.string().nullable(),
  grossFen: z.number().int(),
  feeFen: z.number().int(),
  netFen: z.number().int(),
  occurredAt: z.iso.datetime(),
  /** The order's lines, for an acceptance. */
  lines: z.array(StatementOrderLine),
});
export type StatementItem = z.infer<typeof StatementItem>;

export const Statement = StatementSummary.extend({
  items: z.array(StatementItem),
  payout: Payout.nullable(),
});
export type Statement = z.infer<typeof Statement>;

/**
 * A settlement with the first page of its statements (by cooperative name) and of its payouts (in
 * bank-file sequence). A next cursor that is not null means there are more: read them from
 * GET /settlements/{id}/statements and /payouts with that cursor.
 */
export const SettlementDetail = Settlement.extend({
  statements: z.array(StatementSummary),
  statementsNextCursor: z.string().nullable(),
  payouts: z.array(Payout),
  payoutsNextCursor: z.string().nullable(),
});
export type SettlementDetail = z.infer<typeof SettlementDetail>;

export const MarkPayoutPaidRequest = z.strictObject({
  /** The bank's transaction reference (流水号) of the transfer. */
  bankReference: pgString().trim().min(1).max(100),
  /** What the bank charged for the transfer, if anything (fen). */
  bankChargeFen: z.number().int().min(0).max(100_000).default(0),
});
export type MarkPayoutPaidRequest = z.infer<typeof MarkPayoutPaidRequest>;
