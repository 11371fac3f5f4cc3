import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrgWithUser, createProduct, createUser } from '@shanhai/db/testing';
import { ORDER_TRANSITIONS, QUEUES, type OrderStatus } from '@shanhai/domain';
import { bearer, createTestApp, DEMO_PASSWORD, login, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let coopA: { orgId: string; s: Session };
let coopB: { orgId: string; s: Session };

async function buyer(opts: { role?: 'owner' | 'manager' | 'member'; approvalThresholdFen?: number | null } = {}) {
  const { org, user } = await createOrgWithUser(t.app.db, {
    kind: 'buyer',
    role: opts.role ?? 'owner',
    approvalThresholdFen: opts.approvalThresholdFen ?? null,
  });
  return { orgId: org.id, s: await login(t.app, user.email) };
}
async function coop(townCode: string) {
  const { org, user } = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode });
  return { orgId: org.id, s: await login(t.app, user.email) };
}
const put = (s: Session, lines: { productId: string; qty: number }[]) =>
  t.app.inject({ method: 'PUT', url: '/api/v1/cart', headers: bearer(s.token), payload: { lines } });
const checkout = (s: Session, key?: string, body: Record<string, unknown> = { paymentMethod: 'transfer' }) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/purchases',
    headers: { ...bearer(s.token), ...(key ? { 'idempotency-key': key } : {}) },
    payload: body,
  });
const stockOf = async (id: string) =>
  (await t.app.db.select({ s: schema.products.stock }).from(schema.products).where(eq(schema.products.id, id)))[0]!.s;
const soldOf = async (id: string) =>
  (
    await t.app.db
      .select({ n: sql<number>`coalesce(sum(${schema.orderLines.qty}), 0)::int` })
      .from(schema.orderLines)
      .innerJoin(schema.orders, eq(schema.orders.id, schema.orderLines.orderId))
      .where(sql`${schema.orderLines.productId} = ${id} and ${schema.orders.status} <> 'cancelled'`)
  )[0]!.n;
const post = (s: Session, url: string, payload: unknown = {}) =>
  t.app.inject({ method: 'POST', url, headers: bearer(s.token), payload: payload as object });

/** A placed, transfer-paid-by-office purchase with one order per cooperative given. */
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

beforeAll(async () => {
  t = await createTestApp();
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
  coopA = await coop('dakun');
  coopB = await coop('daping');
});
afterAll(() => t.close());

