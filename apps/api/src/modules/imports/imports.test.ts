import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createUser } from '@shanhai/db/testing';
import { login } from '../../../test-support/testing';
import { salesWorld, tokenCalls } from '../../../test-support/sales';
import type { TestApp } from '../../../test-support/testing';

let t: TestApp;
let townId: string;
let office: string;
let buyerManager: string;
let buyerOrgId: string;
const { upload } = tokenCalls(() => t);
const countyId = async () => (await t.app.db.select({ id: schema.counties.id }).from(schema.counties))[0]?.id;

beforeAll(async () => {
  ({ t, townId, office, buyerManager, buyerOrgId } = await salesWorld());
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
        { row: 4, field: 'date', code: 'custom', message: 'is not a calendar date' },
        { row: 5, field: 'town', code: 'no_town', message: 'matches no town of the programme: write its code or name' },
        {
          row: 5,
          field: 'amount_yuan',
          code: 'yuan_cents',
          message: 'must be an amount in yuan with at most two decimals',
        },
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

  /** A dry run's refused rows as [row, field, code, message]. */
  const rowErrors = (r: { errors: { row: number; field: string; code: string; message: string }[] }) =>
    r.errors.map((e) => [e.row, e.field, e.code, e.message]);
  const dryRun = async (file: string | Buffer, name = 'f.csv') => {
    const res = await upload('/api/v1/sales/import?dryRun=true', office, Buffer.from(file), name);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const importedFen = async () =>
    Number(
      (
        await t.app.db.execute<{ s: number }>(
          sql`select coalesce(sum(amount_fen), 0)::bigint as s from sales where source = 'import'`,
        )
      ).rows[0]!.s,
    );

  it('totals past the safe range are a 400 naming body.file, in a dry run and a commit, and store nothing (issue 13)', async () => {
    const before = await importedFen();
    // Ten rows of 9,999,999,999,999.99 yuan in one town: each fits, their sum does not.
    const file = `date,town,amount\n${Array.from({ length: 10 }, (_, i) => `2025-05-0${i},sx-a,9999999999999.99`)
      .join('\n')
      .replaceAll('-00,', '-10,')}\n`;
    for (const url of ['/api/v1/sales/import?dryRun=true', '/api/v1/sales/import?dryRun=false']) {
      const res = await upload(url, office, Buffer.from(file));
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors).toEqual([
        { field: 'body.file', code: 'amount_too_large', message: 'makes an amount too large to record', params: {} },
      ]);
    }
    expect(await importedFen()).toBe(before);
  });

  it('reads what people type: tabs, full-width commas and digits, dates with slashes or 年月日, towns, categories and buyers by code or zh/en name', async () => {
    const [buyer] = (
      await t.app.db.execute<{ name: string; credit_code: string }>(
        sql`update orgs set credit_code = '91440300MA5FTEST01' where id = ${buyerOrgId} returning name, credit_code`,
      )
    ).rows;
    const file = [
      '日期\t镇\t金额（元）\t品类\t采购单位',
      `2025/3/1\tSX-A\t1,000.50\t蜂蜜\t${buyer!.name}`,
      `2025年3月2日\t甲镇\t２０\ttea\t${buyer!.credit_code}`,
      '2025.3.3\tjia\t5\tGrain & Oil\t',
    ].join('\n');
    const r = await dryRun(file);
    expect(r.errors).toEqual([]);
    expect(r.totals).toEqual([{ townId, code: 'sx-a', nameZh: '甲镇', rows: 3, amountFen: 102_550 }]);
    const fw = await dryRun('日期，镇，金额\n２０２５－０３－０４，sx-a，１２．５\n');
    expect(fw).toMatchObject({ rows: 1, errors: [], totals: [{ amountFen: 1250 }] });
  });

  it('reads a CSV saved as GBK/GB18030 (Excel on Chinese Windows) as its UTF-8 twin: zh headers, towns and categories', async () => {
    const gbk = readFileSync(new URL('../../../test-support/fixtures/sales-gbk.csv', import.meta.url));
    expect(gbk.toString('utf8')).toContain('\uFFFD');
    const utf8 = Buffer.from(new TextDecoder('gb18030').decode(gbk));
    const fromGbk = await upload('/api/v1/sales/import?dryRun=true', office, gbk);
    expect(fromGbk.statusCode, fromGbk.body).toBe(200);
    expect(fromGbk.json()).toMatchObject({
      dryRun: true,
      rows: 2,
      errors: [],
      totals: [{ townId, code: 'sx-a', nameZh: '甲镇', rows: 2, amountFen: 150_050 }],
    });
    const fromUtf8 = await upload('/api/v1/sales/import?dryRun=true', office, utf8);
    expect({ ...fromUtf8.json(), fileHash: '' }).toEqual({ ...fromGbk.json(), fileHash: '' });
  });

  it('takes a first row for a header only when it names the columns: a data row is row 1, in the columns date, town, amount, category, buyer', async () => {
    const r = await dryRun('2025-05-01,sx-a,10\n2025-05-02；甲镇；7；honey\n');
    expect(r).toMatchObject({ rows: 2, errors: [], totals: [{ rows: 2, amountFen: 1700 }] });
    const bad = await dryRun('2025-05-01,sx-a,十\n');
    expect(bad.errors).toEqual([
      { row: 1, field: 'amount', code: 'invalid_type', message: 'must be a number', params: expect.any(Object) },
    ]);
    const res = await upload('/api/v1/sales/import?dryRun=true', office, Buffer.from('日期,金额\n2025-05-01,1\n'));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('body.file');
  });

  it('each limit of the JSON offline sale is a row error naming the column with the same words; nothing of a refused file is stored', async () => {
    await t.app.db.insert(schema.towns).values([
      { code: 'sx-b', countyId: (await countyId())!, nameZh: '乙镇', nameEn: 'Twin' },
      { code: 'sx-c', countyId: (await countyId())!, nameZh: '丙镇', nameEn: 'TWIN' },
    ]);
    const before = await importedFen();
    const r = await dryRun(
      [
        'date,town,amount,category,buyer',
        '2025-06-01,sx-a,0,,',
        '2025-06-01,sx-a,-5,,',
        '2025-06-01,sx-a,,,',
        '2025-06-01,sx-a,1.234,,',
        'yesterday,sx-a,1,,',
        '2025-06-01,twin,1,,',
        '2025-06-01,,1,,',
        '2025-06-01,sx-a,1,xyz,',
        '2025-06-01,sx-a,1,,91000000000000000X',
      ].join('\n'),
    );
    expect(rowErrors(r)).toEqual([
      [2, 'amount', 'too_small', 'must be at least 0.01'],
      [3, 'amount', 'too_small', 'must be at least 0.01'],
      [4, 'amount', 'required', 'is required'],
      [5, 'amount', 'yuan_cents', 'must be an amount in yuan with at most two decimals'],
      [6, 'date', 'invalid_format', 'must be a date written YYYY-MM-DD'],
      [7, 'town', 'ambiguous', 'matches several: sx-b 乙镇 / sx-c 丙镇; write the code'],
      [8, 'town', 'required', 'is required'],
      [9, 'category', 'invalid_value', 'must be one of the choices'],
      [10, 'buyer', 'no_buyer', 'matches no buyer organisation: write its credit code or name'],
    ]);
    // The JSON endpoint words the same category and date the same way.
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sales/offline',
      headers: { authorization: `Bearer ${office}` },
      payload: { townId, category: 'xyz', amountFen: 100, businessDate: 'yesterday' },
    });
    expect(json.statusCode).toBe(400);
    const jsonErrors = json.json().errors.map((e: { field: string; message: string }) => [e.field, e.message]);
    expect(jsonErrors).toContainEqual(['body.businessDate', 'must be a date written YYYY-MM-DD']);
    expect(jsonErrors).toContainEqual(['body.category', 'must be one of the choices']);
    const commit = await upload(
      '/api/v1/sales/import?dryRun=false',
      office,
      Buffer.from('date,town,amount\n2025-06-02,sx-a,3\n2025-06-02,sx-a,0\n'),
    );
    expect(commit.statusCode).toBe(400);
    expect(await importedFen()).toBe(before);
  });

  it('a row holds the JSON endpoint’s upper limit too: past it too_big naming amount; a larger amount inside it is taken (issue 13)', async () => {
    const r = await dryRun(
      [
        'date,town,amount',
        '2025-06-03,sx-a,10000000000000',
        '2025-06-03,sx-a,90071992547409.92',
        '2025-06-03,sx-a,123456789012345678',
      ].join('\n'),
    );
    expect(rowErrors(r)).toEqual([
      [3, 'amount', 'too_big', 'must be at most 90,071,992,547,409.91'],
      [4, 'amount', 'too_big', 'must be at most 90,071,992,547,409.91'],
    ]);
    expect(r.totals).toMatchObject([{ rows: 1, amountFen: 1_000_000_000_000_000 }]);
    // The JSON endpoint refuses the same amount in fen with the same code.
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sales/offline',
      headers: { authorization: `Bearer ${office}` },
      payload: { townId, category: 'tea', amountFen: 9_007_199_254_740_992, businessDate: '2025-06-03' },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().errors[0]).toMatchObject({ field: 'body.amountFen', code: 'too_big' });
  });

  // Last in the file: it leaves the town near the top of the safe range.
  it('a file that fits alone but would take the town total past the safe range is a 409 naming body.file, in a dry run and a commit, storing nothing (issue 13)', async () => {
    const rows = (day: string) =>
      `date,town,amount\n${Array.from({ length: 5 }, () => `${day},sx-a,9999999999999.99`).join('\n')}\n`;
    const first = await upload('/api/v1/sales/import?dryRun=false', office, Buffer.from(rows('2025-07-01')));
    expect(first.statusCode, first.body).toBe(200);
    const before = await importedFen();
    const imports = await t.app.db.$count(schema.salesImports);
    for (const url of ['/api/v1/sales/import?dryRun=true', '/api/v1/sales/import?dryRun=false']) {
      const res = await upload(url, office, Buffer.from(rows('2025-07-02')));
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'amount_out_of_range',
        errors: [{ field: 'body.file', code: 'amount_too_large', message: 'makes an amount too large to record' }],
      });
    }
    expect(await importedFen()).toBe(before);
    expect(await t.app.db.$count(schema.salesImports)).toBe(imports);
  });

  it('an office member previews an import but may not commit it (403, nothing stored); a manager commits it', async () => {
    const [officeOrg] = await t.app.db
      .select({ id: schema.orgs.id })
      .from(schema.orgs)
      .where(sql`kind = 'office'`);
    const member = await createUser(t.app.db, { orgId: officeOrg!.id, role: 'member' });
    const memberToken = (await login(t.app, member.email)).token;
    const file = Buffer.from('date,town,amount_yuan\n2025-05-01,sx-a,3\n');
    const preview = await upload('/api/v1/sales/import?dryRun=true', memberToken, file);
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ rows: 1, errors: [], addedRows: 0 });
    const refused = await upload('/api/v1/sales/import?dryRun=false', memberToken, file);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden');
    const importedMay1 = sql`select count(*)::int as n from sales where source = 'import' and business_date = '2025-05-01'`;
    expect((await t.app.db.execute<{ n: number }>(importedMay1)).rows[0]!.n).toBe(0);
    await t.app.db
      .update(schema.users)
      .set({ role: 'manager' })
      .where(sql`id = ${member.id}`);
    const manager = (await login(t.app, member.email)).token;
    const committed = await upload('/api/v1/sales/import?dryRun=false', manager, file);
    expect(committed.statusCode).toBe(200);
    expect(committed.json().addedRows).toBe(1);
    expect((await t.app.db.execute<{ n: number }>(importedMay1)).rows[0]!.n).toBe(1);
  });
});
