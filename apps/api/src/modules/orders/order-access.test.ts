import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createProduct, createUser } from '@shanhai/db/testing';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { login, type Session, type TestApp } from '../../../test-support/testing';

/** Who may end orders and confirm money, and that each such step is in the audit log (issue 13). */
let t: TestApp;
let office: Session;
let coopA: Member;
const { buyer, post, stockOf, placed, paid } = shop(() => t);

beforeAll(async () => ({ t, office, coopA } = await buyingWorld()));
afterAll(() => t.close());

async function memberOf(orgId: string, role: 'manager' | 'member' = 'member'): Promise<Session> {
  const u = await createUser(t.app.db, { orgId, role });
  return login(t.app, u.email);
}
const statusOf = async (orderId: string) =>
  (await t.app.db.select({ s: schema.orders.status }).from(schema.orders).where(eq(schema.orders.id, orderId)))[0]!.s;
const auditOf = (entityId: string) =>
  t.app.db
    .select({ action: schema.auditLog.action, actor: schema.auditLog.actorUserId, after: schema.auditLog.after })
    .from(schema.auditLog)
    .where(eq(schema.auditLog.entityId, entityId));

describe('buyer members end only what they placed', () => {
  it('a member cannot cancel another member’s order; their own, yes; an owner may cancel any, audited', async () => {
    const owner = await buyer();
    const alice = { orgId: owner.orgId, s: await memberOf(owner.orgId) };
    const bob = { orgId: owner.orgId, s: await memberOf(owner.orgId) };
    const product = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 100 });
    const bobs = await placed(bob, [{ id: product.id, qty: 2 }]);
    const bobOrder = bobs.orders[0].id as string;
    const before = await stockOf(product.id);

    const refused = await post(alice.s, `/api/v1/orders/${bobOrder}/cancel`);
    expect(refused.statusCode).toBe(403);
    expect(await statusOf(bobOrder)).toBe('awaiting_payment');
    expect(await stockOf(product.id)).toBe(before);
    expect(await auditOf(bobOrder)).toEqual([]);
    // The purchase itself: the same rule.
    expect((await post(alice.s, `/api/v1/purchases/${bobs.id}/cancel`)).statusCode).toBe(403);

    const alices = await placed(alice, [{ id: product.id, qty: 3 }]);
    const own = await post(alice.s, `/api/v1/orders/${alices.orders[0].id}/cancel`);
    expect(own.statusCode, own.body).toBe(200);
    expect(await auditOf(alices.orders[0].id)).toEqual([
      { action: 'order.cancel', actor: alice.s.userId, after: expect.objectContaining({ status: 'cancelled' }) },
    ]);

    const byOwner = await post(owner.s, `/api/v1/orders/${bobOrder}/cancel`);
    expect(byOwner.statusCode, byOwner.body).toBe(200);
    expect(await statusOf(bobOrder)).toBe('cancelled');
  });

  it('a paid order of another member: refused for a member, refunded by a manager, audited as a cancel with refund', async () => {
    const owner = await buyer();
    const placer = { orgId: owner.orgId, s: await memberOf(owner.orgId) };
    const other = await memberOf(owner.orgId);
    const manager = await memberOf(owner.orgId, 'manager');
    const product = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 100 });
    const p = await paid(placer, [{ id: product.id, qty: 1 }], office);
    const orderId = p.orders[0].id as string;
    expect((await post(other, `/api/v1/orders/${orderId}/cancel`)).statusCode).toBe(403);
    expect(await statusOf(orderId)).toBe('paid');
    expect((await t.app.db.select().from(schema.refunds).where(eq(schema.refunds.orderId, orderId))).length).toBe(0);
    expect((await post(manager, `/api/v1/orders/${orderId}/cancel`)).statusCode).toBe(200);
    expect(await statusOf(orderId)).toBe('refunded');
    expect((await auditOf(orderId)).map((a) => [a.action, a.actor])).toEqual([['order.cancel', manager.userId]]);
  });
});

