import { sql } from 'drizzle-orm';
import { carrierIn, orderNo } from '@shanhai/domain';
import { anyOf, type DbOrTx } from './client';
import { notify, notifyMany } from './notify';

/**
 * The marketplace's events as notifications: each reads what its text needs and calls
 * `notify()` for every org concerned. Call them inside the event's transaction (after the
 * change), from the api or the worker alike. One place per event keeps the recipients and
 * links of an event the same wherever it happens.
 */

/** The buyer-side audience of a purchase: whoever placed it, and the org's owners and managers. */
function buyerAudience(
  p: { buyerOrgId: string; createdBy: string; id: string },
  input: Omit<Parameters<typeof notify>[1], 'orgId' | 'roles' | 'userIds'>,
  exceptUserId?: string | null,
): Parameters<typeof notify>[1][] {
  const base = { ...input, orgId: p.buyerOrgId, exceptUserId: exceptUserId ?? null };
  // The same event key for both: someone who is both purchaser and manager is told once.
  return [
    { ...base, userIds: [p.createdBy] },
    { ...base, roles: ['owner', 'manager'] },
  ];
}

async function tellBuyer(
  tx: DbOrTx,
  p: { buyerOrgId: string; createdBy: string; id: string },
  input: Omit<Parameters<typeof notify>[1], 'orgId' | 'roles' | 'userIds'>,
  exceptUserId?: string | null,
): Promise<number> {
  return notifyMany(tx, buyerAudience(p, input, exceptUserId));
}

interface PurchaseFacts {
  id: string;
  buyerOrgId: string;
  buyerName: string;
  createdBy: string;
  creatorName: string;
  ref: string;
  totalFen: number;
  expiresAt: string;
}

async function purchaseFacts(tx: DbOrTx, purchaseId: string): Promise<PurchaseFacts | null> {
  return (await purchasesFacts(tx, [purchaseId])).get(purchaseId) ?? null;
}

async function purchasesFacts(tx: DbOrTx, purchaseIds: string[]): Promise<Map<string, PurchaseFacts>> {
  const r = await tx.execute<{
    id: string;
    buyer_org_id: string;
    buyer_name: string;
    created_by: string;
    creator_name: string;
    ref: string;
    total_fen: number;
    expires_at: string;
  }>(sql`
    select p.id, p.buyer_org_id, o.name as buyer_name, p.created_by, u.name as creator_name,
      p.remittance_ref as ref, p.total_fen,
      to_char(p.expires_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') as expires_at
    from purchases p join orgs o on o.id = p.buyer_org_id join users u on u.id = p.created_by
    where ${anyOf(sql`p.id`, purchaseIds, 'uuid')}`);
  return new Map(
    r.rows.map((x) => [
      x.id,
      {
        id: x.id,
        buyerOrgId: x.buyer_org_id,
        buyerName: x.buyer_name,
        createdBy: x.created_by,
        creatorName: x.creator_name,
        ref: x.ref,
        totalFen: Number(x.total_fen),
        expiresAt: x.expires_at,
      },
    ]),
  );
}

/** A carrier for the texts: a known one's English name for English readers (textParams picks by `…Zh`/`…En`). */
function carrierParams(carrier: string | null): { carrierZh: string; carrierEn: string } {
  return { carrierZh: carrier ?? '', carrierEn: carrierIn(carrier ?? '', 'en') };
}

const purchaseLink = (id: string) => `/purchases/${id}`;
const coopOrderLink = (id: string) => `/coop/orders/${id}`;

/**
 * A member's purchase above the threshold waits: its org's owners and managers are asked. Takes
 * the facts checkout already has (the member's name included), so the checkout pays for one insert.
 */
