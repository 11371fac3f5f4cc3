import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { notify, schema, writeAudit, type Db, type DbOrTx, type Tx } from '@shanhai/db';
import type {
  Invoice,
  InvoiceBacklogItem,
  InvoiceRequestBody,
  InvoiceStatus,
  InvoiceUploadFields,
  PageQuery,
} from '@shanhai/domain';
import { SPECIAL_INVOICE_FIELDS } from '@shanhai/domain';
import { afterCursor, cursorKey, keysetOrder, pageOf, type Keyset } from '../../lib/cursor';
import { conflict, ruleBroken } from '../../lib/problem';
import type { Principal } from '../../types';

const { invoices, invoiceDocuments, orders, purchases, orgs } = schema;

/** Orders an invoice may be requested for: paid, and not refunded or cancelled. */
const INVOICEABLE = ['paid', 'shipped', 'delivered', 'accepted', 'disputed'] as const;
const DAY_MS = 24 * 3600 * 1000;

/** Who sees an invoice: its buyer org, its seller (the cooperative) and the office. */
function invoiceScope(who: Principal): SQL | undefined {
  if (who.orgKind === 'office') return undefined;
  if (who.orgKind === 'buyer') return eq(invoices.buyerOrgId, who.orgId);
  return eq(invoices.cooperativeId, who.orgId);
}

// The outer order is named in full: in a one-table select drizzle writes ${orders.id} as a bare "id",
// which inside the subquery would be the refund's own id.
const refundedOf = sql<number>`(select coalesce(sum(r.amount_fen), 0)::bigint from refunds r where r.order_id = orders.id)`;

const documentUrl = (invoiceId: string, documentId: string) =>
  `/api/v1/invoices/${invoiceId}/documents/${documentId}/file`;

/** An org's invoices, oldest request first: a cooperative works through them in that order. */
const INVOICES_KEYSET: Keyset = {
  name: 'invoices',
  keys: [
    { expr: invoices.createdAt, type: 'timestamptz', order: 'asc' },
    { expr: invoices.id, type: 'uuid', order: 'asc' },
  ],
};

/** The office's backlog by age: the longest waiting (since the request, or the red-letter demand) first. */
const BACKLOG_KEYSET: Keyset = {
  name: 'invoice-backlog',
  keys: [
    { expr: sql`coalesce(${invoices.redLetterAt}, ${invoices.createdAt})`, type: 'timestamptz', order: 'asc' },
    { expr: invoices.id, type: 'uuid', order: 'asc' },
  ],
};

/**
 * Invoices as the api shows them, with their documents, in the keyset's order: one page of it
 * from the cursor when `page` is given, else every invoice `where` names (one by its id).
 */
