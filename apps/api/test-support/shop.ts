/**
 * Test support for the buying modules (cart, checkout, purchases, orders, payments): buyers and
 * cooperatives of their own, the cart and checkout calls, and the stock of a product.
 */
import { expect } from 'vitest';
import { eq, inArray, sql } from 'drizzle-orm';
import { schema, type Db } from '@shanhai/db';
import { createOrgWithUser } from '@shanhai/db/testing';
import { bearer, createTestApp, DEMO_PASSWORD, login, type Session, type TestApp } from './testing';

/** The sales ledger rows of a purchase's order lines. */
export async function ledgerRowsOf(db: Db, purchaseId: string) {
  const lines = await db
    .select({ id: schema.orderLines.id })
    .from(schema.orderLines)
    .innerJoin(schema.orders, eq(schema.orders.id, schema.orderLines.orderId))
    .where(eq(schema.orders.purchaseId, purchaseId));
  return db
    .select()
    .from(schema.sales)
    .where(
      inArray(
        schema.sales.sourceRef,
        lines.map((l) => l.id),
      ),
    );
}

/** The journal lines posted for the entries of `sourceIds`, in posting order, as `kind account debit/credit`. */
export async function journalLinesOf(db: Db, sourceIds: string[]) {
  const lines = await db
    .select({
      kind: schema.journalEntries.kind,
      account: schema.journalLines.account,
      d: schema.journalLines.debitFen,
      c: schema.journalLines.creditFen,
    })
    .from(schema.journalLines)
    .innerJoin(schema.journalEntries, eq(schema.journalEntries.id, schema.journalLines.entryId))
    .where(inArray(schema.journalEntries.sourceId, sourceIds))
    .orderBy(schema.journalLines.id);
  return lines.map((l) => `${l.kind} ${l.account} ${l.d}/${l.c}`);
}

/** An org of one kind and its logged-in owner. */
export interface Member {
  orgId: string;
  s: Session;
}

/** `testApp` is read at call time, so the helpers can be made before `beforeAll` builds the app. */
export function shop(testApp: () => TestApp) {
  const app = () => testApp().app;
  async function buyer(
    opts: { role?: 'owner' | 'manager' | 'member'; approvalThresholdFen?: number | null } = {},
  ): Promise<Member> {
    const { org, user } = await createOrgWithUser(app().db, {
      kind: 'buyer',
      role: opts.role ?? 'owner',
      approvalThresholdFen: opts.approvalThresholdFen ?? null,
    });
    return { orgId: org.id, s: await login(app(), user.email) };
  }
  async function coop(townCode: string): Promise<Member> {
    const { org, user } = await createOrgWithUser(app().db, { kind: 'cooperative', townCode });
    return { orgId: org.id, s: await login(app(), user.email) };
  }
  const put = (s: Session, lines: { productId: string; qty: number }[]) =>
    app().inject({ method: 'PUT', url: '/api/v1/cart', headers: bearer(s.token), payload: { lines } });
  const checkout = (s: Session, key?: string, body: Record<string, unknown> = { paymentMethod: 'transfer' }) =>
    app().inject({
      method: 'POST',
      url: '/api/v1/purchases',
      headers: { ...bearer(s.token), ...(key ? { 'idempotency-key': key } : {}) },
      payload: body,
    });
  /** One `[method, url, body]` call as `s`. */
  const call = (s: Session, [method, url, payload]: [string, string, unknown]) =>
    app().inject({
      method: method as 'GET',
      url,
      headers: bearer(s.token),
      ...(payload ? { payload: payload as object } : {}),
    });
  const post = (s: Session, url: string, payload: unknown = {}) =>
    app().inject({ method: 'POST', url, headers: bearer(s.token), payload: payload as object });
  const stockOf = async (id: string) =>
    (await app().db.select({ s: schema.products.stock }).from(schema.products).where(eq(schema.products.id, id)))[0]!.s;
  /** Units of a product in orders that are not cancelled. */
  const soldOf = async (id: string) =>
    (
      await app()
        .db.select({ n: sql<number>`coalesce(sum(${schema.orderLines.qty}), 0)::int` })
        .from(schema.orderLines)
        .innerJoin(schema.orders, eq(schema.orders.id, schema.orderLines.orderId))
        .where(sql`${schema.orderLines.productId} = ${id} and ${schema.orders.status} <> 'cancelled'`)
    )[0]!.n;

  /** A placed purchase (awaiting payment, or approval) with one order per cooperative given. */
  async function placed(
    b: { s: Session },
    products: { id: string; qty: number }[],
    paymentMethod: 'transfer' | 'card' = 'transfer',
  ) {
    expect(
      (
        await put(
          b.s,
          products.map((p) => ({ productId: p.id, qty: p.qty })),
        )
      ).statusCode,
    ).toBe(200);
    const res = await checkout(b.s, undefined, { paymentMethod });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  /** A placed purchase paid by transfer, confirmed by the office. */
  async function paid(b: { s: Session }, products: { id: string; qty: number }[], office: Session) {
    const p = await placed(b, products);
    const ok = await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen });
    expect(ok.statusCode, ok.body).toBe(200);
    return p;
  }

  /** Gives a cooperative a payout account the office confirmed: what a settlement needs to pay it. */
  async function confirmedPayoutAccount(c: Member, office: Session) {
    const account = await app().inject({
      method: 'PUT',
      url: '/api/v1/payout-account',
      headers: bearer(c.s.token),
      payload: {
        accountName: '阳山县大崑蜂蜜合作社',
        bankName: '中国农业银行',
        branch: '阳山支行',
        accountNo: '6228480012345678',
      },
    });
    expect(account.statusCode, account.body).toBe(202);
    expect((await post(office, `/api/v1/payout-accounts/${account.json().id}/confirm`)).statusCode).toBe(200);
  }

  /** Takes an order through shipping and delivery to accepted by its buyer. */
  async function accepted(orderId: string, c: { s: Session }, b: { s: Session }) {
    const ship = await post(c.s, `/api/v1/orders/${orderId}/ship`, { carrier: '顺丰', trackingNo: 'SF1' });
    expect(ship.statusCode).toBe(200);
    expect((await post(c.s, `/api/v1/orders/${orderId}/deliver`)).statusCode).toBe(200);
    expect((await post(b.s, `/api/v1/orders/${orderId}/accept`)).statusCode).toBe(200);
  }

  return { buyer, coop, put, checkout, call, post, stockOf, soldOf, placed, paid, confirmedPayoutAccount, accepted };
}

/** An app on the demo world, the office logged in, and a cooperative in each of two towns. */
export async function buyingWorld(): Promise<{ t: TestApp; office: Session; coopA: Member; coopB: Member }> {
  const t = await createTestApp();
  const { coop } = shop(() => t);
  return {
    t,
    office: await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD),
    coopA: await coop('dakun'),
    coopB: await coop('daping'),
  };
}