describe('cart', () => {
  it('401 without a token; 403 for a cooperative', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/cart' })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/cart', headers: bearer(coopA.s.token) })).statusCode,
    ).toBe(403);
  });

  it('shows tier prices, per-line MOQ/step/stock messages and totals per cooperative; sums two lines of one product', async () => {
    const b = await buyer();
    const honey = await createProduct(t.app.db, {
      cooperativeId: coopA.orgId,
      moq: 10,
      orderStep: 5,
      stock: 100,
      priceTiers: [
        { minQty: 10, unitPriceFen: 5000 },
        { minQty: 50, unitPriceFen: 4500 },
      ],
    });
    const tea = await createProduct(t.app.db, {
      cooperativeId: coopB.orgId,
      moq: 1,
      stock: 3,
      priceTiers: [{ minQty: 1, unitPriceFen: 12000 }],
    });
    const res = await put(b.s, [
      { productId: honey.id, qty: 30 },
      { productId: honey.id, qty: 20 },
      { productId: tea.id, qty: 2 },
    ]);
    expect(res.statusCode).toBe(200);
    const cart = res.json();
    const rows = cart.lines.map((l: { qty: number; unitPriceFen: number; lineTotalFen: number; problem: unknown }) => [
      l.qty,
      l.unitPriceFen,
      l.lineTotalFen,
      l.problem,
    ]);
    expect(rows.sort((x: number[], y: number[]) => y[0]! - x[0]!)).toEqual([
      [50, 4500, 225_000, null],
      [2, 12000, 24_000, null],
    ]);
    expect(
      cart.cooperatives.sort((x: { totalFen: number }, y: { totalFen: number }) => y.totalFen - x.totalFen),
    ).toEqual([
      { cooperativeId: coopA.orgId, cooperativeName: expect.any(String), totalFen: 225_000 },
      { cooperativeId: coopB.orgId, cooperativeName: expect.any(String), totalFen: 24_000 },
    ]);
    expect(cart).toMatchObject({ totalFen: 249_000, ready: true });

    const bad = (
      await put(b.s, [
        { productId: honey.id, qty: 12 },
        { productId: tea.id, qty: 4 },
      ])
    ).json();
    expect(
      bad.lines
        .map((l: { problem: { code: string } }) => l.problem)
        .sort((x: { code: string }, y: { code: string }) => x.code.localeCompare(y.code)),
    ).toEqual([
      { code: 'off_step', message: 'must be 10 plus a multiple of 5' },
      { code: 'out_of_stock', message: 'only 3 left in stock' },
    ]);
    expect(bad.ready).toBe(false);
    expect((await put(b.s, [{ productId: honey.id, qty: 5 }])).json().lines[0].problem).toEqual({
      code: 'below_moq',
      message: 'below the minimum order of 10',
    });
  });

  it('400 naming the field for an unknown product or a bad quantity', async () => {
    const b = await buyer();
    const r1 = await put(b.s, [{ productId: '00000000-0000-4000-8000-000000000000', qty: 1 }]);
    expect(r1.statusCode).toBe(400);
    expect(r1.json().errors).toEqual([{ field: 'body.lines.0.productId', message: 'is not a product' }]);
    const r2 = await put(b.s, [{ productId: '00000000-0000-4000-8000-000000000000', qty: 0 }]);
    expect(r2.statusCode).toBe(400);
    expect(r2.json().errors[0].field).toBe('body.lines.0.qty');
  });

  it('imports pasted CSV with a per-row report', async () => {
    const b = await buyer();
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, nameZh: '导入测试蜂蜜', moq: 2, stock: 50 });
    const csv = `product,qty\n${p.id},4\n导入测试蜂蜜,2\nno such thing,3\n${p.id},abc\n${p.id},100\n`;
    const res = await post(b.s, '/api/v1/cart/import', { csv });
    expect(res.statusCode).toBe(200);
    expect(
      res.json().rows.map((r: { row: number; status: string; message: string }) => [r.row, r.status, r.message]),
    ).toEqual([
      [2, 'added', 'added'],
      [3, 'added', 'added; 6 in the cart now'],
      [4, 'refused', 'no product on sale has this id or name'],
      [5, 'refused', 'quantity must be a whole number of at least 1'],
      [6, 'refused', '106 only 50 left in stock'],
    ]);
    expect(res.json().cart.lines).toHaveLength(1);
    expect(res.json().cart.lines[0].qty).toBe(6);

    const upload = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cart/import',
      headers: { ...bearer(b.s.token), 'content-type': 'text/csv' },
      payload: `${p.id},2\n`,
    });
    expect(upload.statusCode).toBe(200);
    expect(upload.json().rows).toEqual([
      expect.objectContaining({ row: 1, status: 'added', message: 'added; 8 in the cart now' }),
    ]);
    const empty = await post(b.s, '/api/v1/cart/import', { csv: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().errors[0].field).toBe('body.csv');
  });
});

