import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@shanhai/db';
import type { Category, RecentSales, RecentSalesQuery } from '@shanhai/domain';
import { afterCursor, cursorKey, keysetOrder, pageOf, type Keyset } from '../../lib/cursor';

/** The ticker walks the ledger's primary key backwards: the newest sale first. */
const RECENT_SALES_KEYSET: Keyset = {
  name: 'recent-sales',
  keys: [{ expr: sql`s.id`, type: 'bigint' }],
};

/**
 * The latest credited sales, newest first, for the wall screen's ticker: platform orders and approved
 * offline records already folded into the tallies (so the ticker never runs ahead of the totals
 * beside it). Imports are last year's history, and refunds or reversals are not news for a wall.
 * Walks the ledger's primary key backwards: cheap however long the ledger grows. A page at a time:
 * the next cursor reads the sales before the page's oldest.
 */
export async function recentSales(db: DbOrTx, query: RecentSalesQuery): Promise<RecentSales> {
  const ks = RECENT_SALES_KEYSET;
  const rows = await db.execute<{
    id: number;
    town_id: string;
    town_name_zh: string;
    town_name_en: string;
    category: Category;
    product_name_zh: string | null;
    product_name_en: string | null;
    source: 'order' | 'offline';
    amount_fen: number;
    recorded_at: Date | string;
    cursor_key: string[];
  }>(sql`
    select ${cursorKey(ks)} as cursor_key, s.id, s.town_id, t.name_zh as town_name_zh, t.name_en as town_name_en, s.category,
           p.name_zh as product_name_zh, p.name_en as product_name_en, s.source, s.amount_fen, s.recorded_at
    from sales s
    join towns t on t.id = s.town_id
    left join products p on p.id = s.product_id
    where s.source in ('order', 'offline') and s.kind = 'sale' and s.amount_fen > 0 and s.tallied_at is not null
      and ${afterCursor(ks, query.cursor) ?? sql`true`}
    order by ${sql.join(keysetOrder(ks), sql`, `)}
    limit ${query.limit + 1}`);
  const page = pageOf(
    ks,
    rows.rows.map((r) => ({ ...r, cursorKey: r.cursor_key })),
    query.limit,
  );
  const items = page.items.map((r) => ({
    id: Number(r.id),
    townId: r.town_id,
    townNameZh: r.town_name_zh,
    townNameEn: r.town_name_en,
    category: r.category,
    productNameZh: r.product_name_zh,
    productNameEn: r.product_name_en,
    source: r.source,
    amountFen: Number(r.amount_fen),
    recordedAt: new Date(r.recorded_at).toISOString(),
  }));
  return { items, nextCursor: page.nextCursor };
}
