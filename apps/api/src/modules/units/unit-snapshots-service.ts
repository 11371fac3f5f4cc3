import { freezeUnitSnapshot, schema, type Db } from '@shanhai/db';
import type {
  DeclarationStatus,
  UnitKind,
  UnitProgress,
  UnitSnapshot,
  UnitSnapshotPage,
  PageQuery,
  UnitYearSettings,
} from '@shanhai/domain';
import { getFrozen, listFrozen, yuan, type ReportColumn } from '../../lib/frozen-report';
import { conflict } from '../../lib/problem';
import type { Principal } from '../../types';

/*
 * The monthly 通报: the budget-unit ranking frozen as of a day, kept as served (rows and the year's
 * rules) so a later declaration, refund or late offline record never changes what was reported.
 */

const { unitSnapshots } = schema;

type Payload = { settings: UnitYearSettings; rows: UnitProgress[] };

/** Freezes the ranking as of `asOf` (shared with the worker's monthly freeze); a title in use is a 409. */
export async function createUnitSnapshot(
  db: Db,
  who: Principal,
  title: string,
  asOf: string,
  year: number,
): Promise<UnitSnapshot> {
  const made = await freezeUnitSnapshot(db, { title, year, asOf, createdBy: who.userId, actorOrgId: who.orgId });
  if (!made) throw conflict('title_taken', `A report titled "${title}" already exists`);
  return made;
}

export function listUnitSnapshots(db: Db, page: PageQuery): Promise<UnitSnapshotPage> {
  return listFrozen(db, unitSnapshots, 'units.snapshots', page);
}

export async function getUnitSnapshot(db: Db, id: string): Promise<UnitSnapshot | null> {
  const r = await getFrozen<Payload>(db, unitSnapshots, id);
  if (!r) return null;
  const { payload, ...row } = r;
  return { ...row, settings: payload.settings, rows: payload.rows };
}

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

const UNIT_SNAPSHOT_COLUMNS: ReportColumn<UnitProgress>[] = [
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

/** A frozen unit ranking as the report the office downloads. */
export function unitReport(s: UnitSnapshot) {
  return {
    ...s,
    titleLine: `${s.title}（截至 ${s.asOf}，最低预留比例 ${s.settings.minRatioBp / 100}%）`,
    columns: UNIT_SNAPSHOT_COLUMNS,
  };
}