describe('checkout', () => {
  it('splits one purchase into one order per cooperative with snapshots, takes stock and empties the cart', async () => {
    const b = await buyer();
    const a1 = await createProduct(t.app.db, {
      cooperativeId: coopA.orgId,
      stock: 20,
      priceTiers: [
        { minQty: 1, unitPriceFen: 1000 },
        { minQty: 10, unitPriceFen: 900 },
      ],
    });
    const a2 = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 5 });
    const b1 = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 7, unitLabel: '罐' });
    const p = await placed(b, [
      { id: a1.id, qty: 10 },
      { id: a2.id, qty: 1 },
      { id: b1.id, qty: 7 },
    ]);
    expect(p).toMatchObject({
      status: 'awaiting_payment',
      paymentMethod: 'transfer',
      totalFen: 9000 + 10_000 + 70_000,
      remittanceRef: expect.stringMatching(/^SH\d{6}[A-Z2-9]{6}$/),
    });
    expect(p.invoiceTitle).toMatch(/^Invoice title/);
    expect(p.orders).toHaveLength(2);
    const byCoop = Object.fromEntries(p.orders.map((o: { cooperativeId: string }) => [o.cooperativeId, o]));
    expect(byCoop[coopA.orgId].totalFen).toBe(19_000);
    expect(byCoop[coopB.orgId].lines).toEqual([
      expect.objectContaining({
        productId: b1.id,
        qty: 7,
        unitLabel: '罐',
        unitPriceFen: 10_000,
        lineTotalFen: 70_000,
      }),
    ]);
    expect(byCoop[coopB.orgId].transitions).toEqual([
      expect.objectContaining({ from: null, to: 'awaiting_payment', actor: 'user', actorUserId: b.s.userId }),
    ]);
    expect([await stockOf(a1.id), await stockOf(a2.id), await stockOf(b1.id)]).toEqual([10, 4, 0]);
    // The answer (made without reading the rows back) is what was stored: it reads back the same.
    type Shape = { orders: { id: string; lines: { id: string }[] }[] };
    const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
    const norm = (x: Shape) => ({
      ...x,
      orders: x.orders.map((o) => ({ ...o, lines: [...o.lines].sort(byId) })).sort(byId),
    });
    const stored = await t.app.inject({ method: 'GET', url: `/api/v1/purchases/${p.id}`, headers: bearer(b.s.token) });
    expect(norm(stored.json())).toEqual(norm(p));
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/cart', headers: bearer(b.s.token) })).json().lines,
    ).toEqual([]);
    // The expiry job waits in Redis, delayed until the purchase's expiry (72 h for a transfer).
    const job = await t.app.queues
      .get(QUEUES.purchaseExpiry)
      .getJob(`expire-${p.id}-${new Date(p.expiresAt).getTime()}`);
    expect(job?.data).toEqual({ purchaseId: p.id });
    expect(job!.opts.delay).toBeGreaterThan(71 * 3600_000);
    expect(await t.app.queues.get(QUEUES.purchaseExpiry).getJobState(job!.id!)).toBe('delayed');
  });

  it('409 listing every failing line takes nothing', async () => {
    const b = await buyer();
    const ok = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const short = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 2 });
    const gone = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 10 });
    await put(b.s, [
      { productId: ok.id, qty: 5 },
      { productId: short.id, qty: 3 },
      { productId: gone.id, qty: 1 },
    ]);
    await t.app.db.update(schema.products).set({ status: 'delisted' }).where(eq(schema.products.id, gone.id));
    const res = await checkout(b.s, 'k-fail');
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('lines_unavailable');
    expect(res.json().lines).toEqual([
      { productId: gone.id, qty: 1, code: 'not_available', message: 'is not on sale' },
    ]);
    await t.app.db.update(schema.products).set({ status: 'listed' }).where(eq(schema.products.id, gone.id));
    const res2 = await checkout(b.s, 'k-fail');
    expect(res2.statusCode).toBe(409);
    expect(res2.json().lines).toEqual([
      { productId: short.id, qty: 3, code: 'out_of_stock', message: 'only 2 left in stock' },
    ]);
    expect([await stockOf(ok.id), await stockOf(short.id), await stockOf(gone.id)]).toEqual([10, 2, 10]);
    expect(await t.app.db.select().from(schema.purchases).where(eq(schema.purchases.buyerOrgId, b.orgId))).toEqual([]);
  });

  it('card without Stripe keys is refused with a clear 422 naming paymentMethod', async () => {
    const b = await buyer();
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId });
    await put(b.s, [{ productId: p.id, qty: 1 }]);
    const res = await checkout(b.s, 'card-1', { paymentMethod: 'card' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      code: 'card_payments_unavailable',
      errors: [{ field: 'body.paymentMethod', message: 'card payment is not available; use transfer' }],
    });
    expect(await stockOf(p.id)).toBe(100);
    const options = await t.app.inject({ method: 'GET', url: '/api/v1/payments/options', headers: bearer(b.s.token) });
    expect(options.json()).toEqual({ methods: ['transfer'], stripePublishableKey: null });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/payments/options' })).statusCode).toBe(401);
  });

  it('400 for bad input (unknown field, bad method), 401 and 403 for a cooperative', async () => {
    const b = await buyer();
    const r = await checkout(b.s, undefined, { paymentMethod: 'cash' });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].field).toBe('body.paymentMethod');
    const r2 = await checkout(b.s, undefined, { paymentMethod: 'transfer', totalFen: 1 });
    expect(r2.json().errors).toEqual([{ field: 'body.totalFen', message: 'is not an accepted field' }]);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/purchases', payload: { paymentMethod: 'transfer' } }))
        .statusCode,
    ).toBe(401);
    expect((await checkout(coopA.s)).statusCode).toBe(403);
  });
});

