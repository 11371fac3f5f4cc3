import { aliasedTable, and, asc, desc, eq, ilike, inArray, not, or, sql, type SQL } from 'drizzle-orm';
import { schema, unitYearSettings as readYearSettings, writeAudit, type Db, type DbOrTx } from '@shanhai/db';
import {
  businessDate,
  businessYear,
  reservedFen,
  type BudgetUnitListQuery,
  type BudgetUnitPage,
  type BulkClassifyRequest,
  type ClassifyUnitRequest,
  type Declaration,
  type DeclarationListQuery,
  type DeclarationPage,
  type DeclarationRequest,
  type PutUnitYearSettingsRequest,
  type UnitDeclarations,
  type UnitListPage,
  type UnitListQuery,
  type UnitSummary,
  type UnitYearSettings,
} from '@shanhai/domain';
import { cursorKey, pageOf, type Keyset, keysetPage } from '../../lib/cursor';
import { conflict, ruleBroken } from '../../lib/problem';
import type { Principal } from '../../types';

const { budgetUnitYears, orgs, unitDeclarations, unitYearSettings } = schema;

type DeclarationRow = typeof unitDeclarations.$inferSelect;

/** The office's rules for a year, or the defaults (10%, no deadline) where it has set none. */
export const yearSettings = readYearSettings;

export async function putYearSettings(
  db: Db,
  who: Principal,
  year: number,
  body: PutUnitYearSettingsRequest,
): Promise<UnitYearSettings> {
  return db.transaction(async (tx) => {
    const before = await yearSettings(tx, year);
    await tx
      .insert(unitYearSettings)
      .values({ year, ...body, updatedBy: who.userId })
      .onConflictDoUpdate({
        target: unitYearSettings.year,
        set: { ...body, updatedBy: who.userId, updatedAt: new Date() },
      });
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'unit_settings.set',
      entityType: 'unit_settings',
      entityId: String(year),
      before,
      after: body,
    });
    return { year, ...body };
  });
}

const toUnit = (
  o: { id: string; name: string; unitKind: UnitSummary['unitKind'] },
  isBudgetUnit: boolean,
): UnitSummary => ({
  id: o.id,
  name: o.name,
  unitKind: o.unitKind,
  isBudgetUnit,
});

/** Is the buyer org a budget unit in `year`? (The office sets it per year.) */
async function isBudgetUnitIn(db: DbOrTx, orgId: string, year: number): Promise<boolean> {
  const [row] = await db
    .select({ year: budgetUnitYears.year })
    .from(budgetUnitYears)
    .where(and(eq(budgetUnitYears.year, year), eq(budgetUnitYears.buyerOrgId, orgId)));
  return row !== undefined;
}

/** The same, as SQL over an orgs row (for lists and filters). */
const budgetUnitInSql = (year: number) =>
  sql<boolean>`exists (select 1 from ${budgetUnitYears} b where b.year = ${year} and b.buyer_org_id = ${orgs.id})`;

/** A buyer org as a partner unit in `year`, or null when there is no such buyer org. */
async function unitOf(db: DbOrTx, orgId: string, year: number): Promise<UnitSummary | null> {
  const [o] = await db.select().from(orgs).where(eq(orgs.id, orgId));
  return o && o.kind === 'buyer' ? toUnit(o, await isBudgetUnitIn(db, orgId, year)) : null;
}

/**
 * Makes the listed buyer orgs budget units in `year`, or not: rows of budget_unit_years added or
 * removed. Returns the ids whose status changed.
 */
async function setBudgetUnitYear(
  tx: DbOrTx,
  who: Principal,
  ids: string[],
  year: number,
  isBudgetUnit: boolean,
): Promise<Set<string>> {
  const changed = isBudgetUnit
    ? await tx
        .insert(budgetUnitYears)
        .values(ids.map((buyerOrgId) => ({ year, buyerOrgId, setBy: who.userId })))
        .onConflictDoNothing()
        .returning({ id: budgetUnitYears.buyerOrgId })
    : await tx
        .delete(budgetUnitYears)
        .where(and(eq(budgetUnitYears.year, year), inArray(budgetUnitYears.buyerOrgId, ids)))
        .returning({ id: budgetUnitYears.buyerOrgId });
  return new Set(changed.map((r) => r.id));
}