async function loadInvoices(
  db: DbOrTx,
  where: SQL | undefined,
  page?: { keyset: Keyset; cursor?: string | undefined; limit: number },
): Promise<(Invoice & { cursorKey: string[] })[]> {
  const ks = page?.keyset ?? INVOICES_KEYSET;
  const buyerName = sql<string>`(select name from orgs b where b.id = ${invoices.buyerOrgId})`;
  const coopName = sql<string>`(select name from orgs c where c.id = ${invoices.cooperativeId})`;
  const query = db
    .select({
      i: invoices,
      purchaseId: orders.purchaseId,
      ref: purchases.remittanceRef,
      totalFen: orders.totalFen,
      refundedFen: refundedOf.mapWith(Number),
      buyerOrgName: buyerName,
      cooperativeName: coopName,
      cursorKey: cursorKey(ks),
    })
    .from(invoices)
    .innerJoin(orders, eq(orders.id, invoices.orderId))
    .innerJoin(purchases, eq(purchases.id, orders.purchaseId))
    .where(and(where, afterCursor(ks, page?.cursor)))
    .orderBy(...keysetOrder(ks))
    .$dynamic();
  const rows = await (page ? query.limit(page.limit + 1) : query);
  if (rows.length === 0) return [];
  const docs = await db
    .select()
    .from(invoiceDocuments)
    .where(
      inArray(
        invoiceDocuments.invoiceId,
        rows.map((r) => r.i.id),
      ),
    )
    .orderBy(asc(invoiceDocuments.issuedAt), asc(invoiceDocuments.id));
  return rows.map((r) => ({
    id: r.i.id,
    orderId: r.i.orderId,
    purchaseId: r.purchaseId,
    ref: r.ref,
    buyerOrgId: r.i.buyerOrgId,
    buyerOrgName: r.buyerOrgName,
    cooperativeId: r.i.cooperativeId,
    cooperativeName: r.cooperativeName,
    kind: r.i.kind,
    status: r.i.status,
    title: r.i.title,
    taxId: r.i.taxId,
    address: r.i.address,
    phone: r.i.phone,
    bankName: r.i.bankName,
    bankAccount: r.i.bankAccount,
    orderTotalFen: r.totalFen,
    refundedFen: r.refundedFen,
    dueFen: r.totalFen - r.refundedFen,
    requestedAt: r.i.createdAt.toISOString(),
    redLetterAt: r.i.redLetterAt?.toISOString() ?? null,
    documents: docs
      .filter((d) => d.invoiceId === r.i.id)
      .map((d) => ({
        id: d.id,
        kind: d.kind,
        invoiceNo: d.invoiceNo,
        amountFen: d.amountFen,
        mime: d.mime,
        size: d.size,
        issuedAt: d.issuedAt.toISOString(),
        url: documentUrl(r.i.id, d.id),
      })),
    cursorKey: r.cursorKey,
  }));
}

const withoutKey = <T extends { cursorKey: string[] }>({ cursorKey: _, ...rest }: T) => rest;

async function one(db: DbOrTx, id: string): Promise<Invoice> {
  const [i] = await loadInvoices(db, eq(invoices.id, id));
  return withoutKey(i!);
}

export async function invoiceOfOrder(db: DbOrTx, who: Principal, orderId: string): Promise<Invoice | null> {
  const [i] = await loadInvoices(db, and(eq(invoices.orderId, orderId), invoiceScope(who)));
  return i ? withoutKey(i) : null;
}

/** One page of the caller's invoices, oldest request first. */
export async function listInvoices(
  db: DbOrTx,
  who: Principal,
  f: { status?: InvoiceStatus | undefined } & PageQuery,
): Promise<{ items: Invoice[]; nextCursor: string | null }> {
  const where = and(invoiceScope(who), f.status ? eq(invoices.status, f.status) : undefined);
  const rows = await loadInvoices(db, where, { keyset: INVOICES_KEYSET, cursor: f.cursor, limit: f.limit });
  const { items, nextCursor } = pageOf(INVOICES_KEYSET, rows, f.limit);
  return { items: items.map(withoutKey), nextCursor };
}

/** Invoices the office waits on: requested and not issued, or waiting for a red-letter reissue. */
const inBacklog = inArray(invoices.status, ['requested', 'red_letter_required']);

/** One page of the office's backlog, the longest waiting first. */
export async function backlog(
  db: DbOrTx,
  page: PageQuery,
  now = new Date(),
): Promise<{ items: InvoiceBacklogItem[]; nextCursor: string | null }> {
  const rows = await loadInvoices(db, inBacklog, { keyset: BACKLOG_KEYSET, cursor: page.cursor, limit: page.limit });
  const { items, nextCursor } = pageOf(BACKLOG_KEYSET, rows, page.limit);
  return {
    nextCursor,
    items: items.map((i) => {
      const since = new Date(i.redLetterAt ?? i.requestedAt).getTime();
      return { ...withoutKey(i), ageDays: Math.max(0, Math.floor((now.getTime() - since) / DAY_MS)) };
    }),
  };
}

/** How many invoices the backlog holds in all (the office home's badge). */
export async function backlogCount(db: DbOrTx): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(invoices)
    .where(inBacklog);
  return row?.n ?? 0;
}

/**
 * A buyer asks for the invoice of one of its orders. Fields not given come from the org's
 * settings. One request per order: the unique index turns a second (or concurrent) one into 409.
 */
