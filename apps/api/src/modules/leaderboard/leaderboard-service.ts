import { sql } from 'drizzle-orm';
import { townYearSales, type DbOrTx } from '@shanhai/db';
import {
  clampToYear,
  computePace,
  sameDayLastYear,
  type BuyerRow,
  type Category,
  type CategoryRow,
  type CountyRow,
  type Leaderboard,
  type LeaderboardBy,
  type ProductRow,
  type TownRow,
  TOP_PRODUCTS,
} from '@shanhai/domain';

/*
 * The leaderboard reads the tallies only (never the ledger). "As of D" means every tallied sale
 * with a business date on or before D, so a past date answers the same every time.
 */

const pct = (a: number, b: number) => Math.round((a / b) * 10_000) / 100;

function rank<T extends { salesFen: number }>(rows: Omit<T, 'rank'>[], tie: (r: Omit<T, 'rank'>) => string): T[] {
  const sorted = [...rows].sort((a, b) => b.salesFen - a.salesFen || tie(a).localeCompare(tie(b)));
  return sorted.map((r, i) => ({ ...r, rank: i + 1 }) as unknown as T);
}

export async function townRows(db: DbOrTx, year: number, asOf: string): Promise<TownRow[]> {
  const through = clampToYear(year, asOf);
  const lastThrough = sameDayLastYear(through);
  const res = await db.execute<{
    id: string;
    code: string;
    name_zh: string;
    name_en: string;
    county_id: string;
    county_code: string;
    county_zh: string;
    county_en: string;
    is_demo: boolean;
    target_fen: number | null;
    sales: number;
    last_to_date: number;
    last_total: number;
    paired: number;
  }>(sql`
    with d as (
      ${townYearSales(year, through, lastThrough)}
    ),
    p as (
      select town_id, count(distinct buyer_org_id)::int as paired from pairings
      where starts_on <= ${through}::date and (ends_on is null or ends_on >= ${`${year}-01-01`}::date) group by town_id
    )
    select t.id, t.code, t.name_zh, t.name_en, t.county_id, c.code as county_code, c.name_zh as county_zh, c.name_en as county_en, t.is_demo,
      tt.target_fen, coalesce(d.sales, 0)::bigint as sales, coalesce(d.last_to_date, 0)::bigint as last_to_date,
      coalesce(d.last_total, 0)::bigint as last_total, coalesce(p.paired, 0) as paired
    from towns t join counties c on c.id = t.county_id
    left join town_targets tt on tt.town_id = t.id and tt.year = ${year}
    left join d on d.town_id = t.id left join p on p.town_id = t.id
  `);
  const rows = res.rows.map((r) => {
    const pace = computePace({
      year,
      asOf,
      targetFen: r.target_fen ?? 0,
      salesToDateFen: r.sales,
      lastYearToDateFen: r.last_to_date,
      lastYearTotalFen: r.last_total,
    });
    return {
      townId: r.id,
      code: r.code,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      countyId: r.county_id,
      countyCode: r.county_code,
      countyNameZh: r.county_zh,
      countyNameEn: r.county_en,
      isDemo: r.is_demo,
      salesFen: r.sales,
      targetFen: r.target_fen,
      progressPct: r.target_fen ? pace.progressPct : null,
      expectedFen: pace.expectedFen,
      aheadFen: pace.aheadFen,
      projectedFen: pace.projectedFen,
      lastYearSamePeriodFen: pace.lastYearSamePeriodFen,
      changePct: pace.changePct,
      curve: pace.curve,
      pairedUnits: r.paired,
    };
  });
  return rank<TownRow>(rows, (r) => r.code);
}

function countyRows(towns: TownRow[]): CountyRow[] {
  const byCounty = new Map<string, Omit<CountyRow, 'rank'>>();
  for (const t of towns) {
    let c = byCounty.get(t.countyId);
    if (!c) {
      c = {
        countyId: t.countyId,
        code: t.countyCode,
        nameZh: t.countyNameZh,
        nameEn: t.countyNameEn,
        towns: 0,
        salesFen: 0,
        targetFen: null,
        progressPct: null,
        expectedFen: 0,
        aheadFen: 0,
        projectedFen: null,
        lastYearSamePeriodFen: 0,
        changePct: null,
        pairedUnits: 0,
      };
      byCounty.set(t.countyId, c);
    }
    c.towns += 1;
    c.salesFen += t.salesFen;
    if (t.targetFen !== null) c.targetFen = (c.targetFen ?? 0) + t.targetFen;
    c.expectedFen += t.expectedFen;
    c.aheadFen += t.aheadFen;
    if (t.projectedFen !== null) c.projectedFen = (c.projectedFen ?? 0) + t.projectedFen;
    c.lastYearSamePeriodFen += t.lastYearSamePeriodFen;
    c.pairedUnits += t.pairedUnits;
  }
  for (const c of byCounty.values()) {
    c.progressPct = c.targetFen ? pct(c.salesFen, c.targetFen) : null;
    c.changePct =
      c.lastYearSamePeriodFen > 0 ? pct(c.salesFen - c.lastYearSamePeriodFen, c.lastYearSamePeriodFen) : null;
  }
  return rank<CountyRow>([...byCounty.values()], (r) => r.nameEn);
}

