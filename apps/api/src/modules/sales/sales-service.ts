import { createHash } from 'node:crypto';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { appendSales, schema, writeAudit, type Db, type DbOrTx, type LedgerRow } from '@shanhai/db';
import {
  CATEGORIES,
  type Category,
  type CreateOfflineSaleRequest,
  type CreatePairingRequest,
  type ImportResult,
  type OfflineSale,
  type OfflineSaleStatus,
  type Pairing,
  type Snapshot,
  type SnapshotSummary,
  type TownRow,
} from '@shanhai/domain';
import { badRequest, conflict } from '../../lib/problem';
import type { Principal } from '../../types';
import { townRows } from '../leaderboard/leaderboard-service';
import { fileUrl } from '../files/files-service';

const { offlineSales, offlineSaleFiles, orgs, towns, pairings, leaderboardSnapshots, salesImports } = schema;

/** An offline record may carry at most this many evidence files. */
export const MAX_EVIDENCE_FILES = 3;

type OfflineRow = typeof offlineSales.$inferSelect;

async function toOfflineSale(db: DbOrTx, rows: OfflineRow[]): Promise<OfflineSale[]> {
  const files = rows.length
    ? await db
        .select()
        .from(offlineSaleFiles)
        .where(
          inArray(
            offlineSaleFiles.offlineSaleId,
            rows.map((r) => r.id),
          ),
        )
    : [];
  return rows.map((r) => ({
    id: r.id,
    townId: r.townId,
    cooperativeId: r.cooperativeId,
    buyerOrgId: r.buyerOrgId,
    category: r.category,
    amountFen: r.amountFen,
    businessDate: r.businessDate,
    invoiceNo: r.invoiceNo,
    note: r.note,
    status: r.status,
    decisionReason: r.decisionReason,
    recordedByOrgId: r.recordedByOrgId,
    createdAt: r.createdAt.toISOString(),
    evidence: files
      .filter((f) => f.offlineSaleId === r.id)
      .map((f) => ({ url: fileUrl(f.fileName, 'private'), mime: f.mime, size: f.size })),
  }));
}

async function checkOrg(db: DbOrTx, id: string | null | undefined, kind: 'buyer' | 'cooperative', field: string) {
  if (!id) return;
  const [o] = await db.select({ kind: orgs.kind }).from(orgs).where(eq(orgs.id, id));
  if (!o || o.kind !== kind) throw badRequest(field, `is not a ${kind} organisation`);
}

/** Office staff record for anyone; a buyer org's owner or manager records for their own org only. Every record starts pending. */
/** Records an off-platform sale, pending, inside the caller's (idempotency) transaction. */
export async function createOffline(tx: DbOrTx, who: Principal, body: CreateOfflineSaleRequest): Promise<OfflineSale> {
  const buyerOrgId = who.orgKind === 'buyer' ? who.orgId : (body.buyerOrgId ?? null);
  if (who.orgKind === 'buyer' && body.buyerOrgId && body.buyerOrgId !== who.orgId)
    throw badRequest('body.buyerOrgId', 'must be your own organisation');
  const [town] = await tx.select({ id: towns.id }).from(towns).where(eq(towns.id, body.townId));
  if (!town) throw badRequest('body.townId', 'is not a town');
  await checkOrg(tx, buyerOrgId, 'buyer', 'body.buyerOrgId');
  await checkOrg(tx, body.cooperativeId, 'cooperative', 'body.cooperativeId');
  const [row] = await tx
    .insert(offlineSales)
    .values({
      townId: body.townId,
      cooperativeId: body.cooperativeId ?? null,
      buyerOrgId,
      category: body.category,
      amountFen: body.amountFen,
      businessDate: body.businessDate,
      invoiceNo: body.invoiceNo ?? null,
      note: body.note ?? null,
      recordedBy: who.userId,
      recordedByOrgId: who.orgId,
    })
    .returning();
  await writeAudit(tx, {
    actorUserId: who.userId,
    actorOrgId: who.orgId,
    action: 'offline_sale.record',
    entityType: 'offline_sale',
    entityId: row!.id,
    after: body,
  });
  return (await toOfflineSale(tx, [row!]))[0]!;
}

export async function listOffline(db: Db, who: Principal, status?: OfflineSaleStatus): Promise<OfflineSale[]> {
  const conds = [];
  if (status) conds.push(eq(offlineSales.status, status));
  if (who.orgKind !== 'office') conds.push(eq(offlineSales.buyerOrgId, who.orgId));
  const rows = await db
    .select()
    .from(offlineSales)
    .where(and(...conds))
    .orderBy(desc(offlineSales.createdAt))
    .limit(500);
  return toOfflineSale(db, rows);
}

/** The record if `who` may see it (office: any; buyer: their org's), else null. */
export async function visibleOffline(db: Db, who: Principal, id: string): Promise<OfflineRow | null> {
  const [row] = await db.select().from(offlineSales).where(eq(offlineSales.id, id));
  if (!row) return null;
  if (who.orgKind !== 'office' && row.buyerOrgId !== who.orgId) return null;
  return row;
}

