import { z } from 'zod';
import { Category } from '../catalog';

/**
 * The accounts of the double-entry journal (docs/architecture.md, "Money: the journal"), also the
 * database's journal_account enum. Assets (platform_bank, card_clearing, bank_charges as an
 * expense) are debit-normal; the rest are liabilities or revenue, credit-normal.
 */
export const JOURNAL_ACCOUNTS = [
  /** The platform's bank account (per bank account; `bank_ref` names it). Transfers land here. */
  'platform_bank',
  /** What Stripe holds for us: card payments in, card refunds out. */
  'card_clearing',
  /** Money received that belongs to no payable order yet (a late card payment before its refund). */
  'buyer_funds_held',
  /** Owed to a cooperative for orders paid but not yet accepted (per cooperative). */
  'coop_payable_pending',
  /** Owed to a cooperative for accepted orders, net of the fee, until paid out (per cooperative). */
  'coop_payable_available',
  /** The platform's service fee, by the cooperative it was taken from. */
  'fee_revenue',
  /** Refunds owed to a buyer that the office still has to send by bank transfer (per buyer org). */
  'refunds_payable',
  /** What the bank charged the platform (an expense). */
  'bank_charges',
] as const;
/** A journal account as the api names it. */
export const JournalAccount = z.enum(JOURNAL_ACCOUNTS);
export type JournalAccount = z.infer<typeof JournalAccount>;

/** What a journal entry records, also the database's journal_entry_kind enum. */
export const JOURNAL_ENTRY_KINDS = [
  'payment',
  'acceptance',
  'refund',
  'late_payment_refund',
  'bank_charge',
  'payout',
  'reversal',
  /** The bank returned a payout: the amount is owed to the cooperative again. */
  'payout_bounce',
] as const;
export const JournalEntryKind = z.enum(JOURNAL_ENTRY_KINDS);
export type JournalEntryKind = z.infer<typeof JournalEntryKind>;

/** One line of a cooperative's payable accounts, with its entry's kind. */
export const BalanceLine = z.object({
  id: z.number().int(),
  entryId: z.number().int(),
  kind: JournalEntryKind,
  account: JournalAccount,
  orderId: z.uuid().nullable(),
  /** The order's number as the cooperative reads it elsewhere ("20261203-100042"); null without an order. */
  orderNo: z.string().nullable(),
  debitFen: z.number().int(),
  creditFen: z.number().int(),
  occurredAt: z.iso.datetime(),
});
export type BalanceLine = z.infer<typeof BalanceLine>;

export const CooperativeBalance = z.object({
  /** Paid by buyers, not yet accepted (fen). */
  pendingFen: z.number().int(),
  /** Accepted, less fees and payouts: what the next settlement pays (fen). */
  availableFen: z.number().int(),
  paidOutThisYearFen: z.number().int(),
  year: z.number().int(),
});
export type CooperativeBalance = z.infer<typeof CooperativeBalance>;

export const MyBalance = CooperativeBalance.extend({
  /** The newest lines first (at most `limit`). */
  lines: z.array(BalanceLine),
});
export type MyBalance = z.infer<typeof MyBalance>;

export const BalanceLinesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The office's view: every cooperative's balance and its own fee rate (null: the category's). */
export const CooperativeBalanceRow = CooperativeBalance.omit({ year: true }).extend({
  cooperativeId: z.uuid(),
  name: z.string(),
  feeRateBps: z.number().int().nullable(),
});
export type CooperativeBalanceRow = z.infer<typeof CooperativeBalanceRow>;

export const MoneyOverview = z.object({
  year: z.number().int(),
  cooperatives: z.array(CooperativeBalanceRow),
  categoryRates: z.array(z.object({ category: Category, rateBps: z.number().int() })),
  autoAcceptDays: z.number().int(),
  feeRevenueFen: z.number().int(),
});
export type MoneyOverview = z.infer<typeof MoneyOverview>;

/** Basis points: 250 = 2.5%. */
export const RateBps = z.number().int().min(0).max(10_000);

/** Set (or, with `rateBps: null`, remove) one fee rate: a cooperative's own, or a category's. */
export const SetFeeRateRequest = z.strictObject({ rateBps: RateBps.nullable() });
export type SetFeeRateRequest = z.infer<typeof SetFeeRateRequest>;

export const MoneySettingsRequest = z.strictObject({
  autoAcceptDays: z.number().int().min(1).max(60),
});
export type MoneySettingsRequest = z.infer<typeof MoneySettingsRequest>;
