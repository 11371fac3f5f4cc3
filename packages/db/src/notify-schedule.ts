import { sql } from 'drizzle-orm';
import { businessDate, clampToYear, computePace, sameDayLastYear } from '@shanhai/domain';
import type { Db } from './client';
import { autoAcceptDays } from './journal';
import { notify } from './notify';
import { notifyAutoAcceptSoon, notifyOffice, notifyPurchaseExpiring } from './notify-events';
import { townYearSales } from './tally';
import { unitProgressRows } from './unit-progress';

/**
 * Notifications nobody's action causes: reminders (a purchase about to expire unpaid, an order
 * about to be accepted automatically) and digests (the office's weekly one, the buyer's monthly
 * one). The worker's notify-schedule queue runs them on BullMQ job schedulers; each names its
 * event so that a second run (a retry, two workers, a re-declared scheduler) tells nobody again.
 */

/** How far ahead the reminders look: "expires within a day", "accepted within a day". */
export const REMINDER_WINDOW_MS = 24 * 3600_000;
/** Towns named in the weekly digest's text; the count says how many are behind in all. */
const DIGEST_TOWNS_NAMED = 10;

/**
 * Reminds the purchaser of every unpaid transfer purchase that expires within the window (card
 * purchases live 30 minutes: a day's notice means nothing to them). Each is re-read under a
 * share lock in its own short transaction, so one paid meanwhile is not reminded.
 */
export async function remindExpiringPurchases(db: Db, now = new Date()): Promise<number> {
  const due = await db.execute<{ id: string }>(sql`
    select id from purchases where status = 'awaiting_payment' and payment_method = 'transfer'
      and expires_at > ${now} and expires_at <= ${new Date(now.getTime() + REMINDER_WINDOW_MS)}
    order by expires_at`);
  let told = 0;
  for (const { id } of due.rows)
    told += await db.transaction(async (tx) => {
      const still = await tx.execute(
        sql`select 1 from purchases where id = ${id} and status = 'awaiting_payment' for share`,
      );
      return still.rows.length > 0 ? notifyPurchaseExpiring(tx, id) : 0;
    });
  return told;
}

/** Reminds the buyer of every delivered order that the system accepts within the window. */
export async function remindAutoAcceptSoon(db: Db, now = new Date()): Promise<number> {
  const days = await autoAcceptDays(db);
  const due = await db.execute<{ id: string; accepts_on: string }>(sql`
    select id, to_char((delivered_at + ${`${days} days`}::interval) at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') as accepts_on
    from orders where status = 'delivered'
      and delivered_at + ${`${days} days`}::interval > ${now}
      and delivered_at + ${`${days} days`}::interval <= ${new Date(now.getTime() + REMINDER_WINDOW_MS)}
    order by delivered_at`);
  let told = 0;
  for (const o of due.rows)
    told += await db.transaction(async (tx) => {
      const still = await tx.execute(sql`select 1 from orders where id = ${o.id} and status = 'delivered' for share`);
      return still.rows.length > 0 ? notifyAutoAcceptSoon(tx, o.id, o.accepts_on) : 0;
    });
  return told;
}

/** The Monday (ISO date) of the week holding `day`. */
export function mondayOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