export async function addEvidence(
  db: Db,
  id: string,
  file: { name: string; mime: string; size: number },
  originalName: string,
): Promise<OfflineSale> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(offlineSales).where(eq(offlineSales.id, id)).for('update');
    if (row!.status !== 'pending')
      throw conflict('not_pending', 'Evidence can only be added while the record is pending');
    const existing = await tx.select().from(offlineSaleFiles).where(eq(offlineSaleFiles.offlineSaleId, id));
    if (existing.some((f) => f.fileName === file.name)) return (await toOfflineSale(db, [row!]))[0]!;
    if (existing.length >= MAX_EVIDENCE_FILES)
      throw badRequest('body.file', `a record carries at most ${MAX_EVIDENCE_FILES} evidence files`);
    await tx
      .insert(offlineSaleFiles)
      .values({ offlineSaleId: id, fileName: file.name, mime: file.mime, size: file.size, originalName });
    return (await toOfflineSale(tx as unknown as Db, [row!]))[0]!;
  });
}

/**
 * Moves a record from one status to another, appending the ledger row in the same transaction:
 * approve credits it, reverse appends the negative row. Returns null if there is no such record;
 * throws 409 if it is not in the expected status (so a double click credits once).
 */
export async function decideOffline(
  db: Db,
  who: Principal,
  id: string,
  action: 'approve' | 'reject' | 'reverse',
  reason: string | null,
): Promise<OfflineSale | null> {
  const from: OfflineSaleStatus = action === 'reverse' ? 'approved' : 'pending';
  const to: OfflineSaleStatus = action === 'approve' ? 'approved' : action === 'reject' ? 'rejected' : 'reversed';
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(offlineSales).where(eq(offlineSales.id, id)).for('update');
    if (!row) return null;
    if (row.status !== from)
      throw conflict(
        'wrong_status',
        `Only a ${from} record can be ${action === 'reverse' ? 'reversed' : `${action}d`}; this one is ${row.status}`,
      );
    const now = new Date();
    const set =
      action === 'reverse'
        ? { status: to, decisionReason: reason, reversedBy: who.userId, reversedAt: now }
        : { status: to, decisionReason: reason, decidedBy: who.userId, decidedAt: now };
    const [updated] = await tx.update(offlineSales).set(set).where(eq(offlineSales.id, id)).returning();
    if (action !== 'reject') {
      await appendSales(tx, [
        {
          source: 'offline',
          sourceRef: row.id,
          kind: action === 'approve' ? 'sale' : 'reversal',
          townId: row.townId,
          buyerOrgId: row.buyerOrgId,
          cooperativeId: row.cooperativeId,
          category: row.category,
          amountFen: action === 'approve' ? row.amountFen : -row.amountFen,
          // A reversal counts on the day of the sale it reverses, so the as-of history stays right.
          businessDate: row.businessDate,
        },
      ]);
    }
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: `offline_sale.${action}`,
      entityType: 'offline_sale',
      entityId: id,
      before: { status: row.status },
      after: { status: to, reason },
    });
    return (await toOfflineSale(tx as unknown as Db, [updated!]))[0]!;
  });
}

// ---- Import -------------------------------------------------------------------------------

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
    return parse(buffer, {
      columns: (h: string[]) => h.map((x) => x.trim()),
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    }) as Record<string, string>[];
  const wb = new ExcelJS.Workbook();
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

// ---- Snapshots ----------------------------------------------------------------------------

export async function createSnapshot(
  db: Db,
  who: Principal,
  title: string,
  asOf: string,
  year: number,
): Promise<Snapshot> {
  const rows = await townRows(db, year, asOf);
  const inserted = await db
    .insert(leaderboardSnapshots)
    .values({ title, year, asOf, payload: { rows }, createdBy: who.userId })
    .onConflictDoNothing({ target: leaderboardSnapshots.title })
    .returning();
  const row = inserted[0];
  if (!row) throw conflict('title_taken', `A snapshot titled "${title}" already exists`);
  return { id: row.id, title, year, asOf, createdAt: row.createdAt.toISOString(), rows };
}

