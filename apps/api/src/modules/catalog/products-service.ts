import { and, eq, or, isNotNull, sql, type SQL } from 'drizzle-orm';
import { notify, notifyOffice, refreshSearchIndex, schema, writeAudit, type Db, type DbOrTx } from '@shanhai/db';
import {
  MAX_STOCK,
  tierProblems,
  type OwnProduct,
  type PageQuery,
  type PriceTier,
  type ProductInput,
  type ProductPatch,
  type ProductRevision,
} from '@shanhai/domain';
import type { Principal } from '../../types';
import { cursorKey, pageOf, type Keyset, keysetPage } from '../../lib/cursor';
import { conflict, notFound, ruleBroken } from '../../lib/problem';

const { products, orgs } = schema;
type ProductRow = typeof products.$inferSelect;

/** Fields whose change on a listed product waits for review (the approved version stays on sale). */
const REVIEWED = ['nameZh', 'nameEn', 'moq', 'orderStep', 'priceTiers'] as const;

const ownColumns = {
  id: products.id,
  cooperativeId: products.cooperativeId,
  cooperativeName: orgs.name,
  townId: products.townId,
  category: products.category,
  nameZh: products.nameZh,
  nameEn: products.nameEn,
  description: products.description,
  descriptionEn: products.descriptionEn,
  unitLabel: products.unitLabel,
  unitSpec: products.unitSpec,
  unitLabelEn: products.unitLabelEn,
  unitSpecEn: products.unitSpecEn,
  moq: products.moq,
  orderStep: products.orderStep,
  stock: products.stock,
  leadTimeDays: products.leadTimeDays,
  certifications: products.certifications,
  certificationsEn: products.certificationsEn,
  photos: products.photos,
  priceTiers: products.priceTiers,
  status: products.status,
  rejectionReason: products.rejectionReason,
  pendingRevision: products.pendingRevision,
  isDemo: products.isDemo,
  createdAt: products.createdAt,
  updatedAt: products.updatedAt,
};

type OwnRow = Omit<OwnProduct, 'createdAt' | 'updatedAt'> & { createdAt: Date; updatedAt: Date };

function toOwn(r: OwnRow): OwnProduct {
  return { ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() };
}

async function loadOwn(db: DbOrTx, id: string): Promise<OwnProduct> {
  const [r] = await db
    .select(ownColumns)
    .from(products)
    .innerJoin(orgs, eq(orgs.id, products.cooperativeId))
    .where(eq(products.id, id));
  return toOwn(r!);
}

/** The tier rules of @shanhai/domain, each a 400 naming the field (`body.priceTiers.1.minQty`). */
function checkTiers(tiers: PriceTier[], moq: number) {
  const problems = tierProblems(tiers, moq);
  if (problems.length > 0) {
    const p = problems[0]!;
    throw ruleBroken(p.path ? `body.priceTiers.${p.path}` : 'body.priceTiers', p.rule, p.params);
  }
}

/** English certifications go position by position with the Chinese ones: never more of them. */
function checkCertificationsEn(en: string[], zh: string[]) {
  if (en.length > zh.length) throw ruleBroken('body.certificationsEn', 'more_than_zh', { max: zh.length });
}

export async function createProduct(db: Db, who: Principal, body: ProductInput): Promise<OwnProduct> {
  checkTiers(body.priceTiers, body.moq);
  checkCertificationsEn(body.certificationsEn, body.certifications);
  return db.transaction(async (tx) => {
    const [coop] = await tx.select({ townId: orgs.townId }).from(orgs).where(eq(orgs.id, who.orgId));
    if (!coop?.townId) throw ruleBroken('body', 'no_town_set');
    const [row] = await tx
      .insert(products)
      .values({
        ...body,
        nameEn: body.nameEn ?? null,
        description: body.description ?? null,
        descriptionEn: body.descriptionEn ?? null,
        unitSpec: body.unitSpec ?? null,
        unitLabelEn: body.unitLabelEn ?? null,
        unitSpecEn: body.unitSpecEn ?? null,
        cooperativeId: who.orgId,
        townId: coop.townId,
        status: 'draft',
      })
      .returning({ id: products.id });
    await refreshSearchIndex(tx, [row!.id]);
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'product.create',
      entityType: 'product',
      entityId: row!.id,
      after: { nameZh: body.nameZh },
    });
    return loadOwn(tx, row!.id);
  });
}

