import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { useTestDatabase } from '../../test-support/testing';
import { businessDate } from '@shanhai/domain';
import { CAMPAIGN_SCOPE_SQL } from '../campaigns';
import { currentDemoCampaign } from './campaigns';
import { seedDemo } from './index';

const h = useTestDatabase('empty');

/** Row counts of every table in the public schema. */
async function counts(): Promise<Record<string, number>> {
  const tables = await h.db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  const out: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    const r = await h.db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table_name)}`);
    out[table_name] = r.rows[0]!.n;
  }
  return out;
}

describe('demo seed', () => {
  it('is idempotent: a second run (even two at once) adds nothing', async () => {
    await seedDemo(h.db);
    const first = await counts();
    expect(first.towns).toBe(24);
    expect(first.counties).toBe(8);
    expect(first.users).toBeGreaterThanOrEqual(5);
    // What the office did to set the demo up is in its audit log, once: the organisations it
    // activated, the listings it approved, the declarations it approved; and the member it added.
    const audited = await h.db.execute<{ action: string; n: number; email: string }>(sql`
      select a.action, u.email, count(*)::int as n from audit_log a join users u on u.id = a.actor_user_id
      group by 1, 2 order by 1, 2`);
    expect(audited.rows).toEqual([
      { action: 'declaration.approve', email: 'office@demo.shanhai', n: 2 },
      { action: 'declaration.submit', email: 'buyer@demo.shanhai', n: 2 },
      { action: 'member.invite', email: 'office@demo.shanhai', n: 1 },
      { action: 'org.activate', email: 'office@demo.shanhai', n: 4 },
      { action: 'product.approve', email: 'office@demo.shanhai', n: first.products },
    ]);
    await Promise.all([seedDemo(h.db), seedDemo(h.db)]);
    expect(await counts()).toEqual(first);
    // Three whole seeds (two at once): well past vitest's 30 s default on a loaded machine.
  }, 180_000);

  it("has 6·30 2026 as a past campaign, this week's 消费帮扶周 as a current one and the 2027 年货节 as a coming one, each holding the demo sales of its days and scope", async () => {
    await seedDemo(h.db);
    const today = businessDate();
    const rows = await h.db.execute<{
      name_zh: string;
      starts_on: string;
      ends_on: string;
      is_demo: boolean;
      target_fen: string | null;
      banner_zh: string;
      towns: number;
      categories: string[];
      fen: string;
      partner_fen: string;
      expected_fen: string;
    }>(
      sql`select c.name_zh, c.starts_on::text, c.ends_on::text, c.is_demo, c.target_fen::text, c.banner_zh,
            cardinality(c.town_ids) as towns, c.categories::text[] as categories,
            coalesce((select sum(amount_fen) from campaign_town_tallies t where t.campaign_id = c.id), 0)::text as fen,
            coalesce((select sum(amount_fen) from campaign_partner_tallies t where t.campaign_id = c.id), 0)::text as partner_fen,
            coalesce((select sum(s.amount_fen) from sales s where ${sql.raw(CAMPAIGN_SCOPE_SQL('s', 'c'))}), 0)::text as expected_fen
          from campaigns c order by c.starts_on`,
    );
    expect(rows.rows).toHaveLength(3);
    const [june, current, fair] = rows.rows;
    expect(june).toMatchObject({ name_zh: '6·30 广东扶贫济困日（2026）', ends_on: '2026-06-30', is_demo: true });
    // Its days hold demo sales (seeded up to today, which is past June 2026 in this project's time).
    const inJune = await h.db.execute<{ fen: string }>(
      sql`select coalesce(sum(amount_fen), 0)::text as fen from sales where business_date between '2026-06-15' and '2026-06-30'`,
    );
    expect(Number(june!.fen)).toBe(Number(inJune.rows[0]!.fen));
    expect(Number(june!.fen)).toBeGreaterThan(0);

    // The current one is computed from today: the Monday-to-Sunday week holding it.
    const week = currentDemoCampaign(today);
    expect(current).toMatchObject({
      name_zh: week.nameZh,
      starts_on: week.startsOn,
      ends_on: week.endsOn,
      is_demo: true,
      target_fen: '300000000',
      towns: 6,
      categories: ['poultry', 'fruit', 'honey', 'tea', 'grain_oil', 'prepared_food'],
    });
    expect(current!.starts_on <= today && today <= current!.ends_on).toBe(true);
    expect(current!.banner_zh).toContain('山海同心');
    // Its board shows figures: the demo sales of its days so far, in its towns and categories.
    expect(Number(current!.fen)).toBeGreaterThan(0);
    expect(Number(current!.fen)).toBe(Number(current!.expected_fen));

    expect(fair).toMatchObject({ name_zh: '年货节（2027 春节）', starts_on: '2027-01-15', is_demo: true });
    expect(fair!.starts_on > today).toBe(true);
    expect(fair!.fen).toBe('0');
  }, 180_000);

  it('has budget units: one with approved declarations for 2025 and 2026 and purchases in both years, one late for 2026', async () => {
    await seedDemo(h.db);
    const units = await h.db.execute<{
      email: string;
      years: number[];
      declared: string[];
      y2025: string;
      y2026: string;
    }>(sql`
      select u.email,
        array(select year from budget_unit_years b where b.buyer_org_id = o.id and b.year in (2025, 2026) order by year) as years,
        array(select d.year || ':' || d.status || ':' || (d.total_fen * d.ratio_bp / 10000) from unit_declarations d
              where d.buyer_org_id = o.id order by d.year, d.version) as declared,
        (select coalesce(sum(amount_fen), 0) from sales s where s.buyer_org_id = o.id
           and s.business_date between '2025-01-01' and '2025-12-31')::text as y2025,
        (select coalesce(sum(amount_fen), 0) from sales s where s.buyer_org_id = o.id
           and s.business_date between '2026-01-01' and '2026-12-31')::text as y2026
      from orgs o join users u on u.org_id = o.id and u.role = 'owner'
      where u.email in ('buyer@demo.shanhai', 'buyer2@demo.shanhai') order by u.email`);
    const buyer = units.rows.find((r) => r.email === 'buyer@demo.shanhai');
    const buyer2 = units.rows.find((r) => r.email === 'buyer2@demo.shanhai');
    expect(buyer).toMatchObject({
      email: 'buyer@demo.shanhai',
      years: [2025, 2026],
      // 25,000,000 元 × 10% and 30,000,000 元 × 15%, in fen.
      declared: ['2025:approved:250000000', '2026:approved:450000000'],
    });
    // Last year's purchases give the unit's pacing curve and its same period last year.
    expect(Number(buyer!.y2025)).toBeGreaterThan(0);
    expect(Number(buyer!.y2026)).toBeGreaterThan(0);
    expect(buyer2).toMatchObject({ email: 'buyer2@demo.shanhai', years: [2025, 2026], declared: [] });
  }, 180_000);

  it('names the current campaign after the week and season of any day', () => {
    expect(currentDemoCampaign('2026-12-03')).toMatchObject({
      nameZh: '冬季消费帮扶周（11月30日–12月6日）',
      startsOn: '2026-11-30',
      endsOn: '2026-12-06',
    });
    // A Sunday belongs to the week that began six days before; a Monday starts its own.
    expect(currentDemoCampaign('2027-03-07')).toMatchObject({ startsOn: '2027-03-01', endsOn: '2027-03-07' });
    expect(currentDemoCampaign('2027-03-08')).toMatchObject({ nameZh: '春季消费帮扶周（3月8日–3月14日）' });
  });
});
