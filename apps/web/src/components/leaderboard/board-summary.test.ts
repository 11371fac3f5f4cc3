import { describe, expect, it } from 'vitest';
import type { TownRow } from '@shanhai/domain';
import { summarise } from './board-summary';

const row = (over: Partial<TownRow>): TownRow => ({
  rank: 1,
  townId: crypto.randomUUID(),
  code: 'x',
  nameZh: '镇',
  nameEn: 'Town',
  countyId: crypto.randomUUID(),
  countyCode: 'c',
  countyNameZh: '县',
  countyNameEn: 'County',
  isDemo: false,
  salesFen: 0,
  targetFen: null,
  progressPct: null,
  expectedFen: 0,
  aheadFen: 0,
  projectedFen: null,
  lastYearSamePeriodFen: 0,
  changePct: null,
  curve: 'linear',
  pairedUnits: 0,
  ...over,
});

describe('summarise', () => {
  it('sums the towns, counts those behind pace among towns with a target, and the days left', () => {
    const s = summarise(
      [
        row({ salesFen: 600, targetFen: 1_000, expectedFen: 500, aheadFen: 100, lastYearSamePeriodFen: 400 }),
        row({ salesFen: 200, targetFen: 1_000, expectedFen: 500, aheadFen: -300, lastYearSamePeriodFen: 400 }),
        // No target: its sales count, it is never "behind".
        row({ salesFen: 200, targetFen: null, aheadFen: -50 }),
      ],
      2026,
      '2026-12-01',
    );
    expect(s).toEqual({
      salesFen: 1_000,
      targetFen: 2_000,
      completionPct: 50,
      expectedFen: 1_000,
      lastYearSamePeriodFen: 800,
      yoyPct: 25,
      townsBehind: 1,
      townsWithTarget: 2,
      daysLeft: 30,
    });
  });

  it('has no completion or change without a target or a last year, and no days left after the year', () => {
    const s = summarise([row({ salesFen: 5 })], 2025, '2026-01-05');
    expect([s.completionPct, s.yoyPct, s.daysLeft]).toEqual([null, null, 0]);
  });
});
