import { businessYear } from '@shanhai/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { eq } from 'drizzle-orm';
import { appendSales, foldAll, freezeMonthlyUnitSnapshot, schema } from '@shanhai/db';
import { salesWorld, tokenCalls } from '../../../test-support/sales';
import { bearer, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let townId: string;
let buyerOrgId: string;
let unitName: string;
let office: string;
let buyerManager: string;
const { post, get } = tokenCalls(() => t);
const put = (url: string, token: string | null, payload: unknown) =>
  t.app.inject({ method: 'PUT', url, headers: token ? bearer(token) : {}, payload: payload as object });

const sale = (ref: string, amountFen: number, businessDate: string) => ({
  source: 'order' as const,
  sourceRef: ref,
  kind: 'sale',
  townId,
  buyerOrgId,
  category: 'honey' as const,
  amountFen,
  businessDate,
});

beforeAll(async () => {
  ({ t, townId, buyerOrgId, office, buyerManager } = await salesWorld());
  const db = t.app.db;
  // A budget unit in 2025 (the year its 通报 cover) and this year.
  for (const year of new Set([2025, businessYear()]))
    await put(`/api/v1/units/${buyerOrgId}/classification`, office, { year, isBudgetUnit: true, unitKind: 'agency' });
  const [org] = await db.select().from(schema.orgs).where(eq(schema.orgs.id, buyerOrgId));
  unitName = org!.name;
  const [user] = await db.select().from(schema.users).where(eq(schema.users.orgId, buyerOrgId)).limit(1);
  // 2025's declaration in force: 10,000,000 fen × 10% = 1,000,000 fen reserved.
  await db.insert(schema.unitDeclarations).values({
    buyerOrgId,
    year: 2025,
    version: 1,
    status: 'approved',
    totalFen: 10_000_000,
    ratioBp: 1000,
    createdBy: user!.id,
    submittedAt: new Date('2025-01-10T02:00:00Z'),
    decidedAt: new Date('2025-01-11T02:00:00Z'),
  });
  await appendSales(db, [sale('snap-1', 250_000, '2025-03-01')]);
  await foldAll(db);
});
afterAll(async () => t.close());

describe('unit ranking snapshots (通报)', () => {
  it('guards: 401 without a token, 403 for a buyer, 400 naming the field, 404 for an unknown one', async () => {
    const body = { title: 'x', asOf: '2025-06-30' };
    expect((await post('/api/v1/units/snapshots', null, body)).statusCode).toBe(401);
    expect((await get('/api/v1/units/snapshots', null)).statusCode).toBe(401);
    expect((await post('/api/v1/units/snapshots', buyerManager, body)).statusCode).toBe(403);
    expect((await get('/api/v1/units/snapshots', buyerManager)).statusCode).toBe(403);
    const bad = await post('/api/v1/units/snapshots', office, { title: 'x', asOf: '2025-13-01' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.asOf');
    const blank = await post('/api/v1/units/snapshots', office, { title: ' ', asOf: '2025-06-30' });
    expect(blank.json().errors[0].field).toBe('body.title');
    const id = crypto.randomUUID();
    expect((await get(`/api/v1/units/snapshots/${id}`, office)).statusCode).toBe(404);
    expect((await get(`/api/v1/units/snapshots/${id}/export?format=csv`, office)).statusCode).toBe(404);
    const fmt = await get(`/api/v1/units/snapshots/${id}/export?format=pdf`, office);
    expect(fmt.json().errors[0].field).toBe('query.format');
    expect(await t.app.db.select().from(schema.unitSnapshots)).toEqual([]);
  });

  it('the office freezes the ranking; later sales leave it unchanged; exported with zh headers; audited', async () => {
    const created = await post('/api/v1/units/snapshots', office, {
      title: '2025年6月预留份额通报',
      asOf: '2025-06-30',
    });
    expect(created.statusCode).toBe(201);
    const snap = created.json();
    expect(snap).toMatchObject({
      title: '2025年6月预留份额通报',
      year: 2025,
      asOf: '2025-06-30',
      settings: { year: 2025, minRatioBp: 1000, declarationDeadline: null },
    });
    expect(snap.rows).toEqual([
      expect.objectContaining({
        rank: 1,
        unitId: buyerOrgId,
        unitKind: 'agency',
        declarationStatus: 'approved',
        reservedFen: 1_000_000,
        salesFen: 250_000,
        progressPct: 25,
        behindPace: true,
      }),
    ]);

    // A later purchase moves the live ranking, not the frozen report.
    await appendSales(t.app.db, [sale('snap-2', 100_000, '2025-04-01')]);
    await foldAll(t.app.db);
    const live = (await get('/api/v1/units/ranking?year=2025&asOf=2025-06-30', office)).json();
    expect(live.rows[0].salesFen).toBe(350_000);
    const again = (await get(`/api/v1/units/snapshots/${snap.id}`, office)).json();
    expect(again.rows[0].salesFen).toBe(250_000);
    await expect(t.app.db.update(schema.unitSnapshots).set({ title: 'changed' })).rejects.toThrow();
    await expect(t.app.db.delete(schema.unitSnapshots)).rejects.toThrow();

    const list = (await get('/api/v1/units/snapshots', office)).json().items;
    expect(list).toEqual([
      { id: snap.id, title: '2025年6月预留份额通报', year: 2025, asOf: '2025-06-30', createdAt: expect.any(String) },
    ]);

    const csv = await get(`/api/v1/units/snapshots/${snap.id}/export?format=csv`, office);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.split('\r\n');
    expect(lines[0]).toBe(
      '\uFEFF排名,单位,单位类型,申报状态,预留金额（元）,已采购（元）,完成率（%）,序时应完成（元）,超前/落后（元）,去年同期（元）,同比（%）,进度,逾期未申报',
    );
    expect(lines[1]).toMatch(new RegExp(`^1,${unitName},机关,已通过,10000,2500,25,[0-9.]+,-[0-9.]+,0,,落后,否$`));

    const xlsx = await get(`/api/v1/units/snapshots/${snap.id}/export`, office);
    expect(xlsx.headers['content-type']).toMatch(/spreadsheetml/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).getCell(1).value).toBe('2025年6月预留份额通报（截至 2025-06-30，最低预留比例 10%）');
    expect(ws.getRow(2).getCell(2).value).toBe('单位');
    expect(ws.getRow(3).getCell(2).value).toBe(unitName);
    expect(ws.getRow(3).getCell(6).value).toBe(2500);

    const audit = await t.app.db.select().from(schema.auditLog).where(eq(schema.auditLog.entityId, snap.id));
    expect(audit.map((a) => [a.action, a.after])).toEqual([
      ['unit_snapshot.create', { title: '2025年6月预留份额通报', year: 2025, asOf: '2025-06-30', units: 1 }],
    ]);
  });

  it('the same title twice at once: one report, the other 409', async () => {
    const body = { title: '2025年7月预留份额通报', asOf: '2025-07-31' };
    const res = await Promise.all([
      post('/api/v1/units/snapshots', office, body),
      post('/api/v1/units/snapshots', office, body),
    ]);
    expect(res.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const rows = await t.app.db
      .select()
      .from(schema.unitSnapshots)
      .where(eq(schema.unitSnapshots.title, '2025年7月预留份额通报'));
    expect(rows).toHaveLength(1);
  });

  it('the worker’s monthly 通报 is in the office’s list and exports like the others', async () => {
    const { snapshotId } = await freezeMonthlyUnitSnapshot(t.app.db, '2025-08');
    const items = (await get('/api/v1/units/snapshots', office)).json().items;
    expect(items[0]).toEqual({
      id: snapshotId,
      title: '2025年8月 预留份额完成情况通报',
      year: 2025,
      asOf: '2025-08-31',
      createdAt: expect.any(String),
    });
    const one = (await get(`/api/v1/units/snapshots/${snapshotId}`, office)).json();
    expect(one.rows).toEqual([expect.objectContaining({ unitId: buyerOrgId, salesFen: 350_000 })]);
    const csv = await get(`/api/v1/units/snapshots/${snapshotId}/export?format=csv`, office);
    expect(csv.statusCode).toBe(200);
    expect(csv.body.split('\r\n')[0]).toMatch(/^\uFEFF排名,单位,单位类型,/);
    const xlsx = await get(`/api/v1/units/snapshots/${snapshotId}/export`, office);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.getRow(1).getCell(1).value).toBe(
      '2025年8月 预留份额完成情况通报（截至 2025-08-31，最低预留比例 10%）',
    );
  });
});
