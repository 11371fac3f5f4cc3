import { dayOfYear, daysInYear } from './dates';

/**
 * Pacing and same-period comparison for the leaderboard. Pure arithmetic on fen integers: the
 * api reads the sums from the tallies and passes them in.
 */

/**
 * The day last year that `asOf` is compared with: the same month and day, with 29 February
 * answered by 28 February (last year had none).
 */
export function sameDayLastYear(asOf: string): string {
  const y = Number(asOf.slice(0, 4)) - 1;
  const md = asOf.slice(5);
  if (md === '02-29') return `${y}-02-28`;
  return `${String(y).padStart(4, '0')}-${md}`;
}

/**
 * Where `asOf` falls in `year`: `before` the year starts, `after` it ends, or `in` it. Past the
 * end the whole year counts; before the start nothing does.
 */
export function positionInYear(year: number, asOf: string): 'before' | 'in' | 'after' {
  const y = Number(asOf.slice(0, 4));
  if (y < year) return 'before';
  if (y > year) return 'after';
  return 'in';
}

/** Sum of the daily amounts on or before `through` (ISO dates compare as strings). */
export function cumulativeThrough(daily: ReadonlyArray<{ day: string; amountFen: number }>, through: string): number {
  let sum = 0;
  for (const d of daily) if (d.day <= through) sum += d.amountFen;
  return sum;
}

export interface PaceInput {
  year: number;
  /** The board stands as at the end of this day. */
  asOf: string;
  /** Yearly target in fen (0 or more). */
  targetFen: number;
  /** This year's sales on or before asOf. */
  salesToDateFen: number;
  /** Last year's sales on or before the same day last year (sameDayLastYear). */
  lastYearToDateFen: number;
  /** Last year's sales for the whole year. */
  lastYearTotalFen: number;
}

export interface Pace {
  /** Share of the year's target expected by asOf, 0..1: last year's curve, or linear without history. */
  expectedShare: number;
  /** The target spread along that curve to asOf, in fen. */
  expectedFen: number;
  /** Sales minus expected: positive is ahead of pace. */
  aheadFen: number;
  /** Sales over target, in percent to two decimals; null without a target. */
  progressPct: number | null;
  /** Sales extrapolated to the year end along the same curve; null before any of the year has passed. */
  projectedFen: number | null;
  /** Same period last year, in fen. */
  lastYearSamePeriodFen: number;
  /** Change over the same period last year in percent to two decimals; null when last year had nothing to compare. */
  changePct: number | null;
  /** Whether expected comes from last year's curve (`seasonal`) or a straight line (`linear`). */
  curve: 'seasonal' | 'linear';
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function computePace(input: PaceInput): Pace {
  const { year, asOf, targetFen, salesToDateFen, lastYearToDateFen, lastYearTotalFen } = input;
  const position = positionInYear(year, asOf);
  const seasonal = lastYearTotalFen > 0 && lastYearToDateFen >= 0;
  let share: number;
  if (position === 'before') share = 0;
  else if (position === 'after' || asOf.slice(5) === '12-31') share = 1;
  else if (seasonal) share = Math.min(1, Math.max(0, lastYearToDateFen / lastYearTotalFen));
  else share = dayOfYear(asOf) / daysInYear(year);

  const expectedFen = Math.round(targetFen * share);
  let projectedFen: number | null;
  if (position === 'before') projectedFen = null;
  else if (share > 0) projectedFen = Math.round(salesToDateFen / share);
  else {
    // Last year had sold nothing by this day: fall back to the straight line.
    const linear = dayOfYear(asOf) / daysInYear(year);
    projectedFen = Math.round(salesToDateFen / linear);
  }
  return {
    expectedShare: share,
    expectedFen,
    aheadFen: salesToDateFen - expectedFen,
    progressPct: targetFen > 0 ? round2((salesToDateFen / targetFen) * 100) : null,
    projectedFen,
    lastYearSamePeriodFen: position === 'before' ? 0 : lastYearToDateFen,
    changePct:
      position !== 'before' && lastYearToDateFen > 0
        ? round2(((salesToDateFen - lastYearToDateFen) / lastYearToDateFen) * 100)
        : null,
    curve: seasonal ? 'seasonal' : 'linear',
  };
}

/** The day that bounds "to date" for `year` as of `asOf`: asOf clamped into the year. */
export function clampToYear(year: number, asOf: string): string {
  const p = positionInYear(year, asOf);
  if (p === 'before') return `${year - 1}-12-31`;
  if (p === 'after') return `${year}-12-31`;
  return asOf;
}