/** A cooperative sees only its own products; the office sees all. Another's is "not found". */
async function lockVisible(tx: DbOrTx, who: Principal, id: string): Promise<ProductRow> {
  const where =
    who.orgKind === 'office' ? eq(products.id, id) : and(eq(products.id, id), eq(products.cooperativeId, who.orgId));
  const [row] = await tx.select().from(products).where(where).for('update');
  if (!row) throw notFound('Product');
  return row;
}

export async function getOwn(db: Db, who: Principal, id: string): Promise<OwnProduct> {
  const p = await loadOwn(db, id).catch(() => null);
  if (!p || (who.orgKind !== 'office' && p.cooperativeId !== who.orgId)) throw notFound('Product');
  return p;
}

/**
 * A cooperative's own products, newest first by creation: an edit bumps updated_at, and a list
 * paged by a key that moves would skip the row it moved.
 */
const MINE_KEYSET: Keyset = {
  name: 'products.mine',
  keys: [
    { expr: products.createdAt, type: 'timestamptz' },
    { expr: products.id, type: 'uuid' },
  ],
};

/**
 * The review queue, oldest waiting first. Its key, updated_at, moves on an edit, but only forward:
 * a product edited while the office walks the queue comes again later, never goes missing.
 */
const REVIEW_KEYSET: Keyset = {
  name: 'products.review',
  keys: [
    { expr: products.updatedAt, type: 'timestamptz', order: 'asc' },
    { expr: products.id, type: 'uuid', order: 'asc' },
  ],
};

async function ownPage(db: Db, ks: Keyset, where: SQL | undefined, page: PageQuery) {
  const rows = await keysetPage(
    db
      .select({ ...ownColumns, cursorKey: cursorKey(ks) })
      .from(products)
      .innerJoin(orgs, eq(orgs.id, products.cooperativeId))
      .$dynamic(),
    ks,
    page,
    where,
  );
  const { items, nextCursor } = pageOf(ks, rows, page.limit);
  return { items: items.map(({ cursorKey: _, ...r }) => toOwn(r)), nextCursor };
}

export function listMine(
  db: Db,
  who: Principal,
  page: PageQuery,
): Promise<{ items: OwnProduct[]; nextCursor: string | null }> {
  return ownPage(db, MINE_KEYSET, eq(products.cooperativeId, who.orgId), page);
}

/** How many products `reviewQueue` would page through. */
export function reviewQueueCount(db: Db): Promise<number> {
  return db.$count(products, or(eq(products.status, 'pending_review'), isNotNull(products.pendingRevision)));
}

export function reviewQueue(db: Db, page: PageQuery): Promise<{ items: OwnProduct[]; nextCursor: string | null }> {
  return ownPage(
    db,
    REVIEW_KEYSET,
    or(eq(products.status, 'pending_review'), isNotNull(products.pendingRevision)),
    page,
  );
}

