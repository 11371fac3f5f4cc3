import { z } from 'zod';

/** Business dates are calendar days in Asia/Shanghai (UTC+8 all year, no daylight saving). */
export const BUSINESS_TIME_ZONE = 'Asia/Shanghai';

const businessDateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: BUSINESS_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** `YYYY-MM-DD` of the instant `at` in Asia/Shanghai. */
export function businessDate(at: Date = new Date()): string {
  return businessDateFormat.format(at);
}

/** The calendar year of the instant `at` in Asia/Shanghai. */
export function businessYear(at: Date = new Date()): number {
  return Number(businessDate(at).slice(0, 4));
}

/** Asia/Shanghai is UTC+8 all year. */
const BUSINESS_UTC_OFFSET_MS = 8 * 3_600_000;

/** The instant (epoch ms) the business day holding `at` ends: the next midnight in Asia/Shanghai. */
export function businessDayEnd(at: number = Date.now()): number {
  return (Math.floor((at + BUSINESS_UTC_OFFSET_MS) / 86_400_000) + 1) * 86_400_000 - BUSINESS_UTC_OFFSET_MS;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInYear(year: number): number {
  return isLeapYear(year) ? 366 : 365;
}

/** 1-based day of the year of an ISO date (`2026-01-01` → 1). */
export function dayOfYear(isoDate: string): number {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(y, 0, 1)) / 86_400_000) + 1;
}

/** A real calendar date written `YYYY-MM-DD` (rejects `2026-02-30`). */
export const IsoDate = z.stringFormat('iso_date', /^\d{4}-\d{2}-\d{2}$/).refine(
  (s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    const t = new Date(Date.UTC(y, m - 1, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  },
  { params: { rule: 'calendar_date' } },
);
export type IsoDate = z.infer<typeof IsoDate>;

/** Years the programme deals in; wide enough for history imports and planning. */
export const Year = z.coerce.number().int().min(2000).max(2100);
