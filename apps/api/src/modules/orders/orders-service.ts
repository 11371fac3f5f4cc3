import { and, asc, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import {
  appendSales,
  autoAcceptDays,
  lineSales,
  notifyOrderMoved,
  postAcceptance,
  cancelLivePaymentIntent,
  postRefund,
  recordStripeCall,
  recordTransitions,
  returnStock,
  schema,
  writeAudit,
  type Db,
  type DbOrTx,
  type Tx,
} from '@shanhai/db';
import {
  businessDate,
  canTransition,
  MAX_PAGE,
  orderNo,
  type Order,
  type OrderStatus,
  type PageQuery,
} from '@shanhai/domain';
import { allPages, cursorKey, pageOf, type Keyset, keysetPage } from '../../lib/cursor';
import { dateRange, statuses, type ListFilter } from '../../lib/list-filter';
import { HttpProblem, invalidTransition } from '../../lib/problem';
import { actorOf, type Principal } from '../../types';
import { onOrderRefunded } from '../invoices/invoices-service';
import { namesOf } from '../catalog/product-names';

const { purchases, orders, orderLines, orderTransitions, payments, products, refunds } = schema;

/** The columns of each row that the order view reads (what checkout makes without reading back). */
export type OrderRow = Pick<
  typeof orders.$inferSelect,
  | 'id'
  | 'seq'
  | 'purchaseId'
  | 'buyerOrgId'
  | 'cooperativeId'
  | 'status'
  | 'totalFen'
  | 'carrier'
  | 'trackingNo'
  | 'problemNote'
  | 'createdAt'
>;
/** An order line with its product's code (never changed, so not snapshotted). */
export type LineRow = typeof orderLines.$inferSelect & { code: string };
export type TransitionRow = Pick<
  typeof orderTransitions.$inferSelect,
  'orderId' | 'fromStatus' | 'toStatus' | 'actorUserId' | 'actor' | 'note' | 'at'
>;

/** Who may see an order: its buyer org, its cooperative, and the office. */
function orderScope(principal: Principal): SQL | undefined {
  if (principal.orgKind === 'office') return undefined;
  if (principal.orgKind === 'buyer') return eq(orders.buyerOrgId, principal.orgId);
  return eq(orders.cooperativeId, principal.orgId);
}

/** The order list's keyset: newest first, the id breaking ties. */
const ORDERS_KEYSET: Keyset = {
  name: 'orders',
  keys: [
    { expr: orders.createdAt, type: 'timestamptz' },
    { expr: orders.id, type: 'uuid' },
  ],
};

/** Orders as the api shows them, with their lines and transitions, newest first (at most a page). */
export async function loadOrders(db: DbOrTx, where: SQL | undefined): Promise<Order[]> {
  return (await loadOrderRows(db, where, { limit: MAX_PAGE })).map(({ cursorKey: _, ...o }) => o);
}

/** One page of orders (`limit` after `cursor`, plus one more row that only says a next page exists). */
async function loadOrderRows(
  db: DbOrTx,
  where: SQL | undefined,
  page: { cursor?: string | undefined; limit: number },
): Promise<(Order & { cursorKey: string[] })[]> {
  const coop = sql<string>`(select name from orgs c where c.id = ${orders.cooperativeId})`;
  const buyer = sql<string>`(select name from orgs b where b.id = ${orders.buyerOrgId})`;
  const rows = await keysetPage(
    db
      .select({
        o: orders,
        cooperativeName: coop,
        buyerOrgName: buyer,
        deliveryAddress: purchases.deliveryAddress,
        cursorKey: cursorKey(ORDERS_KEYSET),
      })
      .from(orders)
      .innerJoin(purchases, eq(purchases.id, orders.purchaseId))
      .$dynamic(),
    ORDERS_KEYSET,
    page,
    where,
  );
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.o.id);
  const lines = await db
    .select({ ...getTableColumns(orderLines), code: products.code })
    .from(orderLines)
    .innerJoin(products, eq(products.id, orderLines.productId))
    .where(inArray(orderLines.orderId, ids))
    .orderBy(asc(orderLines.nameZh));
  const trans = await db
    .select()
    .from(orderTransitions)
    .where(inArray(orderTransitions.orderId, ids))
    .orderBy(asc(orderTransitions.id));
  return rows.map(({ o, cooperativeName, buyerOrgName, deliveryAddress, cursorKey }) => ({
    ...orderView(o, { buyerOrgName, cooperativeName, deliveryAddress }, lines, trans),
    cursorKey,
  }));
}

