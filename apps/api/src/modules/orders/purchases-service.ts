import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import {
  appendSales,
  endUnpaidPurchase,
  notifyApprovalNeeded,
  notifyOrderMoved,
  notifyPurchaseDecision,
  notifyPurchasePaid,
  notifyTransferSubmitted,
  recordTransitions,
  returnStock,
  schema,
  type Actor,
  type Db,
  type DbOrTx,
  type FinalStatement,
  type Tx,
} from '@shanhai/db';
import {
  businessDate,
  canTransition,
  lineTotalFen,
  sumFen,
  unitPriceFor,
  type CheckoutRequest,
  type Order,
  type OrderStatus,
  type Purchase,
  type PurchaseSummary,
} from '@shanhai/domain';
import { badRequest, conflict, HttpProblem } from '../../lib/problem';
import type { Principal } from '../../types';
import {
  lineProblem,
  productsForSaleSql,
  toProductForSale,
  type ProductForSale,
  type ProductForSaleRow,
} from './cart-service';

const { cartLines, orgs, purchases, orders, orderLines, orderTransitions, payments, refunds } = schema;

export interface PurchaseSettings {
  expiry: { transferMs: number; cardMs: number };
  bankAccount: { name: string; bank: string; account: string };
}

export const actorOf = (p: Principal): Actor => ({ userId: p.userId, kind: 'user' });