export async function requestInvoice(
  db: Db,
  who: Principal,
  orderId: string,
  body: InvoiceRequestBody,
): Promise<Invoice | null> {
  return db.transaction(async (tx) => {
    const [o] = await tx
      .select({
        id: orders.id,
        status: orders.status,
        cooperativeId: orders.cooperativeId,
        purchaseId: orders.purchaseId,
      })
      .from(orders)
      .where(and(eq(orders.id, orderId), eq(orders.buyerOrgId, who.orgId)));
    if (!o) return null;
    if (!(INVOICEABLE as readonly string[]).includes(o.status))
      throw conflict('invoice_not_open', `An invoice cannot be requested for an order that is ${o.status}`, {
        orderStatus: o.status,
      });
    const [org] = await tx.select().from(orgs).where(eq(orgs.id, who.orgId));
    const title = body.title ?? org!.invoiceTitle;
    const taxId = body.taxId ?? org!.taxId;
    if (!title) throw ruleBroken('body.title', 'required');
    if (!taxId) throw ruleBroken('body.taxId', 'required');
    const special = {
      address: body.address ?? org!.invoiceAddress,
      phone: body.phone ?? org!.invoicePhone,
      bankName: body.bankName ?? org!.invoiceBank,
      bankAccount: body.bankAccount ?? org!.invoiceBankAccount,
    };
    if (body.kind === 'special') {
      const missing = SPECIAL_INVOICE_FIELDS.find((f) => !special[f]);
      if (missing) throw ruleBroken(`body.${missing}`, 'special_invoice_field');
    }
    const [row] = await tx
      .insert(invoices)
      .values({
        orderId,
        buyerOrgId: who.orgId,
        cooperativeId: o.cooperativeId,
        kind: body.kind,
        title,
        taxId,
        ...(body.kind === 'special' ? special : {}),
        requestedBy: who.userId,
      })
      .onConflictDoNothing({ target: invoices.orderId })
      .returning({ id: invoices.id });
    if (!row) throw conflict('invoice_exists', 'An invoice was already requested for this order');
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'invoice.request',
      entityType: 'invoice',
      entityId: row.id,
      after: { orderId, kind: body.kind, title, taxId },
    });
    const invoice = await one(tx, row.id);
    await notify(tx, {
      kind: 'invoice.requested',
      orgId: o.cooperativeId,
      subject: { type: 'invoice', id: row.id },
      link: `/coop/orders/${orderId}`,
      params: { buyer: invoice.buyerOrgName, ref: invoice.ref },
    });
    return invoice;
  });
}

/** The upload's status and amount rules, checked before the file is stored and again under the lock. */
function checkUpload(i: Invoice, red: boolean, fields: InvoiceUploadFields) {
  const wanted: InvoiceStatus = red ? 'red_letter_required' : 'requested';
  if (i.status !== wanted)
    throw conflict('invoice_wrong_status', `The invoice is ${i.status}, not ${wanted}`, { invoiceStatus: i.status });
  const expected = red ? -lastBlue(i) : i.dueFen;
  if (!red && expected <= 0)
    throw conflict('invoice_wrong_status', 'Nothing is left to invoice on this order', { invoiceStatus: i.status });
  if (fields.amountFen !== expected)
    throw ruleBroken('body.amountFen', 'invoice_amount', { due: (expected / 100).toFixed(2), dueFen: expected });
}

function lastBlue(i: Invoice): number {
  const blue = i.documents.filter((d) => d.kind === 'blue').at(-1);
  return blue?.amountFen ?? 0;
}

/** The seller's invoice (or red-letter) for `id`, if the caller is that seller; checks the upload's rules. */
export async function prepareUpload(
  db: DbOrTx,
  who: Principal,
  id: string,
  red: boolean,
  fields: InvoiceUploadFields,
): Promise<Invoice | null> {
  const [i] = await loadInvoices(db, and(eq(invoices.id, id), eq(invoices.cooperativeId, who.orgId)));
  if (!i) return null;
  checkUpload(i, red, fields);
  return withoutKey(i);
}

/**
 * The seller records an issued e-invoice (`red`: the red-letter invoice a refund asked for) with
 * its stored file. The amount must be what is due: the order's total less refunds, or for a
 * red-letter invoice, minus the invoice it cancels.
 */
