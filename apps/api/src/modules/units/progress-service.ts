import { sql } from 'drizzle-orm';
import { unitProgressRows, type DbOrTx, type UnitProgressFilter } from '@shanhai/db';
import {
  clampToYear,
  sameDayLastYear,
  type Category,
  type UnitProgressDetail,
  type UnitRanking,
} from '@shanhai/domain';
import { yearSettings } from './declarations-service';

/*
 * A unit's progress and the office's ranking: the figures come from `unitProgressRows`
 * (packages/db), which the worker's monthly behind-pace notice reads too.
 */

const pct = (a: number, b: number) => Math.round((a / b) * 10_000) / 100;
const progressRows = unitProgressRows;

export async function ranking(
  db: DbOrTx,
  year: number,
  asOf: string,
  filter: Omit<UnitProgressFilter, 'orgId' | 'activeOnly'>,
): Promise<UnitRanking> {
  const { rows } = await progressRows(db, year, asOf, filter);
  return { year, asOf, settings: await yearSettings(db, year), rows };
}

/** One buyer org's progress and what it bought; null when there is no such buyer org. */
export async function unitProgress(
  db: DbOrTx,
  orgId: string,
  year: number,
  asOf: string,
): Promise<UnitProgressDetail | null> {
  const { rows } = await progressRows(db, year, asOf, { orgId });
  const progress = rows[0];
  if (!progress) return null;
  const through = clampToYear(year, asOf);
  const lastThrough = sameDayLastYear(through);
  const y0 = `${year}-01-01`;
  const monthlyRes = await db.execute<{ y: number; m: number; sales: number }>(sql`
    select extract(year from day)::int as y, extract(month from day)::int as m, sum(amount_fen)::bigint as sales
    from partner_daily_sales
    where buyer_org_id = ${orgId} and day >= ${`${year - 1}-01-01`}::date and day <= ${through}::date
    group by 1, 2
  `);
  const monthly = Array.from({ length: 12 }, (_, i) => ({ month: i + 1, salesFen: 0, lastYearFen: 0 }));
  for (const r of monthlyRes.rows) {
    if (r.y === year) monthly[r.m - 1]!.salesFen = r.sales;
    else monthly[r.m - 1]!.lastYearFen = r.sales;
  }
  const byTownRes = await db.execute<{ id: string; name_zh: string; name_en: string; sales: number; last: number }>(sql`
    select t.id, t.name_zh, t.name_en,
      coalesce(sum(p.amount_fen) filter (where p.day >= ${y0}::date), 0)::bigint as sales,
      coalesce(sum(p.amount_fen) filter (where p.day < ${y0}::date and p.day <= ${lastThrough}::date), 0)::bigint as last
    from partner_daily_sales p join towns t on t.id = p.town_id
    where p.buyer_org_id = ${orgId} and p.day >= ${`${year - 1}-01-01`}::date and p.day <= ${through}::date
    group by t.id, t.name_zh, t.name_en
  `);
  const byTown = byTownRes.rows
    .map((r) => ({
      townId: r.id,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      salesFen: r.sales,
      lastYearSamePeriodFen: r.last,
    }))
    .filter((r) => r.salesFen !== 0 || r.lastYearSamePeriodFen !== 0)
    .sort((a, b) => b.salesFen - a.salesFen || a.nameEn.localeCompare(b.nameEn));
  // The tallies keep no category per buyer: read the unit's own tallied ledger rows (an index on buyer and date).
  const byCategoryRes = await db.execute<{ category: Category; sales: number }>(sql`
    select category, sum(amount_fen)::bigint as sales from sales
    where buyer_org_id = ${orgId} and business_date >= ${y0}::date and business_date <= ${through}::date
      and tallied_at is not null
    group by category having sum(amount_fen) <> 0 order by 2 desc, 1
  `);
  const pairingsRes = await db.execute<{
    id: string;
    town_id: string;
    name_zh: string;
    name_en: string;
    role: 'lead' | 'member';
    starts_on: string;
    ends_on: string | null;
    pledge_fen: number | null;
  }>(sql`
    select p.id, p.town_id, t.name_zh, t.name_en, p.role, p.starts_on::text, p.ends_on::text, p.pledge_fen
    from pairings p join towns t on t.id = p.town_id
    where p.buyer_org_id = ${orgId} and p.starts_on <= ${`${year}-12-31`}::date
      and (p.ends_on is null or p.ends_on >= ${y0}::date)
    order by t.sort_order, t.name_en, p.starts_on
  `);
  const townFigures = new Map(byTownRes.rows.map((r) => [r.id, r]));
  const pairings = pairingsRes.rows.map((p) => {
    const f = townFigures.get(p.town_id);
    const salesFen = f?.sales ?? 0;
    return {
      pairingId: p.id,
      townId: p.town_id,
      nameZh: p.name_zh,
      nameEn: p.name_en,
      role: p.role,
      startsOn: p.starts_on,
      endsOn: p.ends_on,
      pledgeFen: p.pledge_fen,
      salesFen,
      pledgeProgressPct: p.pledge_fen ? pct(salesFen, p.pledge_fen) : null,
      lastYearSamePeriodFen: f?.last ?? 0,
    };
  });
  return {
    year,
    asOf,
    progress,
    monthly,
    byTown,
    byCategory: byCategoryRes.rows.map((r) => ({ category: r.category, salesFen: r.sales })),
    pairings,
  };
}