describe('checkout of explicit lines', () => {
  it('buys the given lines (two lines of one product summed) and leaves the cart alone', async () => {
    const b = await buyer();
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 5 });
    const other = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 5 });
    await put(b.s, [{ productId: other.id, qty: 1 }]);
    const over = await checkout(b.s, undefined, {
      paymentMethod: 'transfer',
      lines: [
        { productId: p.id, qty: 3 },
        { productId: p.id, qty: 3 },
      ],
    });
    expect(over.statusCode).toBe(409);
    expect(over.json().lines).toEqual([
      { productId: p.id, qty: 6, code: 'out_of_stock', message: 'only 5 left in stock' },
    ]);
    const ok = await checkout(b.s, undefined, {
      paymentMethod: 'transfer',
      lines: [
        { productId: p.id, qty: 2 },
        { productId: p.id, qty: 3 },
      ],
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().orders[0].lines[0].qty).toBe(5);
    expect(await stockOf(p.id)).toBe(0);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/cart', headers: bearer(b.s.token) })).json().lines,
    ).toHaveLength(1);
  });
});

describe('idempotency', () => {
  it('a replay answers the first response; another body answers 422; nothing is taken twice', async () => {
    const b = await buyer();
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    await put(b.s, [{ productId: p.id, qty: 2 }]);
    const first = await checkout(b.s, 'same-key');
    expect(first.statusCode).toBe(201);
    await put(b.s, [{ productId: p.id, qty: 2 }]);
    const again = await checkout(b.s, 'same-key');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    const other = await checkout(b.s, 'same-key', { paymentMethod: 'transfer', note: 'different' });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    expect(await stockOf(p.id)).toBe(8);
  });

  it('two identical requests at once make one purchase', async () => {
    const b = await buyer();
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    await put(b.s, [{ productId: p.id, qty: 3 }]);
    const rs = await Promise.all([
      checkout(b.s, 'concurrent'),
      checkout(b.s, 'concurrent'),
      checkout(b.s, 'concurrent'),
    ]);
    expect(rs.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(rs.map((r) => r.json().id)).size).toBe(1);
    expect(await stockOf(p.id)).toBe(7);
    expect(await t.app.db.select().from(schema.purchases).where(eq(schema.purchases.buyerOrgId, b.orgId))).toHaveLength(
      1,
    );
  });
});

