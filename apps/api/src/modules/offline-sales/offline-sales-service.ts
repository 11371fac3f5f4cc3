import { and, eq, inArray } from 'drizzle-orm';
import { appendSales, notifyOfflineRecorded, schema, writeAudit, type Db, type DbOrTx } from '@shanhai/db';
import type {
  CreateOfflineSaleRequest,
  OfflineSale,
  OfflineSaleListQuery,
  OfflineSalePage,
  OfflineSaleStatus,
} from '@shanhai/domain';
import { cursorKey, pageOf, type Keyset, keysetPage } from '../../lib/cursor';
import { conflict, forbidden, ruleBroken } from '../../lib/problem';
import { refuseTownTotalsPastRange } from '../../lib/town-totals';
import type { Principal } from '../../types';
import { fileUrl } from '../files/files-service';

const { offlineSales, offlineSaleFiles, orgs, towns } = schema;

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
    recordedBy: r.recordedBy,
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
  if (!o || o.kind !== kind) throw ruleBroken(field, kind === 'buyer' ? 'not_a_buyer' : 'not_a_cooperative');
}

/** Office staff record for anyone; a buyer org's owner or manager records for their own org only. Every record starts pending. */
/** Records an off-platform sale, pending, inside the caller's (idempotency) transaction. */
export async function createOffline(tx: DbOrTx, who: Principal, body: CreateOfflineSaleRequest): Promise<OfflineSale> {
  const buyerOrgId = who.orgKind === 'buyer' ? who.orgId : (body.buyerOrgId ?? null);
  if (who.orgKind === 'buyer' && body.buyerOrgId && body.buyerOrgId !== who.orgId)
    throw ruleBroken('body.buyerOrgId', 'own_org_only');
  const [town] = await tx.select({ id: towns.id }).from(towns).where(eq(towns.id, body.townId));
  if (!town) throw ruleBroken('body.townId', 'not_a_town');
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
  await notifyOfflineRecorded(tx, row!.id, who.userId);
  return (await toOfflineSale(tx, [row!]))[0]!;
}

const OFFLINE_KEYSET: Keyset = {
  name: 'sales.offline',
  keys: [
    { expr: offlineSales.createdAt, type: 'timestamptz' },
    { expr: offlineSales.id, type: 'uuid' },
  ],
};

/** One page of offline records, newest first: all for the office, a buyer org's own otherwise. */
export async function listOffline(db: Db, who: Principal, query: OfflineSaleListQuery): Promise<OfflineSalePage> {
  const conds = [];
  if (query.status) conds.push(eq(offlineSales.status, query.status));
  if (who.orgKind !== 'office') conds.push(eq(offlineSales.buyerOrgId, who.orgId));
  const rows = await keysetPage(
    db
      .select({ row: offlineSales, cursorKey: cursorKey(OFFLINE_KEYSET) })
      .from(offlineSales)
      .$dynamic(),
    OFFLINE_KEYSET,
    query,
    ...conds,
  );
  const page = pageOf(OFFLINE_KEYSET, rows, query.limit);
  return {
    items: await toOfflineSale(
      db,
      page.items.map((r) => r.row),
    ),
    nextCursor: page.nextCursor,
  };
}

/** How many records `listOffline` would page through (same scope and filter), in one count. */
export async function countOffline(db: Db, who: Principal, status?: OfflineSaleStatus): Promise<number> {
  const conds = [];
  if (status) conds.push(eq(offlineSales.status, status));
  if (who.orgKind !== 'office') conds.push(eq(offlineSales.buyerOrgId, who.orgId));
  return db.$count(offlineSales, and(...conds));
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
      throw ruleBroken('body.file', 'too_many_files', { max: MAX_EVIDENCE_FILES });
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
    // Four eyes: whoever recorded a sale cannot also credit it to the ledger.
    if (action === 'approve' && row.recordedBy === who.userId)
      throw forbidden(
        'Whoever recorded an offline sale cannot approve it; another office owner or manager must',
        'four_eyes',
      );
    // The town's total must stay recordable: refused here, not later by every read of its board.
    if (action === 'approve') await refuseTownTotalsPastRange(tx, [row], 'amountFen');
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
