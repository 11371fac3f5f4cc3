import { beforeAll, describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { autoAcceptIfDue, cooperativeBalance, postBankCharge, postPayment, postRefund, schema } from '@shanhai/db';
import { createOrg, createOrgWithUser, createProduct, createUser, useTestDatabase } from '@shanhai/db/testing';
import { createLogger } from '../log';
import { insertOneOrderPurchase } from '../../test-support/testing';
import { journalReconcileMetrics, processJournalReconcile } from './journal-reconcile';

const handle = useTestDatabase('demo', { max: 4 });
let coopId: string;
const log = createLogger('silent');
const year = new Date().getFullYear();
beforeAll(async () => {
  coopId = (await createOrgWithUser(handle.db, { kind: 'cooperative', townCode: 'dakun' })).org.id;
});

/**
 * A purchase of one order of `totalFen` from the test cooperative, paid by transfer and posted as
 * the api does; `journal: false` leaves the posting out (a lost post, for the drift test).
 */
async function paidOrder(totalFen: number, opts: { journal?: boolean } = {}) {
  const db = handle.db;
  const { org, user } = await createOrgWithUser(db, { kind: 'buyer' });
  const p = await createProduct(db, { cooperativeId: coopId, stock: 10, category: 'tea' });
  const { purchase, order } = await insertOneOrderPurchase(db, {
    buyerOrgId: org.id,
    createdBy: user.id,
    product: p,
    purchaseStatus: 'paid',
    orderStatus: 'paid',
    qty: 1,
    unitPriceFen: totalFen,
  });
  await db.insert(schema.payments).values({
    purchaseId: purchase.id,
    method: 'transfer',
    status: 'succeeded',
    amountFen: totalFen,
  });
  if (opts.journal !== false)
    await db.transaction((tx) =>
      postPayment(tx, { purchaseId: purchase.id, method: 'transfer', orders: [{ ...order }] }),
    );
  return order;
}
const run = (id: string, metrics?: ReturnType<typeof journalReconcileMetrics>) =>
  processJournalReconcile({ db: handle.db, log, ...(metrics ? { metrics } : {}) }, { id, data: { trigger: 'manual' } });

describe('journal reconcile job', () => {
  it('finds no drift when every event posted; a payable equals accepted totals − refunds − fees − payouts', async () => {
    await handle.db.insert(schema.feeRates).values({ category: 'tea', rateBps: 300 });
    await paidOrder(10_000);
    const accepted = await paidOrder(20_000);
    await handle.db
      .update(schema.orders)
      .set({ status: 'delivered', deliveredAt: new Date(Date.now() - 8 * 86_400_000) })
      .where(eq(schema.orders.id, accepted.id));
    expect(await autoAcceptIfDue(handle.db, accepted.id)).toBe(true);
    const refunded = await paidOrder(5_000);
    await handle.db.transaction(async (tx) => {
      await tx.update(schema.orders).set({ status: 'refunded' }).where(eq(schema.orders.id, refunded.id));
      await tx.insert(schema.refunds).values({
        purchaseId: refunded.purchaseId,
        orderId: refunded.id,
        method: 'transfer',
        amountFen: 5_000,
      });
      await postRefund(tx, { order: refunded, method: 'transfer' });
    });

    const result = await run('1');
    expect(result).toEqual({ journalLines: 11, driftRows: 0, repairedBalances: 0, details: [] });
    // 20,000 accepted − 600 fee (3%) − 0 payouts; the 5,000 refunded left pending, the 10,000 waits.
    expect(await cooperativeBalance(handle.db, coopId, year)).toEqual({
      pendingFen: 10_000,
      availableFen: 19_400,
      paidOutThisYearFen: 0,
    });
    const [rec] = await handle.db.select().from(schema.journalReconciliations);
    expect(rec).toMatchObject({ trigger: 'manual', journalLines: 11, driftRows: 0, details: [] });
  });

  it('a running total that drifted from its lines is reported, alerted and set back from the journal', async () => {
    const registry = new Registry();
    const metrics = journalReconcileMetrics(registry);
    // The office's owners and managers are told of drift in the bell and by email, as for tallies.
    const office = await createOrg(handle.db, { kind: 'office' });
    const owner = await createUser(handle.db, { orgId: office.id, role: 'owner' });
    const manager = await createUser(handle.db, { orgId: office.id, role: 'manager' });
    const member = await createUser(handle.db, { orgId: office.id, role: 'member' });
    const driftNotices = () =>
      handle.db
        .select({ userId: schema.notifications.userId, params: schema.notifications.params })
        .from(schema.notifications)
        .where(
          and(
            eq(schema.notifications.kind, 'journal.drift'),
            inArray(schema.notifications.userId, [owner.id, manager.id, member.id]),
          ),
        );
    await handle.db
      .update(schema.accountBalances)
      .set({ creditFen: 1 })
      .where(eq(schema.accountBalances.account, 'fee_revenue'));
    const r = await run('2', metrics);
    expect(r.driftRows).toBe(1);
    expect(r.repairedBalances).toBe(1);
    expect(r.details).toEqual([{ check: 'balance', key: `fee_revenue/${coopId}`, expected: 600, found: 1 }]);
    expect((await metrics.drift.get()).values[0]!.value).toBe(1);
    expect((await driftNotices()).sort((a, b) => a.userId.localeCompare(b.userId))).toEqual(
      [owner.id, manager.id].sort().map((userId) => ({ userId, params: { rows: 1 } })),
    );
    expect((await run('3', metrics)).driftRows).toBe(0);
    expect((await metrics.drift.get()).values[0]!.value).toBe(0);
    // A clean run tells nobody.
    expect(await driftNotices()).toHaveLength(2);
  });

  it('a money event that never posted shows as drift against orders and payments, and is not papered over', async () => {
    await paidOrder(7_000, { journal: false });
    const r = await run('4');
    expect(r.details).toEqual([
      { check: 'pending', key: coopId, expected: 17_000, found: 10_000 },
      { check: 'payments', key: 'received', expected: 42_000, found: 35_000 },
    ]);
    expect((await run('5')).driftRows).toBe(2);
    const [last] = await handle.db
      .select()
      .from(schema.journalReconciliations)
      .orderBy(desc(schema.journalReconciliations.finishedAt))
      .limit(1);
    expect(last!.driftRows).toBe(2);
  });

  it('a bank charge checks against its record: one posted with it is no drift, one posted without is', async () => {
    const office = await createOrgWithUser(handle.db, { kind: 'office' });
    const bankChargeDrift = async (id: string) => (await run(id)).details.filter((d) => d.check === 'bank_charges');
    // As the api records one: the row and its entry in one transaction.
    await handle.db.transaction(async (tx) => {
      const entryId = await postBankCharge(tx, { ref: 'txn:R-1', amountFen: 1_500 });
      await tx.insert(schema.bankCharges).values({
        bankTxnId: 'R-1',
        amountFen: 1_500,
        bookedOn: '2026-03-02',
        entryId: entryId!,
        recordedBy: office.user.id,
      });
    });
    expect(await bankChargeDrift('6')).toEqual([]);
    await handle.db.transaction((tx) => postBankCharge(tx, { ref: 'txn:R-2', amountFen: 800 }));
    expect(await bankChargeDrift('7')).toEqual([
      { check: 'bank_charges', key: 'charged', expected: 1_500, found: 2_300 },
    ]);
  });

  it('fails a malformed job for good', async () => {
    await expect(
      processJournalReconcile({ db: handle.db, log }, { id: '6', data: { trigger: 'sometimes' } }),
    ).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
