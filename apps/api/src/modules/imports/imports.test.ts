import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { salesWorld, tokenCalls } from '../../../test-support/sales';
import type { TestApp } from '../../../test-support/testing';

let t: TestApp;
let townId: string;
let office: string;
let buyerManager: string;
const { upload } = tokenCalls(() => t);

beforeAll(async () => {
  ({ t, townId, office, buyerManager } = await salesWorld());
});
afterAll(async () => t.close());

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
