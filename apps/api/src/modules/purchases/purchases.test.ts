import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { cloneRow, createProduct, createUser } from '@shanhai/db/testing';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { bearer, login, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let coopA: Member;
let office: Session;
const { buyer, call, post, stockOf, placed } = shop(() => t);

beforeAll(async () => ({ t, coopA, office } = await buyingWorld()));
afterAll(() => t.close());

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
describe('cancel', () => {
  it('cancel before payment returns stock', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p1 = await placed(b, [{ id: a.id, qty: 4 }]);
    expect(await stockOf(a.id)).toBe(6);
    const c1 = await post(b.s, `/api/v1/purchases/${p1.id}/cancel`);
    expect(c1.json().status).toBe('cancelled');
    expect(await stockOf(a.id)).toBe(10);
    expect((await post(b.s, `/api/v1/purchases/${p1.id}/cancel`)).statusCode).toBe(409);
  });
});

describe('tenancy and lists', () => {
  it("another org's token gets 404 on every purchase route, and nothing changes", async () => {
    const b = await buyer();
    const intruder = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    const p = await placed(b, [{ id: a.id, qty: 2 }]);
    const calls: [string, string, unknown][] = [
      ['GET', `/api/v1/purchases/${p.id}`, undefined],
      ['POST', `/api/v1/purchases/${p.id}/approve`, {}],
      ['POST', `/api/v1/purchases/${p.id}/reject`, {}],
      ['POST', `/api/v1/purchases/${p.id}/cancel`, {}],
    ];
    for (const c of calls) expect((await call(intruder.s, c)).statusCode, `${c[0]} ${c[1]}`).toBe(404);
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

  it('lists filter by status and export CSV', async () => {
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
  });

  it("lists each purchase with its payment's and its orders' statuses, so the buyer sees where it is", async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10, nameZh: '进度蜂蜜' });
    const p = await placed(b, [{ id: a.id, qty: 2 }]);
    const row = async () =>
      (await t.app.inject({ method: 'GET', url: '/api/v1/purchases', headers: bearer(b.s.token) })).json()[0] as Record<
        string,
        unknown
      >;
    expect(await row()).toMatchObject({
      id: p.id,
      status: 'awaiting_payment',
      paymentStatus: 'pending',
      orderStatuses: ['awaiting_payment'],
    });
    const pay = await post(b.s, `/api/v1/purchases/${p.id}/pay`, { amountFen: p.totalFen, reference: 'ICBC-进度' });
    expect(pay.statusCode).toBe(200);
    expect(await row()).toMatchObject({ status: 'awaiting_payment', paymentStatus: 'submitted' });
    const paid = await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen });
    expect(paid.statusCode).toBe(200);
    const orderId = p.orders[0].id as string;
    const ship = await post(coopA.s, `/api/v1/orders/${orderId}/ship`, { carrier: '顺丰速运', trackingNo: 'SF9' });
    expect(ship.statusCode).toBe(200);
    expect(await row()).toMatchObject({ status: 'paid', paymentStatus: 'succeeded', orderStatuses: ['shipped'] });
  });

  it('exports a buyer name that a spreadsheet would run as a formula as text, in every list', async () => {
    const b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10, nameZh: '公式蜂蜜' });
    await placed(b, [{ id: a.id, qty: 1 }]);
    await t.app.db
      .update(schema.orgs)
      .set({ name: '=HYPERLINK("http://x","点我")' })
      .where(eq(schema.orgs.id, b.orgId));
    const guardedCell = `"'=HYPERLINK(""http://x"",""点我"")"`;
    for (const [url, token] of [
      ['/api/v1/purchases?format=csv', b.s.token],
      ['/api/v1/orders?format=csv', coopA.s.token],
      ['/api/v1/payments?format=csv', office.token],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(token) });
      expect(res.body, url).toContain(`,${guardedCell},`);
      expect(res.body, url).not.toContain(',=HYPERLINK');
    }
  });
});

