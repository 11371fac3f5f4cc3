import { describe, expect, it } from 'vitest';
import { clampToYear, computePace, cumulativeThrough, sameDayLastYear } from './pacing';

const base = { year: 2026, targetFen: 3_650_000, salesToDateFen: 0, lastYearToDateFen: 0, lastYearTotalFen: 0 };

describe('pacing', () => {
  it('without history spreads the target linearly', () => {
    const p = computePace({ ...base, asOf: '2026-01-10', salesToDateFen: 150_000 });
    expect(p).toEqual({
      expectedShare: 10 / 365,
      expectedFen: 100_000,
      aheadFen: 50_000,
      progressPct: 4.11,
      projectedFen: 5_475_000,
      lastYearSamePeriodFen: 0,
      changePct: null,
      curve: 'linear',
    });
  });

  it("follows last year's cumulative curve when there is one", () => {
    // Last year sold a quarter of its year by this day.
    const p = computePace({
      ...base,
      asOf: '2026-03-01',
      salesToDateFen: 1_000_000,
      lastYearToDateFen: 500_000,
      lastYearTotalFen: 2_000_000,
    });
    expect(p.curve).toBe('seasonal');
    expect(p.expectedFen).toBe(912_500);
    expect(p.aheadFen).toBe(87_500);
    expect(p.projectedFen).toBe(4_000_000);
    expect(p.lastYearSamePeriodFen).toBe(500_000);
    expect(p.changePct).toBe(100);
  });

  it('handles leap years: 366 days in 2028, and 29 February compares with 28 February', () => {
    expect(computePace({ ...base, year: 2028, targetFen: 366_000, asOf: '2028-02-29' }).expectedFen).toBe(60_000);
    expect(sameDayLastYear('2028-02-29')).toBe('2027-02-28');
    expect(sameDayLastYear('2026-03-01')).toBe('2025-03-01');
    expect(computePace({ ...base, year: 2028, targetFen: 366_000, asOf: '2028-12-30' }).expectedFen).toBe(365_000);
  });

  it('a zero target expects nothing and has no progress percentage', () => {
    const p = computePace({ ...base, targetFen: 0, asOf: '2026-06-30', salesToDateFen: 5_000 });
    expect(p.expectedFen).toBe(0);
    expect(p.progressPct).toBeNull();
    expect(p.aheadFen).toBe(5_000);
  });

  it('a date before the year (and before any sale) expects nothing and projects nothing', () => {
    const p = computePace({ ...base, asOf: '2025-12-31', lastYearToDateFen: 0, lastYearTotalFen: 1_000 });
    expect(p).toMatchObject({
      expectedShare: 0,
      expectedFen: 0,
      aheadFen: 0,
      projectedFen: null,
      lastYearSamePeriodFen: 0,
      changePct: null,
      progressPct: 0,
    });
    expect(clampToYear(2026, '2025-06-01')).toBe('2025-12-31');
  });

  it('on the last day of the year the whole target is expected, whatever the curve', () => {
    const p = computePace({
      ...base,
      asOf: '2026-12-31',
      salesToDateFen: 4_000_000,
      lastYearToDateFen: 1_999_999,
      lastYearTotalFen: 2_000_000,
    });
    expect(p.expectedFen).toBe(3_650_000);
    expect(p.aheadFen).toBe(350_000);
    expect(p.projectedFen).toBe(4_000_000);
    expect(computePace({ ...base, asOf: '2027-02-01' }).expectedFen).toBe(3_650_000);
    expect(clampToYear(2026, '2027-02-01')).toBe('2026-12-31');
  });

  it('compares with the same period last year as of a given date', () => {
    const lastYear = [
      { day: '2025-01-15', amountFen: 100 },
      { day: '2025-05-31', amountFen: 200 },
      { day: '2025-06-01', amountFen: 400 },
      { day: '2025-12-31', amountFen: 800 },
    ];
    const through = sameDayLastYear('2026-05-31');
    const lastYearToDateFen = cumulativeThrough(lastYear, through);
    expect(lastYearToDateFen).toBe(300);
    const p = computePace({
      ...base,
      asOf: '2026-05-31',
      salesToDateFen: 450,
      lastYearToDateFen,
      lastYearTotalFen: cumulativeThrough(lastYear, '2025-12-31'),
    });
    expect(p.lastYearSamePeriodFen).toBe(300);
    expect(p.changePct).toBe(50);
    expect(p.expectedFen).toBe(Math.round(3_650_000 * (300 / 1500)));
  });
});
