import { eq, sql } from 'drizzle-orm';
import {
  clampToYear,
  computePace,
  DEFAULT_MIN_RATIO_BP,
  reservedFen,
  sameDayLastYear,
  type DeclarationStatus,
  type UnitKind,
  type UnitProgress,
  type UnitYearSettings,
} from '@shanhai/domain';
import type { DbOrTx } from './client';
import { unitYearSettings as settingsTable } from './schema/index';
import { MONTH_FEN_COLUMNS } from './tally';

/*
 * Progress of budget units against their reserved share, shared by the api (a unit's page, the
 * office's ranking, the 通报) and the worker (the monthly behind-pace notice), so they cannot
 * disagree. It reads the partner tallies (credited purchases, refunds, approved and reversed
 * offline records, all folded from the ledger), never the ledger itself: whole months from
 * `partner_tallies`' month columns (a row per unit, town and year), and only the days of a month
 * not yet over from `partner_daily_sales`. Its cost follows the number of units and the towns they
 * bought from, not of sales or of the days they bought on. "As of D" counts business dates ≤ D.
 */

/**
 * Business dates from 1 January of `year` through `through`, split into whole months (the first
 * `wholeMonths` month columns) and the days of the month `through` falls in when it is not its
 * last day (`partialFrom` … `through`). Nothing when `through` is before the year.
 */
export function splitYearToDate(
  year: number,
  through: string,
): { wholeMonths: number; partialFrom: string | null; through: string } {
  if (through < `${year}-01-01`) return { wholeMonths: 0, partialFrom: null, through };
  if (through > `${year}-12-31`) return { wholeMonths: 12, partialFrom: null, through };
  const month = Number(through.slice(5, 7));
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (Number(through.slice(8, 10)) === lastDay) return { wholeMonths: month, partialFrom: null, through };
  return { wholeMonths: month - 1, partialFrom: `${through.slice(0, 7)}-01`, through };
}

/** The sum of a `partner_tallies` row's first `n` month columns (0 for none). */
const firstMonths = (n: number) => sql.raw(n === 0 ? '0' : MONTH_FEN_COLUMNS.slice(0, n).join(' + '));

/** The office's rules for a year, or the defaults (10%, no deadline) where it has set none. */
export async function unitYearSettings(db: DbOrTx, year: number): Promise<UnitYearSettings> {
  const [row] = await db.select().from(settingsTable).where(eq(settingsTable.year, year));
  return {
    year,
    minRatioBp: row?.minRatioBp ?? DEFAULT_MIN_RATIO_BP,
    declarationDeadline: row?.declarationDeadline ?? null,
  };
}

const pct = (a: number, b: number) => Math.round((a / b) * 10_000) / 100;

export interface UnitProgressFilter {
  orgId?: string;
  kind?: UnitKind;
  countyId?: string;
  /** Only active orgs (the monthly notice tells no suspended unit). */
  activeOnly?: boolean;
}

/** Every budget unit of `year` (or one buyer org) with its progress, ranked by completion. */
export async function unitProgressRows(
  db: DbOrTx,
  year: number,
  asOf: string,
  filter: UnitProgressFilter = {},
): Promise<{ rows: UnitProgress[]; deadline: string | null }> {
  const settings = await unitYearSettings(db, year);
  const through = clampToYear(year, asOf);
  const lastThrough = sameDayLastYear(through);
  const y0 = `${year}-01-01`;
  const deadline = settings.declarationDeadline;
  const cur = splitYearToDate(year, through);
  const last = splitYearToDate(year - 1, lastThrough);
  // One scan per month not yet over, each a range of the primary key's day under the unit's key
  // (a single scan of both ranges would read every day in between).
  const partial = [cur, last].flatMap((p) =>
    p.partialFrom
      ? [
          sql`select buyer_org_id, day, amount_fen from partner_daily_sales
            where buyer_org_id in (select id from u) and day >= ${p.partialFrom}::date and day <= ${p.through}::date`,
        ]
      : [],
  );
  const partialDays = partial.length
    ? sql.join(partial, sql` union all `)
    : sql`select null::uuid as buyer_org_id, null::date as day, 0::bigint as amount_fen where false`;
  const conds = [sql`o.kind = 'buyer'`];
  // The year's budget units, as the office set them for that year (one buyer org: whatever it was).
  // Fetched by key (`= any(array(…))`, an index scan of orgs): reading the ranking costs the same
  // with 100 buyer orgs or 10,000, where a join let the planner scan every buyer org (twice).
  conds.push(
    filter.orgId
      ? sql`o.id = ${filter.orgId}`
      : sql`o.id = any(array(select b.buyer_org_id from budget_unit_years b where b.year = ${year}))`,
  );
  if (filter.kind) conds.push(sql`o.unit_kind = ${filter.kind}`);
  if (filter.activeOnly) conds.push(sql`o.status = 'active'`);
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
    with u as materialized (
      select o.id, o.name, o.unit_kind from orgs o where ${sql.join(conds, sql` and `)}
    ),
    -- Whole months, this year's and last year's, from the year tallies of the units ranked only:
    -- the tallies of every other buyer org are never read.
    months as (
      select buyer_org_id,
        coalesce(sum(${firstMonths(cur.wholeMonths)}) filter (where year = ${year}), 0)::bigint as sales,
        coalesce(sum(${firstMonths(last.wholeMonths)}) filter (where year = ${year - 1}), 0)::bigint as ly_to_date,
        coalesce(sum(amount_fen) filter (where year = ${year - 1}), 0)::bigint as ly_total
      from partner_tallies
      where buyer_org_id in (select id from u) and year >= ${year - 1} and year <= ${year}
      group by buyer_org_id
    ),
    -- The days of a month not yet over (none when both ends are a month's last day).
    days as (
      select buyer_org_id,
        coalesce(sum(amount_fen) filter (where day >= ${y0}::date), 0)::bigint as sales,
        coalesce(sum(amount_fen) filter (where day < ${y0}::date), 0)::bigint as ly_to_date
      from (${partialDays}) d
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
    select u.id, u.name, u.unit_kind,
      (coalesce(months.sales, 0) + coalesce(days.sales, 0))::bigint as sales,
      (coalesce(months.ly_to_date, 0) + coalesce(days.ly_to_date, 0))::bigint as ly_to_date,
      coalesce(months.ly_total, 0)::bigint as ly_total,
      latest.status, in_force.total_fen, in_force.ratio_bp, (on_time.buyer_org_id is not null) as on_time
    from u
      left join months on months.buyer_org_id = u.id
      left join days on days.buyer_org_id = u.id
      left join latest on latest.buyer_org_id = u.id
      left join in_force on in_force.buyer_org_id = u.id
      left join on_time on on_time.buyer_org_id = u.id
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
