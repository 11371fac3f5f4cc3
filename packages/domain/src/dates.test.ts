import { describe, expect, it } from 'vitest';
import { businessDate, businessDayEnd } from './dates';

describe('businessDayEnd', () => {
  it('is the next midnight in Asia/Shanghai (16:00 UTC)', () => {
    expect(new Date(businessDayEnd(Date.parse('2026-06-30T15:59:59.999Z'))).toISOString()).toBe(
      '2026-06-30T16:00:00.000Z',
    );
    // 16:00 UTC is already the next Shanghai day.
    expect(new Date(businessDayEnd(Date.parse('2026-06-30T16:00:00.000Z'))).toISOString()).toBe(
      '2026-07-01T16:00:00.000Z',
    );
    expect(new Date(businessDayEnd(Date.parse('2026-12-31T20:00:00.000Z'))).toISOString()).toBe(
      '2027-01-01T16:00:00.000Z',
    );
  });

  it('agrees with businessDate: the last millisecond is still the day, the end is the next one', () => {
    for (const iso of [
      '2024-02-28T17:00:00Z',
      '2024-02-29T03:00:00Z',
      '2026-03-29T01:30:00Z',
      '2026-12-31T15:59:00Z',
    ]) {
      const at = Date.parse(iso);
      const end = businessDayEnd(at);
      expect(businessDate(new Date(end - 1))).toBe(businessDate(new Date(at)));
      expect(businessDate(new Date(end))).not.toBe(businessDate(new Date(at)));
      expect(end - at).toBeLessThanOrEqual(86_400_000);
    }
  });
});
