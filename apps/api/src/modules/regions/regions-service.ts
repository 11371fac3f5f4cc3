import { and, asc, eq, gt, gte, isNull, lt, lte, or } from 'drizzle-orm';
import { schema, writeAudit, type Db } from '@shanhai/db';
import {
  businessDate,
  type CreatePairingRequest,
  type Pairing,
  type PairingListQuery,
  type PairingPage,
  type RegionsResponse,
  type TownTarget,
  type UpdatePairingRequest,
} from '@shanhai/domain';
import { cursorKey, pageOf, type Keyset, keysetPage } from '../../lib/cursor';
import { conflict, ruleBroken } from '../../lib/problem';
import type { Principal } from '../../types';

const { counties, towns, townTargets, orgs, pairings } = schema;

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

/**
 * The pairings list: grouped by town, then by unit name; the id breaks ties between pairings of one
 * unit with one town (an ended one and its successor).
 */
const PAIRINGS_KEYSET: Keyset = {
  name: 'pairings',
  keys: [
    { expr: pairings.townId, type: 'uuid', order: 'asc' },
    { expr: orgs.name, type: 'text', order: 'asc' },
    { expr: pairings.id, type: 'uuid', order: 'asc' },
  ],
};

export async function listPairings(db: Db, who: Principal, query: PairingListQuery): Promise<PairingPage> {
  const conds = [];
  const today = businessDate();
  if (query.townId) conds.push(eq(pairings.townId, query.townId));
  if (query.buyerOrgId) conds.push(eq(pairings.buyerOrgId, query.buyerOrgId));
  if (query.state === 'current')
    conds.push(lte(pairings.startsOn, today), or(isNull(pairings.endsOn), gte(pairings.endsOn, today)));
  if (query.state === 'upcoming') conds.push(gt(pairings.startsOn, today));
  if (query.state === 'ended') conds.push(lt(pairings.endsOn, today));
  if (who.orgKind !== 'office') conds.push(eq(pairings.buyerOrgId, who.orgId));
  const rows = await keysetPage(
    db
      .select({ p: pairings, name: orgs.name, cursorKey: cursorKey(PAIRINGS_KEYSET) })
      .from(pairings)
      .innerJoin(orgs, eq(orgs.id, pairings.buyerOrgId))
      .$dynamic(),
    PAIRINGS_KEYSET,
    query,
    ...conds,
  );
  const { items, nextCursor } = pageOf(PAIRINGS_KEYSET, rows, query.limit);
  return {
    items: items.map(({ p, name }) => ({
      id: p.id,
      buyerOrgId: p.buyerOrgId,
      buyerOrgName: name,
      townId: p.townId,
      role: p.role,
      startsOn: p.startsOn,
      endsOn: p.endsOn,
      pledgeFen: p.pledgeFen,
    })),
    nextCursor,
  };
}

export async function createPairing(db: Db, who: Principal, body: CreatePairingRequest): Promise<Pairing> {
  const [org] = await db.select({ kind: orgs.kind, name: orgs.name }).from(orgs).where(eq(orgs.id, body.buyerOrgId));
  if (!org || org.kind !== 'buyer') throw ruleBroken('body.buyerOrgId', 'not_a_buyer');
  const [town] = await db.select({ id: towns.id }).from(towns).where(eq(towns.id, body.townId));
  if (!town) throw ruleBroken('body.townId', 'not_a_town');
  if (body.endsOn && body.endsOn < body.startsOn) throw ruleBroken('body.endsOn', 'not_before_start');
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

/** Changes a pairing's role, last day or pledge (office; audited). Null: no such pairing. */
export async function updatePairing(
  db: Db,
  who: Principal,
  id: string,
  body: UpdatePairingRequest,
): Promise<Pairing | null> {
  return db.transaction(async (tx) => {
    const [p] = await tx.select().from(pairings).where(eq(pairings.id, id)).for('update');
    if (!p) return null;
    const endsOn = body.endsOn === undefined ? p.endsOn : body.endsOn;
    if (endsOn && endsOn < p.startsOn) throw ruleBroken('body.endsOn', 'not_before_start');
    const set = {
      ...(body.role ? { role: body.role } : {}),
      ...(body.endsOn !== undefined ? { endsOn: body.endsOn } : {}),
      ...(body.pledgeFen !== undefined ? { pledgeFen: body.pledgeFen } : {}),
    };
    const [u] = await tx.update(pairings).set(set).where(eq(pairings.id, id)).returning();
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'pairing.update',
      entityType: 'pairing',
      entityId: id,
      before: { role: p.role, endsOn: p.endsOn, pledgeFen: p.pledgeFen },
      after: set,
    });
    const [org] = await tx.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, u!.buyerOrgId));
    return {
      id: u!.id,
      buyerOrgId: u!.buyerOrgId,
      buyerOrgName: org!.name,
      townId: u!.townId,
      role: u!.role,
      startsOn: u!.startsOn,
      endsOn: u!.endsOn,
      pledgeFen: u!.pledgeFen,
    };
  });
}
