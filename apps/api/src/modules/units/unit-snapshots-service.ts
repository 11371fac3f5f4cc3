import { desc, eq } from 'drizzle-orm';
import { schema, writeAudit, type Db } from '@shanhai/db';
import type {
  DeclarationStatus,
  UnitKind,
  UnitProgress,
  UnitSnapshot,
  UnitSnapshotSummary,
  UnitYearSettings,
} from '@shanhai/domain';
import { loadExcel } from '../../lib/excel';
import { conflict } from '../../lib/problem';
import type { Principal } from '../../types';
import { ranking } from './progress-service';

/*
 * The monthly 通报: the budget-unit ranking frozen as of a day, kept as served (rows and the year's
 * rules) so a later declaration, refund or late offline record never changes what was reported.
 */

const { unitSnapshots } = schema;

export async function createUnitSnapshot(
  db: Db,
  who: Principal,
  title: string,
  asOf: string,
  year: number,
): Promise<UnitSnapshot> {
  const { settings, rows } = await ranking(db, year, asOf, {});
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(unitSnapshots)
      .values({ title, year, asOf, payload: { settings, rows }, createdBy: who.userId })
      .onConflictDoNothing({ target: unitSnapshots.title })
      .returning();
    if (!row) throw conflict('title_taken', `A report titled "${title}" already exists`);
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'unit_snapshot.create',
      entityType: 'unit_snapshot',
      entityId: row.id,
      after: { title, year, asOf, units: rows.length },
    });
    return { id: row.id, title, year, asOf, createdAt: row.createdAt.toISOString(), settings, rows };
  });
}

export async function listUnitSnapshots(db: Db): Promise<UnitSnapshotSummary[]> {
  const rows = await db
    .select({
      id: unitSnapshots.id,
      title: unitSnapshots.title,
      year: unitSnapshots.year,
      asOf: unitSnapshots.asOf,
      createdAt: unitSnapshots.createdAt,
    })
    .from(unitSnapshots)
    .orderBy(desc(unitSnapshots.createdAt), desc(unitSnapshots.asOf));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

export async function getUnitSnapshot(db: Db, id: string): Promise<UnitSnapshot | null> {
  const [r] = await db.select().from(unitSnapshots).where(eq(unitSnapshots.id, id));
  if (!r) return null;
  const payload = r.payload as { settings: UnitYearSettings; rows: UnitProgress[] };
  return {
    id: r.id,
    title: r.title,
    year: r.year,
    asOf: r.asOf,
    createdAt: r.createdAt.toISOString(),
    settings: payload.settings,
    rows: payload.rows,
  };
}

const yuan = (fen: number | null) => (fen === null ? null : fen / 100);
const KIND_ZH: Record<UnitKind, string> = {
  agency: '机关',
  institution: '事业单位',
  soe: '国有企业',
  union: '工会',
  other: '其他',
};
const STATUS_ZH: Record<DeclarationStatus, string> = {
  draft: '草稿',
  submitted: '待审核',
  approved: '已通过',
  returned: '已退回',
};

export const UNIT_SNAPSHOT_COLUMNS: { header: string; value: (r: UnitProgress) => string | number | null }[] = [
  { header: '排名', value: (r) => r.rank },
  { header: '单位', value: (r) => r.name },
  { header: '单位类型', value: (r) => (r.unitKind ? KIND_ZH[r.unitKind] : '') },
  { header: '申报状态', value: (r) => (r.declarationStatus ? STATUS_ZH[r.declarationStatus] : '未申报') },
  { header: '预留金额（元）', value: (r) => yuan(r.reservedFen) },
  { header: '已采购（元）', value: (r) => yuan(r.salesFen) },
  { header: '完成率（%）', value: (r) => r.progressPct },
  { header: '序时应完成（元）', value: (r) => yuan(r.expectedFen) },
  { header: '超前/落后（元）', value: (r) => yuan(r.aheadFen) },
  { header: '去年同期（元）', value: (r) => yuan(r.lastYearSamePeriodFen) },
  { header: '同比（%）', value: (r) => r.changePct },
  { header: '进度', value: (r) => (r.reservedFen === null ? '' : r.behindPace ? '落后' : '正常') },
  { header: '逾期未申报', value: (r) => (r.notDeclaredByDeadline ? '是' : '否') },
];

export async function unitSnapshotXlsx(s: UnitSnapshot): Promise<Buffer> {
  const wb = new (await loadExcel()).Workbook();
  // A sheet name may not hold : \ / ? * [ ] and has at most 31 characters.
  const ws = wb.addWorksheet(s.title.replace(/[:\\/?*[\]]/g, '_').slice(0, 31));
  ws.addRow([`${s.title}（截至 ${s.asOf}，最低预留比例 ${s.settings.minRatioBp / 100}%）`]);
  ws.addRow(UNIT_SNAPSHOT_COLUMNS.map((c) => c.header));
  for (const r of s.rows) ws.addRow(UNIT_SNAPSHOT_COLUMNS.map((c) => c.value(r)));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