describe('race for the last units', () => {
  it('many buyers, 5 units: exactly 5 sold, the rest 409, stock never below zero', async () => {
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 5 });
    const buyers = await Promise.all(Array.from({ length: 12 }, () => buyer()));
    for (const b of buyers) await put(b.s, [{ productId: p.id, qty: 1 }]);
    const rs = await Promise.all(buyers.map((b, i) => checkout(b.s, `race-${i}`)));
    const codes = rs.map((r) => r.statusCode).sort();
    expect(codes).toEqual([...Array(5).fill(201), ...Array(7).fill(409)]);
    expect(await stockOf(p.id)).toBe(0);
    expect((await stockOf(p.id)) + (await soldOf(p.id))).toBe(5);
  });

  it('two products taken in opposite cart orders: no 500, no deadlock, totals add up', async () => {
    const x = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 6 });
    const y = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 6 });
    const buyers = await Promise.all(Array.from({ length: 10 }, () => buyer()));
    for (const [i, b] of buyers.entries()) {
      const lines = [
        { productId: x.id, qty: 1 },
        { productId: y.id, qty: 1 },
      ];
      await put(b.s, i % 2 ? lines.reverse() : lines);
    }
    const rs = await Promise.all(buyers.map((b, i) => checkout(b.s, `opp-${i}`)));
    expect(rs.filter((r) => r.statusCode === 201)).toHaveLength(6);
    expect(rs.filter((r) => r.statusCode === 409)).toHaveLength(4);
    for (const id of [x.id, y.id]) expect((await stockOf(id)) + (await soldOf(id))).toBe(6);
  });
});

describe('approval', () => {
  it("a member's purchase above the threshold waits; a manager approves; a member cannot; reject returns stock", async () => {
    const owner = await buyer({ approvalThresholdFen: 50_000 });
    const member = await createUser(t.app.db, { orgId: owner.orgId, role: 'member' });
    const ms = await login(t.app, member.email);
    const p = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 100 });
    const small = await placed({ s: ms }, [{ id: p.id, qty: 5 }]);
    expect(small.status).toBe('awaiting_payment');
    const big = await placed({ s: ms }, [{ id: p.id, qty: 6 }]);
    expect(big.status).toBe('pending_approval');
    expect((await post(ms, `/api/v1/purchases/${big.id}/approve`)).statusCode).toBe(403);
    const other = await buyer();
    expect((await post(other.s, `/api/v1/purchases/${big.id}/approve`)).statusCode).toBe(404);
    const ok = await post(owner.s, `/api/v1/purchases/${big.id}/approve`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('awaiting_payment');
    expect(ok.json().orders[0].transitions.map((x: { to: string }) => x.to)).toEqual([
      'pending_approval',
      'awaiting_payment',
    ]);
    expect((await post(owner.s, `/api/v1/purchases/${big.id}/approve`)).json().code).toBe('invalid_transition');

    const third = await placed({ s: ms }, [{ id: p.id, qty: 10 }]);
    expect(await stockOf(p.id)).toBe(79);
    const rej = await post(owner.s, `/api/v1/purchases/${third.id}/reject`, { note: 'too much' });
    expect(rej.json().status).toBe('cancelled');
    expect(await stockOf(p.id)).toBe(89);
  });
});

