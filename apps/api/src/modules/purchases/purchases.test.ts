import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createProduct, createUser } from '@shanhai/db/testing';
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