export async function updateProduct(db: Db, who: Principal, id: string, patch: ProductPatch): Promise<OwnProduct> {
  return db.transaction(async (tx) => {
    const row = await lockVisible(tx, who, id);
    if (patch.stock !== undefined && patch.stock > row.stock) await checkStockRoom(tx, row, patch.stock, 'body.stock');
    const reviewedBase: ProductRevision = row.pendingRevision ?? {
      nameZh: row.nameZh,
      nameEn: row.nameEn,
      moq: row.moq,
      orderStep: row.orderStep,
      priceTiers: row.priceTiers,
    };
    const next = { ...reviewedBase };
    for (const k of REVIEWED) if (patch[k] !== undefined) (next as Record<string, unknown>)[k] = patch[k] ?? null;
    if (patch.moq !== undefined || patch.priceTiers !== undefined) checkTiers(next.priceTiers, next.moq);
    if (patch.certificationsEn !== undefined || patch.certifications !== undefined)
      checkCertificationsEn(patch.certificationsEn ?? row.certificationsEn, patch.certifications ?? row.certifications);

    const direct: Partial<typeof products.$inferInsert> = {};
    for (const k of [
      'category',
      'description',
      'descriptionEn',
      'unitLabel',
      'unitSpec',
      'unitLabelEn',
      'unitSpecEn',
      'stock',
      'leadTimeDays',
      'certifications',
      'certificationsEn',
      'photos',
    ] as const) {
      if (patch[k] !== undefined) (direct as Record<string, unknown>)[k] = patch[k] ?? null;
    }
    const touchesReviewed = REVIEWED.some((k) => patch[k] !== undefined);
    if (row.status === 'listed' && touchesReviewed) {
      // The approved name and tiers stay on sale; the edit waits for the office.
      direct.pendingRevision = next;
    } else if (touchesReviewed) {
      Object.assign(direct, next);
    }
    // A delisted product changed in what the office reviews (or its category or photos) goes back
    // through review: it becomes a draft to submit, and cannot simply be relisted.
    if (row.status === 'delisted' && (touchesReviewed || patch.category !== undefined || patch.photos !== undefined))
      direct.status = 'draft';
    if (Object.keys(direct).length > 0) await tx.update(products).set(direct).where(eq(products.id, id));
    await refreshSearchIndex(tx, [id]);
    if (direct.pendingRevision) await tellListingEvent(tx, row, 'review_needed', null);
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'product.update',
      entityType: 'product',
      entityId: id,
      after: patch,
    });
    return loadOwn(tx, id);
  });
}

/**
 * Units of a product in orders that can still give them back (a cancel before payment, a cancel or
 * refund of a paid order before shipping): they left stock at checkout and may return to it.
 */
async function unitsThatMayComeBack(tx: DbOrTx, row: { id: string; cooperativeId: string }): Promise<number> {
  const [r] = (
    await tx.execute<{ n: number }>(sql`
      select coalesce(sum(l.qty), 0)::int as n from orders o join order_lines l on l.order_id = o.id
      where o.cooperative_id = ${row.cooperativeId} and l.product_id = ${row.id}
        and o.status in ('pending_approval', 'awaiting_payment', 'paid')`)
  ).rows;
  return Number(r?.n ?? 0);
}

/**
 * A seller's stock write (a set or a raise) keeps stock plus the units that may come back within
 * MAX_STOCK (issue 13). A cancellation or refund then always gives its units back in full, never
 * past MAX_STOCK and never refused: goods that come back are real, and a refund must not wait on a
 * counter, so the bound is kept where stock is raised, not where it returns. Checkout only moves
 * units from stock to orders, so the sum holds. Runs under the product's row lock (checkout takes
 * it too), so no checkout changes the figure meanwhile.
 */
async function checkStockRoom(tx: DbOrTx, row: { id: string; cooperativeId: string }, stock: number, field: string) {
  if (stock > MAX_STOCK) throw ruleBroken(field, 'stock_too_large', { max: MAX_STOCK });
  const out = await unitsThatMayComeBack(tx, row);
  if (stock + out > MAX_STOCK) throw ruleBroken(field, 'stock_with_open_orders', { out, max: MAX_STOCK });
}