describe('bank transfer, ledger and fulfilment', () => {
  it('buyer submits, office confirms the exact amount (mismatch refused), ledger rows per line, then ship → deliver → accept', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10, category: 'tea' });
    const c = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 10 });
    const p = await placed(b, [
      { id: a.id, qty: 2 },
      { id: c.id, qty: 3 },
    ]);
    expect(p.bankAccount.account).toEqual(expect.any(String));
    const sub = await post(b.s, `/api/v1/purchases/${p.id}/pay`, { amountFen: 50_000, reference: 'ICBC-778899' });
    expect(sub.statusCode).toBe(200);
    expect(sub.json().payment).toMatchObject({
      status: 'submitted',
      submittedAmountFen: 50_000,
      submittedReference: 'ICBC-778899',
    });
    const missing = await post(b.s, `/api/v1/purchases/${p.id}/pay`, { reference: 'x' });
    expect(missing.json().errors).toEqual([{ field: 'body.amountFen', message: 'is required for a bank transfer' }]);

    const queue = await t.app.inject({ method: 'GET', url: '/api/v1/payments', headers: bearer(office.token) });
    expect(queue.json().find((q: { purchaseId: string }) => q.purchaseId === p.id)).toMatchObject({
      status: 'submitted',
      amountFen: 50_000,
      remittanceRef: p.remittanceRef,
    });
    expect((await post(coopA.s, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 50_000 })).statusCode).toBe(
      403,
    );
    expect((await post(b.s, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 50_000 })).statusCode).toBe(403);
    const mismatch = await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 49_999 });
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json()).toMatchObject({
      code: 'amount_mismatch',
      detail: 'Received 49999 fen but the purchase is 50000 fen; only the exact amount can be confirmed',
      expectedFen: 50_000,
    });
    const ok = await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 50_000 });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('paid');
    expect(ok.json().orders.map((o: { status: string }) => o.status)).toEqual(['paid', 'paid']);
    expect((await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 50_000 })).statusCode).toBe(
      200,
    );
    const lineIds = p.orders.flatMap((o: { lines: { id: string }[] }) => o.lines.map((l) => l.id));
    const ledger = await t.app.db.select().from(schema.sales).where(inArray(schema.sales.sourceRef, lineIds));
    expect(ledger.map((r) => [r.kind, r.amountFen, r.buyerOrgId, r.category]).sort()).toEqual([
      ['sale', 20_000, b.orgId, 'tea'],
      ['sale', 30_000, b.orgId, 'honey'],
    ]);

    const orderA = p.orders.find((o: { cooperativeId: string }) => o.cooperativeId === coopA.orgId).id;
    expect((await post(b.s, `/api/v1/orders/${orderA}/ship`, { carrier: 'SF', trackingNo: 'SF1' })).statusCode).toBe(
      403,
    );
    expect(
      (await post(coopB.s, `/api/v1/orders/${orderA}/ship`, { carrier: 'SF', trackingNo: 'SF1' })).statusCode,
    ).toBe(404);
    expect((await post(coopA.s, `/api/v1/orders/${orderA}/ship`, { carrier: 'SF' })).json().errors).toEqual([
      { field: 'body.trackingNo', message: expect.any(String) },
    ]);
    expect((await post(coopA.s, `/api/v1/orders/${orderA}/deliver`)).json()).toMatchObject({
      status: 409,
      code: 'invalid_transition',
      from: 'paid',
      to: 'delivered',
    });
    const shipped = await post(coopA.s, `/api/v1/orders/${orderA}/ship`, {
      carrier: '顺丰',
      trackingNo: 'SF1234567890',
    });
    expect(shipped.json()).toMatchObject({ status: 'shipped', carrier: '顺丰', trackingNo: 'SF1234567890' });
    expect((await post(b.s, `/api/v1/orders/${orderA}/cancel`)).json().code).toBe('invalid_transition');
    expect((await post(coopA.s, `/api/v1/orders/${orderA}/deliver`)).json().status).toBe('delivered');
    const acc = await post(b.s, `/api/v1/orders/${orderA}/accept`);
    expect(acc.json().status).toBe('accepted');
    expect(acc.json().transitions.map((x: { from: string | null; to: string }) => `${x.from}>${x.to}`)).toEqual([
      'null>awaiting_payment',
      'awaiting_payment>paid',
      'paid>shipped',
      'shipped>delivered',
      'delivered>accepted',
    ]);

    // The other cooperative's order is cancelled after payment: stock back, refund record, negative ledger rows.
    const orderB = p.orders.find((o: { cooperativeId: string }) => o.cooperativeId === coopB.orgId).id;
    const cancelled = await post(b.s, `/api/v1/orders/${orderB}/cancel`, { note: 'no longer needed' });
    expect(cancelled.json().status).toBe('refunded');
    expect(await stockOf(c.id)).toBe(10);
    const [refund] = await t.app.db.select().from(schema.refunds).where(eq(schema.refunds.orderId, orderB));
    expect(refund).toMatchObject({ method: 'transfer', amountFen: 30_000, stripeRefundId: null });
    const after = await t.app.db.select().from(schema.sales).where(inArray(schema.sales.sourceRef, lineIds));
    expect(after.reduce((s, r) => s + r.amountFen, 0)).toBe(20_000);
    expect(after.filter((r) => r.kind === 'refund').map((r) => r.amountFen)).toEqual([-30_000]);
  });

  it('cancel before payment returns stock; a disputed delivery can be refunded by the office', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p1 = await placed(b, [{ id: a.id, qty: 4 }]);
    expect(await stockOf(a.id)).toBe(6);
    const c1 = await post(b.s, `/api/v1/purchases/${p1.id}/cancel`);
    expect(c1.json().status).toBe('cancelled');
    expect(await stockOf(a.id)).toBe(10);
    expect((await post(b.s, `/api/v1/purchases/${p1.id}/cancel`)).statusCode).toBe(409);

    const p2 = await placed(b, [{ id: a.id, qty: 1 }]);
    await post(office, `/api/v1/payments/${p2.id}/confirm-transfer`, { amountFen: p2.totalFen });
    const oid = p2.orders[0].id;
    await post(coopA.s, `/api/v1/orders/${oid}/ship`, { carrier: 'EMS', trackingNo: 'E1' });
    await post(coopA.s, `/api/v1/orders/${oid}/deliver`);
    expect((await post(b.s, `/api/v1/orders/${oid}/report`, {})).statusCode).toBe(400);
    const rep = await post(b.s, `/api/v1/orders/${oid}/report`, { note: '两箱破损' });
    expect(rep.json()).toMatchObject({ status: 'disputed', problemNote: '两箱破损' });
    expect((await post(b.s, `/api/v1/orders/${oid}/refund`)).statusCode).toBe(403);
    expect((await post(office, `/api/v1/orders/${oid}/refund`, { note: 'agreed' })).json().status).toBe('refunded');
    expect(await stockOf(a.id)).toBe(9);
  });
});

