import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from './client';
import { autoAcceptDays, postAcceptance } from './journal';
import { notifyOrderMoved, notifyPurchaseExpired } from './notify-events';
import { cancelLivePaymentIntent } from './stripe-calls';
import { products } from './schema/catalog';
import { orderLines, orders, orderTransitions, purchases } from './schema/orders';

type OrderStatus = (typeof orders.$inferSelect)['status'];

export interface Actor {
  /** null for the system (expiry) or Stripe. */
  userId: string | null;
  kind: 'user' | 'system' | 'stripe';
}

export async function recordTransitions(
  tx: DbOrTx,
  rows: { orderId: string; from: OrderStatus | null; to: OrderStatus; note?: string | null }[],
  actor: Actor,
) {
  for (let i = 0; i < rows.length; i += 1_000)
    await tx.insert(orderTransitions).values(
      rows.slice(i, i + 1_000).map((r) => ({
        orderId: r.orderId,
        fromStatus: r.from,
        toStatus: r.to,
        actorUserId: actor.userId,
        actor: actor.kind,
        note: r.note ?? null,
      })),
    );
}

/**
 * Gives the stock of these orders' lines back to their products, in product id order (the same
 * fixed order checkout locks in, so the two never deadlock). Always in full, never clamped or
 * refused: a seller's stock writes keep stock plus the units that may come back within MAX_STOCK
 * (products-service.ts, checkStockRoom), so the sum fits, and a cancel or refund never waits on it.
 */
export async function returnStock(tx: DbOrTx, orderIds: string[]): Promise<void> {
  if (orderIds.length === 0) return;
  const lines = await tx
    .select({ productId: orderLines.productId, qty: sql<number>`sum(${orderLines.qty})::int` })
    .from(orderLines)
    .where(inArray(orderLines.orderId, orderIds))
    .groupBy(orderLines.productId)
    .orderBy(orderLines.productId);
  for (const l of lines) {
    await tx
      .update(products)
      .set({ stock: sql`${products.stock} + ${l.qty}` })
      .where(eq(products.id, l.productId));
  }
}

/**
 * Ends an unpaid purchase (cancel, reject or expiry): every order still unpaid is cancelled and
 * its stock comes back. Runs in the caller's transaction; locks the purchase row first so a
 * concurrent payment or expiry waits. Returns false when the purchase was no longer unpaid.
 */
export async function endUnpaidPurchase(
  tx: DbOrTx,
  purchaseId: string,
  to: 'cancelled' | 'expired',
  actor: Actor,
  note?: string | null,
): Promise<boolean> {
  const [p] = await tx
    .select({ status: purchases.status })
    .from(purchases)
    .where(eq(purchases.id, purchaseId))
    .for('update');
  if (!p || (p.status !== 'pending_approval' && p.status !== 'awaiting_payment')) return false;
  const from = p.status;
  const open = await tx
    .update(orders)
    .set({ status: 'cancelled' })
    .where(and(eq(orders.purchaseId, purchaseId), inArray(orders.status, ['pending_approval', 'awaiting_payment'])))
    .returning({ id: orders.id });
  // The status before is the purchase's (orders of an unpaid purchase move together).
  await recordTransitions(
    tx,
    open.map((o) => ({
      orderId: o.id,
      from,
      to: 'cancelled' as const,
      note: note ?? (to === 'expired' ? 'expired unpaid' : null),
    })),
    actor,
  );
  await returnStock(
    tx,
    open.map((o) => o.id),
  );
  await tx.update(purchases).set({ status: to }).where(eq(purchases.id, purchaseId));
  // Nothing is owed any more: the card intent goes (after the commit), a late success is refunded.
  await cancelLivePaymentIntent(tx, purchaseId);
  if (to === 'expired') await notifyPurchaseExpired(tx, purchaseId);
  return true;
}

/**
 * Expires one purchase if it is unpaid and due (the delayed job); safe to run any number of times.
 * Status and time are read under the row lock: an approval or a payment that commits meanwhile
 * (an approval sets a new expiry) is seen, never overwritten.
 */
export async function expirePurchaseIfDue(db: Db, purchaseId: string, now = new Date()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [p] = await tx
      .select({ expiresAt: purchases.expiresAt, status: purchases.status })
      .from(purchases)
      .where(eq(purchases.id, purchaseId))
      .for('update');
    if (!p || p.expiresAt > now) return false;
    if (p.status !== 'pending_approval' && p.status !== 'awaiting_payment') return false;
    return endUnpaidPurchase(tx, purchaseId, 'expired', { userId: null, kind: 'system' });
  });
}

/** Expires every unpaid purchase past its time (the periodic sweep behind lost delayed jobs). */
export async function expireOverduePurchases(db: Db, now = new Date()): Promise<number> {
  const due = await db
    .select({ id: purchases.id })
    .from(purchases)
    .where(and(inArray(purchases.status, ['pending_approval', 'awaiting_payment']), lte(purchases.expiresAt, now)))
    .limit(500);
  let n = 0;
  for (const d of due) if (await expirePurchaseIfDue(db, d.id, now)) n++;
  return n;
}

const DAY_MS = 86_400_000;
/** Orders accepted per query of the sweep. */
const AUTO_ACCEPT_BATCH = 500;

/**
 * 自动确认收货: accepts one delivered order with the system as actor if it has waited the office's
 * number of days, neither accepted nor disputed. Status and time are read under the locks (purchase,
 * then order, as the api takes them), so a buyer's accept or report that commits meanwhile wins
 * and a second run (or the sweep at once) accepts once; the journal posts the acceptance once too.
 */
export async function autoAcceptIfDue(db: Db, orderId: string, now = new Date()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [peek] = await tx.select({ purchaseId: orders.purchaseId }).from(orders).where(eq(orders.id, orderId));
    if (!peek) return false;
    await tx.select({ id: purchases.id }).from(purchases).where(eq(purchases.id, peek.purchaseId)).for('update');
    const [o] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
    if (!o || o.status !== 'delivered' || !o.deliveredAt) return false;
    const days = await autoAcceptDays(tx);
    if (o.deliveredAt.getTime() + days * DAY_MS > now.getTime()) return false;
    await tx.update(orders).set({ status: 'accepted', acceptedAt: now }).where(eq(orders.id, orderId));
    await recordTransitions(
      tx,
      [{ orderId, from: 'delivered', to: 'accepted', note: `accepted automatically after ${days} days` }],
      { userId: null, kind: 'system' },
    );
    await postAcceptance(tx, {
      ...o,
      lines: await tx
        .select({ category: orderLines.category, lineTotalFen: orderLines.lineTotalFen })
        .from(orderLines)
        .where(eq(orderLines.orderId, orderId)),
    });
    await notifyOrderMoved(tx, orderId, 'accepted', null);
    return true;
  });
}

/** Accepts every delivered order past its time (the daily sweep behind lost delayed jobs). */
export async function autoAcceptOverdue(db: Db, now = new Date()): Promise<number> {
  const days = await autoAcceptDays(db);
  let n = 0;
  for (;;) {
    const due = await db
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.status, 'delivered'), lte(orders.deliveredAt, new Date(now.getTime() - days * DAY_MS))))
      .orderBy(asc(orders.deliveredAt))
      .limit(AUTO_ACCEPT_BATCH);
    let accepted = 0;
    for (const d of due) if (await autoAcceptIfDue(db, d.id, now)) accepted++;
    n += accepted;
    // A batch that accepted nothing (all raced away) would come back the same: stop.
    if (due.length < AUTO_ACCEPT_BATCH || accepted === 0) return n;
  }
}
