import type { TownRow } from '@shanhai/domain';

/** The figures a command office asks first, summed over every town of the town board. */
export interface BoardSummary {
  salesFen: number;
  targetFen: number;
  /** Sales over target, %; null without a target. */
  completionPct: number | null;
  /** The target spread over the year to date (pacing), summed. */
  expectedFen: number;
  lastYearSamePeriodFen: number;
  /** Change against the same period last year, %; null without last year's figures. */
  yoyPct: number | null;
  /** Towns with a target whose sales trail their pace. */
  townsBehind: number;
  townsWithTarget: number;
  /** Calendar days after `asOf` to the year's end. */
  daysLeft: number;
}

const DAY_MS = 86_400_000;
const round1 = (n: number) => Math.round(n * 10) / 10;

export function summarise(rows: readonly TownRow[], year: number, asOf: string): BoardSummary {
  let salesFen = 0;
  let targetFen = 0;
  let expectedFen = 0;
  let lastYearSamePeriodFen = 0;
  let townsBehind = 0;
  let townsWithTarget = 0;
  for (const r of rows) {
    salesFen += r.salesFen;
    expectedFen += r.expectedFen;
    lastYearSamePeriodFen += r.lastYearSamePeriodFen;
    if (r.targetFen) {
      targetFen += r.targetFen;
      townsWithTarget += 1;
      if (r.aheadFen < 0) townsBehind += 1;
    }
  }
  // Dates are calendar days: count them in UTC so no time zone shifts a day.
  const end = Date.UTC(year, 11, 31);
  const daysLeft = Math.max(0, Math.round((end - Date.parse(`${asOf}T00:00:00Z`)) / DAY_MS));
  return {
    salesFen,
    targetFen,
    completionPct: targetFen ? round1((salesFen / targetFen) * 100) : null,
    expectedFen,
    lastYearSamePeriodFen,
    yoyPct: lastYearSamePeriodFen ? round1(((salesFen - lastYearSamePeriodFen) / lastYearSamePeriodFen) * 100) : null,
    townsBehind,
    townsWithTarget,
    daysLeft,
  };
}