describe('state machine', () => {
  it('allows exactly the listed moves', () => {
    const all = Object.keys(ORDER_TRANSITIONS) as OrderStatus[];
    const allowed = all.flatMap((f) => ORDER_TRANSITIONS[f].map((to) => `${f}>${to}`));
    expect(allowed).toEqual([
      'pending_approval>awaiting_payment',
      'pending_approval>cancelled',
      'awaiting_payment>paid',
      'awaiting_payment>cancelled',
      'paid>shipped',
      'paid>refunded',
      'shipped>delivered',
      'delivered>accepted',
      'delivered>disputed',
      'disputed>accepted',
      'disputed>refunded',
    ]);
  });

  it('refuses a sample of forbidden moves over HTTP with 409 invalid_transition', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p = await placed(b, [{ id: a.id, qty: 1 }]);
    const oid = p.orders[0].id;
    for (const [who, action, body] of [
      [coopA.s, 'ship', { carrier: 'x', trackingNo: 'y' }],
      [coopA.s, 'deliver', {}],
      [b.s, 'accept', {}],
      [b.s, 'report', { note: 'n' }],
      [office, 'refund', {}],
    ] as const) {
      const r = await post(who, `/api/v1/orders/${oid}/${action}`, body);
      expect(r.statusCode, action).toBe(409);
      expect(r.json().code).toBe('invalid_transition');
    }
    expect((await t.app.db.select().from(schema.orders).where(eq(schema.orders.id, oid)))[0]!.status).toBe(
      'awaiting_payment',
    );
  });
});