/** A remittance reference short enough to type into a bank form: SH + date + 6 random letters. */
function remittanceRef(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(6);
  return `SH${businessDate().replaceAll('-', '').slice(2)}${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** The columns of each row that the api's views read (what checkout makes without reading back). */
type PurchaseRow = Pick<
  typeof purchases.$inferSelect,
  | 'id'
  | 'buyerOrgId'
  | 'createdBy'
  | 'status'
  | 'paymentMethod'
  | 'totalFen'
  | 'remittanceRef'
  | 'deliveryAddress'
  | 'invoiceTitle'
  | 'taxId'
  | 'note'
  | 'expiresAt'
  | 'paidAt'
  | 'createdAt'
>;
type OrderRow = Pick<
  typeof orders.$inferSelect,
  | 'id'
  | 'purchaseId'
  | 'buyerOrgId'
  | 'cooperativeId'
  | 'status'
  | 'totalFen'
  | 'carrier'
  | 'trackingNo'
  | 'problemNote'
  | 'createdAt'
>;
type LineRow = typeof orderLines.$inferSelect;
type TransitionRow = Pick<
  typeof orderTransitions.$inferSelect,
  'orderId' | 'fromStatus' | 'toStatus' | 'actorUserId' | 'actor' | 'note' | 'at'
>;

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Checks the buyer's cart (or the given lines) out, inside the caller's (idempotency)
 * transaction: writes the purchase, its orders, lines, transitions and payment, and returns the
 * answer with `takeStock`, the statement the caller sends as the transaction's last, together with
 * its COMMIT (after storing the answer), so that the contended product rows are locked only for
 * that statement and the commit. When any line cannot be served the whole transaction rolls back
 * and the 409 lists every failing line.
 */
export async function checkout(
  tx: DbOrTx,
  principal: Principal,
  body: CheckoutRequest,
  settings: PurchaseSettings,
): Promise<{ purchase: Purchase; takeStock: FinalStatement }> {
  const cart = body.lines
    ? sumLines(body.lines)
    : await tx
        .select({ productId: cartLines.productId, qty: cartLines.qty })
        .from(cartLines)
        .where(eq(cartLines.userId, principal.userId))
        .orderBy(asc(cartLines.productId));
  if (cart.length === 0) throw conflict('cart_empty', 'The cart is empty');
  const { buyer, ps } = await buyerAndProducts(
    tx,
    principal.orgId,
    cart.map((c) => c.productId),
  );
  const failing: { productId: string; qty: number; code: string; message: string }[] = [];
  for (const c of cart) {
    const p = ps.get(c.productId);
    const problem = p ? lineProblem(p, c.qty) : { code: 'not_available' as const, message: 'is not on sale' };
    if (problem && problem.code !== 'out_of_stock') failing.push({ productId: c.productId, qty: c.qty, ...problem });
  }
  if (failing.length > 0) throw linesUnavailable(failing);

  const groups = new Map<string, { productId: string; qty: number; unit: number; total: number }[]>();
  for (const c of cart) {
    const p = ps.get(c.productId)!;
    const unit = unitPriceFor(p.priceTiers, c.qty)!;
    const list = groups.get(p.cooperativeId) ?? [];
    list.push({ productId: c.productId, qty: c.qty, unit, total: lineTotalFen(unit, c.qty) });
    groups.set(p.cooperativeId, list);
  }
  const totalFen = sumFen([...groups.values()].flat().map((l) => l.total));
  const needsApproval =
    principal.role === 'member' && buyer.approvalThresholdFen !== null && totalFen > buyer.approvalThresholdFen;
  const status: 'pending_approval' | 'awaiting_payment' = needsApproval ? 'pending_approval' : 'awaiting_payment';
  const now = new Date();
  const expiresAt = new Date(
    now.getTime() + (body.paymentMethod === 'card' ? settings.expiry.cardMs : settings.expiry.transferMs),
  );
  const deliveryAddress = body.deliveryAddress ?? buyer.address;
  if (!deliveryAddress)
    throw new HttpProblem(
      400,
      'validation_failed',
      'body.deliveryAddress is required: your organisation has no address',
      { errors: [{ field: 'body.deliveryAddress', message: 'is required' }] },
    );

  // Every row is made here, ids included, and written by one statement: one round trip instead
  // of five, which is most of what a checkout costs beyond the stock updates.
  const purchase: PurchaseRow = {
    id: randomUUID(),
    buyerOrgId: principal.orgId,
    createdBy: principal.userId,
    status,
    paymentMethod: body.paymentMethod,
    totalFen,
    remittanceRef: remittanceRef(),
    deliveryAddress,
    invoiceTitle: body.invoiceTitle ?? buyer.invoiceTitle,
    taxId: body.taxId ?? buyer.taxId,
    note: body.note ?? null,
    expiresAt,
    paidAt: null,
    createdAt: now,
  };
  const orderRows: OrderRow[] = [...groups].map(([cooperativeId, ls]) => ({
    id: randomUUID(),
    purchaseId: purchase.id,
    buyerOrgId: principal.orgId,
    cooperativeId,
    status,
    totalFen: sumFen(ls.map((l) => l.total)),
    carrier: null,
    trackingNo: null,
    problemNote: null,
    createdAt: now,
  }));
  const lineRows: LineRow[] = orderRows.flatMap((o) =>
    groups.get(o.cooperativeId)!.map((l) => {
      const p = ps.get(l.productId)!;
      return {
        id: randomUUID(),
        orderId: o.id,
        productId: l.productId,
        townId: p.townId,
        category: p.category,
        nameZh: p.nameZh,
        nameEn: p.nameEn,
        unitLabel: p.unitLabel,
        qty: l.qty,
        unitPriceFen: l.unit,
        lineTotalFen: l.total,
      };
    }),
  );
  const transitionRows: TransitionRow[] = orderRows.map((o) => ({
    orderId: o.id,
    fromStatus: null,
    toStatus: status,
    actorUserId: principal.userId,
    actor: 'user',
    note: null,
    at: now,
  }));
  await tx.execute(sql`
    with p as (
      insert into purchases (id, buyer_org_id, created_by, status, payment_method, total_fen, remittance_ref, delivery_address, invoice_title, tax_id, note, expires_at, created_at, updated_at)
      values (${purchase.id}, ${purchase.buyerOrgId}, ${purchase.createdBy}, ${status}, ${purchase.paymentMethod}, ${totalFen}, ${purchase.remittanceRef}, ${deliveryAddress},
        ${purchase.invoiceTitle}, ${purchase.taxId}, ${purchase.note}, ${iso(expiresAt)}, ${iso(now)}, ${iso(now)})
      returning id
    ),
    o as (
      insert into orders (id, purchase_id, buyer_org_id, cooperative_id, status, total_fen, created_at, updated_at)
      select x.id, p.id, ${principal.orgId}, x.cooperative_id, ${status}::order_status, x.total_fen, ${iso(now)}::timestamptz, ${iso(now)}::timestamptz
      from p, json_to_recordset(${JSON.stringify(orderRows.map((o) => ({ id: o.id, cooperative_id: o.cooperativeId, total_fen: o.totalFen })))}::json)
        as x(id uuid, cooperative_id uuid, total_fen bigint)
      returning id
    ),
    l as (
      insert into order_lines (id, order_id, product_id, town_id, category, name_zh, name_en, unit_label, qty, unit_price_fen, line_total_fen)
      select x.id, x.order_id, x.product_id, x.town_id, x.category, x.name_zh, x.name_en, x.unit_label, x.qty, x.unit_price_fen, x.line_total_fen
      from json_to_recordset(${JSON.stringify(
        lineRows.map((l) => ({
          id: l.id,
          order_id: l.orderId,
          product_id: l.productId,
          town_id: l.townId,
          category: l.category,
          name_zh: l.nameZh,
          name_en: l.nameEn,
          unit_label: l.unitLabel,
          qty: l.qty,
          unit_price_fen: l.unitPriceFen,
          line_total_fen: l.lineTotalFen,
        })),
      )}::json) as x(id uuid, order_id uuid, product_id uuid, town_id uuid, category category, name_zh text, name_en text, unit_label text, qty int, unit_price_fen bigint, line_total_fen bigint)
      where exists (select 1 from o where o.id = x.order_id)
    ),
    t as (
      insert into order_transitions (order_id, from_status, to_status, actor_user_id, actor, at)
      select o.id, null, ${status}::order_status, ${principal.userId}::uuid, 'user', ${iso(now)}::timestamptz from o
    )
    insert into payments (purchase_id, method, amount_fen) select p.id, ${body.paymentMethod}::payment_method, ${totalFen} from p
  `);
  if (!body.lines) await tx.delete(cartLines).where(eq(cartLines.userId, principal.userId));
  if (needsApproval)
    await notifyApprovalNeeded(tx, {
      purchaseId: purchase.id,
      buyerOrgId: principal.orgId,
      createdBy: principal.userId,
      ref: purchase.remittanceRef,
      totalFen,
    });

  const coopNames = new Map([...ps.values()].map((p) => [p.cooperativeId, p.cooperativeName] as const));
  return {
    purchase: {
      ...summaryOf(purchase, buyer.name),
      payment: {
        method: body.paymentMethod,
        status: 'pending',
        amountFen: totalFen,
        submittedAmountFen: null,
        submittedReference: null,
      },
      bankAccount: settings.bankAccount,
      refunds: [],
      orders: orderRows.map((o) =>
        orderView(
          o,
          { buyerOrgName: buyer.name, cooperativeName: coopNames.get(o.cooperativeId)!, deliveryAddress },
          lineRows,
          transitionRows,
        ),
      ),
    },
    takeStock: takeStock(cart),
  };
}

/**
 * The statement that takes the stock of every line (`shanhai_take_stock`, migration 0010: locks
 * in id order, all lines or none), as the checkout transaction's last statement, sent with its
 * COMMIT, so the contended product rows stay locked for that statement and the commit only. When
 * a line cannot be served it raises SH409 with the current stock, which becomes the 409 listing
 * every such line.
 */
function takeStock(cart: { productId: string; qty: number }[]): FinalStatement {
  // Array literals ({a,b}): the ids are validated uuids and the quantities integers.
  const ids = `{${cart.map((c) => c.productId).join(',')}}`;
  const qtys = `{${cart.map((c) => c.qty).join(',')}}`;
  return {
    query: sql`select shanhai_take_stock(${ids}::uuid[], ${qtys}::int[])`,
    onError: (err) => {
      const e = err as { code?: string; detail?: string };
      if (e.code !== 'SH409' || !e.detail) return err;
      const lines = JSON.parse(e.detail) as { productId: string; qty: number; stock: number; listed: boolean }[];
      return linesUnavailable(
        lines.map((l) => ({
          productId: l.productId,
          qty: l.qty,
          ...(l.listed
            ? { code: 'out_of_stock', message: `only ${l.stock} left in stock` }
            : { code: 'not_available', message: 'is not on sale' }),
        })),
      );
    },
  };
}

/**
 * The buyer org's checkout defaults and the products for sale, in one round trip: the buyer row
 * left-joined to the products, so it comes back even when none of the ids is a product.
 */
async function buyerAndProducts(tx: DbOrTx, buyerOrgId: string, ids: string[]) {
  const res = await tx.execute<
    {
      buyer_name: string;
      address: string | null;
      invoice_title: string | null;
      tax_id: string | null;
      approval_threshold_fen: number | null;
    } & (ProductForSaleRow | { [K in keyof ProductForSaleRow]: null })
  >(sql`
    select b.name as buyer_name, b.address, b.invoice_title, b.tax_id, b.approval_threshold_fen, p.*
    from ${orgs} b left join (${productsForSaleSql(ids)}) p on true
    where b.id = ${buyerOrgId}`);
  const first = res.rows[0];
  if (!first) throw new Error(`buyer org ${buyerOrgId} vanished during checkout`);
  const buyer = {
    name: first.buyer_name,
    address: first.address,
    invoiceTitle: first.invoice_title,
    taxId: first.tax_id,
    approvalThresholdFen: first.approval_threshold_fen,
  };
  const ps = new Map<string, ProductForSale>();
  for (const r of res.rows) if (r.id !== null) ps.set(r.id, toProductForSale(r as ProductForSaleRow));
  return { buyer, ps };
}

const linesUnavailable = (lines: { productId: string; qty: number; code: string; message: string }[]) =>
  conflict('lines_unavailable', `${lines.length} line(s) cannot be served; nothing was taken`, { lines });

/** Two lines of one product count together; sorted by product id (the lock order). */
function sumLines(lines: { productId: string; qty: number }[]) {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.productId, (m.get(l.productId) ?? 0) + l.qty);
  return [...m]
    .map(([productId, qty]) => ({ productId, qty }))
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}

/** Who may see a purchase: its buyer org, and the office. */
function purchaseScope(principal: Principal): SQL | undefined {
  if (principal.orgKind === 'office') return undefined;
  if (principal.orgKind === 'buyer') return eq(purchases.buyerOrgId, principal.orgId);
  return sql`false`;
}

function orderScope(principal: Principal): SQL | undefined {
  if (principal.orgKind === 'office') return undefined;
  if (principal.orgKind === 'buyer') return eq(orders.buyerOrgId, principal.orgId);
  return eq(orders.cooperativeId, principal.orgId);
}

async function loadOrders(db: DbOrTx, where: SQL | undefined): Promise<Order[]> {
  const coop = sql<string>`(select name from orgs c where c.id = ${orders.cooperativeId})`;
  const buyer = sql<string>`(select name from orgs b where b.id = ${orders.buyerOrgId})`;
  const rows = await db
    .select({ o: orders, cooperativeName: coop, buyerOrgName: buyer, deliveryAddress: purchases.deliveryAddress })
    .from(orders)
    .innerJoin(purchases, eq(purchases.id, orders.purchaseId))
    .where(where)
    .orderBy(desc(orders.createdAt), asc(orders.id))
    .limit(1000);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.o.id);
  const lines = await db
    .select()
    .from(orderLines)
    .where(inArray(orderLines.orderId, ids))
    .orderBy(asc(orderLines.nameZh));
  const trans = await db
    .select()
    .from(orderTransitions)
    .where(inArray(orderTransitions.orderId, ids))
    .orderBy(asc(orderTransitions.id));
  return rows.map(({ o, cooperativeName, buyerOrgName, deliveryAddress }) =>
    orderView(o, { buyerOrgName, cooperativeName, deliveryAddress }, lines, trans),
  );
}

/** One order as the api shows it, with its lines and transitions picked from rows of several orders. */
function orderView(
  o: OrderRow,
  names: { buyerOrgName: string; cooperativeName: string; deliveryAddress: string },
  lines: LineRow[],
  transitions: TransitionRow[],
): Order {
  return {
    id: o.id,
    purchaseId: o.purchaseId,
    buyerOrgId: o.buyerOrgId,
    buyerOrgName: names.buyerOrgName,
    cooperativeId: o.cooperativeId,
    cooperativeName: names.cooperativeName,
    status: o.status,
    totalFen: o.totalFen,
    carrier: o.carrier,
    trackingNo: o.trackingNo,
    problemNote: o.problemNote,
    deliveryAddress: names.deliveryAddress,
    createdAt: iso(o.createdAt),
    lines: lines
      .filter((l) => l.orderId === o.id)
      .map((l) => ({
        id: l.id,
        productId: l.productId,
        nameZh: l.nameZh,
        nameEn: l.nameEn,
        unitLabel: l.unitLabel,
        category: l.category,
        qty: l.qty,
        unitPriceFen: l.unitPriceFen,
        lineTotalFen: l.lineTotalFen,
      })),
    transitions: transitions
      .filter((t) => t.orderId === o.id)
      .map((t) => ({
        from: t.fromStatus,
        to: t.toStatus,
        actor: t.actor,
        actorUserId: t.actorUserId,
        note: t.note,
        at: iso(t.at),
      })),
  };
}

export async function getPurchase(
  db: DbOrTx,
  principal: Principal,
  id: string,
  settings: PurchaseSettings,
): Promise<Purchase | null> {
  const [row] = await db
    .select({ p: purchases, buyerOrgName: orgs.name })
    .from(purchases)
    .innerJoin(orgs, eq(orgs.id, purchases.buyerOrgId))
    .where(and(eq(purchases.id, id), purchaseScope(principal)));
  if (!row) return null;
  const [pay] = await db.select().from(payments).where(eq(payments.purchaseId, id));
  return {
    ...summaryOf(row.p, row.buyerOrgName),
    payment: pay
      ? {
          method: pay.method,
          status: pay.status,
          amountFen: pay.amountFen,
          submittedAmountFen: pay.submittedAmountFen,
          submittedReference: pay.submittedReference,
        }
      : null,
    bankAccount: settings.bankAccount,
    refunds: (
      await db.select().from(refunds).where(eq(refunds.purchaseId, id)).orderBy(asc(refunds.createdAt), asc(refunds.id))
    ).map((r) => ({
      orderId: r.orderId,
      method: r.method,
      amountFen: r.amountFen,
      automatic: r.orderId === null,
      reason: r.reason,
      createdAt: iso(r.createdAt),
    })),
    orders: await loadOrders(db, eq(orders.purchaseId, id)),
  };
}

function summaryOf(p: PurchaseRow, buyerOrgName: string) {
  return {
    id: p.id,
    buyerOrgId: p.buyerOrgId,
    buyerOrgName,
    status: p.status,
    paymentMethod: p.paymentMethod,
    totalFen: p.totalFen,
    remittanceRef: p.remittanceRef,
    deliveryAddress: p.deliveryAddress,
    invoiceTitle: p.invoiceTitle,
    taxId: p.taxId,
    note: p.note,
    expiresAt: iso(p.expiresAt),
    paidAt: isoOrNull(p.paidAt),
    createdAt: iso(p.createdAt),
    createdBy: p.createdBy,
  };
}

/** `a,b` → the statuses, each checked against the column's enum (an unknown one is a 400). */
function statuses<T extends string>(text: string, allowed: readonly T[]): T[] {
  const list = text.split(',');
  for (const x of list)
    if (!allowed.includes(x as T)) throw badRequest('query.status', `must be one or more of ${allowed.join(', ')}`);
  return list as T[];
}

export interface ListFilter {
  status?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** `from`/`to` are Asia/Shanghai days, inclusive. */
function dateRange(col: typeof purchases.createdAt | typeof orders.createdAt, f: ListFilter): SQL[] {
  const out: SQL[] = [];
  if (f.from) out.push(gte(col, new Date(`${f.from}T00:00:00+08:00`)));
  if (f.to) out.push(lt(col, new Date(new Date(`${f.to}T00:00:00+08:00`).getTime() + 86_400_000)));
  return out;
}

export async function listPurchases(db: DbOrTx, principal: Principal, f: ListFilter): Promise<PurchaseSummary[]> {
  const conds = [purchaseScope(principal), ...dateRange(purchases.createdAt, f)];
  if (f.status) conds.push(inArray(purchases.status, statuses(f.status, purchases.status.enumValues)));
  const rows = await db
    .select({
      p: purchases,
      buyerOrgName: orgs.name,
      orderCount: sql<number>`(select count(*)::int from orders o where o.purchase_id = ${purchases.id})`,
    })
    .from(purchases)
    .innerJoin(orgs, eq(orgs.id, purchases.buyerOrgId))
    .where(and(...conds))
    .orderBy(desc(purchases.createdAt))
    .limit(1000);
  return rows.map((r) => ({ ...summaryOf(r.p, r.buyerOrgName), orderCount: r.orderCount }));
}

export async function listOrders(db: DbOrTx, principal: Principal, f: ListFilter): Promise<Order[]> {
  const conds = [orderScope(principal), ...dateRange(orders.createdAt, f)];
  if (f.status) conds.push(inArray(orders.status, statuses(f.status, orders.status.enumValues)));
  return loadOrders(db, and(...conds));
}

export async function getOrder(db: DbOrTx, principal: Principal, id: string): Promise<Order | null> {
  const [o] = await loadOrders(db, and(eq(orders.id, id), orderScope(principal)));
  return o ?? null;
}

const invalid = (from: string, to: string) =>
  new HttpProblem(409, 'invalid_transition', `An order in status ${from} cannot move to ${to}`, { from, to });

/** Locks the purchase of a buyer-visible id; null when the caller may not see it. */
async function lockPurchase(tx: Tx, principal: Principal, id: string) {
  const [p] = await tx
    .select()
    .from(purchases)
    .where(and(eq(purchases.id, id), purchaseScope(principal)))
    .for('update');
  return p ?? null;
}

/** Approve (→ awaiting_payment) or reject (→ cancelled, stock back) a purchase waiting for approval. */
export async function decidePurchase(
  db: Db,
  principal: Principal,
  id: string,
  decision: 'approve' | 'reject',
  settings: PurchaseSettings,
  note?: string,
) {
  return db.transaction(async (tx) => {
    const p = await lockPurchase(tx, principal, id);
    if (!p) return null;
    if (p.status !== 'pending_approval')
      throw invalid(p.status, decision === 'approve' ? 'awaiting_payment' : 'cancelled');
    if (decision === 'reject') {
      await endUnpaidPurchase(tx, id, 'cancelled', actorOf(principal), note ?? 'rejected by approver');
      await notifyPurchaseDecision(tx, id, 'rejected', { userId: principal.userId }, note);
      return { expiresAt: null };
    }
    const expiresAt = new Date(
      Date.now() + (p.paymentMethod === 'card' ? settings.expiry.cardMs : settings.expiry.transferMs),
    );
    await tx
      .update(purchases)
      .set({ status: 'awaiting_payment', approvedBy: principal.userId, approvedAt: new Date(), expiresAt })
      .where(eq(purchases.id, id));
    const os = await tx
      .update(orders)
      .set({ status: 'awaiting_payment' })
      .where(and(eq(orders.purchaseId, id), eq(orders.status, 'pending_approval')))
      .returning({ id: orders.id });
    await recordTransitions(
      tx,
      os.map((o) => ({
        orderId: o.id,
        from: 'pending_approval' as const,
        to: 'awaiting_payment' as const,
        note: note ?? null,
      })),
      actorOf(principal),
    );
    await notifyPurchaseDecision(tx, id, 'approved', { userId: principal.userId }, note);
    return { expiresAt };
  });
}

export async function cancelPurchase(db: Db, principal: Principal, id: string, note?: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const p = await lockPurchase(tx, principal, id);
    if (!p) return false;
    if (principal.role === 'member' && p.createdBy !== principal.userId)
      throw new HttpProblem(403, 'forbidden', 'A member may cancel only their own purchases');
    if (!(await endUnpaidPurchase(tx, id, 'cancelled', actorOf(principal), note))) {
      throw new HttpProblem(
        409,
        'invalid_transition',
        `A purchase in status ${p.status} cannot be cancelled; cancel its orders instead`,
        { from: p.status, to: 'cancelled' },
      );
    }
    return true;
  });
}

export type PaidVia = { method: 'transfer'; confirmedBy: string } | { method: 'card'; paymentIntentId: string };

/**
 * The one way a purchase becomes paid, inside the caller's transaction: the orders move to
 * `paid` and every line gets its ledger row (source `order`, ref = line id, kind `sale`).
 * Returns 'paid', 'already_paid' (a second success: nothing happens) or 'not_payable'.
 * The caller enqueues the tally job after commit.
 */
export async function markPaidTx(
  tx: Tx,
  purchaseId: string,
  via: PaidVia,
  actor: Actor,
): Promise<'paid' | 'already_paid' | 'not_payable'> {
  const [p] = await tx.select().from(purchases).where(eq(purchases.id, purchaseId)).for('update');
  if (!p) return 'not_payable';
  if (p.status === 'paid') return 'already_paid';
  if (p.status !== 'awaiting_payment') return 'not_payable';
  const now = new Date();
  await tx.update(purchases).set({ status: 'paid', paidAt: now }).where(eq(purchases.id, purchaseId));
  const paid = await tx
    .update(orders)
    .set({ status: 'paid' })
    .where(and(eq(orders.purchaseId, purchaseId), eq(orders.status, 'awaiting_payment')))
    .returning();
  await recordTransitions(
    tx,
    paid.map((o) => ({ orderId: o.id, from: 'awaiting_payment' as const, to: 'paid' as const })),
    actor,
  );
  await tx
    .update(payments)
    .set({
      status: 'succeeded',
      confirmedAt: now,
      ...(via.method === 'transfer'
        ? { confirmedBy: via.confirmedBy }
        : { stripePaymentIntentId: via.paymentIntentId }),
    })
    .where(eq(payments.purchaseId, purchaseId));
  const lines = paid.length
    ? await tx
        .select()
        .from(orderLines)
        .where(
          inArray(
            orderLines.orderId,
            paid.map((o) => o.id),
          ),
        )
    : [];
  const orderOf = new Map(paid.map((o) => [o.id, o]));
  const day = businessDate(now);
  await appendSales(
    tx,
    lines.map((l) => ({
      source: 'order' as const,
      sourceRef: l.id,
      kind: 'sale',
      townId: l.townId,
      buyerOrgId: p.buyerOrgId,
      cooperativeId: orderOf.get(l.orderId)!.cooperativeId,
      productId: l.productId,
      category: l.category,
      amountFen: l.lineTotalFen,
      businessDate: day,
    })),
  );
  await notifyPurchasePaid(tx, purchaseId, actor.userId);
  return 'paid';
}

/** Buyer: say what was transferred and the bank's reference (the office then confirms receipt). */
export async function submitTransfer(
  db: Db,
  principal: Principal,
  id: string,
  amountFen: number,
  reference: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const p = await lockPurchase(tx, principal, id);
    if (!p) return false;
    if (p.paymentMethod !== 'transfer') throw conflict('wrong_payment_method', 'This purchase is paid by card');
    if (p.status !== 'awaiting_payment')
      throw conflict('not_payable', `A purchase in status ${p.status} cannot be paid`);
    await tx
      .update(payments)
      .set({
        status: 'submitted',
        submittedAmountFen: amountFen,
        submittedReference: reference,
        submittedAt: new Date(),
      })
      .where(eq(payments.purchaseId, id));
    await notifyTransferSubmitted(tx, id, amountFen);
    return true;
  });
}

/** Office: confirm receipt of exactly the amount due. A mismatch is refused and changes nothing. */
export async function confirmTransfer(
  db: Db,
  principal: Principal,
  purchaseId: string,
  amountFen: number,
): Promise<'paid' | 'already_paid' | null> {
  return db.transaction(async (tx) => {
    const [p] = await tx.select().from(purchases).where(eq(purchases.id, purchaseId)).for('update');
    if (!p) return null;
    if (p.paymentMethod !== 'transfer')
      throw conflict('wrong_payment_method', 'This purchase is paid by card; Stripe confirms it');
    if (p.status === 'paid') return 'already_paid';
    if (p.status !== 'awaiting_payment')
      throw conflict('not_payable', `A purchase in status ${p.status} cannot be marked paid`);
    if (amountFen !== p.totalFen) {
      throw new HttpProblem(
        409,
        'amount_mismatch',
        `Received ${amountFen} fen but the purchase is ${p.totalFen} fen; only the exact amount can be confirmed`,
        {
          expectedFen: p.totalFen,
          receivedFen: amountFen,
          errors: [{ field: 'body.amountFen', message: `must be exactly ${p.totalFen}` }],
        },
      );
    }
    const r = await markPaidTx(
      tx,
      purchaseId,
      { method: 'transfer', confirmedBy: principal.userId },
      actorOf(principal),
    );
    return r === 'not_payable' ? null : r;
  });
}

export type OrderAction = 'ship' | 'deliver' | 'accept' | 'report' | 'cancel' | 'refund';

/** Who may do what to an order (beyond seeing it). */
const ACTION_KINDS: Record<OrderAction, readonly string[]> = {
  ship: ['cooperative'],
  deliver: ['cooperative'],
  accept: ['buyer'],
  report: ['buyer'],
  cancel: ['buyer', 'cooperative', 'office'],
  refund: ['cooperative', 'office'],
};

export interface OrderActionResult {
  /** Card refunds go to Stripe after the checks, inside the transaction. */
  ledgerChanged: boolean;
}

/**
 * Moves one order. `cancel` before payment ends the order (stock back; the purchase total shrinks,
 * and a purchase with no open order left is cancelled); `cancel` after payment (before shipping)
 * and `refund` (of a disputed delivery) refund it: stock back for cancel, a negative ledger row
 * per line and a refund record (a Stripe refund for card).
 */
export async function actOnOrder(
  db: Db,
  principal: Principal,
  id: string,
  action: OrderAction,
  input: { carrier?: string; trackingNo?: string; note?: string },
  stripeRefund: (paymentIntentId: string, amountFen: number, orderId: string) => Promise<string>,
): Promise<OrderActionResult | null> {
  return db.transaction(async (tx) => {
    // Lock order: purchase, then order (as markPaid does), so the two never deadlock.
    const [peek] = await tx
      .select({ purchaseId: orders.purchaseId })
      .from(orders)
      .where(and(eq(orders.id, id), orderScope(principal)));
    if (!peek) return null;
    const [p] = await tx.select().from(purchases).where(eq(purchases.id, peek.purchaseId)).for('update');
    const [o] = await tx.select().from(orders).where(eq(orders.id, id)).for('update');
    if (!o || !p) return null;
    if (!ACTION_KINDS[action].includes(principal.orgKind))
      throw new HttpProblem(403, 'forbidden', `A ${principal.orgKind} organisation cannot ${action} an order`);
    const move = async (to: OrderStatus, set: Partial<typeof orders.$inferInsert> = {}) => {
      if (!canTransition(o.status, to)) throw invalid(o.status, to);
      await tx
        .update(orders)
        .set({ status: to, ...set })
        .where(eq(orders.id, id));
      await recordTransitions(tx, [{ orderId: id, from: o.status, to, note: input.note ?? null }], actorOf(principal));
    };
    switch (action) {
      case 'ship':
        await move('shipped', { carrier: input.carrier!, trackingNo: input.trackingNo!, shippedAt: new Date() });
        await notifyOrderMoved(tx, id, 'shipped', principal.userId);
        return { ledgerChanged: false };
      case 'deliver':
        await move('delivered', { deliveredAt: new Date() });
        await notifyOrderMoved(tx, id, 'delivered', principal.userId);
        return { ledgerChanged: false };
      case 'accept':
        await move('accepted', { acceptedAt: new Date() });
        await notifyOrderMoved(tx, id, 'accepted', principal.userId);
        return { ledgerChanged: false };
      case 'report':
        await move('disputed', { problemNote: input.note! });
        await notifyOrderMoved(tx, id, 'disputed', principal.userId);
        return { ledgerChanged: false };
      case 'cancel':
        if (o.status === 'pending_approval' || o.status === 'awaiting_payment') {
          await move('cancelled');
          await returnStock(tx, [id]);
          const newTotal = p.totalFen - o.totalFen;
          const [open] = await tx
            .select({ n: sql<number>`count(*)::int` })
            .from(orders)
            .where(
              and(
                eq(orders.purchaseId, o.purchaseId),
                inArray(orders.status, ['pending_approval', 'awaiting_payment']),
              ),
            );
          await tx
            .update(purchases)
            .set({ totalFen: newTotal, ...(open!.n === 0 ? { status: 'cancelled' as const } : {}) })
            .where(eq(purchases.id, o.purchaseId));
          await tx.update(payments).set({ amountFen: newTotal }).where(eq(payments.purchaseId, o.purchaseId));
          return { ledgerChanged: false };
        }
        if (o.status !== 'paid') throw invalid(o.status, 'cancelled');
        await refundOrder(tx, principal, o, 'refunded', true, input.note, stripeRefund, move);
        return { ledgerChanged: true };
      case 'refund':
        if (o.status !== 'disputed' && o.status !== 'paid') throw invalid(o.status, 'refunded');
        await refundOrder(tx, principal, o, 'refunded', o.status === 'paid', input.note, stripeRefund, move);
        return { ledgerChanged: true };
    }
  });
}

async function refundOrder(
  tx: Tx,
  principal: Principal,
  o: typeof orders.$inferSelect,
  to: 'refunded',
  giveStockBack: boolean,
  note: string | undefined,
  stripeRefund: (paymentIntentId: string, amountFen: number, orderId: string) => Promise<string>,
  move: (to: OrderStatus) => Promise<void>,
) {
  await move(to);
  if (giveStockBack) await returnStock(tx, [o.id]);
  const lines = await tx.select().from(orderLines).where(eq(orderLines.orderId, o.id));
  const day = businessDate();
  await appendSales(
    tx,
    lines.map((l) => ({
      source: 'order' as const,
      sourceRef: l.id,
      kind: 'refund',
      townId: l.townId,
      buyerOrgId: o.buyerOrgId,
      cooperativeId: o.cooperativeId,
      productId: l.productId,
      category: l.category,
      amountFen: -l.lineTotalFen,
      businessDate: day,
    })),
  );
  const [pay] = await tx.select().from(payments).where(eq(payments.purchaseId, o.purchaseId));
  let stripeRefundId: string | null = null;
  if (pay!.method === 'card' && pay!.stripePaymentIntentId)
    stripeRefundId = await stripeRefund(pay!.stripePaymentIntentId, o.totalFen, o.id);
  await tx.insert(refunds).values({
    purchaseId: o.purchaseId,
    orderId: o.id,
    method: pay!.method,
    amountFen: o.totalFen,
    stripeRefundId,
    reason: note ?? null,
    createdBy: principal.userId,
  });
}

export interface PaymentQueueFilter {
  status?: string | undefined;
}

export async function paymentQueue(db: DbOrTx, f: PaymentQueueFilter) {
  const conds: SQL[] = [];
  if (f.status) conds.push(inArray(payments.status, statuses(f.status, payments.status.enumValues)));
  else conds.push(and(eq(payments.method, 'transfer'), eq(purchases.status, 'awaiting_payment'))!);
  const rows = await db
    .select({ pay: payments, p: purchases, buyerOrgName: orgs.name })
    .from(payments)
    .innerJoin(purchases, eq(purchases.id, payments.purchaseId))
    .innerJoin(orgs, eq(orgs.id, purchases.buyerOrgId))
    .where(and(...conds))
    .orderBy(sql`${payments.submittedAt} desc nulls last`, desc(purchases.createdAt))
    .limit(1000);
  return rows.map(({ pay, p, buyerOrgName }) => ({
    purchaseId: p.id,
    buyerOrgName,
    remittanceRef: p.remittanceRef,
    method: pay.method,
    status: pay.status,
    amountFen: pay.amountFen,
    submittedAmountFen: pay.submittedAmountFen,
    submittedReference: pay.submittedReference,
    submittedAt: isoOrNull(pay.submittedAt),
    purchaseStatus: p.status,
  }));
}