export async function adjustStock(db: Db, who: Principal, id: string, delta: number): Promise<OwnProduct> {
  return db.transaction(async (tx) => {
    const row = await lockVisible(tx, who, id);
    if (row.stock + delta < 0) throw ruleBroken('body.delta', 'stock_below_zero', { stock: row.stock });
    if (delta > 0) await checkStockRoom(tx, row, row.stock + delta, 'body.delta');
    await tx
      .update(products)
      .set({ stock: sql`${products.stock} + ${delta}` })
      .where(eq(products.id, id));
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'product.stock',
      entityType: 'product',
      entityId: id,
      before: { stock: row.stock },
      after: { stock: row.stock + delta },
    });
    return loadOwn(tx, id);
  });
}

/**
 * A listing waits for review (the office is told), or was decided (the cooperative is told). The
 * product's last change time names the event: a listing rejected, fixed and rejected again tells twice.
 */
async function tellListingEvent(
  tx: DbOrTx,
  row: ProductRow,
  event: 'review_needed' | 'approved' | 'rejected',
  reason: string | null,
) {
  const version = row.updatedAt.toISOString();
  if (event === 'review_needed') {
    const [coop] = await tx.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, row.cooperativeId));
    await notifyOffice(tx, {
      kind: 'listing.review_needed',
      subject: { type: 'product', id: row.id },
      link: '/office',
      params: { cooperative: coop?.name ?? '', productZh: row.nameZh, productEn: row.nameEn },
      eventKey: `listing.review_needed:${row.id}:${version}`,
    });
    return;
  }
  await notify(tx, {
    kind: event === 'approved' ? 'listing.approved' : 'listing.rejected',
    orgId: row.cooperativeId,
    subject: { type: 'product', id: row.id },
    link: `/coop/products?product=${row.id}`,
    params: { productZh: row.nameZh, productEn: row.nameEn, reason: reason ?? '' },
    eventKey: `listing.${event}:${row.id}:${version}`,
  });
}

export type Transition = 'submit' | 'approve' | 'reject' | 'delist' | 'relist';

/** The lifecycle; review decisions (approve/reject) are the office's and always audited. */
export async function transition(
  db: Db,
  who: Principal,
  id: string,
  action: Transition,
  reason: string | null,
): Promise<OwnProduct> {
  return db.transaction(async (tx) => {
    const row = await lockVisible(tx, who, id);
    const invalid = () =>
      conflict(
        'invalid_transition',
        `Cannot ${action} a product that is ${row.status}${row.pendingRevision ? ' with an edit under review' : ''}`,
        { from: row.status },
      );
    let set: Partial<typeof products.$inferInsert>;
    switch (action) {
      case 'submit':
        if (row.status !== 'draft' && row.status !== 'rejected') throw invalid();
        set = { status: 'pending_review', rejectionReason: null };
        break;
      case 'approve':
        if (row.status === 'pending_review') set = { status: 'listed', rejectionReason: null };
        else if (row.status !== 'draft' && row.status !== 'rejected' && row.pendingRevision)
          set = { ...row.pendingRevision, pendingRevision: null, rejectionReason: null };
        else throw invalid();
        break;
      case 'reject':
        if (row.status === 'pending_review') set = { status: 'rejected', rejectionReason: reason };
        else if (row.pendingRevision) set = { pendingRevision: null, rejectionReason: reason };
        else throw invalid();
        break;
      case 'delist':
        if (row.status !== 'listed') throw invalid();
        set = { status: 'delisted' };
        break;
      case 'relist':
        if (row.status !== 'delisted') throw invalid();
        set = { status: 'listed' };
        break;
    }
    await tx.update(products).set(set).where(eq(products.id, id));
    await refreshSearchIndex(tx, [id]);
    if (action === 'submit') await tellListingEvent(tx, row, 'review_needed', null);
    if (action === 'approve' || action === 'reject')
      await tellListingEvent(tx, row, action === 'approve' ? 'approved' : 'rejected', reason);
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: `product.${action}`,
      entityType: 'product',
      entityId: id,
      before: { status: row.status, revision: row.pendingRevision },
      after: { status: set.status ?? row.status },
      ...(reason ? { note: reason } : {}),
    });
    return loadOwn(tx, id);
  });
}