export async function notifyApprovalNeeded(
  tx: DbOrTx,
  p: { purchaseId: string; buyerOrgId: string; createdBy: string; memberName: string; ref: string; totalFen: number },
): Promise<void> {
  await notify(tx, {
    kind: 'purchase.approval_needed',
    orgId: p.buyerOrgId,
    roles: ['owner', 'manager'],
    exceptUserId: p.createdBy,
    subject: { type: 'purchase', id: p.purchaseId },
    link: purchaseLink(p.purchaseId),
    params: { member: p.memberName, ref: p.ref, totalFen: p.totalFen },
  });
}

/** The approver's decision goes to whoever placed the purchase. */
export async function notifyPurchaseDecision(
  tx: DbOrTx,
  purchaseId: string,
  decision: 'approved' | 'rejected',
  approver: { userId: string; name?: string },
  note?: string | null,
): Promise<void> {
  const p = await purchaseFacts(tx, purchaseId);
  if (!p) return;
  const name =
    approver.name ??
    (await tx.execute<{ name: string }>(sql`select name from users where id = ${approver.userId}`)).rows[0]?.name ??
    '';
  await notify(tx, {
    kind: decision === 'approved' ? 'purchase.approved' : 'purchase.rejected',
    orgId: p.buyerOrgId,
    userIds: [p.createdBy],
    exceptUserId: approver.userId,
    subject: { type: 'purchase', id: p.id },
    link: purchaseLink(p.id),
    params: { ref: p.ref, approver: name, note: note ?? '' },
  });
}

/** The buyer says it transferred: the office is asked to check the account. */
export async function notifyTransferSubmitted(tx: DbOrTx, purchaseId: string, amountFen: number): Promise<void> {
  const p = await purchaseFacts(tx, purchaseId);
  if (!p) return;
  await notifyOffice(tx, {
    kind: 'payment.to_confirm',
    subject: { type: 'payment', id: p.id },
    link: '/office/payments',
    params: { buyer: p.buyerName, ref: p.ref, amountFen },
    // A corrected submission is a new event for the office.
    eventKey: `payment.to_confirm:${p.id}:${amountFen}`,
  });
}

/**
 * A purchase became paid (transfer confirmed, card succeeded): each cooperative is told of its
 * new order to ship, the buyer that its payment arrived.
 */
export async function notifyPurchasePaid(tx: DbOrTx, purchaseId: string, confirmedBy?: string | null): Promise<void> {
  await notifyPurchasesPaid(tx, [purchaseId], confirmedBy);
}

/**
 * notifyPurchasePaid for many purchases (a bank statement's confirmations): their facts in two
 * reads and every notice in one insert, the same notices as one call per purchase.
 */
export async function notifyPurchasesPaid(
  tx: DbOrTx,
  purchaseIds: string[],
  confirmedBy?: string | null,
): Promise<void> {
  if (purchaseIds.length === 0) return;
  const facts = await purchasesFacts(tx, purchaseIds);
  const orders = await tx.execute<{
    id: string;
    purchase_id: string;
    cooperative_id: string;
    total_fen: number;
    created_at: string;
    seq: number;
  }>(sql`
    select id, purchase_id, cooperative_id, total_fen, created_at, seq from orders
    where ${anyOf(sql`purchase_id`, purchaseIds, 'uuid')} and status = 'paid' order by id`);
  const ordersOf = new Map<string, typeof orders.rows>();
  for (const o of orders.rows) ordersOf.set(o.purchase_id, [...(ordersOf.get(o.purchase_id) ?? []), o]);
  const inputs: Parameters<typeof notifyMany>[1] = [];
  for (const id of purchaseIds) {
    const p = facts.get(id);
    if (!p) continue;
    for (const o of ordersOf.get(id) ?? [])
      inputs.push({
        kind: 'order.paid',
        orgId: o.cooperative_id,
        subject: { type: 'order', id: o.id },
        link: coopOrderLink(o.id),
        params: {
          buyer: p.buyerName,
          ref: p.ref,
          orderNo: orderNo(o.created_at, Number(o.seq)),
          totalFen: Number(o.total_fen),
        },
      });
    inputs.push(
      ...buyerAudience(
        p,
        {
          kind: 'payment.confirmed',
          subject: { type: 'purchase', id: p.id },
          link: purchaseLink(p.id),
          params: { ref: p.ref, amountFen: p.totalFen },
        },
        confirmedBy,
      ),
    );
  }
  await notifyMany(tx, inputs);
}

