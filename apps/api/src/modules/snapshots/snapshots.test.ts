import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { appendSales, foldAll, schema } from '@shanhai/db';
import { salesWorld, tokenCalls } from '../../../test-support/sales';
import type { TestApp } from '../../../test-support/testing';

let t: TestApp;
let townId: string;
let office: string;
let buyerManager: string;
const { post, get } = tokenCalls(() => t);

beforeAll(async () => {
  ({ t, townId, office, buyerManager } = await salesWorld());
});
afterAll(async () => t.close());

describe('snapshots', () => {
  it('office freezes the board under a title; immutable, listed, exported with zh headers', async () => {
    // The year's sales of the town: what an import of 2025 left in the ledger.
    await appendSales(t.app.db, [
      {
        source: 'import',
        sourceRef: 'snapshot-test:2',
        kind: 'sale',
        townId,
        category: 'tea',
        amountFen: 100_507,
        businessDate: '2025-03-01',
      },
    ]);
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

    // A title with the characters Excel forbids in sheet names, and longer than its 31: still a file.
    const awkward = '2025/12 月报: [清远]*? 各镇销售额与年度目标完成情况一览表（全年，含去年同期）';
    const made = await post('/api/v1/snapshots', office, { title: awkward, asOf: '2025-12-30' });
    expect(made.statusCode, made.body).toBe(201);
    const aRes = await get(`/api/v1/snapshots/${made.json().id}/export?format=xlsx`, office);
    expect(aRes.statusCode, aRes.body).toBe(200);
    const aWb = new ExcelJS.Workbook();
    await aWb.xlsx.load(aRes.rawPayload as unknown as ArrayBuffer);
    expect(aWb.worksheets[0]!.name).toBe('2025_12 月报_ _清远___ 各镇销售额与年度目标完成');
    expect(aWb.worksheets[0]!.getRow(1).getCell(1).value).toBe(`${awkward}（截至 2025-12-30）`);
    expect(decodeURIComponent(String(aRes.headers['content-disposition']).split("''")[1]!)).toBe(
      '2025_12 月报_ [清远]__ 各镇销售额与年度目标完成情况一览表（全年，含去年同期）-2025-12-30.xlsx',
    );
  });

  it('exports the live town board (no snapshot) as CSV or XLSX for the office only; 400 naming a bad field', async () => {
    const url = '/api/v1/leaderboard/export';
    expect((await get(`${url}?year=2025&asOf=2025-12-31`, null)).statusCode).toBe(401);
    expect((await get(`${url}?year=2025&asOf=2025-12-31`, buyerManager)).statusCode).toBe(403);
    for (const [q, field] of [
      ['asOf=2025-13-01', 'asOf'],
      ['format=pdf', 'format'],
      ['year=abc', 'year'],
    ]) {
      const bad = await get(`${url}?${q}`, office);
      expect(bad.statusCode).toBe(400);
      expect(JSON.stringify(bad.json())).toContain(field);
    }
    const csvRes = await get(`${url}?year=2025&asOf=2025-12-31&format=csv`, office);
    expect(csvRes.statusCode).toBe(200);
    expect(csvRes.headers['content-type']).toMatch(/^text\/csv/);
    expect(csvRes.headers['content-disposition']).toContain('2025-12-31.csv');
    expect(csvRes.body.split('\r\n')[0]).toBe(
      '\uFEFF排名,镇,县（市、区）,销售额（元）,年度目标（元）,完成率（%）,序时应完成（元）,超前/落后（元）,预计全年（元）,去年同期（元）,同比（%）,结对单位数',
    );
    expect(csvRes.body.split('\r\n')[1]).toMatch(/^1,甲镇,测试县,1005.07,/);
    const xRes = await get(`${url}?year=2025&asOf=2025-12-31`, office);
    expect(xRes.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xRes.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.getRow(1).getCell(1).value).toBe('帮扶镇销售排行榜-2025（截至 2025-12-31）');
    expect(wb.worksheets[0]!.getRow(3).getCell(4).value).toBe(1005.07);
  });
});
