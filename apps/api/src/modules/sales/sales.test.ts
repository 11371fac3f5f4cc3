import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { eq, sql } from 'drizzle-orm';
import { foldAll, schema } from '@shanhai/db';
import { createOrg, createOrgWithUser } from '@shanhai/db/testing';
import { bearer, createTestApp, login, TINY_PNG, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let townId: string;
let buyerOrgId: string;
let otherBuyerOrgId: string;
let office: string;
let buyerManager: string;
let buyerMember: string;
let otherBuyer: string;
let coop: string;

beforeAll(async () => {
  t = await createTestApp({ template: 'empty' });
  const db = t.app.db;
  const [county] = await db
    .insert(schema.counties)
    .values({ code: 'sx', nameZh: '测试县', nameEn: 'Test' })
    .returning();
  const [town] = await db
    .insert(schema.towns)
    .values({ code: 'sx-a', countyId: county!.id, nameZh: '甲镇', nameEn: 'Jia' })
    .returning();
  townId = town!.id;
  const o = await createOrgWithUser(db, { kind: 'office' });
  office = (await login(t.app, o.user.email)).token;
  const b = await createOrgWithUser(db, { kind: 'buyer', role: 'manager' });
  buyerOrgId = b.org.id;
  buyerManager = (await login(t.app, b.user.email)).token;
  const { createUser } = await import('@shanhai/db/testing');
  const member = await createUser(db, { orgId: b.org.id, role: 'member' });
  buyerMember = (await login(t.app, member.email)).token;
  const ob = await createOrgWithUser(db, { kind: 'buyer' });
  otherBuyerOrgId = ob.org.id;
  otherBuyer = (await login(t.app, ob.user.email)).token;
  const c = await createOrgWithUser(db, { kind: 'cooperative', townCode: undefined });
  coop = (await login(t.app, c.user.email)).token;
});
afterAll(async () => t.close());

const post = (url: string, token: string | null, payload?: unknown) =>
  t.app.inject({
    method: 'POST',
    url,
    headers: token ? bearer(token) : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const get = (url: string, token: string | null) =>
  t.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });
const record = { category: 'tea', amountFen: 123_456, businessDate: '2026-03-05', invoiceNo: 'INV-1' };
const ledgerFor = (ref: string) => t.app.db.select().from(schema.sales).where(eq(schema.sales.sourceRef, ref));

function multipart(file: Buffer, filename: string, contentType: string) {
  const boundary = '----shanhai' + Math.random().toString(16).slice(2);
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
const upload = (url: string, token: string, file: Buffer, filename = 'f.csv', type = 'text/csv') => {
  const m = multipart(file, filename, type);
  return t.app.inject({ method: 'POST', url, payload: m.payload, headers: { ...m.headers, ...bearer(token) } });
};

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

describe('import', () => {
  const csv = Buffer.from(
    'date,town,amount_yuan,category\n2025-01-02,sx-a,100.50,tea\n2025-01-03,甲镇,20,honey\n2025-02-30,sx-a,1,tea\n2025-01-04,nowhere,1.234,tea\n',
  );
  const good = Buffer.from('日期,镇,金额（元）\n2025-03-01,sx-a,1000\n2025-03-02,sx-a,0.07\n');

  it('office only: 401, 403', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/sales/import' })).statusCode).toBe(401);
    expect((await upload('/api/v1/sales/import', buyerManager, good)).statusCode).toBe(403);
  });

  it('a dry run lists per-row errors and the totals per town; committing a file with errors is refused', async () => {
    const res = await upload('/api/v1/sales/import?dryRun=true', office, csv);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      dryRun: true,
      rows: 4,
      errors: [
        { row: 4, field: 'date', message: 'must be a date written YYYY-MM-DD' },
        { row: 5, field: 'town', message: expect.stringContaining('nowhere') },
        { row: 5, field: 'amount_yuan', message: expect.any(String) },
      ],
      totals: [{ townId, code: 'sx-a', nameZh: '甲镇', rows: 2, amountFen: 12_050 }],
      addedRows: 0,
    });
    const commit = await upload('/api/v1/sales/import?dryRun=false', office, csv);
    expect(commit.statusCode).toBe(400);
    expect(commit.json().errors[0].field).toBe('body.file');
  });

  it('commits idempotently per file row: the same file twice adds nothing the second time (zh headers, XLSX too)', async () => {
    const first = await upload('/api/v1/sales/import?dryRun=false', office, good);
    expect(first.json()).toMatchObject({ dryRun: false, addedRows: 2, totals: [{ amountFen: 100_007 }] });
    const again = await upload('/api/v1/sales/import?dryRun=false', office, good);
    expect(again.json().addedRows).toBe(0);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('s');
    ws.addRow(['date', 'town', 'amount_yuan']);
    ws.addRow(['2025-04-01', 'sx-a', '5']);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const x = await upload('/api/v1/sales/import?dryRun=false', office, xlsx, 'h.xlsx', 'application/octet-stream');
    expect(x.statusCode).toBe(200);
    expect(x.json()).toMatchObject({ addedRows: 1, totals: [{ amountFen: 500 }] });
    const [{ s } = { s: 0 }] = (
      await t.app.db.execute<{ s: number }>(sql`select sum(amount_fen)::bigint as s from sales where source = 'import'`)
    ).rows;
    expect(Number(s)).toBe(100_507);
  });
});

