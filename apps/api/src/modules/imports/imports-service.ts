import { loadCsvParse } from '../../lib/csv';
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type ExcelJS from 'exceljs';
import { loadExcel } from '../../lib/excel';
import { appendSales, schema, writeAudit, type Db, type LedgerRow } from '@shanhai/db';
import { CATEGORIES, type Category, type ImportResult } from '@shanhai/domain';
import { badRequest } from '../../lib/problem';
import type { Principal } from '../../types';

const { orgs, towns, salesImports } = schema;

const COLUMN_ALIASES: Record<'date' | 'town' | 'amount' | 'category' | 'buyer', string[]> = {
  date: ['date', 'business_date', '日期'],
  town: ['town', 'town_code', '镇', '镇街'],
  amount: ['amount_yuan', 'amount', '金额', '金额（元）', '金额(元)'],
  category: ['category', '品类'],
  buyer: ['buyer_credit_code', 'buyer', '采购单位信用代码', '采购单位统一社会信用代码'],
};

/** `12.3` 元 → 1230 fen, exactly (no floating point). */
export function yuanToFen(text: string): number | null {
  const m = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text.replace(/,/g, '').trim());
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}

async function readTable(buffer: Buffer, fileName: string): Promise<Record<string, string>[]> {
  const isXlsx = buffer.subarray(0, 2).toString('latin1') === 'PK' || /\.xlsx$/i.test(fileName);
  if (!isXlsx)
    return (await loadCsvParse())(buffer, {
      columns: (h: string[]) => h.map((x) => x.trim()),
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    }) as Record<string, string>[];
  const wb = new (await loadExcel()).Workbook();
  try {
    await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch {
    throw badRequest('body.file', 'is neither a CSV nor an XLSX file');
  }
  const ws = wb.worksheets[0];
  if (!ws) return [];
  const cell = (v: ExcelJS.CellValue): string => {
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    if (v && typeof v === 'object' && 'result' in v) return String(v.result ?? '');
    return v === null || v === undefined ? '' : String(v);
  };
  const header = (ws.getRow(1).values as ExcelJS.CellValue[]).map((v) => cell(v).trim());
  const out: Record<string, string>[] = [];
  for (let r = 2; r <= ws.rowCount; r++) {
    const vals = ws.getRow(r).values as ExcelJS.CellValue[];
    if (!vals.some((v) => cell(v).trim() !== '')) continue;
    const rec: Record<string, string> = {};
    header.forEach((h, i) => h && (rec[h] = cell(vals[i]).trim()));
    out.push(rec);
  }
  return out;
}

/** Parses and checks every row; with `commit` appends the good file's rows, idempotently per file row. */
export async function importSales(
  db: Db,
  who: Principal,
  buffer: Buffer,
  fileName: string,
  dryRun: boolean,
): Promise<ImportResult> {
  const fileHash = createHash('sha256').update(buffer).digest('hex');
  const records = await readTable(buffer, fileName);
  const first = records[0] ?? {};
  const col = (k: keyof typeof COLUMN_ALIASES) => COLUMN_ALIASES[k].find((a) => a in first);
  const cols = {
    date: col('date'),
    town: col('town'),
    amount: col('amount'),
    category: col('category'),
    buyer: col('buyer'),
  };
  if (records.length === 0) throw badRequest('body.file', 'has no data rows');
  for (const k of ['date', 'town', 'amount'] as const)
    if (!cols[k]) throw badRequest('body.file', `needs a column ${COLUMN_ALIASES[k].join(' / ')}`);

  const townList = await db.select({ id: towns.id, code: towns.code, nameZh: towns.nameZh }).from(towns);
  const townBy = new Map<string, (typeof townList)[number]>();
  for (const t of townList) townBy.set(t.code, t).set(t.nameZh, t);
  const buyers = await db.select({ id: orgs.id, creditCode: orgs.creditCode }).from(orgs).where(eq(orgs.kind, 'buyer'));
  const buyerBy = new Map(buyers.map((b) => [b.creditCode, b.id]));

  const errors: ImportResult['errors'] = [];
  const rows: LedgerRow[] = [];
  records.forEach((rec, i) => {
    const rowNo = i + 2; // the header is row 1
    const date = rec[cols.date!] ?? '';
    const town = townBy.get(rec[cols.town!] ?? '');
    const amount = yuanToFen(rec[cols.amount!] ?? '');
    const category = (cols.category && rec[cols.category]) || 'other';
    const buyerCode = cols.buyer ? rec[cols.buyer] : '';
    let ok = true;
    const err = (field: string, message: string) => ((ok = false), errors.push({ row: rowNo, field, message }));
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(date) ||
      Number.isNaN(Date.parse(`${date}T00:00:00Z`)) ||
      new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date
    )
      err(cols.date!, 'must be a date written YYYY-MM-DD');
    if (!town) err(cols.town!, `unknown town "${rec[cols.town!] ?? ''}" (use the town code or its Chinese name)`);
    if (amount === null) err(cols.amount!, 'must be an amount in 元 with at most two decimals');
    if (!(CATEGORIES as readonly string[]).includes(category))
      err(cols.category ?? 'category', `must be one of ${CATEGORIES.join(', ')}`);
    const buyerOrgId = buyerCode ? buyerBy.get(buyerCode) : null;
    if (buyerCode && !buyerOrgId) err(cols.buyer!, `no buyer org with credit code ${buyerCode}`);
    if (ok)
      rows.push({
        source: 'import',
        sourceRef: `${fileHash}:${rowNo}`,
        kind: 'sale',
        townId: town!.id,
        buyerOrgId: buyerOrgId ?? null,
        category: category as Category,
        amountFen: amount!,
        businessDate: date,
      });
  });

  const totals = new Map<string, { townId: string; code: string; nameZh: string; rows: number; amountFen: number }>();
  for (const r of rows) {
    const t = townList.find((x) => x.id === r.townId)!;
    const e = totals.get(t.id) ?? { townId: t.id, code: t.code, nameZh: t.nameZh, rows: 0, amountFen: 0 };
    e.rows += 1;
    e.amountFen += r.amountFen;
    totals.set(t.id, e);
  }
  const result: ImportResult = {
    dryRun,
    fileHash,
    rows: records.length,
    errors,
    totals: [...totals.values()].sort((a, b) => a.code.localeCompare(b.code)),
    addedRows: 0,
  };
  if (dryRun) return result;
  if (errors.length) throw badRequest('body.file', `has ${errors.length} invalid row(s); run a dry run to see them`);
  result.addedRows = await db.transaction(async (tx) => {
    let added = 0;
    let addedFen = 0;
    const CHUNK = 1000;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const ids = await appendSales(tx, chunk);
      added += ids.length;
      if (ids.length === chunk.length) addedFen += chunk.reduce((s, r) => s + r.amountFen, 0);
      else if (ids.length) {
        const [{ s } = { s: 0 }] = (
          await tx.execute<{ s: number }>(
            sql`select coalesce(sum(amount_fen), 0)::bigint as s from sales where id = any(${ids})`,
          )
        ).rows;
        addedFen += Number(s);
      }
    }
    const [imp] = await tx
      .insert(salesImports)
      .values({ fileHash, fileName, rowCount: rows.length, addedRows: added, addedFen, importedBy: who.userId })
      .returning({ id: salesImports.id });
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'sales.import',
      entityType: 'sales_import',
      entityId: imp!.id,
      after: { fileHash, fileName, rows: rows.length, added, addedFen },
    });
    return added;
  });
  return result;
}
