import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createUser } from '@shanhai/db/testing';
import { salesWorld, tokenCalls } from '../../../test-support/sales';
import { bearer, login, TINY_PNG, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let townId: string;
let buyerOrgId: string;
let otherBuyerOrgId: string;
let office: string;
let buyerManager: string;
let buyerMember: string;
let otherBuyer: string;
let coop: string;
const { post, get, upload } = tokenCalls(() => t);

beforeAll(async () => {
  ({ t, townId, buyerOrgId, otherBuyerOrgId, office, buyerManager, buyerMember, otherBuyer, coop } =
    await salesWorld());
});
afterAll(async () => t.close());

const record = { category: 'tea', amountFen: 123_456, businessDate: '2026-03-05', invoiceNo: 'INV-1' };
const ledgerFor = (ref: string) => t.app.db.select().from(schema.sales).where(eq(schema.sales.sourceRef, ref));

describe('offline sales', () => {
  it('401 without a token, 403 for a buyer member and for a cooperative, 400 naming the field', async () => {
    expect((await post('/api/v1/sales/offline', null, { ...record, townId })).statusCode).toBe(401);
    expect((await post('/api/v1/sales/offline', buyerMember, { ...record, townId })).statusCode).toBe(403);
    expect((await post('/api/v1/sales/offline', coop, { ...record, townId })).statusCode).toBe(403);
    const bad = await post('/api/v1/sales/offline', office, { ...record, townId, amountFen: -1 });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('amountFen');
    const noTown = await post('/api/v1/sales/offline', office, { ...record, townId: crypto.randomUUID() });
    expect(noTown.statusCode).toBe(400);
    expect(noTown.json().errors[0].field).toBe('body.townId');
    const foreign = await post('/api/v1/sales/offline', buyerManager, {
      ...record,
      townId,
      buyerOrgId: otherBuyerOrgId,
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().errors[0].field).toBe('body.buyerOrgId');
  });

  it('a buyer manager records for their own org (pending); office approves once, concurrently; the ledger gets one row', async () => {
    const created = await post('/api/v1/sales/offline', buyerManager, { ...record, townId });
    expect(created.statusCode).toBe(201);
    const rec = created.json();
    expect(rec).toMatchObject({ status: 'pending', buyerOrgId, townId, amountFen: 123_456, evidence: [] });
    // The buyer may not approve; another buyer org cannot see it.
    expect((await post(`/api/v1/sales/offline/${rec.id}/approve`, buyerManager)).statusCode).toBe(403);
    expect((await get('/api/v1/sales/offline', otherBuyer)).json().items).toEqual([]);
    expect((await get('/api/v1/sales/offline', buyerManager)).json().items.map((i: { id: string }) => i.id)).toEqual([
      rec.id,
    ]);
    expect(
      (await upload(`/api/v1/sales/offline/${rec.id}/evidence`, office, TINY_PNG, 'a.png', 'image/png')).statusCode,
    ).toBe(200);
    const twice = await Promise.all([
      post(`/api/v1/sales/offline/${rec.id}/approve`, office),
      post(`/api/v1/sales/offline/${rec.id}/approve`, office),
    ]);
    expect(twice.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect((await ledgerFor(rec.id)).map((r) => [r.kind, r.amountFen, r.source])).toEqual([
      ['sale', 123_456, 'offline'],
    ]);
    expect((await post(`/api/v1/sales/offline/${crypto.randomUUID()}/approve`, office)).statusCode).toBe(404);

    const reversed = await post(`/api/v1/sales/offline/${rec.id}/reverse`, office, { reason: '发票作废' });
    expect(reversed.statusCode).toBe(200);
    expect(reversed.json()).toMatchObject({ status: 'reversed', decisionReason: '发票作废' });
    expect((await ledgerFor(rec.id)).map((r) => r.amountFen).sort()).toEqual([-123_456, 123_456]);
    expect((await post(`/api/v1/sales/offline/${rec.id}/reverse`, office, { reason: 'again' })).statusCode).toBe(409);
  });

  it('rejects with a reason (no ledger row); reject needs a reason', async () => {
    const rec = (await post('/api/v1/sales/offline', office, { ...record, townId })).json();
    const noReason = await post(`/api/v1/sales/offline/${rec.id}/reject`, office, {});
    expect(noReason.statusCode).toBe(400);
    expect(JSON.stringify(noReason.json())).toContain('reason');
    const r = await post(`/api/v1/sales/offline/${rec.id}/reject`, office, { reason: '无凭证' });
    expect(r.json()).toMatchObject({ status: 'rejected', decisionReason: '无凭证' });
    expect(await ledgerFor(rec.id)).toEqual([]);
  });

  it('Idempotency-Key: a resent record (also two at once) is recorded once; the key with another body is 422', async () => {
    const send = (key: string, body: object) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/sales/offline',
        headers: { ...bearer(office), 'idempotency-key': key },
        payload: body,
      });
    const body = { ...record, townId, invoiceNo: 'IDEM-1' };
    const [a, b] = await Promise.all([send('offline-idem-1', body), send('offline-idem-1', body)]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().id).toBe(b.json().id);
    expect([a.headers['idempotent-replayed'], b.headers['idempotent-replayed']].sort()).toEqual(['false', 'true']);
    const again = await send('offline-idem-1', body);
    expect(again.json()).toEqual(a.json());
    const other = await send('offline-idem-1', { ...body, amountFen: 1 });
    expect(other.statusCode).toBe(422);
    expect(other.json().errors[0].field).toBe('headers.idempotency-key');
    const stored = await t.app.db.select().from(schema.offlineSales).where(eq(schema.offlineSales.invoiceNo, 'IDEM-1'));
    expect(stored).toHaveLength(1);
  });

  it('takes at most 3 evidence files, checked by content', async () => {
    const rec = (await post('/api/v1/sales/offline', office, { ...record, townId })).json();
    expect(
      (
        await upload(
          `/api/v1/sales/offline/${rec.id}/evidence`,
          office,
          Buffer.from('not an image'),
          'x.png',
          'image/png',
        )
      ).statusCode,
    ).toBe(400);
    for (let i = 0; i < 3; i++) {
      const pdf = Buffer.from(`%PDF-1.4\n% evidence ${i}\n%%EOF\n`);
      expect(
        (await upload(`/api/v1/sales/offline/${rec.id}/evidence`, office, pdf, `${i}.pdf`, 'application/pdf'))
          .statusCode,
      ).toBe(200);
    }
    const fourth = await upload(`/api/v1/sales/offline/${rec.id}/evidence`, office, TINY_PNG, 'a.png', 'image/png');
    expect(fourth.statusCode).toBe(400);
    expect(fourth.json().errors[0].field).toBe('body.file');
    expect(
      (await upload(`/api/v1/sales/offline/${rec.id}/evidence`, otherBuyer, TINY_PNG, 'a.png', 'image/png')).statusCode,
    ).toBe(404);
  });
});

describe('office roles on the ledger', () => {
  it('four eyes: whoever recorded a sale cannot approve it (not even the office owner); another manager can', async () => {
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(office) });
    const manager = (
      await login(t.app, (await createUser(t.app.db, { orgId: me.json().org.id, role: 'manager' })).email)
    ).token;
    const rec = (await post('/api/v1/sales/offline', office, { ...record, townId, invoiceNo: 'EYES-1' })).json();
    const own = await post(`/api/v1/sales/offline/${rec.id}/approve`, office);
    expect(own.statusCode).toBe(403);
    expect(own.json().code).toBe('four_eyes');
    expect(await ledgerFor(rec.id)).toEqual([]);
    const approved = await post(`/api/v1/sales/offline/${rec.id}/approve`, manager);
    expect(approved.json().status).toBe('approved');
    expect((await ledgerFor(rec.id)).length).toBe(1);
    // The recorder may still withdraw its own record (a rejection moves no money).
    const mine = (await post('/api/v1/sales/offline', office, { ...record, townId, invoiceNo: 'EYES-2' })).json();
    expect((await post(`/api/v1/sales/offline/${mine.id}/reject`, office, { reason: '录入有误' })).json().status).toBe(
      'rejected',
    );
  });

  it('an office member may reject, but approving or reversing (money in the ledger) takes an owner or manager', async () => {
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(office) });
    const officeOrgId = me.json().org.id as string;
    const member = (await login(t.app, (await createUser(t.app.db, { orgId: officeOrgId, role: 'member' })).email))
      .token;
    const manager = (await login(t.app, (await createUser(t.app.db, { orgId: officeOrgId, role: 'manager' })).email))
      .token;
    const rec = (await post('/api/v1/sales/offline', buyerManager, { ...record, townId, invoiceNo: 'ROLE-1' })).json();
    expect((await post(`/api/v1/sales/offline/${rec.id}/approve`, member)).statusCode).toBe(403);
    expect(await ledgerFor(rec.id)).toEqual([]);
    expect((await post(`/api/v1/sales/offline/${rec.id}/approve`, manager)).json().status).toBe('approved');
    expect((await post(`/api/v1/sales/offline/${rec.id}/reverse`, member, { reason: '发票作废' })).statusCode).toBe(
      403,
    );
    expect((await ledgerFor(rec.id)).length).toBe(1);
    const other = (
      await post('/api/v1/sales/offline', buyerManager, { ...record, townId, invoiceNo: 'ROLE-2' })
    ).json();
    expect((await post(`/api/v1/sales/offline/${other.id}/reject`, member, { reason: '无凭证' })).json().status).toBe(
      'rejected',
    );
  });

  it('each decision is in the audit log with who, the status before and after and the reason; a refused one writes nothing (issue 13)', async () => {
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(office) });
    const officeOrgId = me.json().org.id as string;
    const manager = await login(t.app, (await createUser(t.app.db, { orgId: officeOrgId, role: 'manager' })).email);
    const audits = async (id: string) =>
      (
        await t.app.db
          .select({
            action: schema.auditLog.action,
            actor: schema.auditLog.actorUserId,
            org: schema.auditLog.actorOrgId,
            before: schema.auditLog.before,
            after: schema.auditLog.after,
          })
          .from(schema.auditLog)
          .where(eq(schema.auditLog.entityId, id))
          .orderBy(schema.auditLog.at, schema.auditLog.id)
      ).filter((a) => a.action !== 'offline_sale.record');
    const byManager = { actor: manager.userId, org: officeOrgId };

    const sold = (
      await post('/api/v1/sales/offline', buyerManager, { ...record, townId, invoiceNo: 'AUDIT-1' })
    ).json();
    expect((await post(`/api/v1/sales/offline/${sold.id}/approve`, manager.token)).statusCode).toBe(200);
    expect(
      (await post(`/api/v1/sales/offline/${sold.id}/reverse`, manager.token, { reason: '发票作废' })).statusCode,
    ).toBe(200);
    expect(await audits(sold.id)).toEqual([
      {
        action: 'offline_sale.approve',
        ...byManager,
        before: { status: 'pending' },
        after: { status: 'approved', reason: null },
      },
      {
        action: 'offline_sale.reverse',
        ...byManager,
        before: { status: 'approved' },
        after: { status: 'reversed', reason: '发票作废' },
      },
    ]);

    const dropped = (
      await post('/api/v1/sales/offline', buyerManager, { ...record, townId, invoiceNo: 'AUDIT-2' })
    ).json();
    expect(
      (await post(`/api/v1/sales/offline/${dropped.id}/reject`, manager.token, { reason: '无凭证' })).statusCode,
    ).toBe(200);
    expect(await audits(dropped.id)).toEqual([
      {
        action: 'offline_sale.reject',
        ...byManager,
        before: { status: 'pending' },
        after: { status: 'rejected', reason: '无凭证' },
      },
    ]);

    // Refused (four eyes): nothing in the log but the recording.
    const own = (
      await post('/api/v1/sales/offline', manager.token, { ...record, townId, invoiceNo: 'AUDIT-3' })
    ).json();
    expect((await post(`/api/v1/sales/offline/${own.id}/approve`, manager.token)).statusCode).toBe(403);
    expect(await audits(own.id)).toEqual([]);
  });

  it('an approval that would take the town total past the safe range is a 409 naming amountFen, also two at once; nothing stored (issue 13)', async () => {
    const make = async (amountFen: number, invoiceNo: string) =>
      (await post('/api/v1/sales/offline', buyerManager, { ...record, townId, amountFen, invoiceNo })).json()
        .id as string;
    const big = await make(5_000_000_000_000_000, 'BIG-1');
    expect((await post(`/api/v1/sales/offline/${big}/approve`, office)).statusCode).toBe(200);
    // 5e15 + 3e15 fits; 5e15 + 3e15 + 3e15 passes Number.MAX_SAFE_INTEGER (≈ 9.007e15).
    const [a, b] = [await make(3_000_000_000_000_000, 'BIG-2'), await make(3_000_000_000_000_000, 'BIG-3')];
    const both = await Promise.all([a, b].map((id) => post(`/api/v1/sales/offline/${id}/approve`, office)));
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const refused = both.find((r) => r.statusCode === 409)!.json();
    expect(refused).toMatchObject({
      code: 'amount_out_of_range',
      errors: [
        { field: 'amountFen', code: 'amount_too_large', message: 'makes an amount too large to record', params: {} },
      ],
    });
    const refusedId = both[0]!.statusCode === 409 ? a : b;
    expect(await ledgerFor(refusedId)).toEqual([]);
    const [row] = await t.app.db.select().from(schema.offlineSales).where(eq(schema.offlineSales.id, refusedId));
    expect(row).toMatchObject({ status: 'pending', decidedBy: null });
    // The town's recorded total stays readable as an exact number.
    const { rows } = await t.app.db.execute<{ s: string }>(
      sql`select sum(amount_fen)::text as s from sales where town_id = ${townId}`,
    );
    expect(Number.isSafeInteger(Number(rows[0]!.s))).toBe(true);
  });
});

describe('GET /sales/offline/count (issue 13)', () => {
  it('counts every record in scope (not a page), by status; 401, 403 for a buyer member, 400 naming the field', async () => {
    const count = async (token: string | null, q = '') => get(`/api/v1/sales/offline/count${q}`, token);
    const [pending] = await t.app.db
      .execute<{ n: number }>(sql`select count(*)::int as n from offline_sales where status = 'pending'`)
      .then((r) => r.rows);
    expect((await count(office, '?status=pending')).json()).toEqual({ count: pending!.n });
    expect((await count(office)).json()).toEqual({ count: await t.app.db.$count(schema.offlineSales) });
    expect((await count(buyerManager)).json()).toEqual({
      count: await t.app.db.$count(schema.offlineSales, eq(schema.offlineSales.buyerOrgId, buyerOrgId)),
    });
    expect((await count(otherBuyer)).json()).toEqual({ count: 0 });
    expect((await count(null)).statusCode).toBe(401);
    expect((await count(buyerMember)).statusCode).toBe(403);
    expect((await count(coop)).statusCode).toBe(403);
    const bad = await count(office, '?status=nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('query.status');
  });
});