/** Sets whether a buyer org is a budget unit in a year, and its kind (office; audited). Null: no such buyer org. */
export async function classifyUnit(
  db: Db,
  who: Principal,
  orgId: string,
  body: ClassifyUnitRequest,
): Promise<UnitSummary | null> {
  return db.transaction(async (tx) => {
    const [o] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).for('update');
    if (!o || o.kind !== 'buyer') return null;
    const [updated] = await tx.update(orgs).set({ unitKind: body.unitKind }).where(eq(orgs.id, orgId)).returning();
    const changed = await setBudgetUnitYear(tx, who, [orgId], body.year, body.isBudgetUnit);
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'unit.classify',
      entityType: 'org',
      entityId: orgId,
      before: { year: body.year, isBudgetUnit: changed.has(orgId) !== body.isBudgetUnit, unitKind: o.unitKind },
      after: body,
    });
    return toUnit(updated!, body.isBudgetUnit);
  });
}

/**
 * The office's list of partner units, by name (the classify page). Not the ranking: that one is
 * `/units/ranking`, ordered by completion and answered whole. Names are not unique, so the id ends
 * the key. Each row says whether the org is a budget unit in `query.year` (default this year).
 */
const UNITS_KEYSET: Keyset = {
  name: 'units',
  keys: [
    { expr: orgs.name, type: 'text', order: 'asc' },
    { expr: orgs.id, type: 'uuid', order: 'asc' },
  ],
};

/** Any unit can be found: by a part of its name or of its unified social credit code (LIKE wildcards literal). */
function unitSearch(q: string): SQL {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(ilike(orgs.name, pattern), ilike(orgs.creditCode, pattern))!;
}

export async function listUnits(db: DbOrTx, query: UnitListQuery): Promise<UnitListPage> {
  const year = query.year ?? businessYear();
  const conds = [eq(orgs.kind, 'buyer')];
  if (query.q) conds.push(unitSearch(query.q));
  if (query.budget) conds.push(query.budget === 'yes' ? budgetUnitInSql(year) : not(budgetUnitInSql(year)));
  if (query.kind) conds.push(eq(orgs.unitKind, query.kind));
  const rows = await keysetPage(
    db
      .select({
        id: orgs.id,
        name: orgs.name,
        unitKind: orgs.unitKind,
        isBudgetUnit: budgetUnitInSql(year),
        status: orgs.status,
        cursorKey: cursorKey(UNITS_KEYSET),
      })
      .from(orgs)
      .$dynamic(),
    UNITS_KEYSET,
    query,
    ...conds,
  );
  const { items, nextCursor } = pageOf(UNITS_KEYSET, rows, query.limit);
  return { items: items.map(({ cursorKey: _, ...u }) => u), nextCursor };
}

/**
 * Classifies several buyer orgs for a year at once (office; one audit entry per change, all in one
 * transaction). Every id must be a buyer org, or nothing changes and the first that is not is named.
 */
