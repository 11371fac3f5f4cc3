import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type ExcelJS from 'exceljs';
import { firstSheet } from '../../lib/excel';
import { anyOf, appendSales, schema, writeAudit, type Db, type LedgerRow } from '@shanhai/db';
import {
  CATEGORIES,
  CATEGORY_NAMES,
  Category,
  decodeText,
  IsoDate,
  issueError,
  matchHeader,
  normalizeCell,
  readRows,
  resolveNamed,
  ruleError,
  type FieldError,
  type ImportResult,
  type IssueLike,
  type Named,
  type TextRow,
  sumFen,
} from '@shanhai/domain';
import { ruleBroken } from '../../lib/problem';
import { refuseTownTotalsPastRange } from '../../lib/town-totals';
import type { Principal } from '../../types';

const { orgs, towns, salesImports } = schema;

/** The columns a header may name (zh or en, case and width aside); without a header, in this order. */
const COLUMN_ALIASES = {
  date: ['date', 'business_date', '日期', '业务日期', '销售日期'],
  town: ['town', 'town_code', '镇', '镇街', '镇名', '镇编号'],
  amount: ['amount_yuan', 'amount', '金额', '金额（元）', '金额(元)', '销售额', '销售额（元）'],
  category: ['category', '品类', '类别'],
  buyer: ['buyer_credit_code', 'buyer', '采购单位', '采购单位信用代码', '采购单位统一社会信用代码'],
} as const;
type Column = keyof typeof COLUMN_ALIASES;
const POSITIONAL: Record<Column, number> = { date: 0, town: 1, amount: 2, category: 3, buyer: 4 };

/**
 * The JSON endpoint's largest amount (PositiveFen, the safe integer range of fen), said in the
 * file's unit; a string, because the yuan figure has no exact double.
 */
const MAX_YUAN = '90,071,992,547,409.91';

/** `12.3` 元 → 1230n fen, exactly and of any size: the row is then held to the JSON endpoint's range. */
function importedFen(text: string): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(normalizeCell(text).replace(/,/g, ''));
  if (!m) return null;
  const fen = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}

/** `12.3` 元 → 1230 fen, exactly (no floating point); thousands commas and full-width digits read. */
export function yuanToFen(text: string): number | null {
  const m = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/.exec(normalizeCell(text).replace(/,/g, ''));
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}

/** A date as people type it: 2025-1-2, 2025/1/2, 2025.1.2, 2025年1月2日 → 2025-01-02 (else as given). */
function isoDate(text: string): string {
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(normalizeCell(text));
  return m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : normalizeCell(text);
}

/** The rows of a CSV (any separator people type, see line-import) or of an XLSX's first sheet. */
async function readTable(buffer: Buffer, fileName: string): Promise<TextRow[]> {
  const isXlsx = buffer.subarray(0, 2).toString('latin1') === 'PK' || /\.xlsx$/i.test(fileName);
  if (!isXlsx) return readRows(decodeText(buffer));
  const ws = await firstSheet(buffer);
  if (!ws) return [];
  const cell = (v: ExcelJS.CellValue): string => {
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    if (v && typeof v === 'object' && 'result' in v) return String(v.result ?? '');
    if (v && typeof v === 'object' && 'richText' in v) return v.richText.map((t) => t.text).join('');
    return v === null || v === undefined ? '' : String(v);
  };
  const out: TextRow[] = [];
  for (let r = 1; r <= ws.rowCount; r++) {
    // ExcelJS's row values start at index 1 (column A).
    const cells = ((ws.getRow(r).values as ExcelJS.CellValue[]) ?? []).slice(1).map((v) => normalizeCell(cell(v)));
    if (cells.some((c) => c !== '')) out.push({ row: r, cells });
  }
  return out;
}

/**
 * Parses and checks every row as the JSON offline-sale endpoint checks its fields (date, town,
 * amount, category, buyer: the same limits and words); with `commit` appends the good file's rows,
 * idempotently per file row. A first row is a header only when it names the columns.
 */