function dayBefore(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export interface BehindTown {
  townId: string;
  nameZh: string;
  nameEn: string;
  /** Sales minus expected-to-date, in fen: negative. */
  aheadFen: number;
}

/**
 * Towns with a target that stand behind pace at the end of `asOf` (the leaderboard's pacing: last
 * year's curve, linear without history), most behind first. Reads the tallies, like the board.
 */
export async function townsBehindPace(db: Db, asOf: string): Promise<BehindTown[]> {
  const year = Number(asOf.slice(0, 4));
  const through = clampToYear(year, asOf);
  const lastThrough = sameDayLastYear(through);
  const res = await db.execute<{
    id: string;
    name_zh: string;
    name_en: string;
    target_fen: number;
    sales: number;
    last_to_date: number;
    last_total: number;
  }>(sql`
    with d as (
      ${townYearSales(year, through, lastThrough)}
    )
    select t.id, t.name_zh, t.name_en, tt.target_fen, coalesce(d.sales, 0)::bigint as sales,
      coalesce(d.last_to_date, 0)::bigint as last_to_date, coalesce(d.last_total, 0)::bigint as last_total
    from towns t join town_targets tt on tt.town_id = t.id and tt.year = ${year} and tt.target_fen > 0
    left join d on d.town_id = t.id
    order by t.sort_order, t.code`);
  return res.rows
    .map((r) => ({
      townId: r.id,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      aheadFen: computePace({
        year,
        asOf: through,
        targetFen: Number(r.target_fen),
        salesToDateFen: Number(r.sales),
        lastYearToDateFen: Number(r.last_to_date),
        lastYearTotalFen: Number(r.last_total),
      }).aheadFen,
    }))
    .filter((t) => t.aheadFen < 0)
    .sort((a, b) => a.aheadFen - b.aheadFen);
}

/**
 * The office's weekly digest for the week starting `period` (a Monday; this week's by default):
 * the towns behind pace as at the Sunday before, to everyone at the office. One per period.
 */
export async function officeWeeklyDigest(db: Db, period?: string, now = new Date()): Promise<{ period: string }> {
  const monday = mondayOf(period ?? businessDate(now));
  const asOf = dayBefore(monday);
  const behind = await townsBehindPace(db, asOf);
  const named = behind.slice(0, DIGEST_TOWNS_NAMED);
  const more = behind.length - named.length;
  await db.transaction((tx) =>
    notifyOffice(tx, {
      kind: 'digest.office_weekly',
      subject: { type: 'digest', id: `office-weekly:${monday}` },
      link: '/office/leaderboard',
      params: {
        date: asOf,
        behind: behind.length,
        townsZh: named.length ? named.map((t) => t.nameZh).join('、') + (more > 0 ? ` 等` : '') : '无',
        townsEn: named.length ? named.map((t) => t.nameEn).join(', ') + (more > 0 ? ` and ${more} more` : '') : 'none',
      },
      eventKey: `digest.office_weekly:${monday}`,
    }),
  );
  return { period: monday };
}

/** The month before the one holding `day`, as `YYYY-MM`. */
export function previousMonth(day: string): string {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/**
 * The buyer's monthly digest for `period` (`YYYY-MM`; last month by default): each active buyer org
 * that paid for anything that month tells its owners and managers how many purchases it paid for
 * and their total (as paid: a later refund shows on the purchase, not here). One per org and period.
 */
export async function buyerMonthlyDigest(
  db: Db,
  period?: string,
  now = new Date(),
): Promise<{ period: string; orgs: number }> {
  const month = period ?? previousMonth(businessDate(now));
  const from = `${month}-01`;
  const rows = await db.execute<{ buyer_org_id: string; purchases: number; total_fen: number }>(sql`
    select p.buyer_org_id, count(*)::int as purchases, sum(p.total_fen)::bigint as total_fen
    from purchases p join orgs o on o.id = p.buyer_org_id and o.status = 'active'
    where p.paid_at is not null
      and (p.paid_at at time zone 'Asia/Shanghai')::date >= ${from}::date
      and (p.paid_at at time zone 'Asia/Shanghai')::date < (${from}::date + interval '1 month')::date
    group by p.buyer_org_id order by p.buyer_org_id`);
  await db.transaction(async (tx) => {
    for (const r of rows.rows)
      await notify(tx, {
        kind: 'digest.buyer_monthly',
        orgId: r.buyer_org_id,
        roles: ['owner', 'manager'],
        subject: { type: 'digest', id: `buyer-monthly:${month}` },
        link: '/purchases',
        params: { month, purchases: r.purchases, totalFen: Number(r.total_fen) },
        eventKey: `digest.buyer_monthly:${month}`,
      });
  });
  return { period: month, orgs: rows.rows.length };
}

/** The last day (ISO date) of a month given as `YYYY-MM`. */
export function lastDayOf(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/**
 * The monthly behind-pace notice for `period` (`YYYY-MM`; last month by default): every active
 * budget unit whose approved reserved share stands behind its pace at the end of that month (the
 * ranking's figures, `unitProgressRows`) tells its owners and managers what it bought against
 * what was expected. One per unit and month, whoever runs it and however often; each person's
 * email preference for the kind holds.
 */
export async function unitsBehindPaceNotice(
  db: Db,
  period?: string,
  now = new Date(),
): Promise<{ period: string; units: number }> {
  const month = period ?? previousMonth(businessDate(now));
  const asOf = lastDayOf(month);
  const year = Number(month.slice(0, 4));
  const { rows } = await unitProgressRows(db, year, asOf, { activeOnly: true });
  const behind = rows.filter((r) => r.behindPace);
  await db.transaction(async (tx) => {
    for (const r of behind)
      await notify(tx, {
        kind: 'reserved_share.behind',
        orgId: r.unitId,
        roles: ['owner', 'manager'],
        subject: { type: 'unit', id: r.unitId },
        link: `/unit?year=${year}`,
        params: {
          year,
          date: asOf,
          pct: r.progressPct ?? 0,
          progressFen: r.salesFen,
          expectedFen: r.expectedFen,
          reservedFen: r.reservedFen ?? 0,
        },
        eventKey: `reserved_share.behind:${r.unitId}:${month}`,
      });
  });
  return { period: month, units: behind.length };
}