export async function classifyUnits(db: Db, who: Principal, body: BulkClassifyRequest): Promise<UnitSummary[]> {
  const ids = [...new Set(body.unitIds)];
  return db.transaction(async (tx) => {
    // Locked in id order, so two bulk changes over overlapping sets cannot deadlock.
    const found = await tx
      .select()
      .from(orgs)
      .where(and(inArray(orgs.id, ids), eq(orgs.kind, 'buyer')))
      .orderBy(asc(orgs.id))
      .for('update');
    const byId = new Map(found.map((o) => [o.id, o]));
    const missing = body.unitIds.findIndex((id) => !byId.has(id));
    if (missing >= 0) throw ruleBroken(`body.unitIds.${missing}`, 'not_a_buyer');
    const updated =
      body.unitKind !== undefined
        ? await tx.update(orgs).set({ unitKind: body.unitKind }).where(inArray(orgs.id, ids)).returning()
        : found;
    const changed = await setBudgetUnitYear(tx, who, ids, body.year, body.isBudgetUnit);
    const after = {
      year: body.year,
      isBudgetUnit: body.isBudgetUnit,
      ...(body.unitKind !== undefined ? { unitKind: body.unitKind } : {}),
    };
    for (const o of found) {
      if (!changed.has(o.id) && (body.unitKind === undefined || body.unitKind === o.unitKind)) continue;
      await writeAudit(tx, {
        actorUserId: who.userId,
        actorOrgId: who.orgId,
        action: 'unit.classify',
        entityType: 'org',
        entityId: o.id,
        before: { year: body.year, isBudgetUnit: changed.has(o.id) !== body.isBudgetUnit, unitKind: o.unitKind },
        after,
      });
    }
    return updated.map((o) => toUnit(o, body.isBudgetUnit)).sort((a, b) => a.name.localeCompare(b.name));
  });
}

const shared = aliasedTable(orgs, 'shared_canteen_org');

/**
 * Declarations with their unit's name: one by its id, or every version of a unit's year (no cap: it
 * grows one version per approved change, and a history cut at a number would hide the oldest).
 */
async function readDeclarations(db: DbOrTx, where: ReturnType<typeof and>): Promise<Declaration[]> {
  const rows = await db
    .select({ d: unitDeclarations, name: orgs.name, sharedName: shared.name })
    .from(unitDeclarations)
    .innerJoin(orgs, eq(orgs.id, unitDeclarations.buyerOrgId))
    .leftJoin(shared, eq(shared.id, unitDeclarations.sharedCanteenOrgId))
    .where(where)
    .orderBy(asc(orgs.name), desc(unitDeclarations.version));
  return rows.map(({ d, name, sharedName }) => toDeclaration(d, name, sharedName ?? null));
}

function toDeclaration(d: DeclarationRow, name: string, sharedName: string | null): Declaration {
  return {
    id: d.id,
    buyerOrgId: d.buyerOrgId,
    buyerOrgName: name,
    year: d.year,
    version: d.version,
    status: d.status,
    totalFen: d.totalFen,
    ratioBp: d.ratioBp,
    reservedFen: reservedFen(d.totalFen, d.ratioBp),
    canteenOutsourced: d.canteenOutsourced,
    sharedCanteenOrgId: d.sharedCanteenOrgId,
    sharedCanteenOrgName: sharedName,
    note: d.note,
    returnReason: d.returnReason,
    submittedAt: d.submittedAt?.toISOString() ?? null,
    decidedAt: d.decidedAt?.toISOString() ?? null,
    updatedAt: d.updatedAt.toISOString(),
  };
}

/** May `who` see this unit's declarations? Office: any; a buyer org: only its own. */
const mayRead = (who: Principal, orgId: string) => who.orgKind === 'office' || who.orgId === orgId;

/** A unit's declarations for a year, or null when `who` may not see the unit (answered 404). */
export async function unitDeclarationsFor(
  db: DbOrTx,
  who: Principal,
  orgId: string,
  year: number,
): Promise<UnitDeclarations | null> {
  if (!mayRead(who, orgId)) return null;
  const unit = await unitOf(db, orgId, year);
  if (!unit) return null;
  const versions = await readDeclarations(
    db,
    and(eq(unitDeclarations.buyerOrgId, orgId), eq(unitDeclarations.year, year)),
  );
  return {
    year,
    settings: await yearSettings(db, year),
    unit,
    inForce: versions.find((v) => v.status === 'approved') ?? null,
    versions,
  };
}

/**
 * Saves the unit's declaration for the year: edits a draft or returned version in place, or
 * starts a new version when the latest is approved (the approved one stays in force until the
 * new one is approved). A submitted version waits for the office (409). Null: not the caller's unit.
 */