describe('cooperative members ship, but do not give money back', () => {
  it('a member ships; cancelling or refunding a paid order takes the owner', async () => {
    const b = await buyer();
    const coopMember = await memberOf(coopA.orgId);
    const product = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 100 });
    const [first, second] = [
      await paid(b, [{ id: product.id, qty: 1 }], office),
      await paid(b, [{ id: product.id, qty: 1 }], office),
    ];
    const shipIt = first.orders[0].id as string;
    const keep = second.orders[0].id as string;
    expect(
      (await post(coopMember, `/api/v1/orders/${shipIt}/ship`, { carrier: '顺丰', trackingNo: 'SF1' })).statusCode,
    ).toBe(200);
    for (const action of ['cancel', 'refund']) {
      const res = await post(coopMember, `/api/v1/orders/${keep}/${action}`);
      expect(res.statusCode, action).toBe(403);
    }
    expect(await statusOf(keep)).toBe('paid');
    const byOwner = await post(coopA.s, `/api/v1/orders/${keep}/refund`, { note: '缺货' });
    expect(byOwner.statusCode, byOwner.body).toBe(200);
    expect(await auditOf(keep)).toEqual([
      {
        action: 'order.refund',
        actor: coopA.s.userId,
        after: expect.objectContaining({ status: 'refunded' }),
      },
    ]);
  });
});

describe('office money actions take an owner or manager', () => {
  it('an office member cannot confirm a transfer or refund; a manager can, and the confirmation is audited', async () => {
    const b = await buyer();
    const officeMember = await memberOf(office.orgId);
    const officeManager = await memberOf(office.orgId, 'manager');
    const product = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 100 });
    const p = await placed(b, [{ id: product.id, qty: 2 }]);
    const confirm = (s: Session) =>
      post(s, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen as number });
    expect((await confirm(officeMember)).statusCode).toBe(403);
    const [row] = await t.app.db.select().from(schema.purchases).where(eq(schema.purchases.id, p.id));
    expect(row!.status).toBe('awaiting_payment');
    expect((await confirm(officeManager)).statusCode).toBe(200);
    expect(await auditOf(p.id)).toEqual([
      {
        action: 'payment.confirm_transfer',
        actor: officeManager.userId,
        after: { status: 'paid', submittedAmountFen: p.totalFen },
      },
    ]);
    const orderId = p.orders[0].id as string;
    expect((await post(officeMember, `/api/v1/orders/${orderId}/refund`)).statusCode).toBe(403);
    expect(await statusOf(orderId)).toBe('paid');
    expect((await post(officeManager, `/api/v1/orders/${orderId}/refund`)).statusCode).toBe(200);
  });
});

describe('approvals are audited', () => {
  it('approve, reject and cancel of a purchase each write who and what', async () => {
    const owner = await buyer({ approvalThresholdFen: 1 });
    const member = { orgId: owner.orgId, s: await memberOf(owner.orgId) };
    const product = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 100 });
    const [a, r, c] = [
      await placed(member, [{ id: product.id, qty: 1 }]),
      await placed(member, [{ id: product.id, qty: 1 }]),
      await placed(member, [{ id: product.id, qty: 1 }]),
    ];
    expect(a.status).toBe('pending_approval');
    expect((await post(owner.s, `/api/v1/purchases/${a.id}/approve`)).statusCode).toBe(200);
    expect((await post(owner.s, `/api/v1/purchases/${r.id}/reject`, { note: '超预算' })).statusCode).toBe(200);
    expect((await post(member.s, `/api/v1/purchases/${c.id}/cancel`)).statusCode).toBe(200);
    const actions = await t.app.db
      .select({ id: schema.auditLog.entityId, action: schema.auditLog.action, note: schema.auditLog.note })
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.entityType, 'purchase'), eq(schema.auditLog.actorOrgId, owner.orgId)));
    expect(actions).toEqual(
      expect.arrayContaining([
        { id: a.id, action: 'purchase.approve', note: null },
        { id: r.id, action: 'purchase.reject', note: '超预算' },
        { id: c.id, action: 'purchase.cancel', note: null },
      ]),
    );
  });
});
