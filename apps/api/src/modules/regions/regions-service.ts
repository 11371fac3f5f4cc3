import { and, asc, eq } from 'drizzle-orm';
import { schema, writeAudit, type Db } from '@shanhai/db';
import type { RegionsResponse, TownTarget } from '@shanhai/domain';
import type { Principal } from '../../types';

const { counties, towns, townTargets } = schema;

export async function regions(db: Db, year: number): Promise<RegionsResponse> {
  const [countyRows, townRows] = await Promise.all([
    db.select().from(counties).orderBy(asc(counties.sortOrder), asc(counties.code)),
    db
      .select({ town: towns, targetFen: townTargets.targetFen, targetIsDemo: townTargets.isDemo })
      .from(towns)
      .leftJoin(townTargets, and(eq(townTargets.townId, towns.id), eq(townTargets.year, year)))
      .orderBy(asc(towns.sortOrder), asc(towns.code)),
  ]);
  return {
    year,
    counties: countyRows.map((c) => ({
      id: c.id,
      code: c.code,
      nameZh: c.nameZh,
      nameEn: c.nameEn,
      towns: townRows
        .filter((t) => t.town.countyId === c.id)
        .map(({ town, targetFen, targetIsDemo }) => ({
          id: town.id,
          code: town.code,
          countyId: town.countyId,
          nameZh: town.nameZh,
          nameEn: town.nameEn,
          isDemo: town.isDemo,
          targetFen: targetFen ?? null,
          targetIsDemo: targetIsDemo ?? false,
        })),
    })),
  };
}

/** Sets a town's yearly target; the old and new values go to the audit log in the same transaction. */
export async function setTarget(
  db: Db,
  who: Principal,
  townId: string,
  year: number,
  targetFen: number,
): Promise<TownTarget | null> {
  return db.transaction(async (tx) => {
    const [town] = await tx.select({ id: towns.id }).from(towns).where(eq(towns.id, townId));
    if (!town) return null;
    const [before] = await tx
      .select()
      .from(townTargets)
      .where(and(eq(townTargets.townId, townId), eq(townTargets.year, year)))
      .for('update');
    const now = new Date();
    const [row] = await tx
      .insert(townTargets)
      .values({ townId, year, targetFen, isDemo: false, updatedBy: who.userId, updatedAt: now })
      .onConflictDoUpdate({
        target: [townTargets.townId, townTargets.year],
        set: { targetFen, isDemo: false, updatedBy: who.userId, updatedAt: now },
      })
      .returning();
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'town_target.set',
      entityType: 'town_target',
      entityId: `${townId}:${year}`,
      before: before ? { targetFen: before.targetFen, isDemo: before.isDemo } : null,
      after: { targetFen, isDemo: false },
    });
    return { townId, year, targetFen: row!.targetFen, isDemo: row!.isDemo, updatedAt: row!.updatedAt.toISOString() };
  });
}