export async function saveDeclaration(
  db: Db,
  who: Principal,
  orgId: string,
  year: number,
  body: DeclarationRequest,
): Promise<Declaration | null> {
  if (who.orgKind !== 'buyer' || who.orgId !== orgId) return null;
  return db.transaction(async (tx) => {
    // One writer per unit and year, so two saves at once cannot both start version 1 (or 2).
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`unit_declaration:${orgId}:${year}`}))`);
    // Budget-unit status is per year: a unit declares only for a year the office made it one.
    if (!(await isBudgetUnitIn(tx, orgId, year))) throw ruleBroken('params.year', 'not_budget_unit_in_year', { year });
    const settings = await yearSettings(tx, year);
    if (body.ratioBp < settings.minRatioBp)
      throw ruleBroken('body.ratioBp', 'ratio_below_min', { min: settings.minRatioBp / 100 });
    if (body.sharedCanteenOrgId) {
      const [other] = await tx.select().from(orgs).where(eq(orgs.id, body.sharedCanteenOrgId));
      if (!other || other.kind !== 'buyer' || other.id === orgId || !(await isBudgetUnitIn(tx, other.id, year)))
        throw ruleBroken('body.sharedCanteenOrgId', 'not_a_budget_unit');
    }
    const versions = await tx
      .select()
      .from(unitDeclarations)
      .where(and(eq(unitDeclarations.buyerOrgId, orgId), eq(unitDeclarations.year, year)))
      .orderBy(desc(unitDeclarations.version));
    const latest = versions[0];
    const everApproved = versions.some((v) => v.status === 'approved');
    // The deadline closes first declarations; an approved unit may still change its figures (with a new approval).
    if (!everApproved && settings.declarationDeadline && businessDate() > settings.declarationDeadline)
      throw ruleBroken('params.year', 'deadline_passed', { deadline: settings.declarationDeadline });
    if (latest?.status === 'submitted')
      throw conflict('declaration_submitted', 'The declaration is waiting for the office; it cannot change now');
    const values = {
      totalFen: body.totalFen,
      ratioBp: body.ratioBp,
      canteenOutsourced: body.canteenOutsourced,
      sharedCanteenOrgId: body.sharedCanteenOrgId ?? null,
      note: body.note ?? null,
    };
    let row: DeclarationRow;
    if (latest && latest.status !== 'approved') {
      [row] = (await tx
        .update(unitDeclarations)
        .set({ ...values, status: 'draft', returnReason: null })
        .where(eq(unitDeclarations.id, latest.id))
        .returning()) as [DeclarationRow];
    } else {
      [row] = (await tx
        .insert(unitDeclarations)
        .values({ ...values, buyerOrgId: orgId, year, version: (latest?.version ?? 0) + 1, createdBy: who.userId })
        .returning()) as [DeclarationRow];
    }
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'declaration.save',
      entityType: 'declaration',
      entityId: row.id,
      before: latest && latest.id === row.id ? pick(latest) : null,
      after: { year, version: row.version, ...values },
    });
    return (await readDeclarations(tx, eq(unitDeclarations.id, row.id)))[0]!;
  });
}

const pick = (d: DeclarationRow) => ({
  status: d.status,
  totalFen: d.totalFen,
  ratioBp: d.ratioBp,
  canteenOutsourced: d.canteenOutsourced,
  sharedCanteenOrgId: d.sharedCanteenOrgId,
});

const FROM = { submit: ['draft'], approve: ['submitted'], return: ['submitted'] } as const;
const TO = { submit: 'submitted', approve: 'approved', return: 'returned' } as const;

/**
 * Moves a declaration on: the unit submits its draft; the office approves or returns (with a
 * reason) a submitted one. Null: no such declaration, or not the caller's (answered 404); 409
 * when it is not in the status the step starts from (so a double click decides once).
 */
export async function decideDeclaration(
  db: Db,
  who: Principal,
  id: string,
  action: 'submit' | 'approve' | 'return',
  reason: string | null,
): Promise<Declaration | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(unitDeclarations).where(eq(unitDeclarations.id, id)).for('update');
    if (!row) return null;
    if (action === 'submit' ? who.orgKind !== 'buyer' || who.orgId !== row.buyerOrgId : who.orgKind !== 'office')
      return null;
    if (!(FROM[action] as readonly string[]).includes(row.status))
      throw conflict(
        'wrong_status',
        `A ${row.status} declaration cannot be ${action === 'submit' ? 'submitted' : `${action}ed`}`,
      );
    const now = new Date();
    const set =
      action === 'submit'
        ? { status: TO[action], submittedBy: who.userId, submittedAt: now }
        : { status: TO[action], decidedBy: who.userId, decidedAt: now, returnReason: reason };
    await tx.update(unitDeclarations).set(set).where(eq(unitDeclarations.id, id));
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: `declaration.${action}`,
      entityType: 'declaration',
      entityId: id,
      before: { status: row.status },
      after: { status: TO[action], ...(reason ? { reason } : {}) },
    });
    return (await readDeclarations(tx, eq(unitDeclarations.id, id)))[0]!;
  });
}

/** The office's list: the latest version of each unit's declaration, filtered by year and status. */
/**
 * The office's declarations list (one latest version per unit and year): by unit name, a unit's
 * newest year first; the id breaks ties between units of one name.
 */
const DECLARATIONS_KEYSET: Keyset = {
  name: 'declarations',
  keys: [
    { expr: orgs.name, type: 'text', order: 'asc' },
    { expr: unitDeclarations.year, type: 'bigint' },
    { expr: unitDeclarations.id, type: 'uuid', order: 'asc' },
  ],
};

export async function listDeclarations(db: Db, query: DeclarationListQuery): Promise<DeclarationPage> {
  const latest = sql`${unitDeclarations.version} = (select max(d2.version) from unit_declarations d2
    where d2.buyer_org_id = ${unitDeclarations.buyerOrgId} and d2.year = ${unitDeclarations.year})`;
  const conds = [latest];
  if (query.year) conds.push(eq(unitDeclarations.year, query.year));
  if (query.status) conds.push(eq(unitDeclarations.status, query.status));
  const rows = await keysetPage(
    db
      .select({
        d: unitDeclarations,
        name: orgs.name,
        sharedName: shared.name,
        cursorKey: cursorKey(DECLARATIONS_KEYSET),
      })
      .from(unitDeclarations)
      .innerJoin(orgs, eq(orgs.id, unitDeclarations.buyerOrgId))
      .leftJoin(shared, eq(shared.id, unitDeclarations.sharedCanteenOrgId))
      .$dynamic(),
    DECLARATIONS_KEYSET,
    query,
    ...conds,
  );
  const { items, nextCursor } = pageOf(DECLARATIONS_KEYSET, rows, query.limit);
  return {
    items: items.map(({ d, name, sharedName }) => toDeclaration(d, name, sharedName ?? null)),
    nextCursor,
  };
}

/** The shared-canteen picker's list: by name, the id breaking ties; its own name so /units' cursors are refused. */
const BUDGET_UNITS_KEYSET: Keyset = {
  name: 'budget-units',
  keys: [
    { expr: orgs.name, type: 'text', order: 'asc' },
    { expr: orgs.id, type: 'uuid', order: 'asc' },
  ],
};

/**
 * The active budget units of a year: id and name, searched by `q`, a page at a time (the shared-canteen
 * picker; names are public, like the partner board).
 */
export async function budgetUnits(db: DbOrTx, query: BudgetUnitListQuery): Promise<BudgetUnitPage> {
  const conds = [eq(orgs.kind, 'buyer'), budgetUnitInSql(query.year ?? businessYear()), eq(orgs.status, 'active')];
  if (query.q) conds.push(unitSearch(query.q));
  const rows = await keysetPage(
    db
      .select({ id: orgs.id, name: orgs.name, cursorKey: cursorKey(BUDGET_UNITS_KEYSET) })
      .from(orgs)
      .$dynamic(),
    BUDGET_UNITS_KEYSET,
    query,
    ...conds,
  );
  const { items, nextCursor } = pageOf(BUDGET_UNITS_KEYSET, rows, query.limit);
  return { items: items.map(({ id, name }) => ({ id, name })), nextCursor };
}
