import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import {
  endUnpaidPurchase,
  notifyPurchaseDecision,
  recordTransitions,
  schema,
  type Db,
  type DbOrTx,
  type Tx,
} from '@shanhai/db';
import type { OrderStatus, PageQuery, Purchase, PurchaseSummary } from '@shanhai/domain';
import type { ApiConfig } from '../../env';
import { allPages, cursorKey, pageOf, type Keyset, keysetPage } from '../../lib/cursor';
import { dateRange, statuses, type ListFilter } from '../../lib/list-filter';
import { HttpProblem, invalidTransition } from '../../lib/problem';
import { actorOf, type Principal } from '../../types';
import { auditStatusChange, loadOrders } from '../orders/orders-service';

const { orgs, purchases, orders, payments, refunds } = schema;

export interface PurchaseSettings {
  expiry: { transferMs: number; cardMs: number };
  bankAccount: { name: string; bank: string; account: string };
}

const DEFAULT_EXPIRY = { transferMs: 72 * 3600_000, cardMs: 30 * 60_000 };
const DEFAULT_BANK = {
  name: '广清对口帮扶消费平台（演示）',
  bank: '中国工商银行广州分行（演示）',
  account: '3602 0000 0000 0000 000',
};

/** How long a purchase may wait for payment, and the account a transfer goes to (demo values by default). */
export const purchaseSettings = (config: ApiConfig): PurchaseSettings => ({
  expiry: config.purchaseExpiry ?? DEFAULT_EXPIRY,
  bankAccount: config.bankAccount ?? DEFAULT_BANK,
});

/** When an unpaid purchase expires, counted from now (approval restarts the clock). */
export const expiresAtFor = (paymentMethod: 'transfer' | 'card', settings: PurchaseSettings, now = Date.now()) =>
  new Date(now + (paymentMethod === 'card' ? settings.expiry.cardMs : settings.expiry.transferMs));

/** The columns of a purchase row that the api's views read (what checkout makes without reading back). */
export type PurchaseRow = Pick<
  typeof purchases.$inferSelect,
  | 'id'
  | 'buyerOrgId'
  | 'createdBy'
  | 'status'
  | 'paymentMethod'
  | 'totalFen'
  | 'remittanceRef'
  | 'deliveryAddress'
  | 'invoiceTitle'
  | 'taxId'
  | 'note'
  | 'expiresAt'
  | 'paidAt'
  | 'createdAt'
>;

/** Who may see a purchase: its buyer org, and the office. */
function purchaseScope(principal: Principal): SQL | undefined {
  if (principal.orgKind === 'office') return undefined;
  if (principal.orgKind === 'buyer') return eq(purchases.buyerOrgId, principal.orgId);
  return sql`false`;
}

/** Locks the purchase of a buyer-visible id; null when the caller may not see it. */
export async function lockPurchase(tx: Tx, principal: Principal, id: string) {
  const [p] = await tx
    .select()
    .from(purchases)
    .where(and(eq(purchases.id, id), purchaseScope(principal)))
    .for('update');
  return p ?? null;
}

export async function getPurchase(
  db: DbOrTx,
  principal: Principal,
  id: string,
  settings: PurchaseSettings,
): Promise<Purchase | null> {
  const [row] = await db
    .select({ p: purchases, buyerOrgName: orgs.name })
    .from(purchases)
    .innerJoin(orgs, eq(orgs.id, purchases.buyerOrgId))
    .where(and(eq(purchases.id, id), purchaseScope(principal)));
  if (!row) return null;
  const [pay] = await db.select().from(payments).where(eq(payments.purchaseId, id));
  return {
    ...summaryOf(row.p, row.buyerOrgName),
    payment: pay
      ? {
          method: pay.method,
          status: pay.status,
          amountFen: pay.amountFen,
          submittedAmountFen: pay.submittedAmountFen,
          submittedReference: pay.submittedReference,
        }
      : null,
    bankAccount: settings.bankAccount,
    refunds: (
      await db.select().from(refunds).where(eq(refunds.purchaseId, id)).orderBy(asc(refunds.createdAt), asc(refunds.id))
    ).map((r) => ({
      orderId: r.orderId,
      method: r.method,
      amountFen: r.amountFen,
      automatic: r.orderId === null,
      reason: r.reason,
      createdAt: r.createdAt.toISOString(),
    })),
    orders: await loadOrders(db, eq(orders.purchaseId, id)),
  };
}

export function summaryOf(p: PurchaseRow, buyerOrgName: string) {
  return {
    id: p.id,
    buyerOrgId: p.buyerOrgId,
    buyerOrgName,
    status: p.status,
    paymentMethod: p.paymentMethod,
    totalFen: p.totalFen,
    remittanceRef: p.remittanceRef,
    deliveryAddress: p.deliveryAddress,
    invoiceTitle: p.invoiceTitle,
    taxId: p.taxId,
    note: p.note,
    expiresAt: p.expiresAt.toISOString(),
    paidAt: p.paidAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    createdBy: p.createdBy,
  };
}

/** The purchase list's keyset: newest first, the id breaking ties. */
const PURCHASES_KEYSET: Keyset = {
  name: 'purchases',
  keys: [
    { expr: purchases.createdAt, type: 'timestamptz' },
    { expr: purchases.id, type: 'uuid' },
  ],
};