describe('paging and exports of the buying lists', () => {
  /** More than the 1,000 rows the lists and their CSV exports were once cut at. */
  const MANY = 1000;
  const earlier = `src.created_at - g * interval '1 second'`;
  let b: Member;
  let first: { id: string; remittanceRef: string };

  beforeAll(async () => {
    b = await buyer();
    const a = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 10 });
    first = await placed(b, [{ id: a.id, qty: 1 }]);
    const ids = await cloneRow(t.app.db, 'purchases', first.id, MANY, {
      created_at: earlier,
      remittance_ref: `src.remittance_ref || '-' || g`,
    });
    const idOf = `('{${ids.join(',')}}'::uuid[])[g]`;
    const [order] = await t.app.db.select().from(schema.orders).where(eq(schema.orders.purchaseId, first.id));
    await cloneRow(t.app.db, 'orders', order!.id, MANY, { created_at: earlier, purchase_id: idOf });
    const [payment] = await t.app.db.select().from(schema.payments).where(eq(schema.payments.purchaseId, first.id));
    await cloneRow(t.app.db, 'payments', payment!.id, MANY, { created_at: earlier, purchase_id: idOf });
  }, 60_000);

  const get = (token: string, url: string) => t.app.inject({ method: 'GET', url, headers: bearer(token) });

  /** Every row of a list, walked page by page with the next-cursor header. */
  async function walk(token: string, path: string, limit: number) {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const sep = path.includes('?') ? '&' : '?';
      const res = await get(token, `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const items = res.json() as { id?: string; purchaseId?: string }[];
      seen.push(...items.map((x) => x.id ?? x.purchaseId!));
      sizes.push(items.length);
      cursor = res.headers['x-next-cursor'] as string | undefined;
      if (!cursor) return { seen, sizes };
    }
  }

  const csvRows = (body: string) => body.split('\r\n').filter((l) => l !== '').length - 1;

  it('GET /purchases and /orders walk every row by cursor, 500 at most a page, newest first, none twice', async () => {
    const purchases = await walk(b.s.token, '/api/v1/purchases', 500);
    expect(purchases.sizes).toEqual([500, 500, 1]);
    expect(new Set(purchases.seen).size).toBe(MANY + 1);
    expect(purchases.seen[0]).toBe(first.id);
    const orders = await walk(b.s.token, '/api/v1/orders', 500);
    expect(orders.sizes).toEqual([500, 500, 1]);
    expect(new Set(orders.seen).size).toBe(MANY + 1);
    // Without a limit: the default page, and a cursor to go on.
    const dflt = await get(b.s.token, '/api/v1/orders');
    expect(dflt.json()).toHaveLength(200);
    expect(dflt.headers['x-next-cursor']).toEqual(expect.any(String));
    // Filters hold across pages.
    const filtered = await walk(b.s.token, '/api/v1/purchases?status=awaiting_payment', 400);
    expect(filtered.sizes).toEqual([400, 400, 201]);
  });

  it('the office walks the payment queue by cursor: every pending payment once', async () => {
    const [{ n }] = (
      await t.app.db.execute<{ n: number }>(sql`select count(*)::int as n from payments where status = 'pending'`)
    ).rows as [{ n: number }];
    expect(n).toBeGreaterThan(MANY);
    const queue = await walk(office.token, '/api/v1/payments?status=pending', 500);
    expect(queue.seen).toHaveLength(n);
    expect(new Set(queue.seen).size).toBe(n);
  });

  it("GET /payments/count counts the whole queue, not a page: the office's only, its filter checked", async () => {
    const count = async (status?: string) =>
      (
        (
          await t.app.db.execute<{ n: number }>(
            status
              ? sql`select count(*)::int as n from payments where status = ${status}`
              : sql`select count(*)::int as n from payments p join purchases u on u.id = p.purchase_id
                  where p.method = 'transfer' and u.status = 'awaiting_payment'`,
          )
        ).rows as [{ n: number }]
      )[0].n;
    const queue = await get(office.token, '/api/v1/payments/count');
    expect(queue.statusCode, queue.body).toBe(200);
    expect(queue.json()).toEqual({ count: await count() });
    expect(queue.json().count).toBeGreaterThan(MANY);
    const pending = await get(office.token, '/api/v1/payments/count?status=pending');
    expect(pending.json()).toEqual({ count: await count('pending') });
    const none = await get(office.token, '/api/v1/payments/count?status=failed');
    expect(none.json()).toEqual({ count: await count('failed') });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/payments/count' })).statusCode).toBe(401);
    expect((await get(b.s.token, '/api/v1/payments/count')).statusCode).toBe(403);
    expect((await get(coopA.s.token, '/api/v1/payments/count')).statusCode).toBe(403);
    const bad = await get(office.token, '/api/v1/payments/count?status=PAID!');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('query.status');
    const extra = await get(office.token, '/api/v1/payments/count?limit=1');
    expect(extra.statusCode).toBe(400);
  });

  it('the CSV exports hold every row, past the old cap of 1,000', async () => {
    const purchases = await get(b.s.token, '/api/v1/purchases?format=csv');
    expect(csvRows(purchases.body)).toBe(MANY + 1);
    expect(purchases.body).toContain(`${first.remittanceRef}-${MANY}`);
    const orders = await get(b.s.token, '/api/v1/orders?format=csv');
    expect(csvRows(orders.body)).toBe(MANY + 1);
    const [{ n }] = (
      await t.app.db.execute<{ n: number }>(sql`select count(*)::int as n from payments where status = 'pending'`)
    ).rows as [{ n: number }];
    const payments = await get(office.token, '/api/v1/payments?status=pending&format=csv');
    expect(csvRows(payments.body)).toBe(n);
  });

  it('a limit past the cap, a garbled, altered or foreign cursor: 400 naming the field, never a 500', async () => {
    const fieldOf = async (token: string, url: string) => {
      const res = await get(token, url);
      expect(res.statusCode, `${url} ${res.body}`).toBe(400);
      return res.json().errors[0].field;
    };
    expect(await fieldOf(b.s.token, '/api/v1/orders?limit=501')).toBe('query.limit');
    expect(await fieldOf(b.s.token, '/api/v1/purchases?limit=0')).toBe('query.limit');
    expect(await fieldOf(office.token, '/api/v1/payments?limit=1.5')).toBe('query.limit');
    const orderCursor = (await get(b.s.token, '/api/v1/orders?limit=1')).headers['x-next-cursor'] as string;
    const purchaseCursor = (await get(b.s.token, '/api/v1/purchases?limit=1')).headers['x-next-cursor'] as string;
    const forged = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
    const uuid = first.id;
    for (const [url, token] of [
      [`/api/v1/purchases?cursor=${orderCursor}`, b.s.token],
      [`/api/v1/orders?cursor=${purchaseCursor}`, b.s.token],
      [`/api/v1/payments?cursor=${orderCursor}`, office.token],
      ['/api/v1/orders?cursor=not-a-cursor', b.s.token],
      [`/api/v1/orders?cursor=${forged(['orders', '2026-13-01T00:00:00.000000Z', uuid])}`, b.s.token],
      [`/api/v1/orders?cursor=${forged(['orders', '1', uuid])}`, b.s.token],
      [
        `/api/v1/orders?cursor=${forged(['orders', '2026-01-01T00:00:00.000000Z', "x'; drop table orders; --"])}`,
        b.s.token,
      ],
      [`/api/v1/purchases?cursor=${forged(['purchases', '2026-01-01T00:00:00.000000Z'])}`, b.s.token],
      [`/api/v1/purchases?cursor=${forged({ a: 1 })}`, b.s.token],
    ] as const)
      expect(await fieldOf(token, url)).toBe('query.cursor');
    // A cursor of our own list walks on; another org with it sees only its own rows.
    const other = await buyer();
    const theirs = await get(other.s.token, `/api/v1/orders?cursor=${orderCursor}`);
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json()).toEqual([]);
  });
});
