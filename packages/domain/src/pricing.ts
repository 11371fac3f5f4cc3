import { z } from 'zod';
import { AmountOutOfRange, PositiveFen } from './money';

/**
 * Bulk price tiers: from `minQty` units on, each unit costs `unitPriceFen`. The highest tier whose
 * minQty ≤ quantity applies. Quantities are whole sale units (a "5 kg box", a "jar", a "bird").
 */
export const PriceTier = z.strictObject({
  minQty: z.number().int().min(1).max(1_000_000),
  unitPriceFen: PositiveFen,
});
export type PriceTier = z.infer<typeof PriceTier>;

export const MAX_TIERS = 10;

/** Ordering rules for a sellable quantity. */
export const QuantityRules = z.object({
  moq: z.number().int().min(1).max(1_000_000),
  orderStep: z.number().int().min(1).max(1_000_000),
});
export type QuantityRules = z.infer<typeof QuantityRules>;

export interface TierProblem {
  /** Path under the tiers array, e.g. `1.minQty`, or '' for the array as a whole. */
  path: string;
  /** The rule broken, worded in both languages by field-messages.ts. */
  rule: 'no_tiers' | 'too_many_tiers' | 'first_tier_moq' | 'tier_ascending' | 'tier_dearer';
  params: Record<string, number>;
}

/**
 * The rules a tier table must keep: at least one tier, the first tier's minQty equals the MOQ,
 * minQty strictly ascending, and a larger quantity never costs more per unit than a smaller one.
 */
export function tierProblems(tiers: PriceTier[], moq: number): TierProblem[] {
  const problems: TierProblem[] = [];
  if (tiers.length === 0) return [{ path: '', rule: 'no_tiers', params: {} }];
  if (tiers.length > MAX_TIERS) problems.push({ path: '', rule: 'too_many_tiers', params: { max: MAX_TIERS } });
  if (tiers[0]!.minQty !== moq) problems.push({ path: '0.minQty', rule: 'first_tier_moq', params: { moq } });
  for (let i = 1; i < tiers.length; i++) {
    const prev = tiers[i - 1]!;
    const cur = tiers[i]!;
    if (cur.minQty <= prev.minQty) problems.push({ path: `${i}.minQty`, rule: 'tier_ascending', params: {} });
    if (cur.unitPriceFen > prev.unitPriceFen)
      problems.push({ path: `${i}.unitPriceFen`, rule: 'tier_dearer', params: {} });
  }
  return problems;
}

/** Unit price for `qty` units: the highest tier whose minQty ≤ qty; null below the first tier. */
export function unitPriceFor(tiers: readonly PriceTier[], qty: number): number | null {
  let price: number | null = null;
  for (const t of tiers) {
    if (t.minQty <= qty) price = t.unitPriceFen;
    else break;
  }
  return price;
}

export type QuantityProblem = 'below_moq' | 'off_step' | 'not_whole';

/** Why `qty` cannot be ordered (MOQ, then steps of orderStep above it), or null if it can. */
export function quantityProblem(qty: number, rules: QuantityRules): QuantityProblem | null {
  if (!Number.isInteger(qty) || qty < 1) return 'not_whole';
  if (qty < rules.moq) return 'below_moq';
  if ((qty - rules.moq) % rules.orderStep !== 0) return 'off_step';
  return null;
}

/** Line total in fen; refuses a total outside the safe integer range (`field`: the quantity sent). */
export function lineTotalFen(unitPriceFen: number, qty: number, field: string | null = null): number {
  const total = unitPriceFen * qty;
  if (!Number.isSafeInteger(total)) throw new AmountOutOfRange('line total is out of range', field);
  return total;
}
