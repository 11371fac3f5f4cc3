import { businessDate, type UnitProgress, type UnitYearSettings } from '@shanhai/domain';
import { eq } from 'drizzle-orm';
import { writeAudit } from './audit';
import type { Db } from './client';
import { lastDayOf, previousMonth } from './notify-schedule';
import { unitSnapshots } from './schema/index';
import { unitProgressRows, unitYearSettings } from './unit-progress';

/*
 * Freezing the budget units' 通报: the ranking as of a day (`unitProgressRows`, every unit, and the
 * year's rules), kept as served. Shared by the office's freeze (api) and the worker's monthly one.
 */

export interface FrozenUnitSnapshot {
  id: string;
  title: string;
  year: number;
  asOf: string;
  createdAt: string;
  settings: UnitYearSettings;
  rows: UnitProgress[];
}

/**
 * Freezes the ranking of `year` as of `asOf` with an audit row; `createdBy` null is the system.
 * Null, and nothing written, when the title (or the `period`) is already taken.
 */
export async function freezeUnitSnapshot(
  db: Db,
  v: {
    title: string;
    year: number;
    asOf: string;
    createdBy: string | null;
    actorOrgId: string | null;
    period?: string;
  },
): Promise<FrozenUnitSnapshot | null> {
  const { title, year, asOf } = v;
  const settings = await unitYearSettings(db, year);
  const { rows } = await unitProgressRows(db, year, asOf, {});
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(unitSnapshots)
      .values({ title, year, asOf, payload: { settings, rows }, createdBy: v.createdBy, period: v.period ?? null })
      .onConflictDoNothing()
      .returning({ id: unitSnapshots.id, createdAt: unitSnapshots.createdAt });
    if (!row) return null;
    await writeAudit(tx, {
      actorUserId: v.createdBy,
      actorOrgId: v.actorOrgId,
      action: 'unit_snapshot.create',
      entityType: 'unit_snapshot',
      entityId: row.id,
      after: { title, year, asOf, units: rows.length, ...(v.period ? { period: v.period } : {}) },
    });
    return { id: row.id, title, year, asOf, createdAt: row.createdAt.toISOString(), settings, rows };
  });
}

/** The title of the monthly 通报 for `YYYY-MM`, e.g. `2026年11月 预留份额完成情况通报`. */
export const monthlyUnitSnapshotTitle = (month: string) =>
  `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月 预留份额完成情况通报`;

/**
 * The monthly 通报 for `period` (`YYYY-MM`; last month by default), frozen by the system: the
 * ranking of that month's year as of its last day. One per month, enforced by the database,
 * however often and by however many workers it runs. Should the office already have used the
 * title, the system's gets `（系统）` after it.
 */
export async function freezeMonthlyUnitSnapshot(
  db: Db,
  period?: string,
  now = new Date(),
): Promise<{ period: string; snapshotId: string; created: boolean }> {
  const month = period ?? previousMonth(businessDate(now));
  const asOf = lastDayOf(month);
  const year = Number(month.slice(0, 4));
  const existing = async () => {
    const [r] = await db.select({ id: unitSnapshots.id }).from(unitSnapshots).where(eq(unitSnapshots.period, month));
    return r?.id;
  };
  const found = await existing();
  if (found) return { period: month, snapshotId: found, created: false };
  for (const title of [monthlyUnitSnapshotTitle(month), `${monthlyUnitSnapshotTitle(month)}（系统）`]) {
    const made = await freezeUnitSnapshot(db, { title, year, asOf, createdBy: null, actorOrgId: null, period: month });
    if (made) return { period: month, snapshotId: made.id, created: true };
    const other = await existing();
    if (other) return { period: month, snapshotId: other, created: false };
  }
  throw new Error(`the titles of the ${month} 通报 are both taken by the office's snapshots`);
}