export async function listSnapshots(db: Db): Promise<SnapshotSummary[]> {
  const rows = await db
    .select({
      id: leaderboardSnapshots.id,
      title: leaderboardSnapshots.title,
      year: leaderboardSnapshots.year,
      asOf: leaderboardSnapshots.asOf,
      createdAt: leaderboardSnapshots.createdAt,
    })
    .from(leaderboardSnapshots)
    .orderBy(desc(leaderboardSnapshots.createdAt));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

export async function getSnapshot(db: Db, id: string): Promise<Snapshot | null> {
  const [r] = await db.select().from(leaderboardSnapshots).where(eq(leaderboardSnapshots.id, id));
  if (!r) return null;
  return {
    id: r.id,
    title: r.title,
    year: r.year,
    asOf: r.asOf,
    createdAt: r.createdAt.toISOString(),
    rows: (r.payload as { rows: TownRow[] }).rows,
  };
}

const yuan = (fen: number | null) => (fen === null ? null : fen / 100);
export const SNAPSHOT_COLUMNS: { header: string; value: (r: TownRow) => string | number | null }[] = [
  { header: '排名', value: (r) => r.rank },
  { header: '镇', value: (r) => r.nameZh },
  { header: '县（市、区）', value: (r) => r.countyNameZh },
  { header: '销售额（元）', value: (r) => yuan(r.salesFen) },
  { header: '年度目标（元）', value: (r) => yuan(r.targetFen) },
  { header: '完成率（%）', value: (r) => r.progressPct },
  { header: '序时应完成（元）', value: (r) => yuan(r.expectedFen) },
  { header: '超前/落后（元）', value: (r) => yuan(r.aheadFen) },
  { header: '预计全年（元）', value: (r) => yuan(r.projectedFen) },
  { header: '去年同期（元）', value: (r) => yuan(r.lastYearSamePeriodFen) },
  { header: '同比（%）', value: (r) => r.changePct },
  { header: '结对单位数', value: (r) => r.pairedUnits },
];

export function snapshotCsv(s: Snapshot): string {
  const esc = (v: string | number | null) => {
    const t = v === null ? '' : String(v);
    return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  const lines = [
    SNAPSHOT_COLUMNS.map((c) => c.header).join(','),
    ...s.rows.map((r) => SNAPSHOT_COLUMNS.map((c) => esc(c.value(r))).join(',')),
  ];
  // A BOM so that Excel opens the Chinese headers as UTF-8.
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export async function snapshotXlsx(s: Snapshot): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(s.title.slice(0, 31));
  ws.addRow([`${s.title}（截至 ${s.asOf}）`]);
  ws.addRow(SNAPSHOT_COLUMNS.map((c) => c.header));
  for (const r of s.rows) ws.addRow(SNAPSHOT_COLUMNS.map((c) => c.value(r)));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

// ---- Pairings -----------------------------------------------------------------------------

export async function listPairings(
  db: Db,
  who: Principal,
  filter: { townId?: string | undefined },
): Promise<Pairing[]> {
  const conds = [];
  if (filter.townId) conds.push(eq(pairings.townId, filter.townId));
  if (who.orgKind !== 'office') conds.push(eq(pairings.buyerOrgId, who.orgId));
  const rows = await db
    .select({ p: pairings, name: orgs.name })
    .from(pairings)
    .innerJoin(orgs, eq(orgs.id, pairings.buyerOrgId))
    .where(and(...conds))
    .orderBy(asc(pairings.townId), asc(orgs.name));
  return rows.map(({ p, name }) => ({
    id: p.id,
    buyerOrgId: p.buyerOrgId,
    buyerOrgName: name,
    townId: p.townId,
    role: p.role,
    startsOn: p.startsOn,
    endsOn: p.endsOn,
    pledgeFen: p.pledgeFen,
  }));
}

export async function createPairing(db: Db, who: Principal, body: CreatePairingRequest): Promise<Pairing> {
  const [org] = await db.select({ kind: orgs.kind, name: orgs.name }).from(orgs).where(eq(orgs.id, body.buyerOrgId));
  if (!org || org.kind !== 'buyer') throw badRequest('body.buyerOrgId', 'is not a buyer organisation');
  const [town] = await db.select({ id: towns.id }).from(towns).where(eq(towns.id, body.townId));
  if (!town) throw badRequest('body.townId', 'is not a town');
  if (body.endsOn && body.endsOn < body.startsOn) throw badRequest('body.endsOn', 'must not be before startsOn');
  return db.transaction(async (tx) => {
    const [p] = await tx
      .insert(pairings)
      .values({
        buyerOrgId: body.buyerOrgId,
        townId: body.townId,
        role: body.role,
        startsOn: body.startsOn,
        endsOn: body.endsOn ?? null,
        pledgeFen: body.pledgeFen ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (!p) throw conflict('pairing_exists', 'This unit is already paired with this town from that date');
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'pairing.create',
      entityType: 'pairing',
      entityId: p.id,
      after: body,
    });
    return {
      id: p.id,
      buyerOrgId: p.buyerOrgId,
      buyerOrgName: org.name,
      townId: p.townId,
      role: p.role,
      startsOn: p.startsOn,
      endsOn: p.endsOn,
      pledgeFen: p.pledgeFen,
    };
  });
}

export async function deletePairing(db: Db, who: Principal, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [p] = await tx.delete(pairings).where(eq(pairings.id, id)).returning();
    if (!p) return false;
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'pairing.delete',
      entityType: 'pairing',
      entityId: id,
      before: p,
    });
    return true;
  });
}
