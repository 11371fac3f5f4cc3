import { desc, eq } from 'drizzle-orm';
import { addSheet, loadExcel } from '../../lib/excel';
import { schema, type Db } from '@shanhai/db';
import type { Snapshot, SnapshotSummary, TownRow } from '@shanhai/domain';
import { conflict } from '../../lib/problem';
import type { Principal } from '../../types';
import { townRows } from '../leaderboard/leaderboard-service';

const { leaderboardSnapshots } = schema;

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

/** A frozen snapshot or the live town board, as a workbook with a title line and Chinese headers. */
export async function snapshotXlsx(s: Pick<Snapshot, 'title' | 'asOf' | 'rows'>): Promise<Buffer> {
  const wb = new (await loadExcel()).Workbook();
  const ws = addSheet(wb, s.title);
  ws.addRow([`${s.title}（截至 ${s.asOf}）`]);
  ws.addRow(SNAPSHOT_COLUMNS.map((c) => c.header));
  for (const r of s.rows) ws.addRow(SNAPSHOT_COLUMNS.map((c) => c.value(r)));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