describe('snapshots', () => {
  it('office freezes the board under a title; immutable, listed, exported with zh headers', async () => {
    await foldAll(t.app.db);
    expect((await post('/api/v1/snapshots', null, { title: 'x', asOf: '2025-12-31' })).statusCode).toBe(401);
    expect((await post('/api/v1/snapshots', buyerManager, { title: 'x', asOf: '2025-12-31' })).statusCode).toBe(403);
    const bad = await post('/api/v1/snapshots', office, { title: 'x', asOf: '2025-13-01' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('asOf');
    const created = await post('/api/v1/snapshots', office, { title: '2025 全年', asOf: '2025-12-31' });
    expect(created.statusCode).toBe(201);
    const snap = created.json();
    expect(snap.rows).toEqual([expect.objectContaining({ townId, salesFen: 100_507, rank: 1 })]);
    expect((await post('/api/v1/snapshots', office, { title: '2025 全年', asOf: '2025-06-30' })).statusCode).toBe(409);
    await expect(t.app.db.update(schema.leaderboardSnapshots).set({ title: 'changed' })).rejects.toThrow();
    expect((await get('/api/v1/snapshots', office)).json().items.map((i: { title: string }) => i.title)).toEqual([
      '2025 全年',
    ]);
    expect((await get(`/api/v1/snapshots/${crypto.randomUUID()}`, office)).statusCode).toBe(404);
    const csvRes = await get(`/api/v1/snapshots/${snap.id}/export?format=csv`, office);
    expect(csvRes.headers['content-type']).toMatch(/^text\/csv/);
    expect(csvRes.body.split('\r\n')[0]).toBe(
      '\uFEFF排名,镇,县（市、区）,销售额（元）,年度目标（元）,完成率（%）,序时应完成（元）,超前/落后（元）,预计全年（元）,去年同期（元）,同比（%）,结对单位数',
    );
    expect(csvRes.body.split('\r\n')[1]).toMatch(/^1,甲镇,测试县,1005.07,/);
    const xRes = await get(`/api/v1/snapshots/${snap.id}/export?format=xlsx`, office);
    expect(xRes.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xRes.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.getRow(2).getCell(1).value).toBe('排名');
    expect(wb.worksheets[0]!.getRow(3).getCell(4).value).toBe(1005.07);
  });
});

describe('pairings', () => {
  it('office creates and deletes (audited); a buyer sees its own; 401/403/400/404', async () => {
    const body = { buyerOrgId, townId, startsOn: '2026-01-01', pledgeFen: 500_000 };
    expect((await post('/api/v1/pairings', null, body)).statusCode).toBe(401);
    expect((await post('/api/v1/pairings', buyerManager, body)).statusCode).toBe(403);
    const bad = await post('/api/v1/pairings', office, {
      ...body,
      buyerOrgId: (await createOrg(t.app.db, { kind: 'cooperative' })).id,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.buyerOrgId');
    const created = await post('/api/v1/pairings', office, body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ buyerOrgId, townId, role: 'member', pledgeFen: 500_000, endsOn: null });
    expect((await post('/api/v1/pairings', office, body)).statusCode).toBe(409);
    expect((await get('/api/v1/pairings', buyerManager)).json().items).toHaveLength(1);
    expect((await get('/api/v1/pairings', otherBuyer)).json().items).toHaveLength(0);
    expect((await get('/api/v1/pairings', coop)).statusCode).toBe(403);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/pairings/${created.json().id}`,
      headers: bearer(office),
    });
    expect(del.statusCode).toBe(204);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/pairings/${created.json().id}`, headers: bearer(office) }))
        .statusCode,
    ).toBe(404);
    const audit = await t.app.db.select().from(schema.auditLog).where(eq(schema.auditLog.entityId, created.json().id));
    expect(audit.map((a) => a.action).sort()).toEqual(['pairing.create', 'pairing.delete']);
  });
});