/** One order as the api shows it, with its lines and transitions picked from rows of several orders. */
export function orderView(
  o: OrderRow,
  names: { buyerOrgName: string; cooperativeName: string; deliveryAddress: string },
  lines: LineRow[],
  transitions: TransitionRow[],
): Order {
  return {
    id: o.id,
    orderNo: orderNo(o.createdAt, o.seq),
    purchaseId: o.purchaseId,
    buyerOrgId: o.buyerOrgId,
    buyerOrgName: names.buyerOrgName,
    cooperativeId: o.cooperativeId,
    cooperativeName: names.cooperativeName,
    status: o.status,
    totalFen: o.totalFen,
    carrier: o.carrier,
    trackingNo: o.trackingNo,
    problemNote: o.problemNote,
    deliveryAddress: names.deliveryAddress,
    createdAt: o.createdAt.toISOString(),
    lines: lines
      .filter((l) => l.orderId === o.id)
      .map((l) => ({
        id: l.id,
        productId: l.productId,
        code: l.code,
        ...namesOf(l),
        category: l.category,
        qty: l.qty,
        unitPriceFen: l.unitPriceFen,
        lineTotalFen: l.lineTotalFen,
      })),
    transitions: transitions
      .filter((t) => t.orderId === o.id)
      .map((t) => ({
        from: t.fromStatus,
        to: t.toStatus,
        actor: t.actor,
        actorUserId: t.actorUserId,
        note: t.note,
        at: t.at.toISOString(),
      })),
  };
}

/** One page of the orders the caller may see, filtered; the filter is checked before any row is read. */
export async function listOrders(db: DbOrTx, principal: Principal, f: ListFilter & PageQuery) {
  const page = pageOf(ORDERS_KEYSET, await loadOrderRows(db, orderFilter(principal, f), f), f.limit);
  return { items: page.items.map(({ cursorKey: _, ...o }) => o), nextCursor: page.nextCursor };
}

/** Every order the caller may see, filtered, page by page: the CSV export, never cut at a cap. */
export function allOrders(db: DbOrTx, principal: Principal, f: ListFilter) {
  const where = orderFilter(principal, f);
  return allPages(ORDERS_KEYSET, (cursor, limit) => loadOrderRows(db, where, { cursor, limit }));
}

function orderFilter(principal: Principal, f: ListFilter) {
  const conds = [orderScope(principal), ...dateRange(orders.createdAt, f)];
  if (f.status) conds.push(inArray(orders.status, statuses(f.status, orders.status.enumValues)));
  return and(...conds);
}

export async function getOrder(db: DbOrTx, principal: Principal, id: string): Promise<Order | null> {
  const [o] = await loadOrders(db, and(eq(orders.id, id), orderScope(principal)));
  return o ?? null;
}

export type OrderAction = 'ship' | 'deliver' | 'accept' | 'report' | 'cancel' | 'refund';

/** Who may do what to an order (beyond seeing it). */
const ACTION_KINDS: Record<OrderAction, readonly string[]> = {
  ship: ['cooperative'],
  deliver: ['cooperative'],
  accept: ['buyer'],
  report: ['buyer'],
  cancel: ['buyer', 'cooperative', 'office'],
  refund: ['cooperative', 'office'],
};

export interface OrderActionResult {
  ledgerChanged: boolean;
  /** The order's purchase: calls to Stripe it recorded (a refund, an intent's cancel) are made after the commit. */
  purchaseId: string;
  /** After delivery: when the system accepts the order unless the buyer accepts or reports first. */
  autoAcceptAt?: Date;
}

