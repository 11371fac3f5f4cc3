import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { untalliedCount } from '../ledger';
import { tallyDrift } from '../tally';
import { useTestDatabase } from '../../test-support/testing';

const h = useTestDatabase('demo', { max: 2 });

describe('demo sales', () => {
  it('labels every row demo, tallies them all, and gives Dakun a 2026 first half above 10,000,000 元', async () => {
    const [r] = (
      await h.db.execute<{ h1: number; towns2025: number; notDemo: number }>(sql`
        select (select sum(s.amount_fen) from sales s join towns t on t.id = s.town_id where t.code = 'dakun' and s.business_date between '2026-01-01' and '2026-06-30')::bigint as h1,
          (select count(distinct town_id) from sales where business_date between '2025-01-01' and '2025-12-31')::int as towns2025,
          (select count(*) from sales where source_ref not like 'demo:%')::int as "notDemo"`)
    ).rows;
    expect(Number(r!.h1)).toBeGreaterThan(10_000_000 * 100);
    expect(r!.towns2025).toBe(24);
    expect(r!.notDemo).toBe(0);
    expect(await untalliedCount(h.db)).toBe(0);
    expect(await tallyDrift(h.db)).toBe(0);
    // Part of it is credited to demo products, so the product board has rows in every listed town.
    const [p] = (
      await h.db.execute<{ towns: number }>(
        sql`select count(distinct town_id)::int as towns from product_daily_sales where day >= '2026-01-01'`,
      )
    ).rows;
    expect(p!.towns).toBeGreaterThanOrEqual(20);
  });
});