export async function importSales(
  db: Db,
  who: Principal,
  buffer: Buffer,
  fileName: string,
  dryRun: boolean,
): Promise<ImportResult> {
  const fileHash = createHash('sha256').update(buffer).digest('hex');
  const table = await readTable(buffer, fileName);
  const header = table.length ? matchHeader(table[0]!.cells, COLUMN_ALIASES) : null;
  const records = header ? table.slice(1) : table;
  if (records.length === 0) throw ruleBroken('body.file', 'no_rows');
  for (const k of ['date', 'town', 'amount'] as const)
    if (header && header[k] === undefined)
      throw ruleBroken('body.file', 'missing_column', { column: COLUMN_ALIASES[k].join(' / ') });
  const at: Record<Column, number | undefined> = header
    ? { ...POSITIONAL, category: undefined, buyer: undefined, ...header }
    : POSITIONAL;
  /** A column's name in errors: as the header wrote it, else the column's own name. */
  const fieldOf = (k: Column) => (header && at[k] !== undefined ? table[0]!.cells[at[k]]! : k);

  const townList = await db
    .select({ id: towns.id, code: towns.code, nameZh: towns.nameZh, nameEn: towns.nameEn })
    .from(towns);
  const buyers = (
    await db
      .select({ id: orgs.id, creditCode: orgs.creditCode, name: orgs.name })
      .from(orgs)
      .where(eq(orgs.kind, 'buyer'))
  ).map((b) => ({ id: b.id, code: b.creditCode ?? '', nameZh: b.name }));
  const categories = CATEGORIES.map((c) => ({ code: c, nameZh: CATEGORY_NAMES[c].zh, nameEn: CATEGORY_NAMES[c].en }));

  const errors: ImportResult['errors'] = [];
  const rows: LedgerRow[] = [];
  for (const rec of records) {
    const text = (k: Column) => (at[k] === undefined ? '' : (rec.cells[at[k]] ?? ''));
    let ok = true;
    const err = (e: FieldError) => {
      ok = false;
      errors.push({ row: rec.row, ...e });
    };
    const issue = (k: Column, i: { code: string; [k: string]: unknown } | undefined) =>
      i && err(issueError(fieldOf(k), i));
    const named = <T extends Named>(k: Column, items: T[], none: 'no_town' | 'no_buyer'): T | null => {
      const found = resolveNamed(text(k), items);
      if (found.kind === 'one') return found.item;
      if (found.kind === 'none') err(ruleError(fieldOf(k), none));
      else
        err(
          ruleError(fieldOf(k), 'ambiguous', {
            options: found.options.map((o) => `${o.code} ${o.nameZh}`).join(' / '),
          }),
        );
      return null;
    };

    const date = isoDate(text('date'));
    issue('date', IsoDate.safeParse(date).error?.issues[0] as IssueLike | undefined);
    const town = text('town')
      ? named('town', townList, 'no_town')
      : (err(ruleError(fieldOf('town'), 'required')), null);
    let amount: number | null = null;
    const amountText = text('amount');
    let fen: bigint | null = null;
    if (!amountText) err(ruleError(fieldOf('amount'), 'required'));
    else if (!/^-?[\d,]+(\.\d+)?$/.test(normalizeCell(amountText)))
      issue('amount', { code: 'invalid_type', expected: 'number', input: amountText });
    else if ((fen = importedFen(amountText)) === null) err(ruleError(fieldOf('amount'), 'yuan_cents'));
    // The JSON endpoint's PositiveFen (1 fen up to the safe integer range), said in the file's unit.
    else if (fen < 1n) issue('amount', { code: 'too_small', origin: 'number', minimum: 0.01, inclusive: true });
    else if (fen > BigInt(Number.MAX_SAFE_INTEGER))
      issue('amount', { code: 'too_big', origin: 'number', maximum: MAX_YUAN, inclusive: true });
    else amount = Number(fen);
    const categoryText = text('category');
    let category: Category = 'other';
    if (categoryText) {
      const found = resolveNamed(categoryText, categories);
      if (found.kind === 'one') category = found.item.code;
      else issue('category', Category.safeParse(categoryText).error?.issues[0] as IssueLike | undefined);
    }
    const buyer = text('buyer') ? named('buyer', buyers, 'no_buyer') : null;
    if (ok)
      rows.push({
        source: 'import',
        sourceRef: `${fileHash}:${rec.row}`,
        kind: 'sale',
        townId: town!.id,
        buyerOrgId: buyer?.id ?? null,
        category,
        amountFen: amount!,
        businessDate: date,
      });
  }

  const totals = new Map<string, { townId: string; code: string; nameZh: string; rows: number; amountFen: number }>();
  for (const r of rows) {
    const t = townList.find((x) => x.id === r.townId)!;
    const e = totals.get(t.id) ?? { townId: t.id, code: t.code, nameZh: t.nameZh, rows: 0, amountFen: 0 };
    e.rows += 1;
    // Rows of up to 13 digits of yuan each: a few of them can pass the safe range together.
    e.amountFen = sumFen([e.amountFen, r.amountFen], 'body.file');
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
  // The preview answers as the commit would: refused when a town's total would pass the safe range.
  if (dryRun) {
    await refuseTownTotalsPastRange(db, rows, 'body.file');
    return result;
  }
  if (errors.length) throw ruleBroken('body.file', 'invalid_rows', { count: errors.length });
  result.addedRows = await db.transaction(async (tx) => {
    // With what the towns already hold, each town's total must stay recordable (a replayed row adds
    // nothing, but is counted: refusing a little early beats a board that cannot be read).
    await refuseTownTotalsPastRange(tx, rows, 'body.file');
    let added = 0;
    let addedFen = 0;
    const CHUNK = 1000;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const ids = await appendSales(tx, chunk);
      added += ids.length;
      if (ids.length === chunk.length) addedFen = sumFen([addedFen, ...chunk.map((r) => r.amountFen)], 'body.file');
      else if (ids.length) {
        const [{ s } = { s: 0 }] = (
          await tx.execute<{ s: number }>(
            sql`select coalesce(sum(amount_fen), 0)::bigint as s from sales where ${anyOf(sql`id`, ids, 'bigint')}`,
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