/**
 * Moves one order. `cancel` before payment ends the order (stock back; the purchase total shrinks,
 * and a purchase with no open order left is cancelled); `cancel` after payment (before shipping)
 * and `refund` (of a disputed delivery) refund it: stock back for cancel, a negative ledger row
 * per line and a refund record. Stripe is never called here, under the locks: a card refund, or
 * the cancel of the intent created for an amount no longer owed, is recorded as a stripe call and
 * made by a job after the commit (the caller enqueues it).
 */
export async function actOnOrder(
  db: Db,
  principal: Principal,
  id: string,
  action: OrderAction,
  input: { carrier?: string; trackingNo?: string; note?: string },
): Promise<OrderActionResult | null> {
  return db.transaction(async (tx) => {
    // Lock order: purchase, then order (as markPaid does), so the two never deadlock.
    const [peek] = await tx
      .select({ purchaseId: orders.purchaseId })
      .from(orders)
      .where(and(eq(orders.id, id), orderScope(principal)));
    if (!peek) return null;
    const [p] = await tx.select().from(purchases).where(eq(purchases.id, peek.purchaseId)).for('update');
    const [o] = await tx.select().from(orders).where(eq(orders.id, id)).for('update');
    if (!o || !p) return null;
    if (!ACTION_KINDS[action].includes(principal.orgKind))
      throw new HttpProblem(403, 'forbidden', `A ${principal.orgKind} organisation cannot ${action} an order`);
    if (action === 'cancel' || action === 'refund') mayEndOrder(principal, p.createdBy, o.status);
    const move = async (to: OrderStatus, set: Partial<typeof orders.$inferInsert> = {}) => {
      if (!canTransition(o.status, to)) throw invalidTransition(o.status, to);
      await tx
        .update(orders)
        .set({ status: to, ...set })
        .where(eq(orders.id, id));
      await recordTransitions(tx, [{ orderId: id, from: o.status, to, note: input.note ?? null }], actorOf(principal));
    };
    switch (action) {
      case 'ship':
        await move('shipped', { carrier: input.carrier!, trackingNo: input.trackingNo!, shippedAt: new Date() });
        await notifyOrderMoved(tx, id, 'shipped', principal.userId);
        return { ledgerChanged: false, purchaseId: o.purchaseId };
      case 'deliver': {
        const deliveredAt = new Date();
        await move('delivered', { deliveredAt });
        await notifyOrderMoved(tx, id, 'delivered', principal.userId);
        const days = await autoAcceptDays(tx);
        return {
          ledgerChanged: false,
          purchaseId: o.purchaseId,
          autoAcceptAt: new Date(deliveredAt.getTime() + days * 86_400_000),
        };
      }
      case 'accept':
        await move('accepted', { acceptedAt: new Date() });
        await postAcceptance(tx, {
          ...o,
          lines: await tx
            .select({ category: orderLines.category, lineTotalFen: orderLines.lineTotalFen })
            .from(orderLines)
            .where(eq(orderLines.orderId, id)),
        });
        await notifyOrderMoved(tx, id, 'accepted', principal.userId);
        return { ledgerChanged: false, purchaseId: o.purchaseId };
      case 'report':
        await move('disputed', { problemNote: input.note! });
        await notifyOrderMoved(tx, id, 'disputed', principal.userId);
        return { ledgerChanged: false, purchaseId: o.purchaseId };
      case 'cancel':
        if (o.status === 'pending_approval' || o.status === 'awaiting_payment') {
          await move('cancelled');
          await returnStock(tx, [id]);
          const newTotal = p.totalFen - o.totalFen;
          const [open] = await tx
            .select({ n: sql<number>`count(*)::int` })
            .from(orders)
            .where(
              and(
                eq(orders.purchaseId, o.purchaseId),
                inArray(orders.status, ['pending_approval', 'awaiting_payment']),
              ),
            );
          await tx
            .update(purchases)
            .set({ totalFen: newTotal, ...(open!.n === 0 ? { status: 'cancelled' as const } : {}) })
            .where(eq(purchases.id, o.purchaseId));
          await tx.update(payments).set({ amountFen: newTotal }).where(eq(payments.purchaseId, o.purchaseId));
          // The intent was made for the old total: it goes, so that nobody can pay an amount no longer owed.
          await cancelLivePaymentIntent(tx, o.purchaseId);
          await auditStatusChange(tx, principal, 'order.cancel', o, 'cancelled', input.note);
          return { ledgerChanged: false, purchaseId: o.purchaseId };
        }
        if (o.status !== 'paid') throw invalidTransition(o.status, 'cancelled');
        await refundOrder(tx, principal, o, 'refunded', true, input.note, move);
        await auditStatusChange(tx, principal, 'order.cancel', o, 'refunded', input.note);
        return { ledgerChanged: true, purchaseId: o.purchaseId };
      case 'refund':
        if (o.status !== 'disputed' && o.status !== 'paid') throw invalidTransition(o.status, 'refunded');
        await refundOrder(tx, principal, o, 'refunded', o.status === 'paid', input.note, move);
        await auditStatusChange(tx, principal, 'order.refund', o, 'refunded', input.note);
        return { ledgerChanged: true, purchaseId: o.purchaseId };
    }
  });
}

