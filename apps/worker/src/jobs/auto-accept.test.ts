import { describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { eq } from 'drizzle-orm';
import { cooperativeBalance, postPayment, schema } from '@shanhai/db';
import { createOrgWithUser, createProduct, useTestDatabase } from '@shanhai/db/testing';
import { insertOneOrderPurchase } from '../../test-support/testing';
import { processAutoAccept } from './auto-accept';

const handle = useTestDatabase('demo', { max: 4 });

const DAY = 86_400_000;

/** A paid order (journal posted) of its own new cooperative, in `status`, delivered `daysAgo` days ago. */
async function delivered(daysAgo: number, status: 'delivered' | 'disputed' = 'delivered') {
  const db = handle.db;
  const { org, user } = await createOrgWithUser(db, { kind: 'buyer' });
  const coop = await createOrgWithUser(db, { kind: 'cooperative', townCode: 'dakun' });
  const p = await createProduct(db, { cooperativeId: coop.org.id, stock: 10 });
  const { purchase, order } = await insertOneOrderPurchase(db, {
    buyerOrgId: org.id,
    createdBy: user.id,
    product: p,
    purchaseStatus: 'paid',
    orderStatus: status,
    qty: 3,
    unitPriceFen: 10_000,
    deliveredAt: new Date(Date.now() - daysAgo * DAY),
  });
  await db.transaction((tx) =>
    postPayment(tx, {
      purchaseId: purchase.id,
      method: 'transfer',
      orders: [{ id: order.id, cooperativeId: coop.org.id, totalFen: 30_000 }],
    }),
  );
  return { orderId: order.id, coopId: coop.org.id };
}
const orderOf = async (id: string) =>
  (await handle.db.select().from(schema.orders).where(eq(schema.orders.id, id)))[0]!;
const year = new Date().getFullYear();

describe('auto-accept job (自动确认收货)', () => {
  it('accepts a delivered order after 7 days with the system as actor, once, even when run twice at once', async () => {
    const o = await delivered(7.01);
    const runs = await Promise.all([
      processAutoAccept(handle.db, { id: '1', data: { orderId: o.orderId } }),
      processAutoAccept(handle.db, { id: '2', data: { orderId: o.orderId } }),
    ]);
    expect(runs.map((r) => r.accepted).sort()).toEqual([0, 1]);
    expect(await processAutoAccept(handle.db, { id: '1', data: { orderId: o.orderId } })).toEqual({ accepted: 0 });
    expect((await orderOf(o.orderId)).status).toBe('accepted');
    const moves = await handle.db
      .select()
      .from(schema.orderTransitions)
      .where(eq(schema.orderTransitions.orderId, o.orderId));
    expect(moves.map((m) => [m.fromStatus, m.toStatus, m.actor, m.actorUserId, m.note])).toEqual([
      ['delivered', 'accepted', 'system', null, 'accepted automatically after 7 days'],
    ]);
    // The cooperative's share became available, posted once.
    expect(await cooperativeBalance(handle.db, o.coopId, year)).toEqual({
      pendingFen: 0,
      availableFen: 30_000,
      paidOutThisYearFen: 0,
    });
    expect(await handle.db.$count(schema.journalEntries, eq(schema.journalEntries.sourceId, o.orderId))).toBe(1);
  });

  it('leaves an order not yet due and a disputed one; the sweep follows the office setting', async () => {
    const notDue = await delivered(5);
    const disputed = await delivered(30, 'disputed');
    expect(await processAutoAccept(handle.db, { id: '3', data: { orderId: notDue.orderId } })).toEqual({ accepted: 0 });
    expect(await processAutoAccept(handle.db, { id: '4', data: { orderId: disputed.orderId } })).toEqual({
      accepted: 0,
    });
    await processAutoAccept(handle.db, { id: '5', data: { sweep: true } });
    expect((await orderOf(notDue.orderId)).status).toBe('delivered');
    // The office shortens the period to 4 days: the daily sweep now accepts it.
    await handle.db.update(schema.moneySettings).set({ autoAcceptDays: 4 });
    expect((await processAutoAccept(handle.db, { id: '6', data: { sweep: true } })).accepted).toBeGreaterThanOrEqual(1);
    expect((await orderOf(notDue.orderId)).status).toBe('accepted');
    expect((await orderOf(disputed.orderId)).status).toBe('disputed');
    expect(await processAutoAccept(handle.db, { id: '7', data: { sweep: true } })).toEqual({ accepted: 0 });
    expect((await cooperativeBalance(handle.db, disputed.coopId, year)).pendingFen).toBe(30_000);
    await handle.db.update(schema.moneySettings).set({ autoAcceptDays: 7 });
  });

  it('fails a malformed job for good', async () => {
    await expect(processAutoAccept(handle.db, { id: '8', data: { orderId: 'nope' } })).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
  });
});
