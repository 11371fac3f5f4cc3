import { sql } from 'drizzle-orm';
import type { Category } from '@shanhai/domain';
import type { DbOrTx } from './client';
import type { orderLines } from './schema/orders';
import { sales } from './schema/sales';

export interface LedgerRow {
  source: 'order' | 'offline' | 'import';
  sourceRef: string;
  kind: string;
  townId: string;
  buyerOrgId?: string | null;
  cooperativeId?: string | null;
  productId?: string | null;
  category: Category;
  /** Signed fen. */
  amountFen: number;
  /** Asia/Shanghai day, YYYY-MM-DD. */
  businessDate: string;
}

/**
 * Appends rows to the sales ledger inside the caller's transaction. A row whose
 * (source, sourceRef, kind) is already there is skipped, so replays add nothing.
 * Returns the ids of the rows actually added. After commit, enqueue the tally job; if Redis is
 * down the sweeper tallies the rows anyway.
 */
export async function appendSales(tx: DbOrTx, rows: LedgerRow[]): Promise<number[]> {
  if (rows.length === 0) return [];
  for (const r of rows) {
    if (!Number.isSafeInteger(r.amountFen))
      throw new RangeError(`ledger amount ${r.amountFen} is not a safe integer of fen`);
  }
  const ids: number[] = [];
  // A thousand rows per insert: a batch of purchases stays far below PostgreSQL's 65,535 parameters.
  for (let i = 0; i < rows.length; i += 1_000) {
    const inserted = await tx
      .insert(sales)
      .values(
        rows.slice(i, i + 1_000).map((r) => ({
          ...r,
          buyerOrgId: r.buyerOrgId ?? null,
          cooperativeId: r.cooperativeId ?? null,
          productId: r.productId ?? null,
        })),
      )
      .onConflictDoNothing({ target: [sales.source, sales.sourceRef, sales.kind] })
      .returning({ id: sales.id });
    for (const r of inserted) ids.push(r.id);
  }
  return ids;
}

/** How many ledger rows wait for the tally worker (a health figure). */
export async function untalliedCount(db: DbOrTx): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(sales)
    .where(sql`${sales.talliedAt} is null`);
  return row?.n ?? 0;
}

/**
 * The ledger rows of order lines (source `order`, ref = line id): a sale of the line total, or its
 * refund. The api's payment and refund paths and the demo seed credit order lines through this one.
 */
export function lineSales(
  lines: Pick<
    typeof orderLines.$inferSelect,
    'id' | 'orderId' | 'townId' | 'productId' | 'category' | 'lineTotalFen'
  >[],
  orderOf: (orderId: string) => { buyerOrgId: string; cooperativeId: string },
  kind: 'sale' | 'refund',
  businessDate: string,
) {
  return lines.map((l) => ({
    source: 'order' as const,
    sourceRef: l.id,
    kind,
    townId: l.townId,
    buyerOrgId: orderOf(l.orderId).buyerOrgId,
    cooperativeId: orderOf(l.orderId).cooperativeId,
    productId: l.productId,
    category: l.category,
    amountFen: kind === 'sale' ? l.lineTotalFen : -l.lineTotalFen,
    businessDate,
  }));
}
