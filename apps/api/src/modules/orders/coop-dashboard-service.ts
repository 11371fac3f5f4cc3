import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@shanhai/db';
import { businessDate, LOW_STOCK_MOQS, type CoopDashboard } from '@shanhai/domain';
import { productNames, type ProductNamesRow } from '../catalog/product-names';

/** First day of the month `iso` falls in, moved by `months`: ('2026-01-15', -1) → '2025-12-01'. */
function monthStart(iso: string, months = 0): string {
  const [y, m] = iso.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}

/**
 * The cooperative's home page in one read, scoped to its own org: orders waiting for it, its
 * credited sales of this and last month (from the ledger, net of refunds), listings under
 * review and listed products running low.
 */
export async function coopDashboard(db: DbOrTx, cooperativeId: string, now = new Date()): Promise<CoopDashboard> {
  const today = businessDate(now);
  const thisStart = monthStart(today);
  const lastStart = monthStart(today, -1);
  const nextStart = monthStart(today, 1);

  const [counts] = (
    await db.execute<{ paid: number; shipped: number; disputed: number }>(sql`
      select count(*) filter (where status = 'paid')::int as paid,
        count(*) filter (where status = 'shipped')::int as shipped,
        count(*) filter (where status = 'disputed')::int as disputed
      from orders where cooperative_id = ${cooperativeId} and status in ('paid', 'shipped', 'disputed')`)
  ).rows;

  // Orders counted are those with a line credited (kind 'sale') in the month.
  const months = (
    await db.execute<{ this_fen: number; last_fen: number; this_orders: number; last_orders: number }>(sql`
      select
        coalesce(sum(s.amount_fen) filter (where s.business_date >= ${thisStart}), 0)::bigint as this_fen,
        coalesce(sum(s.amount_fen) filter (where s.business_date < ${thisStart}), 0)::bigint as last_fen,
        count(distinct l.order_id) filter (where s.business_date >= ${thisStart} and s.kind = 'sale')::int
          as this_orders,
        count(distinct l.order_id) filter (where s.business_date < ${thisStart} and s.kind = 'sale')::int
          as last_orders
      from sales s
      left join order_lines l on s.source = 'order' and l.id::text = s.source_ref
      where s.cooperative_id = ${cooperativeId}
        and s.business_date >= ${lastStart} and s.business_date < ${nextStart}`)
  ).rows[0]!;

  const [review] = (
    await db.execute<{ n: number }>(sql`
      select count(*)::int as n from products
      where cooperative_id = ${cooperativeId}
        and (status = 'pending_review' or (status = 'listed' and pending_revision is not null))`)
  ).rows;

  const low = await db.execute<
    ProductNamesRow & {
      id: string;
      stock: number;
      moq: number;
      total: number;
    }
  >(sql`
    select id, name_zh, name_en, unit_label, unit_spec, unit_label_en, unit_spec_en, stock, moq,
      count(*) over ()::int as total
    from products
    where cooperative_id = ${cooperativeId} and status = 'listed' and stock < moq * ${LOW_STOCK_MOQS}
    order by stock::float / moq, name_zh
    limit 10`);

  return {
    toShip: counts?.paid ?? 0,
    toConfirmDelivery: counts?.shipped ?? 0,
    disputed: counts?.disputed ?? 0,
    thisMonth: { month: thisStart.slice(0, 7), salesFen: Number(months.this_fen), orders: months.this_orders },
    lastMonth: { month: lastStart.slice(0, 7), salesFen: Number(months.last_fen), orders: months.last_orders },
    pendingReview: review?.n ?? 0,
    lowStock: low.rows.map((r) => ({
      id: r.id,
      ...productNames(r),
      stock: r.stock,
      moq: r.moq,
    })),
    lowStockCount: low.rows[0]?.total ?? 0,
  };
}
