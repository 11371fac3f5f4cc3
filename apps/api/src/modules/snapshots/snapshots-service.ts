import { schema, type Db } from '@shanhai/db';
import type { PageQuery, Snapshot, SnapshotPage, TownRow } from '@shanhai/domain';
import { getFrozen, insertFrozen, listFrozen, yuan, type ReportColumn } from '../../lib/frozen-report';
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
  const { payload, ...row } = await insertFrozen(db, leaderboardSnapshots, {
    title,
    year,
    asOf,
    payload: { rows },
    createdBy: who.userId,
  });
  return { ...row, rows: payload.rows };
}

export function listSnapshots(db: Db, page: PageQuery): Promise<SnapshotPage> {
  return listFrozen(db, leaderboardSnapshots, 'snapshots', page);
}

export async function getSnapshot(db: Db, id: string): Promise<Snapshot | null> {
  const r = await getFrozen<{ rows: TownRow[] }>(db, leaderboardSnapshots, id);
  if (!r) return null;
  const { payload, ...row } = r;
  return { ...row, rows: payload.rows };
}

const SNAPSHOT_COLUMNS: ReportColumn<TownRow>[] = [
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

/** A frozen snapshot or the live town board, as the report the office downloads. */
export function townReport(s: Pick<Snapshot, 'title' | 'asOf' | 'rows'>) {
  return { ...s, titleLine: `${s.title}（截至 ${s.asOf}）`, columns: SNAPSHOT_COLUMNS };
}
