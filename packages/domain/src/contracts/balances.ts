import { z } from 'zod';
import { Category } from '../catalog';

/** A journal account as the api names it (docs/architecture.md, "Money: the journal"). */
export const JournalAccount = z.enum([
  'platform_bank',
  'card_clearing',
  'buyer_funds_held',
  'coop_payable_pending',
  'coop_payable_available',
  'fee_revenue',
  'refunds_payable',
  'bank_charges',
]);
export type JournalAccount = z.infer<typeof JournalAccount>;

export const JournalEntryKind = z.enum([
  'payment',
  'acceptance',
  'refund',
  'late_payment_refund',
  'bank_charge',
  'payout',
  'reversal',
  'payout_bounce',
]);
export type JournalEntryKind = z.infer<typeof JournalEntryKind>;

/** One line of a cooperative's payable accounts, with its entry's kind. */
export const BalanceLine = z.object({
  id: z.number().int(),
  entryId: z.number().int(),
  kind: JournalEntryKind,
  account: JournalAccount,
  orderId: z.uuid().nullable(),
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