async function buyerRows(db: DbOrTx, year: number, asOf: string): Promise<BuyerRow[]> {
  const through = clampToYear(year, asOf);
  const lastThrough = sameDayLastYear(through);
  const y0 = `${year}-01-01`;
  const res = await db.execute<{
    id: string;
    name: string;
    sales: number;
    last: number;
    towns: number;
    pledge: number | null;
  }>(sql`
    with s as (
      select buyer_org_id,
        coalesce(sum(amount_fen) filter (where day >= ${y0}::date), 0)::bigint as sales,
        coalesce(sum(amount_fen) filter (where day < ${y0}::date and day <= ${lastThrough}::date), 0)::bigint as last,
        (count(distinct town_id) filter (where day >= ${y0}::date))::int as towns
      from partner_daily_sales
      where day >= ${`${year - 1}-01-01`}::date and day <= ${through}::date group by buyer_org_id
    ),
    pl as (
      select buyer_org_id, sum(pledge_fen)::bigint as pledge from pairings
      where pledge_fen is not null and starts_on <= ${`${year}-12-31`}::date and (ends_on is null or ends_on >= ${y0}::date)
      group by buyer_org_id
    )
    select o.id, o.name, coalesce(s.sales, 0)::bigint as sales, coalesce(s.last, 0)::bigint as last,
      coalesce(s.towns, 0) as towns, pl.pledge
    from orgs o left join s on s.buyer_org_id = o.id left join pl on pl.buyer_org_id = o.id
    where s.buyer_org_id is not null or pl.buyer_org_id is not null
  `);
  // Before the year starts (an asOf in an earlier year) there is no same period to compare.
  const before = through < y0;
  return rank<BuyerRow>(
    res.rows.map((r) => ({
      buyerOrgId: r.id,
      name: r.name,
      salesFen: r.sales,
      towns: r.towns,
      pledgeFen: r.pledge,
      pledgeProgressPct: r.pledge ? pct(r.sales, r.pledge) : null,
      lastYearSamePeriodFen: before ? 0 : r.last,
      changePct: !before && r.last > 0 ? pct(r.sales - r.last, r.last) : null,
    })),
    (r) => r.name,
  );
}

async function categoryRows(db: DbOrTx, year: number, asOf: string): Promise<CategoryRow[]> {
  const through = clampToYear(year, asOf);
  const lastThrough = sameDayLastYear(through);
  const res = await db.execute<{ category: Category; sales: number; last: number }>(sql`
    select category,
      coalesce(sum(amount_fen) filter (where day >= ${`${year}-01-01`}::date and day <= ${through}::date), 0)::bigint as sales,
      coalesce(sum(amount_fen) filter (where day < ${`${year}-01-01`}::date and day <= ${lastThrough}::date), 0)::bigint as last
    from category_daily_sales where day >= ${`${year - 1}-01-01`}::date and day <= ${through}::date group by category
  `);
  const before = through < `${year}-01-01`;
  return rank<CategoryRow>(
    res.rows.map((r) => ({
      category: r.category,
      salesFen: r.sales,
      lastYearSamePeriodFen: before ? 0 : r.last,
      changePct: !before && r.last > 0 ? pct(r.sales - r.last, r.last) : null,
    })),
    (r) => r.category,
  );
}

/**
 * The best-selling products (platform orders only) of the year up to `asOf`, optionally of one
 * town: the top {@link TOP_PRODUCTS} (or `limit`), ties broken by product id so the cut is stable.
 */
export async function productRows(
  db: DbOrTx,
  year: number,
  asOf: string,
  only: { townId?: string; limit?: number } = {},
): Promise<ProductRow[]> {
  const { townId, limit = TOP_PRODUCTS } = only;
  const through = clampToYear(year, asOf);
  const res = await db.execute<{
    id: string;
    name_zh: string;
    name_en: string | null;
    category: Category;
    coop: string;
    town_id: string;
    town_zh: string;
    town_en: string;
    sales: number;
  }>(sql`
    with s as (
      select product_id, sum(amount_fen)::bigint as sales from product_daily_sales
      where day >= ${`${year}-01-01`}::date and day <= ${through}::date ${townId ? sql`and town_id = ${townId}` : sql``}
      group by product_id having sum(amount_fen) <> 0 order by 2 desc, 1 limit ${limit}
    )
    select p.id, p.name_zh, p.name_en, p.category, o.name as coop, t.id as town_id, t.name_zh as town_zh, t.name_en as town_en, s.sales
    from s join products p on p.id = s.product_id join orgs o on o.id = p.cooperative_id join towns t on t.id = p.town_id
  `);
  return rank<ProductRow>(
    res.rows.map((r) => ({
      productId: r.id,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      category: r.category,
      cooperativeName: r.coop,
      townId: r.town_id,
      townNameZh: r.town_zh,
      townNameEn: r.town_en,
      salesFen: r.sales,
    })),
    (r) => r.productId,
  );
}

export async function leaderboard(db: DbOrTx, year: number, by: LeaderboardBy, asOf: string): Promise<Leaderboard> {
  switch (by) {
    case 'town':
      return { year, by, asOf, rows: await townRows(db, year, asOf) };
    case 'county':
      return { year, by, asOf, rows: countyRows(await townRows(db, year, asOf)) };
    case 'buyer':
      return { year, by, asOf, rows: await buyerRows(db, year, asOf) };
    case 'category':
      return { year, by, asOf, rows: await categoryRows(db, year, asOf) };
    case 'product':
      return { year, by, asOf, rows: await productRows(db, year, asOf) };
  }
}
