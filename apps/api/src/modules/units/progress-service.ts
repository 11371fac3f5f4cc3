import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@shanhai/db';
import {
  clampToYear,
  computePace,
  reservedFen,
  sameDayLastYear,
  type Category,
  type DeclarationStatus,
  type UnitKind,
  type UnitProgress,
  type UnitProgressDetail,
  type UnitRanking,
} from '@shanhai/domain';
import { yearSettings } from './declarations-service';

/*
 * Progress of budget units reads the partner tallies (credited purchases, refunds, approved and
 * reversed offline records, all folded from the ledger), never the ledger itself, so the ranking's
 * cost follows the number of units and days, not of sales. "As of D" counts business dates ≤ D.
 */

const pct = (a: number, b: number) => Math.round((a / b) * 10_000) / 100;

interface Filter {
  orgId?: string;
  kind?: UnitKind;
  countyId?: string;
}

/** Every budget unit (or one buyer org) with its progress, ranked by completion. */
export async function progressRows(
  db: DbOrTx,
  year: number,
  asOf: string,
  filter: Filter = {},
): Promise<{ rows: UnitProgress[]; deadline: string | null }> {
  const settings = await yearSettings(db, year);
  const through = clampToYear(year, asOf);
  const lastThrough = sameDayLastYear(through);
  const y0 = `${year}-01-01`;
  const deadline = settings.declarationDeadline;
  const conds = [sql`o.kind = 'buyer'`];
  conds.push(filter.orgId ? sql`o.id = ${filter.orgId}` : sql`o.is_budget_unit`);
  if (filter.kind) conds.push(sql`o.unit_kind = ${filter.kind}`);
  if (filter.countyId)
    conds.push(sql`exists (select 1 from pairings p join towns t on t.id = p.town_id
      where p.buyer_org_id = o.id and t.county_id = ${filter.countyId}
        and p.starts_on <= ${`${year}-12-31`}::date and (p.ends_on is null or p.ends_on >= ${y0}::date))`);
  const res = await db.execute<{
    id: string;
    name: string;
    unit_kind: UnitKind | null;
    sales: number;
    ly_to_date: number;
    ly_total: number;
    status: DeclarationStatus | null;
    total_fen: number | null;
    ratio_bp: number | null;
    on_time: boolean;
  }>(sql`
    with s as (
      select buyer_org_id,
        coalesce(sum(amount_fen) filter (where day >= ${y0}::date), 0)::bigint as sales,
        coalesce(sum(amount_fen) filter (where day < ${y0}::date and day <= ${lastThrough}::date), 0)::bigint as ly_to_date,
        coalesce(sum(amount_fen) filter (where day < ${y0}::date), 0)::bigint as ly_total
      from partner_daily_sales
      where day >= ${`${year - 1}-01-01`}::date and day <= ${through}::date
      group by buyer_org_id
    ),
    latest as (
      select distinct on (buyer_org_id) buyer_org_id, status from unit_declarations
      where year = ${year} order by buyer_org_id, version desc
    ),
    in_force as (
      select distinct on (buyer_org_id) buyer_org_id, total_fen, ratio_bp from unit_declarations
      where year = ${year} and status = 'approved' order by buyer_org_id, version desc
    ),
    on_time as (
      select distinct buyer_org_id from unit_declarations
      where year = ${year} and submitted_at is not null
        and ${deadline}::date is not null
        and submitted_at < ((${deadline}::date + 1)::timestamp at time zone 'Asia/Shanghai')
    )
    select o.id, o.name, o.unit_kind,
      coalesce(s.sales, 0)::bigint as sales, coalesce(s.ly_to_date, 0)::bigint as ly_to_date,
      coalesce(s.ly_total, 0)::bigint as ly_total,
      latest.status, in_force.total_fen, in_force.ratio_bp, (on_time.buyer_org_id is not null) as on_time
    from orgs o
      left join s on s.buyer_org_id = o.id
      left join latest on latest.buyer_org_id = o.id
      left join in_force on in_force.buyer_org_id = o.id
      left join on_time on on_time.buyer_org_id = o.id
    where ${sql.join(conds, sql` and `)}
  `);
  const deadlinePassed = deadline !== null && asOf > deadline;
  const rows = res.rows.map((r) => {
    const reserved = r.total_fen === null ? null : reservedFen(r.total_fen, r.ratio_bp!);
    const pace = computePace({
      year,
      asOf,
      targetFen: reserved ?? 0,
      salesToDateFen: r.sales,
      lastYearToDateFen: r.ly_to_date,
      lastYearTotalFen: r.ly_total,
    });
    return {
      rank: 0,
      unitId: r.id,
      name: r.name,
      unitKind: r.unit_kind,
      declarationStatus: r.status,
      reservedFen: reserved,
      salesFen: r.sales,
      progressPct: reserved ? pct(r.sales, reserved) : null,
      expectedFen: pace.expectedFen,
      aheadFen: pace.aheadFen,
      lastYearSamePeriodFen: pace.lastYearSamePeriodFen,
      changePct: pace.changePct,
      curve: pace.curve,
      behindPace: reserved !== null && pace.aheadFen < 0,
      notDeclaredByDeadline: deadlinePassed && !r.on_time,
    } satisfies UnitProgress;
  });
  rows.sort(
    (a, b) => (b.progressPct ?? -1) - (a.progressPct ?? -1) || b.salesFen - a.salesFen || a.name.localeCompare(b.name),
  );
  rows.forEach((r, i) => (r.rank = i + 1));
  return { rows, deadline };
}

export async function ranking(
  db: DbOrTx,
  year: number,
  asOf: string,
  filter: Omit<Filter, 'orgId'>,
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