export async function recordDocument(
  db: Db,
  who: Principal,
  id: string,
  red: boolean,
  fields: InvoiceUploadFields,
  file: { name: string; mime: string; size: number },
): Promise<Invoice | null> {
  return db.transaction(async (tx) => {
    const [locked] = await tx
      .select({ id: invoices.id })
      .from(invoices)
      .where(and(eq(invoices.id, id), eq(invoices.cooperativeId, who.orgId)))
      .for('update');
    if (!locked) return null;
    const before = await one(tx, id);
    checkUpload(before, red, fields);
    await tx.insert(invoiceDocuments).values({
      invoiceId: id,
      kind: red ? 'red' : 'blue',
      invoiceNo: fields.invoiceNo,
      amountFen: fields.amountFen,
      fileName: file.name,
      mime: file.mime,
      size: file.size,
      issuedBy: who.userId,
    });
    const to: InvoiceStatus = !red ? 'issued' : before.dueFen > 0 ? 'requested' : 'voided';
    await tx.update(invoices).set({ status: to }).where(eq(invoices.id, id));
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: red ? 'invoice.red_letter' : 'invoice.issue',
      entityType: 'invoice',
      entityId: id,
      before: { status: before.status },
      after: { status: to, invoiceNo: fields.invoiceNo, amountFen: fields.amountFen },
    });
    if (!red) {
      const [req] = await tx.select({ by: invoices.requestedBy }).from(invoices).where(eq(invoices.id, id));
      const base = {
        kind: 'invoice.issued' as const,
        orgId: before.buyerOrgId,
        subject: { type: 'invoice', id },
        link: `/purchases/${before.purchaseId}`,
        params: { cooperative: before.cooperativeName, ref: before.ref },
        // A reissue after a red letter is a second event for the same invoice.
        eventKey: `invoice.issued:${id}:${before.documents.length}`,
      };
      await notify(tx, { ...base, userIds: [req!.by] });
      await notify(tx, { ...base, roles: ['owner', 'manager'] });
    }
    return one(tx, id);
  });
}

/**
 * A refund of an order, in the refund's transaction: an issued invoice now overstates the sale and
 * needs a red-letter (红冲) reissue; a request not yet issued for an order refunded whole is void.
 */
export async function onOrderRefunded(tx: Tx, orderId: string, actor: Principal | null): Promise<void> {
  const [i] = await tx.select().from(invoices).where(eq(invoices.orderId, orderId)).for('update');
  if (!i) return;
  let to: InvoiceStatus | null = null;
  if (i.status === 'issued') to = 'red_letter_required';
  else if (i.status === 'requested') {
    const [due] = await tx
      .select({ fen: sql<number>`${orders.totalFen} - ${refundedOf}`.mapWith(Number) })
      .from(orders)
      .where(eq(orders.id, orderId));
    if (due!.fen <= 0) to = 'voided';
  }
  if (!to) return;
  await tx
    .update(invoices)
    .set({ status: to, ...(to === 'red_letter_required' ? { redLetterAt: new Date() } : {}) })
    .where(eq(invoices.id, i.id));
  await writeAudit(tx, {
    actorUserId: actor?.userId ?? null,
    actorOrgId: actor?.orgId ?? null,
    action: 'invoice.red_letter_required',
    entityType: 'invoice',
    entityId: i.id,
    before: { status: i.status },
    after: { status: to },
  });
}

/** The stored file of one document of an invoice the caller may see. */
export async function documentFile(
  db: DbOrTx,
  who: Principal,
  invoiceId: string,
  documentId: string,
): Promise<{ fileName: string; invoiceNo: string; kind: 'blue' | 'red' } | null> {
  const [d] = await db
    .select({ fileName: invoiceDocuments.fileName, invoiceNo: invoiceDocuments.invoiceNo, kind: invoiceDocuments.kind })
    .from(invoiceDocuments)
    .innerJoin(invoices, eq(invoices.id, invoiceDocuments.invoiceId))
    .where(and(eq(invoiceDocuments.id, documentId), eq(invoices.id, invoiceId), invoiceScope(who)));
  return d ?? null;
}