/** An order moved: shipped and delivered tell the buyer; accepted and disputed the cooperative. */
export async function notifyOrderMoved(
  tx: DbOrTx,
  orderId: string,
  to: 'shipped' | 'delivered' | 'accepted' | 'disputed',
  actorUserId: string | null,
): Promise<void> {
  const r = await tx.execute<{
    purchase_id: string;
    cooperative_id: string;
    coop_name: string;
    carrier: string | null;
    tracking_no: string | null;
    problem_note: string | null;
    created_at: string;
    seq: number;
  }>(sql`
    select o.purchase_id, o.cooperative_id, c.name as coop_name, o.carrier, o.tracking_no, o.problem_note,
      o.created_at, o.seq
    from orders o join orgs c on c.id = o.cooperative_id where o.id = ${orderId}`);
  const o = r.rows[0];
  if (!o) return;
  const p = await purchaseFacts(tx, o.purchase_id);
  if (!p) return;
  const no = orderNo(o.created_at, Number(o.seq));
  if (to === 'shipped' || to === 'delivered') {
    await tellBuyer(
      tx,
      p,
      {
        kind: to === 'shipped' ? 'order.shipped' : 'order.delivered',
        subject: { type: 'order', id: orderId },
        link: purchaseLink(p.id),
        params: {
          cooperative: o.coop_name,
          ref: p.ref,
          orderNo: no,
          ...carrierParams(o.carrier),
          trackingNo: o.tracking_no ?? '',
        },
      },
      actorUserId,
    );
    return;
  }
  await notify(tx, {
    kind: to === 'accepted' ? 'order.accepted' : 'order.disputed',
    orgId: o.cooperative_id,
    exceptUserId: actorUserId,
    subject: { type: 'order', id: orderId },
    link: coopOrderLink(orderId),
    params: { buyer: p.buyerName, ref: p.ref, orderNo: no, note: o.problem_note ?? '' },
    // Accepted after a dispute is resolved is a second event for the same order.
    eventKey: `order.${to}:${orderId}`,
  });
}

/** An unpaid purchase ran out of time (the worker's expiry): whoever placed it is told. */
export async function notifyPurchaseExpired(tx: DbOrTx, purchaseId: string): Promise<void> {
  const p = await purchaseFacts(tx, purchaseId);
  if (!p) return;
  await notify(tx, {
    kind: 'purchase.expired',
    orgId: p.buyerOrgId,
    userIds: [p.createdBy],
    subject: { type: 'purchase', id: p.id },
    link: purchaseLink(p.id),
    params: { ref: p.ref },
  });
}

/** Tells every active office org (there is one; a test world may hold more). */
export async function notifyOffice(tx: DbOrTx, input: Omit<Parameters<typeof notify>[1], 'orgId'>): Promise<void> {
  const offices = await tx.execute<{ id: string }>(
    sql`select id from orgs where kind = 'office' and status = 'active'`,
  );
  for (const office of offices.rows) await notify(tx, { ...input, orgId: office.id });
}

/**
 * An unpaid transfer purchase expires within a day: whoever placed it is reminded once (the
 * reminders job runs hourly over a 24 h window; the event key makes a second run tell nobody).
 */
export async function notifyPurchaseExpiring(tx: DbOrTx, purchaseId: string): Promise<number> {
  const p = await purchaseFacts(tx, purchaseId);
  if (!p) return 0;
  return notify(tx, {
    kind: 'purchase.expiring',
    orgId: p.buyerOrgId,
    userIds: [p.createdBy],
    subject: { type: 'purchase', id: p.id },
    link: purchaseLink(p.id),
    params: { ref: p.ref, totalFen: p.totalFen, expiresAt: p.expiresAt },
  });
}