function purchaseFilter(principal: Principal, f: ListFilter) {
  const conds = [purchaseScope(principal), ...dateRange(purchases.createdAt, f)];
  if (f.status) conds.push(inArray(purchases.status, statuses(f.status, purchases.status.enumValues)));
  return and(...conds);
}

async function purchaseRows(db: DbOrTx, where: SQL | undefined, page: { cursor?: string | undefined; limit: number }) {
  const rows = await keysetPage(
    db
      .select({
        p: purchases,
        buyerOrgName: orgs.name,
        orderCount: sql<number>`(select count(*)::int from orders o where o.purchase_id = ${purchases.id})`,
        orderStatuses: sql<
          OrderStatus[]
        >`(select coalesce(array_agg(o.status::text order by o.created_at, o.id), '{}') from orders o where o.purchase_id = ${purchases.id})`,
        paymentStatus: sql<
          PurchaseSummary['paymentStatus']
        >`(select pm.status::text from payments pm where pm.purchase_id = ${purchases.id})`,
        cursorKey: cursorKey(PURCHASES_KEYSET),
      })
      .from(purchases)
      .innerJoin(orgs, eq(orgs.id, purchases.buyerOrgId))
      .$dynamic(),
    PURCHASES_KEYSET,
    page,
    where,
  );
  return rows.map((r) => ({
    ...summaryOf(r.p, r.buyerOrgName),
    orderCount: r.orderCount,
    orderStatuses: r.orderStatuses,
    paymentStatus: r.paymentStatus,
    cursorKey: r.cursorKey,
  }));
}

/** One page of the purchases the caller may see, filtered. */
export async function listPurchases(
  db: DbOrTx,
  principal: Principal,
  f: ListFilter & PageQuery,
): Promise<{ items: PurchaseSummary[]; nextCursor: string | null }> {
  const page = pageOf(PURCHASES_KEYSET, await purchaseRows(db, purchaseFilter(principal, f), f), f.limit);
  return { items: page.items.map(({ cursorKey: _, ...p }) => p), nextCursor: page.nextCursor };
}

/** Every purchase the caller may see, filtered, page by page: the CSV export, never cut at a cap. */
export function allPurchases(db: DbOrTx, principal: Principal, f: ListFilter) {
  const where = purchaseFilter(principal, f);
  return allPages(PURCHASES_KEYSET, (cursor, limit) => purchaseRows(db, where, { cursor, limit }));
}

/** Approve (→ awaiting_payment) or reject (→ cancelled, stock back) a purchase waiting for approval. */
export async function decidePurchase(
  db: Db,
  principal: Principal,
  id: string,
  decision: 'approve' | 'reject',
  settings: PurchaseSettings,
  note?: string,
) {
  return db.transaction(async (tx) => {
    const p = await lockPurchase(tx, principal, id);
    if (!p) return null;
    if (p.status !== 'pending_approval')
      throw invalidTransition(p.status, decision === 'approve' ? 'awaiting_payment' : 'cancelled');
    if (decision === 'reject') {
      await endUnpaidPurchase(tx, id, 'cancelled', actorOf(principal), note ?? 'rejected by approver');
      await notifyPurchaseDecision(tx, id, 'rejected', { userId: principal.userId }, note);
      await auditStatusChange(tx, principal, 'purchase.reject', p, 'cancelled', note);
      return { expiresAt: null };
    }
    const expiresAt = expiresAtFor(p.paymentMethod, settings);
    await tx
      .update(purchases)
      .set({ status: 'awaiting_payment', approvedBy: principal.userId, approvedAt: new Date(), expiresAt })
      .where(eq(purchases.id, id));
    const os = await tx
      .update(orders)
      .set({ status: 'awaiting_payment' })
      .where(and(eq(orders.purchaseId, id), eq(orders.status, 'pending_approval')))
      .returning({ id: orders.id });
    await recordTransitions(
      tx,
      os.map((o) => ({
        orderId: o.id,
        from: 'pending_approval' as const,
        to: 'awaiting_payment' as const,
        note: note ?? null,
      })),
      actorOf(principal),
    );
    await notifyPurchaseDecision(tx, id, 'approved', { userId: principal.userId }, note);
    await auditStatusChange(tx, principal, 'purchase.approve', p, 'awaiting_payment', note);
    return { expiresAt };
  });
}

export async function cancelPurchase(db: Db, principal: Principal, id: string, note?: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const p = await lockPurchase(tx, principal, id);
    if (!p) return false;
    if (principal.role === 'member' && p.createdBy !== principal.userId)
      throw new HttpProblem(403, 'forbidden', 'A member may cancel only their own purchases');
    if (!(await endUnpaidPurchase(tx, id, 'cancelled', actorOf(principal), note))) {
      throw new HttpProblem(
        409,
        'invalid_transition',
        `A purchase in status ${p.status} cannot be cancelled; cancel its orders instead`,
        { from: p.status, to: 'cancelled' },
      );
    }
    await auditStatusChange(tx, principal, 'purchase.cancel', p, 'cancelled', note);
    return true;
  });
}