/**
 * Who may end an order: a buyer member only the orders of purchases they placed; once money has
 * been paid (a cancel is then a refund), a cooperative's or the office's member may not, only an
 * owner or manager.
 */
function mayEndOrder(principal: Principal, placedBy: string, status: OrderStatus) {
  if (principal.role !== 'member') return;
  if (principal.orgKind === 'buyer' && placedBy !== principal.userId)
    throw new HttpProblem(403, 'forbidden', 'A member may cancel only the orders of purchases they placed');
  const paid = status !== 'pending_approval' && status !== 'awaiting_payment';
  if (principal.orgKind !== 'buyer' && paid)
    throw new HttpProblem(403, 'forbidden', 'Cancelling or refunding a paid order takes an owner or manager');
}

/** Audits a person's move of an order or a purchase from its status to `to`, with its total and the note. */
export async function auditStatusChange<S extends string>(
  tx: Tx,
  principal: Principal,
  action: 'order.cancel' | 'order.refund' | 'purchase.approve' | 'purchase.reject' | 'purchase.cancel',
  row: { id: string; status: S; totalFen: number },
  to: S,
  note: string | undefined,
) {
  await writeAudit(tx, {
    actorUserId: principal.userId,
    actorOrgId: principal.orgId,
    action,
    entityType: action.startsWith('order.') ? 'order' : 'purchase',
    entityId: row.id,
    before: { status: row.status },
    after: { status: to, totalFen: row.totalFen },
    ...(note ? { note } : {}),
  });
}

async function refundOrder(
  tx: Tx,
  principal: Principal,
  o: typeof orders.$inferSelect,
  to: 'refunded',
  giveStockBack: boolean,
  note: string | undefined,
  move: (to: OrderStatus) => Promise<void>,
) {
  await move(to);
  if (giveStockBack) await returnStock(tx, [o.id]);
  const lines = await tx.select().from(orderLines).where(eq(orderLines.orderId, o.id));
  await appendSales(
    tx,
    lineSales(lines, () => o, 'refund', businessDate()),
  );
  const [pay] = await tx.select().from(payments).where(eq(payments.purchaseId, o.purchaseId));
  const [refund] = await tx
    .insert(refunds)
    .values({
      purchaseId: o.purchaseId,
      orderId: o.id,
      method: pay!.method,
      amountFen: o.totalFen,
      reason: note ?? null,
      createdBy: principal.userId,
    })
    .returning({ id: refunds.id });
  if (pay!.method === 'card' && pay!.stripePaymentIntentId) {
    // The key from the order id: every retry of this refund is the same request to Stripe.
    await recordStripeCall(tx, {
      kind: 'refund',
      purchaseId: o.purchaseId,
      refundId: refund!.id,
      paymentIntentId: pay!.stripePaymentIntentId,
      amountFen: o.totalFen,
      metadata: { orderId: o.id },
      idempotencyKey: `refund-${o.id}`,
    });
  }
  await postRefund(tx, { order: o, method: pay!.method });
  await onOrderRefunded(tx, o.id, principal);
}