describe('tenancy and lists', () => {
  it("another org's token gets 404 on every purchase and order route, and nothing changes", async () => {
    const b = await buyer();
    const intruder = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p = await placed(b, [{ id: a.id, qty: 2 }]);
    const oid = p.orders[0].id;
    const calls: [string, string, unknown][] = [
      ['GET', `/api/v1/purchases/${p.id}`, undefined],
      ['POST', `/api/v1/purchases/${p.id}/approve`, {}],
      ['POST', `/api/v1/purchases/${p.id}/reject`, {}],
      ['POST', `/api/v1/purchases/${p.id}/cancel`, {}],
      ['POST', `/api/v1/purchases/${p.id}/pay`, { amountFen: 1, reference: 'x' }],
      ['GET', `/api/v1/orders/${oid}`, undefined],
      ['POST', `/api/v1/orders/${oid}/ship`, { carrier: 'a', trackingNo: 'b' }],
      ['POST', `/api/v1/orders/${oid}/deliver`, {}],
      ['POST', `/api/v1/orders/${oid}/accept`, {}],
      ['POST', `/api/v1/orders/${oid}/report`, { note: 'x' }],
      ['POST', `/api/v1/orders/${oid}/cancel`, {}],
      ['POST', `/api/v1/orders/${oid}/refund`, {}],
    ];
    for (const [method, url, payload] of calls) {
      const r = await t.app.inject({
        method: method as 'GET',
        url,
        headers: bearer(intruder.s.token),
        ...(payload ? { payload: payload as object } : {}),
      });
      expect(r.statusCode, `${method} ${url}`).toBe(404);
    }
    for (const [method, url, payload] of calls.filter(([, u]) => u.includes('/orders/'))) {
      const r = await t.app.inject({
        method: method as 'GET',
        url,
        headers: bearer(coopB.s.token),
        ...(payload ? { payload: payload as object } : {}),
      });
      expect(r.statusCode, `coop ${method} ${url}`).toBe(404);
    }
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/purchases/${p.id}`, headers: bearer(coopA.s.token) }))
        .statusCode,
    ).toBe(404);
    const after = await t.app.inject({ method: 'GET', url: `/api/v1/purchases/${p.id}`, headers: bearer(b.s.token) });
    expect(after.json()).toMatchObject({ status: 'awaiting_payment', payment: { status: 'pending' } });
    expect(await stockOf(a.id)).toBe(8);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/purchases', headers: bearer(intruder.s.token) })).json(),
    ).toEqual([]);
  });

  it('lists filter by status and export CSV; the cooperative sees only its own orders', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10, nameZh: '列表蜂蜜' });
    const p = await placed(b, [{ id: a.id, qty: 1 }]);
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/purchases?status=awaiting_payment',
      headers: bearer(b.s.token),
    });
    expect(list.json().map((x: { id: string }) => x.id)).toEqual([p.id]);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/purchases?status=paid', headers: bearer(b.s.token) })).json(),
    ).toEqual([]);
    const badStatus = await t.app.inject({
      method: 'GET',
      url: '/api/v1/purchases?status=nope',
      headers: bearer(b.s.token),
    });
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json().errors[0].field).toBe('query.status');
    const csv = await t.app.inject({ method: 'GET', url: '/api/v1/purchases?format=csv', headers: bearer(b.s.token) });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')[1]).toContain(p.remittanceRef);
    const coopOrders = await t.app.inject({
      method: 'GET',
      url: '/api/v1/orders?format=csv',
      headers: bearer(coopA.s.token),
    });
    expect(coopOrders.body).toContain('列表蜂蜜×1');
    const coopBOrders = await t.app.inject({ method: 'GET', url: '/api/v1/orders', headers: bearer(coopB.s.token) });
    expect(coopBOrders.json().some((o: { purchaseId: string }) => o.purchaseId === p.id)).toBe(false);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/payments', headers: bearer(b.s.token) })).statusCode,
    ).toBe(403);
    const pay = await t.app.inject({
      method: 'GET',
      url: '/api/v1/payments?format=csv',
      headers: bearer(office.token),
    });
    expect(pay.body).toContain(p.remittanceRef);
  });
});
