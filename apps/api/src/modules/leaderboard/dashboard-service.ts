import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@shanhai/db';
import type { Category, TownDashboard } from '@shanhai/domain';
import { productRows } from './leaderboard-service';

/** How many buyers, categories and products the dashboard lists. */
const TOP_N = 10;

export async function townDashboard(db: DbOrTx, townId: string, year: number): Promise<TownDashboard | null> {
  const [town] = (
    await db.execute<{ name_zh: string; name_en: string; target_fen: number | null }>(sql`
      select t.name_zh, t.name_en, tt.target_fen from towns t left join town_targets tt on tt.town_id = t.id and tt.year = ${year} where t.id = ${townId}`)
  ).rows;
  if (!town) return null;
  const from = `${year - 1}-01-01`;
  const to = `${year}-12-31`;
  const [months, buyers, categories, share, products] = await Promise.all([
    db.execute<{ y: number; m: number; s: number }>(sql`
      select extract(year from day)::int as y, extract(month from day)::int as m, sum(amount_fen)::bigint as s
      from daily_town_sales where town_id = ${townId} and day between ${from}::date and ${to}::date group by 1, 2`),
    db.execute<{ id: string; name: string; s: number }>(sql`
      select o.id, o.name, p.amount_fen as s from partner_tallies p join orgs o on o.id = p.buyer_org_id
      where p.town_id = ${townId} and p.year = ${year} order by p.amount_fen desc, o.name limit ${TOP_N}`),
    db.execute<{ category: Category; s: number }>(sql`
      select category, sum(amount_fen)::bigint as s from category_daily_sales
      where town_id = ${townId} and day between ${`${year}-01-01`}::date and ${to}::date group by 1 order by 2 desc, 1 limit ${TOP_N}`),
    db.execute<{ o: number; f: number; i: number }>(sql`
      select coalesce(sum(order_fen), 0)::bigint as o, coalesce(sum(offline_fen), 0)::bigint as f, coalesce(sum(import_fen), 0)::bigint as i
      from daily_town_sales where town_id = ${townId} and day between ${`${year}-01-01`}::date and ${to}::date`),
    productRows(db, year, to, { townId, limit: TOP_N }),
  ]);
  const monthly = Array.from({ length: 12 }, (_, i) => ({ month: i + 1, thisYearFen: 0, lastYearFen: 0 }));
  for (const r of months.rows) {
    const m = monthly[r.m - 1]!;
    if (r.y === year) m.thisYearFen = r.s;
    else m.lastYearFen = r.s;
  }
  const s = share.rows[0] ?? { o: 0, f: 0, i: 0 };
  return {
    townId,
    nameZh: town.name_zh,
    nameEn: town.name_en,
    year,
    targetFen: town.target_fen,
    months: monthly,
    topBuyers: buyers.rows.map((b) => ({ buyerOrgId: b.id, name: b.name, salesFen: b.s })),
    topCategories: categories.rows.map((c) => ({ category: c.category, salesFen: c.s })),
    topProducts: products.map(({ townId: _t, townNameZh: _z, townNameEn: _e, ...p }) => p),
    share: { orderFen: s.o, offlineFen: s.f, importFen: s.i },
  };
}
