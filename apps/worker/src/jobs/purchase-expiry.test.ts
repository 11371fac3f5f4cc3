import { describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { eq } from 'drizzle-orm';
import { createDb, schema } from '@shanhai/db';
import { createOrgWithUser, createProduct, useTestDatabase } from '@shanhai/db/testing';
import { insertOneOrderPurchase } from '../../test-support/testing';
import { processPurchaseExpiry } from './purchase-expiry';

const handle = useTestDatabase('demo', { max: 3 });

/** An unpaid purchase of `qty` units whose stock was taken, expiring at `expiresAt`. */
async function unpaid(expiresAt: Date, qty = 3) {
  const db = handle.db;
  const { org, user } = await createOrgWithUser(db, { kind: 'buyer' });
  const coop = await createOrgWithUser(db, { kind: 'cooperative', townCode: 'dakun' });
  const p = await createProduct(db, { cooperativeId: coop.org.id, stock: 10 - qty });
  const { purchase, order } = await insertOneOrderPurchase(db, {
    buyerOrgId: org.id,
    createdBy: user.id,
    product: p,
    purchaseStatus: 'awaiting_payment',
    orderStatus: 'awaiting_payment',
    qty,
    unitPriceFen: 10_000,
    expiresAt,
  });
  return { purchaseId: purchase.id, orderId: order.id, productId: p.id };
}
const stock = async (id: string) =>
  (await handle.db.select().from(schema.products).where(eq(schema.products.id, id)))[0]!.stock;

/**
 * Runs `jobs` while another connection holds the purchase's row with `change` made and not yet
 * committed (an approval or a payment in flight); it commits once a job waits on the row lock (a
 * condition, not a time), and answers what the jobs did.
 */
const connectTo = (db: ReturnType<typeof createDb>) => db.pool.connect();
type PoolClient = Awaited<ReturnType<typeof connectTo>>;
async function whileRowLocked<T>(
  purchaseId: string,
  change: (client: PoolClient) => Promise<unknown>,
  jobs: () => Promise<T>,
): Promise<T> {
  const other = createDb(handle.database.url, { max: 1 });
  const client = await connectTo(other);
  try {
    await client.query('begin');
    await client.query(`select id from purchases where id = $1 for update`, [purchaseId]);
    await change(client);
    const running = jobs();
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
      );
      if (rows[0]!.n > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await client.query('commit');
    return await running;
  } finally {
    client.release();
    await other.close();
  }
}

describe('purchase-expiry job', () => {
  it('expires a due unpaid purchase once (stock back, transition recorded), even when run twice', async () => {
    const u = await unpaid(new Date(Date.now() - 1000));
    expect(await processPurchaseExpiry(handle.db, { id: '1', data: { purchaseId: u.purchaseId } })).toEqual({
      expired: 1,
    });
    expect(await processPurchaseExpiry(handle.db, { id: '1', data: { purchaseId: u.purchaseId } })).toEqual({
      expired: 0,
    });
    expect(await stock(u.productId)).toBe(10);
    const [p] = await handle.db.select().from(schema.purchases).where(eq(schema.purchases.id, u.purchaseId));
    expect(p!.status).toBe('expired');
    const moves = await handle.db
      .select()
      .from(schema.orderTransitions)
      .where(eq(schema.orderTransitions.orderId, u.orderId));
    expect(moves.map((m) => [m.fromStatus, m.toStatus, m.actor])).toEqual([
      ['awaiting_payment', 'cancelled', 'system'],
    ]);
  });

  it('leaves a purchase not yet due; the sweep expires every overdue one (a lost job)', async () => {
    const notDue = await unpaid(new Date(Date.now() + 3600_000));
    const lost = await unpaid(new Date(Date.now() - 60_000), 2);
    expect(await processPurchaseExpiry(handle.db, { id: '2', data: { purchaseId: notDue.purchaseId } })).toEqual({
      expired: 0,
    });
    expect((await processPurchaseExpiry(handle.db, { id: '3', data: { sweep: true } })).expired).toBeGreaterThanOrEqual(
      1,
    );
    expect(await stock(lost.productId)).toBe(10);
    expect(await stock(notDue.productId)).toBe(7);
    expect(await processPurchaseExpiry(handle.db, { id: '4', data: { sweep: true } })).toEqual({ expired: 0 });
  });

  it('never races an approval: expiry waits for the row lock and sees the new time', async () => {
    const u = await unpaid(new Date(Date.now() - 1000));
    // An approval in flight: it holds the purchase row and moves the expiry into the future.
    const expired = await whileRowLocked(
      u.purchaseId,
      (client) =>
        client.query(`update purchases set expires_at = now() + interval '3 days' where id = $1`, [u.purchaseId]),
      () => processPurchaseExpiry(handle.db, { id: '6', data: { purchaseId: u.purchaseId } }),
    );
    expect(expired).toEqual({ expired: 0 });
    const [p] = await handle.db.select().from(schema.purchases).where(eq(schema.purchases.id, u.purchaseId));
    expect(p!.status).toBe('awaiting_payment');
    expect(await stock(u.productId)).toBe(7);
  });

  it('never races a payment: a purchase paid while expiry waits for the lock stays paid, its stock sold', async () => {
    const u = await unpaid(new Date(Date.now() - 1000));
    // A payment in flight (a webhook or the office's confirmation): it holds the purchase row and
    // marks it paid; the expiry time stays in the past, so only the status can stop the expiry.
    const [expired] = await whileRowLocked(
      u.purchaseId,
      async (client) => {
        await client.query(`update purchases set status = 'paid' where id = $1`, [u.purchaseId]);
        await client.query(`update orders set status = 'paid' where purchase_id = $1`, [u.purchaseId]);
      },
      () =>
        Promise.all([
          processPurchaseExpiry(handle.db, { id: '7', data: { purchaseId: u.purchaseId } }),
          processPurchaseExpiry(handle.db, { id: '8', data: { sweep: true } }),
        ]),
    );
    expect(expired).toEqual({ expired: 0 });
    const [p] = await handle.db.select().from(schema.purchases).where(eq(schema.purchases.id, u.purchaseId));
    expect(p!.status).toBe('paid');
    const [o] = await handle.db.select().from(schema.orders).where(eq(schema.orders.id, u.orderId));
    expect(o!.status).toBe('paid');
    expect(await stock(u.productId)).toBe(7);
    const moves = await handle.db
      .select()
      .from(schema.orderTransitions)
      .where(eq(schema.orderTransitions.orderId, u.orderId));
    expect(moves.filter((m) => m.toStatus === 'cancelled')).toEqual([]);
  });

  it('fails a malformed job for good', async () => {
    await expect(processPurchaseExpiry(handle.db, { id: '5', data: { purchaseId: 'nope' } })).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
  });
});