/** A delivered order will be accepted by the system within a day: the buyer may still report a problem. */
export async function notifyAutoAcceptSoon(tx: DbOrTx, orderId: string, acceptsOn: string): Promise<number> {
  const r = await tx.execute<{ purchase_id: string; coop_name: string; created_at: string; seq: number }>(sql`
    select o.purchase_id, c.name as coop_name, o.created_at, o.seq from orders o join orgs c on c.id = o.cooperative_id
    where o.id = ${orderId}`);
  const o = r.rows[0];
  if (!o) return 0;
  const p = await purchaseFacts(tx, o.purchase_id);
  if (!p) return 0;
  return tellBuyer(tx, p, {
    kind: 'order.auto_accept_soon',
    subject: { type: 'order', id: orderId },
    link: purchaseLink(p.id),
    params: { cooperative: o.coop_name, ref: p.ref, orderNo: orderNo(o.created_at, Number(o.seq)), date: acceptsOn },
  });
}

/** Who at the office decides: owners and managers (the roles its approve and match routes ask for). */
const OFFICE_DECIDERS = ['owner', 'manager'] as const;

/** An off-platform sale was recorded (pending): the office's deciders are asked to approve it. */
export async function notifyOfflineRecorded(tx: DbOrTx, offlineSaleId: string, recordedBy: string): Promise<void> {
  const r = await tx.execute<{ amount_fen: number; town_zh: string; town_en: string; buyer: string | null }>(sql`
    select s.amount_fen, t.name_zh as town_zh, t.name_en as town_en, b.name as buyer
    from offline_sales s join towns t on t.id = s.town_id left join orgs b on b.id = s.buyer_org_id
    where s.id = ${offlineSaleId}`);
  const s = r.rows[0];
  if (!s) return;
  await notifyOffice(tx, {
    kind: 'offline.approval_needed',
    roles: [...OFFICE_DECIDERS],
    exceptUserId: recordedBy,
    subject: { type: 'offline_sale', id: offlineSaleId },
    link: '/office/sales',
    params: { buyer: s.buyer ?? '—', townZh: s.town_zh, townEn: s.town_en, amountFen: Number(s.amount_fen) },
  });
}

/**
 * An uploaded bank statement left rows that matched no payment: the office's deciders other than
 * the uploader (who sees them on the upload's result) get one notice for the upload, with how many
 * rows and how much, not one per row (a 10,000-row statement told each of them 10,000 times).
 */
export async function notifyStatementRowsUnmatched(
  tx: DbOrTx,
  statement: { id: string; rows: number; amountFen: number },
  uploadedBy: string,
): Promise<void> {
  if (statement.rows === 0) return;
  await notifyOffice(tx, {
    kind: 'statement.unmatched',
    roles: [...OFFICE_DECIDERS],
    exceptUserId: uploadedBy,
    subject: { type: 'bank_statement', id: statement.id },
    link: '/office/bank',
    params: { rows: statement.rows, amountFen: statement.amountFen },
  });
}

/** The reconcile found (and repaired) tallies that differed from the ledger: the office's deciders are told. */
export async function notifyTallyDrift(tx: DbOrTx, reconciliationId: string, driftRows: number): Promise<void> {
  await notifyOffice(tx, {
    kind: 'tally.drift',
    roles: [...OFFICE_DECIDERS],
    subject: { type: 'tally_reconciliation', id: reconciliationId },
    link: '/office/leaderboard',
    params: { rows: driftRows },
  });
}

/**
 * The journal reconcile found balances or payables that differed from the journal or from the
 * orders, payments and refunds: the office's deciders are told, as for tally drift.
 */
export async function notifyJournalDrift(tx: DbOrTx, reconciliationId: string, driftRows: number): Promise<void> {
  await notifyOffice(tx, {
    kind: 'journal.drift',
    roles: [...OFFICE_DECIDERS],
    subject: { type: 'journal_reconciliation', id: reconciliationId },
    link: '/office/money',
    params: { rows: driftRows },
  });
}
