import { randomBytes, randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { notifyApprovalNeeded, schema, type DbOrTx, type FinalStatement } from '@shanhai/db';
import { businessDate, lineTotalFen, sumFen, unitPriceFor, type CheckoutRequest, type Purchase } from '@shanhai/domain';
import { conflict, HttpProblem } from '../../lib/problem';
import type { Principal } from '../../types';
import {
  lineProblem,
  productsForSaleSql,
  toProductForSale,
  type ProductForSale,
  type ProductForSaleRow,
} from '../cart/cart-service';
import { namesOf } from '../catalog/product-names';
import { orderView, type LineRow, type OrderRow, type TransitionRow } from '../orders/orders-service';
import { expiresAtFor, summaryOf, type PurchaseRow, type PurchaseSettings } from '../purchases/purchases-service';

const { cartLines, orgs } = schema;

/**
 * A remittance reference short enough to type into a bank form: SH + date + 6 random letters
 * (32^6 a day). Busy days do collide (birthday bound); checkout then draws again.
 */
export const refs = { next: remittanceRef, attempts: 5 };
function remittanceRef(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(6);
  return `SH${businessDate().replaceAll('-', '').slice(2)}${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

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
    principal,
    cart.map((c) => c.productId),
  );
  const failing: { productId: string; qty: number; code: string; message: string }[] = [];
  for (const c of cart) {
    const p = ps.get(c.productId);
    const problem = p ? lineProblem(p, c.qty) : { code: 'not_available' as const, message: 'is not on sale' };
    if (problem && problem.code !== 'out_of_stock')
      failing.push({ productId: c.productId, qty: c.qty, code: problem.code, message: problem.message });
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
  // Each line is within the safe range (lineProblem); their sum may not be: a 400 naming the
  // lines sent, or a 409 for the stored cart.
  const totalFen = sumFen(
    [...groups.values()].flat().map((l) => l.total),
    body.lines ? 'body.lines' : null,
  );
  const needsApproval =
    principal.role === 'member' && buyer.approvalThresholdFen !== null && totalFen > buyer.approvalThresholdFen;
  const status: 'pending_approval' | 'awaiting_payment' = needsApproval ? 'pending_approval' : 'awaiting_payment';
  const now = new Date();
  const expiresAt = expiresAtFor(body.paymentMethod, settings, now.getTime());
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
    remittanceRef: refs.next(),
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
    seq: 0, // the database numbers the order; read back from the insert below
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
        code: p.code,
        townId: p.townId,
        category: p.category,
        ...namesOf(p),
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
  const insertAll = (db: DbOrTx) =>
    db.execute(sql`
      with p as (
        insert into purchases (id, buyer_org_id, created_by, status, payment_method, total_fen, remittance_ref, delivery_address, invoice_title, tax_id, note, expires_at, created_at, updated_at)
        values (${purchase.id}, ${purchase.buyerOrgId}, ${purchase.createdBy}, ${status}, ${purchase.paymentMethod}, ${totalFen}, ${purchase.remittanceRef}, ${deliveryAddress},
          ${purchase.invoiceTitle}, ${purchase.taxId}, ${purchase.note}, ${expiresAt.toISOString()}, ${now.toISOString()}, ${now.toISOString()})
        on conflict (remittance_ref) do nothing
        returning id
      ),
      o as (
        insert into orders (id, purchase_id, buyer_org_id, cooperative_id, status, total_fen, created_at, updated_at)
        select x.id, p.id, ${principal.orgId}, x.cooperative_id, ${status}::order_status, x.total_fen, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
        from p, json_to_recordset(${JSON.stringify(orderRows.map((o) => ({ id: o.id, cooperative_id: o.cooperativeId, total_fen: o.totalFen })))}::json)
          as x(id uuid, cooperative_id uuid, total_fen bigint)
        returning id, seq
      ),
      l as (
        insert into order_lines (id, order_id, product_id, town_id, category, name_zh, name_en, unit_label, unit_spec, unit_label_en, unit_spec_en, qty, unit_price_fen, line_total_fen)
        select x.id, x.order_id, x.product_id, x.town_id, x.category, x.name_zh, x.name_en, x.unit_label, x.unit_spec, x.unit_label_en, x.unit_spec_en, x.qty, x.unit_price_fen, x.line_total_fen
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
            unit_spec: l.unitSpec,
            unit_label_en: l.unitLabelEn,
            unit_spec_en: l.unitSpecEn,
            qty: l.qty,
            unit_price_fen: l.unitPriceFen,
            line_total_fen: l.lineTotalFen,
          })),
        )}::json) as x(id uuid, order_id uuid, product_id uuid, town_id uuid, category category, name_zh text, name_en text, unit_label text, unit_spec text, unit_label_en text, unit_spec_en text, qty int, unit_price_fen bigint, line_total_fen bigint)
        where exists (select 1 from o where o.id = x.order_id)
      ),
      t as (
        insert into order_transitions (order_id, from_status, to_status, actor_user_id, actor, at)
        select o.id, null, ${status}::order_status, ${principal.userId}::uuid, 'user', ${now.toISOString()}::timestamptz from o
      )
      insert into payments (purchase_id, method, amount_fen) select p.id, ${body.paymentMethod}::payment_method, ${totalFen} from p
      returning (select json_object_agg(o.id, o.seq) from o) as seqs
    `);
  // A taken reference inserts nothing (every later insert hangs off the purchase row) and checkout
  // draws again: no savepoint, so the common case costs no extra round trip.
  let inserted = await insertAll(tx);
  for (let attempt = 1; inserted.rowCount !== 1; attempt++) {
    if (attempt >= refs.attempts) throw new Error('no free remittance reference after several draws');
    purchase.remittanceRef = refs.next();
    inserted = await insertAll(tx);
  }
  const seqs = (inserted.rows[0] as { seqs: Record<string, number | string> }).seqs;
  for (const o of orderRows) o.seq = Number(seqs[o.id]);
  if (!body.lines) await tx.delete(cartLines).where(eq(cartLines.userId, principal.userId));
  if (needsApproval)
    await notifyApprovalNeeded(tx, {
      purchaseId: purchase.id,
      buyerOrgId: principal.orgId,
      createdBy: principal.userId,
      memberName: buyer.memberName,
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
 * The buyer org's checkout defaults (the delivery address: the address book's default with its
 * contact, else the org's address), the purchaser's name (for an approval request's text) and the
 * products for sale, in one round trip: the buyer row left-joined to the products, so it comes
 * back even when none of the ids is a product.
 */
async function buyerAndProducts(tx: DbOrTx, principal: Principal, ids: string[]) {
  const res = await tx.execute<
    {
      buyer_name: string;
      address: string | null;
      invoice_title: string | null;
      tax_id: string | null;
      approval_threshold_fen: number | null;
      member_name: string | null;
    } & (ProductForSaleRow | { [K in keyof ProductForSaleRow]: null })
  >(sql`
    select b.name as buyer_name,
      coalesce(
        (select a.address || '（' || a.contact_name || ' ' || a.contact_phone || '）'
         from org_addresses a where a.org_id = b.id and a.is_default),
        b.address) as address,
      b.invoice_title, b.tax_id, b.approval_threshold_fen,
      (select u.name from users u where u.id = ${principal.userId}) as member_name, p.*
    from ${orgs} b left join (${productsForSaleSql(ids)}) p on true
    where b.id = ${principal.orgId}`);
  const first = res.rows[0];
  if (!first) throw new Error(`buyer org ${principal.orgId} vanished during checkout`);
  const buyer = {
    name: first.buyer_name,
    address: first.address,
    invoiceTitle: first.invoice_title,
    taxId: first.tax_id,
    approvalThresholdFen: first.approval_threshold_fen,
    memberName: first.member_name ?? '',
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
