import { z } from 'zod';
import { IsoDate } from '../dates';
import { pgString, pgText } from '../storage';

/**
 * The largest standalone bank charge taken (fen): 10,000 元, far above any account or transfer fee,
 * so that a slip of the decimal point (元 typed as fen × 100) is refused rather than booked.
 */
export const MAX_BANK_CHARGE_FEN = 1_000_000;

/**
 * A charge the bank took from the platform's account outside a payout (an account fee, a fee on an
 * incoming transfer, a returned-payment fee), as printed on the bank's statement. Recorded once per
 * bank transaction id.
 */
export const BankChargeRequest = z.strictObject({
  /** The bank's transaction id (流水号) of the charge. */
  bankTxnId: pgString().trim().min(1).max(64),
  amountFen: z.number().int().min(1).max(MAX_BANK_CHARGE_FEN),
  /** The day the bank booked it (not later than today). */
  bookedOn: IsoDate,
  memo: pgText(200).default(''),
});
export type BankChargeRequest = z.infer<typeof BankChargeRequest>;

export const BankCharge = z.object({
  id: z.uuid(),
  bankTxnId: z.string(),
  amountFen: z.number().int(),
  bookedOn: IsoDate,
  memo: z.string(),
  /** The bank_charge journal entry posted with it. */
  entryId: z.number().int(),
  /** The name of the office member who recorded it. */
  recordedBy: z.string(),
  createdAt: z.iso.datetime(),
});
export type BankCharge = z.infer<typeof BankCharge>;
