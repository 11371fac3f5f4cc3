import { describe, expect, it } from 'vitest';
import { lineTotalFen, quantityProblem, tierProblems, unitPriceFor } from './pricing';

const tiers = [
  { minQty: 10, unitPriceFen: 6800 },
  { minQty: 50, unitPriceFen: 6200 },
  { minQty: 200, unitPriceFen: 5800 },
];

describe('price tiers', () => {
  it('the highest tier whose minQty ≤ quantity applies', () => {
    expect(unitPriceFor(tiers, 9)).toBeNull();
    expect(unitPriceFor(tiers, 10)).toBe(6800);
    expect(unitPriceFor(tiers, 49)).toBe(6800);
    expect(unitPriceFor(tiers, 50)).toBe(6200);
    expect(unitPriceFor(tiers, 199)).toBe(6200);
    expect(unitPriceFor(tiers, 200)).toBe(5800);
    expect(unitPriceFor(tiers, 1_000_000)).toBe(5800);
  });

  it('a valid table has no problems', () => {
    expect(tierProblems(tiers, 10)).toEqual([]);
    expect(
      tierProblems(
        [
          { minQty: 1, unitPriceFen: 100 },
          { minQty: 2, unitPriceFen: 100 },
        ],
        1,
      ),
    ).toEqual([]);
  });

  it('names each broken rule with its path', () => {
    expect(tierProblems([], 1)).toEqual([{ path: '', rule: 'no_tiers', params: {} }]);
    expect(tierProblems(tiers, 5)).toEqual([{ path: '0.minQty', rule: 'first_tier_moq', params: { moq: 5 } }]);
    expect(
      tierProblems(
        [
          { minQty: 10, unitPriceFen: 100 },
          { minQty: 10, unitPriceFen: 90 },
        ],
        10,
      ),
    ).toEqual([{ path: '1.minQty', rule: 'tier_ascending', params: {} }]);
    expect(
      tierProblems(
        [
          { minQty: 10, unitPriceFen: 100 },
          { minQty: 20, unitPriceFen: 110 },
        ],
        10,
      ),
    ).toEqual([{ path: '1.unitPriceFen', rule: 'tier_dearer', params: {} }]);
  });
});

describe('order quantities', () => {
  const rules = { moq: 10, orderStep: 5 };
  it('accepts the MOQ and steps above it', () => {
    expect(quantityProblem(10, rules)).toBeNull();
    expect(quantityProblem(15, rules)).toBeNull();
    expect(quantityProblem(1000, rules)).toBeNull();
  });
  it('names the problem', () => {
    expect(quantityProblem(5, rules)).toBe('below_moq');
    expect(quantityProblem(12, rules)).toBe('off_step');
    expect(quantityProblem(10.5, rules)).toBe('not_whole');
    expect(quantityProblem(0, rules)).toBe('not_whole');
  });
  it('line totals stay exact integers', () => {
    expect(lineTotalFen(6200, 50)).toBe(310_000);
    expect(() => lineTotalFen(Number.MAX_SAFE_INTEGER, 2)).toThrow(RangeError);
  });
});
