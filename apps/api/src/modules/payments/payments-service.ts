import type Stripe from 'stripe';
import { and, asc, eq, inArray, isNull, ne, sql, type SQL } from 'drizzle-orm';
import {
  anyOf,
  lineSales,
  appendSales,
  notifyPurchasesPaid,
  notifyTransferSubmitted,
  paymentEntry,
  postEntries,
  postLatePaymentRefund,
  recordStripeCall,
  recordTransitions,
  schema,
  writeAudit,
  writeAudits,
  type Actor,
  type AuditEntry,
  type Db,
  type DbOrTx,
  type Tx,
} from '@shanhai/db';
import { businessDate, type PageQuery } from '@shanhai/domain';
import { allPages, cursorKey, pageOf, type Keyset, keysetPage } from '../../lib/cursor';
import { statuses } from '../../lib/list-filter';
import { conflict, HttpProblem } from '../../lib/problem';
import { actorOf, type Principal } from '../../types';
import { lockPurchase } from '../purchases/purchases-service';

const { orgs, purchases, orders, orderLines, payments, refunds, stripeEvents } = schema;

/** Signatures older (or further in the future) than this are refused: Stripe's own default. */
const WEBHOOK_TOLERANCE_SECONDS = 300;

export const cardUnavailable = () =>
  new HttpProblem(
    422,
    'card_payments_unavailable',
    'Card payment is not offered on this platform (Stripe is not configured); pay by bank transfer',
    {
      errors: [{ field: 'body.paymentMethod', message: 'card payment is not available; use transfer' }],
    },
  );

/**
 * Creates (or, on a retry, gets back) the purchase's PaymentIntent in CNY. The idempotency key is
 * derived from the purchase id and the amount, so two clicks make one PaymentIntent and a new
 * amount (an order cancelled before payment) a new one. `superseded`: the amount changed while
 * Stripe was asked; that intent is cancelled after the commit (the caller enqueues it).
 */
export async function startCardPayment(
  db: Db,
  stripe: Stripe | null,
  principal: Principal,
  purchaseId: string,
): Promise<{ clientSecret: string } | { superseded: true } | null> {
  if (!stripe) throw cardUnavailable();
  const [p] = await db
    .select()
    .from(purchases)
    .where(and(eq(purchases.id, purchaseId), eq(purchases.buyerOrgId, principal.orgId)));
  if (!p) return null;
  if (p.paymentMethod !== 'card') throw conflict('wrong_payment_method', 'This purchase is paid by bank transfer');
  if (p.status !== 'awaiting_payment') throw conflict('not_payable', `A purchase in status ${p.status} cannot be paid`);
  const pi = await stripe.paymentIntents.create(
    {
      amount: p.totalFen,
      currency: 'cny',
      metadata: { purchaseId: p.id },
      automatic_payment_methods: { enabled: true },
    },
    { idempotencyKey: `purchase-${p.id}-${p.totalFen}` },
  );
  // Stripe was called with no lock held; the intent becomes the purchase's only if the amount is
  // still the one owed. An order cancelled meanwhile changed it: this intent goes too.
  const current = await db.transaction(async (tx) => {
    const [now] = await tx
      .select({ status: purchases.status, totalFen: purchases.totalFen })
      .from(purchases)
      .where(eq(purchases.id, p.id))
      .for('update');
    if (now?.status === 'awaiting_payment' && now.totalFen === p.totalFen) {
      await tx.update(payments).set({ stripePaymentIntentId: pi.id }).where(eq(payments.purchaseId, p.id));
      return true;
    }
    await recordStripeCall(tx, {
      kind: 'cancel_payment_intent',
      purchaseId: p.id,
      paymentIntentId: pi.id,
      idempotencyKey: `cancel-${pi.id}`,
    });
    return false;
  });
  if (!current) return { superseded: true };
  return { clientSecret: pi.client_secret ?? '' };
}

/** Reads `t=` of a Stripe-Signature header. */
function signatureTimestamp(header: string): number | null {
  const m = /(?:^|,)t=(\d+)/.exec(header);
  return m ? Number(m[1]) : null;
}

export type WebhookOutcome =
  | 'paid'
  | 'already_paid'
  | 'duplicate'
  | 'ignored'
  | 'not_payable'
  | 'failed_recorded'
  | 'refunded'
  | 'already_refunded';

/**
 * Verifies and handles one Stripe event. The signature is checked on the raw body; timestamps
 * older than the tolerance (the SDK) or further than it in the future (here) are refused. The
 * event id is recorded in the same transaction as its effect, so a redelivery is a no-op, and a
 * success for a purchase already paid changes nothing. Events may come in any order: a late
 * `payment_failed` after a success is ignored. A success for a purchase that has already expired
 * or been cancelled, or through an intent the purchase no longer has, is refunded whole,
 * automatically (see refundLatePayment).
 */
export async function handleStripeWebhook(
  db: Db,
  stripe: Pick<Stripe, 'webhooks'>,
  secret: string,
  rawBody: Buffer,
  signature: string | undefined,
): Promise<{ outcome: WebhookOutcome; purchaseId: string | null }> {
  if (!signature) throw new HttpProblem(400, 'invalid_signature', 'The Stripe-Signature header is missing');
  const t = signatureTimestamp(signature);
  if (t !== null && t - Math.floor(Date.now() / 1000) > WEBHOOK_TOLERANCE_SECONDS) {
    throw new HttpProblem(400, 'invalid_signature', 'The signature timestamp is in the future');
  }
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
  } catch (e) {
    throw new HttpProblem(
      400,
      'invalid_signature',
      `The Stripe signature does not verify: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const obj = event.data.object as {
    id?: string;
    metadata?: Record<string, string>;
    amount?: number;
    amount_received?: number;
    currency?: string;
  };
  const purchaseId =
    obj.metadata?.purchaseId && /^[0-9a-f-]{36}$/i.test(obj.metadata.purchaseId) ? obj.metadata.purchaseId : null;
  return db.transaction(async (tx) => {
    const fresh = await tx
      .insert(stripeEvents)
      .values({
        id: event.id,
        type: event.type,
        purchaseId,
        payload: { id: event.id, type: event.type, created: event.created },
      })
      .onConflictDoNothing()
      .returning({ id: stripeEvents.id });
    if (fresh.length === 0) return { outcome: 'duplicate' as const, purchaseId };
    if (!purchaseId) return { outcome: 'ignored' as const, purchaseId };
    if (event.type === 'payment_intent.succeeded') {
      // Locked here, before any decision, so a concurrent expiry, cancel or second event waits.
      const [p] = await tx
        .select({ totalFen: purchases.totalFen, status: purchases.status, pi: payments.stripePaymentIntentId })
        .from(purchases)
        .innerJoin(payments, eq(payments.purchaseId, purchases.id))
        .where(eq(purchases.id, purchaseId))
        .for('update', { of: purchases });
      const received = obj.amount_received ?? obj.amount ?? 0;
      if (!p || !obj.id || obj.currency !== 'cny' || received <= 0)
        return { outcome: 'not_payable' as const, purchaseId };
      // Money that nothing is owed for goes back whole: the purchase ended, or the intent is not
      // the purchase's own any more (an order was cancelled before payment and its intent with it).
      const endedAs =
        p.status === 'expired' || p.status === 'cancelled'
          ? p.status
          : p.status === 'awaiting_payment' && (obj.id !== p.pi || received !== p.totalFen)
            ? ('superseded' as const)
            : null;
      if (endedAs) {
        const outcome = await refundLatePayment(tx, {
          purchaseId,
          endedAs,
          paymentIntentId: obj.id,
          amountFen: received,
        });
        return { outcome, purchaseId };
      }
      if (received !== p.totalFen) return { outcome: 'not_payable' as const, purchaseId };
      const r = await markPaidTx(
        tx,
        purchaseId,
        { method: 'card', paymentIntentId: obj.id },
        { userId: null, kind: 'stripe' },
      );
      // A payment confirmation is audited whoever makes it: here no person, Stripe's signed event.
      if (r === 'paid')
        await writeAudit(tx, {
          actorUserId: null,
          actorOrgId: null,
          action: 'payment.card_paid',
          entityType: 'purchase',
          entityId: purchaseId,
          before: { status: p.status },
          after: { status: 'paid', amountFen: received, paymentIntentId: obj.id, stripeEventId: event.id },
        });
      return { outcome: r, purchaseId };
    }
    if (event.type === 'payment_intent.payment_failed') {
      // Out of order: a failure reported after the success must not undo it.
      await tx
        .update(payments)
        .set({ status: 'failed' })
        .where(and(eq(payments.purchaseId, purchaseId), ne(payments.status, 'succeeded')));
      return { outcome: 'failed_recorded' as const, purchaseId };
    }
    return { outcome: 'ignored' as const, purchaseId };
  });
}

/** The refund record's reason for a late payment; the web words it from the purchase's status. */
const LATE_PAYMENT_REASON = {
  expired: 'late payment: the purchase had expired',
  cancelled: 'late payment: the purchase had been cancelled',
  superseded: 'late payment: the amount due had changed (an order was cancelled before payment)',
} as const;

/**
 * A card payment that nothing is owed for: it succeeded after its purchase had expired or been
 * cancelled (the stock went back, nothing was credited), or through an intent the purchase no
 * longer has (its amount changed). The money goes back whole and the ledger is left alone.
 * Runs in the webhook's transaction under the purchase lock, and calls no one: the refund record
 * (unique per PaymentIntent, so every later event for the intent is `already_refunded`) and the
 * stripe call are written here; a job makes the call after the commit, with an idempotency key
 * from the intent id, so that every retry gets the same refund from Stripe.
 */
async function refundLatePayment(
  tx: Tx,
  late: {
    purchaseId: string;
    endedAs: keyof typeof LATE_PAYMENT_REASON;
    paymentIntentId: string;
    amountFen: number;
  },
): Promise<'refunded' | 'already_refunded'> {
  const [done] = await tx
    .select({ id: refunds.id })
    .from(refunds)
    .where(and(eq(refunds.stripePaymentIntentId, late.paymentIntentId), isNull(refunds.orderId)));
  if (done) return 'already_refunded';
  const [refund] = await tx
    .insert(refunds)
    .values({
      purchaseId: late.purchaseId,
      orderId: null,
      method: 'card',
      amountFen: late.amountFen,
      stripePaymentIntentId: late.paymentIntentId,
      reason: LATE_PAYMENT_REASON[late.endedAs],
      createdBy: null,
    })
    .returning({ id: refunds.id });
  await recordStripeCall(tx, {
    kind: 'refund',
    purchaseId: late.purchaseId,
    refundId: refund!.id,
    paymentIntentId: late.paymentIntentId,
    amountFen: late.amountFen,
    metadata: { purchaseId: late.purchaseId, reason: `purchase_${late.endedAs}` },
    idempotencyKey: `late-payment-refund-${late.paymentIntentId}`,
  });
  const [buyerOf] = await tx
    .select({ buyerOrgId: purchases.buyerOrgId })
    .from(purchases)
    .where(eq(purchases.id, late.purchaseId));
  await postLatePaymentRefund(tx, {
    paymentIntentId: late.paymentIntentId,
    buyerOrgId: buyerOf!.buyerOrgId,
    amountFen: late.amountFen,
  });
  return 'refunded';
}

type PaidVia = { method: 'transfer'; confirmedBy: string } | { method: 'card'; paymentIntentId: string };

/**
 * The one way a purchase becomes paid, inside the caller's transaction: the orders move to
 * `paid` and every line gets its ledger row (source `order`, ref = line id, kind `sale`).
 * Returns 'paid', 'already_paid' (a second success: nothing happens) or 'not_payable'.
 * The caller enqueues the tally job after commit.
 */
async function markPaidTx(
  tx: Tx,
  purchaseId: string,
  via: PaidVia,
  actor: Actor,
): Promise<'paid' | 'already_paid' | 'not_payable'> {
  return (await markPaidAllTx(tx, [{ purchaseId, via }], actor))[0]!;
}

/**
 * markPaidTx for many purchases at once (a bank statement's confirmations), each with the same
 * effects as alone: purchases and orders moved, transitions, payments, ledger rows, one payment
 * entry each, notifications. The purchases are locked in id order first; then each step is one
 * statement for all of them (inserts a thousand rows at a time), so the cost per purchase is rows,
 * not round trips. A purchase named twice is paid by the first and `already_paid` for the second.
 * Returns each item's outcome, in the order given.
 */
async function markPaidAllTx(
  tx: Tx,
  items: { purchaseId: string; via: PaidVia }[],
  actor: Actor,
): Promise<('paid' | 'already_paid' | 'not_payable')[]> {
  if (items.length === 0) return [];
  const ids = [...new Set(items.map((i) => i.purchaseId))];
  const locked = await tx
    .select({ id: purchases.id, status: purchases.status })
    .from(purchases)
    .where(anyOf(purchases.id, ids, 'uuid'))
    .orderBy(asc(purchases.id))
    .for('update');
  const statusOf = new Map(locked.map((p) => [p.id, p.status]));
  const payable: { purchaseId: string; via: PaidVia }[] = [];
  const outcomes = items.map((i) => {
    const status = statusOf.get(i.purchaseId);
    if (status === undefined) return 'not_payable' as const;
    if (status === 'paid') return 'already_paid' as const;
    if (status !== 'awaiting_payment') return 'not_payable' as const;
    statusOf.set(i.purchaseId, 'paid');
    payable.push(i);
    return 'paid' as const;
  });
  if (payable.length === 0) return outcomes;
  const payableIds = payable.map((i) => i.purchaseId);
  const now = new Date();
  await tx
    .update(purchases)
    .set({ status: 'paid', paidAt: now })
    .where(anyOf(purchases.id, payableIds, 'uuid'));
  const paid = await tx
    .update(orders)
    .set({ status: 'paid' })
    .where(and(anyOf(orders.purchaseId, payableIds, 'uuid'), eq(orders.status, 'awaiting_payment')))
    .returning();
  await recordTransitions(
    tx,
    paid.map((o) => ({ orderId: o.id, from: 'awaiting_payment' as const, to: 'paid' as const })),
    actor,
  );
  // Transfers record who confirmed, cards their PaymentIntent; the other column is left as it was.
  await tx.execute(sql`
    update payments set status = 'succeeded', confirmed_at = ${now},
      confirmed_by = coalesce(v.confirmed_by, payments.confirmed_by),
      stripe_payment_intent_id = coalesce(v.payment_intent_id, payments.stripe_payment_intent_id)
    from unnest(${sql.param(payableIds)}::uuid[],
      ${sql.param(payable.map((i) => (i.via.method === 'transfer' ? i.via.confirmedBy : null)))}::uuid[],
      ${sql.param(payable.map((i) => (i.via.method === 'card' ? i.via.paymentIntentId : null)))}::text[])
      as v(purchase_id, confirmed_by, payment_intent_id)
    where payments.purchase_id = v.purchase_id`);
  const paidIds = paid.map((o) => o.id);
  const lines = paid.length
    ? await tx
        .select()
        .from(orderLines)
        .where(anyOf(orderLines.orderId, paidIds, 'uuid'))
    : [];
  const orderOf = new Map(paid.map((o) => [o.id, o]));
  await appendSales(
    tx,
    lineSales(lines, (id) => orderOf.get(id)!, 'sale', businessDate(now)),
  );
  // The money: in the bank (or Stripe's clearing), owed to each cooperative pending acceptance.
  const ordersOf = new Map<string, typeof paid>();
  for (const o of paid) ordersOf.set(o.purchaseId, [...(ordersOf.get(o.purchaseId) ?? []), o]);
  await postEntries(
    tx,
    payable.map((i) =>
      paymentEntry({
        purchaseId: i.purchaseId,
        method: i.via.method,
        orders: ordersOf.get(i.purchaseId) ?? [],
        occurredAt: now,
      }),
    ),
  );
  await notifyPurchasesPaid(tx, payableIds, actor.userId);
  return outcomes;
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
  return db.transaction((tx) => confirmTransferTx(tx, principal, purchaseId, amountFen));
}

/**
 * The office's confirmation of a transfer inside the caller's transaction: the manual
 * confirm-transfer and a bank statement row that matches (by hand or by itself) both come here, so
 * both get the same checks, the same audit entry and the same effects through markPaidTx.
 * `bankTxnId` names the statement row that evidences the receipt, when there is one.
 */
export async function confirmTransferTx(
  tx: Tx,
  principal: Principal,
  purchaseId: string,
  amountFen: number,
  bankTxnId?: string,
): Promise<'paid' | 'already_paid' | null> {
  const [outcome] = await confirmTransfersTx(tx, principal, [{ purchaseId, amountFen, bankTxnId }]);
  if (outcome instanceof HttpProblem) throw outcome;
  return outcome!;
}

export interface TransferConfirmation {
  purchaseId: string;
  amountFen: number;
  /** The statement row that evidences the receipt, when there is one. */
  bankTxnId?: string | undefined;
}

/**
 * confirmTransferTx for many transfers at once (a bank statement's matched rows), the one path
 * of both: each item gets the same checks, and the payable ones are paid together by markPaidAllTx
 * and audited in one insert. Returns each item's outcome in the order given: 'paid', 'already_paid'
 * (paid before, or by an earlier item of the list), null (no such purchase, or no longer payable),
 * or the problem the manual confirmation answers with (card purchase, not payable, wrong amount),
 * which it throws and a statement row takes as its reason for the queue.
 */
export async function confirmTransfersTx(
  tx: Tx,
  principal: Principal,
  items: TransferConfirmation[],
): Promise<('paid' | 'already_paid' | null | HttpProblem)[]> {
  if (items.length === 0) return [];
  const ids = [...new Set(items.map((i) => i.purchaseId))];
  const rows = await tx
    .select()
    .from(purchases)
    .where(anyOf(purchases.id, ids, 'uuid'))
    .orderBy(asc(purchases.id))
    .for('update');
  const byId = new Map(rows.map((p) => [p.id, p]));
  const taken = new Set<string>();
  const payable: { item: TransferConfirmation; index: number; status: string; ref: string }[] = [];
  const outcomes: ('paid' | 'already_paid' | null | HttpProblem)[] = items.map((item, index) => {
    const p = byId.get(item.purchaseId);
    if (!p) return null;
    if (p.paymentMethod !== 'transfer')
      return conflict('wrong_payment_method', 'This purchase is paid by card; Stripe confirms it');
    if (p.status === 'paid' || taken.has(p.id)) return 'already_paid';
    if (p.status !== 'awaiting_payment')
      return conflict('not_payable', `A purchase in status ${p.status} cannot be marked paid`);
    if (item.amountFen !== p.totalFen)
      return new HttpProblem(
        409,
        'amount_mismatch',
        `Received ${item.amountFen} fen but the purchase is ${p.totalFen} fen; only the exact amount can be confirmed`,
        {
          expectedFen: p.totalFen,
          receivedFen: item.amountFen,
          errors: [{ field: 'body.amountFen', message: `must be exactly ${p.totalFen}` }],
        },
      );
    taken.add(p.id);
    payable.push({ item, index, status: p.status, ref: p.remittanceRef });
    return null;
  });
  const paid = await markPaidAllTx(
    tx,
    payable.map(({ item }) => ({
      purchaseId: item.purchaseId,
      via: { method: 'transfer' as const, confirmedBy: principal.userId },
    })),
    actorOf(principal),
  );
  const audits: AuditEntry[] = [];
  payable.forEach(({ item, index, status, ref }, k) => {
    const r = paid[k]!;
    outcomes[index] = r === 'not_payable' ? null : r;
    if (r === 'paid')
      audits.push({
        actorUserId: principal.userId,
        actorOrgId: principal.orgId,
        action: 'payment.confirm_transfer',
        entityType: 'purchase',
        entityId: item.purchaseId,
        before: { status },
        after: {
          status: 'paid',
          submittedAmountFen: item.amountFen,
          ...(item.bankTxnId ? { bankTxnId: item.bankTxnId } : {}),
        },
        note: ref,
      });
  });
  await writeAudits(tx, audits);
  return outcomes;
}

export interface PaymentQueueFilter {
  status?: string | undefined;
}

/**
 * The payment queue's keyset: transfers the buyer said they sent first, newest first (a queue with
 * none submitted sorts them at the epoch, i.e. last), then the newest purchase, the id breaking ties.
 */
const PAYMENTS_KEYSET: Keyset = {
  name: 'payments',
  keys: [
    { expr: sql`coalesce(${payments.submittedAt}, 'epoch'::timestamptz)`, type: 'timestamptz' },
    { expr: purchases.createdAt, type: 'timestamptz' },
    { expr: payments.id, type: 'uuid' },
  ],
};

function paymentFilter(f: PaymentQueueFilter) {
  if (f.status) return inArray(payments.status, statuses(f.status, payments.status.enumValues));
  return and(eq(payments.method, 'transfer'), eq(purchases.status, 'awaiting_payment'));
}

async function paymentRows(db: DbOrTx, where: SQL | undefined, page: { cursor?: string | undefined; limit: number }) {
  const rows = await keysetPage(
    db
      .select({ pay: payments, p: purchases, buyerOrgName: orgs.name, cursorKey: cursorKey(PAYMENTS_KEYSET) })
      .from(payments)
      .innerJoin(purchases, eq(purchases.id, payments.purchaseId))
      .innerJoin(orgs, eq(orgs.id, purchases.buyerOrgId))
      .$dynamic(),
    PAYMENTS_KEYSET,
    page,
    where,
  );
  return rows.map(({ pay, p, buyerOrgName, cursorKey }) => ({
    purchaseId: p.id,
    buyerOrgName,
    remittanceRef: p.remittanceRef,
    method: pay.method,
    status: pay.status,
    amountFen: pay.amountFen,
    submittedAmountFen: pay.submittedAmountFen,
    submittedReference: pay.submittedReference,
    submittedAt: pay.submittedAt?.toISOString() ?? null,
    purchaseStatus: p.status,
    cursorKey,
  }));
}

/** One page of the office's payment queue. */
export async function paymentQueue(db: DbOrTx, f: PaymentQueueFilter & PageQuery) {
  const page = pageOf(PAYMENTS_KEYSET, await paymentRows(db, paymentFilter(f), f), f.limit);
  return { items: page.items.map(({ cursorKey: _, ...p }) => p), nextCursor: page.nextCursor };
}

/** How many payments the queue holds, filtered as the list is: the office home's badge. */
export async function paymentQueueCount(db: DbOrTx, f: PaymentQueueFilter): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(payments)
    .innerJoin(purchases, eq(purchases.id, payments.purchaseId))
    .where(paymentFilter(f));
  return row?.n ?? 0;
}

/** The whole queue, page by page: the CSV export, never cut at a cap. */
export function allPayments(db: DbOrTx, f: PaymentQueueFilter) {
  const where = paymentFilter(f);
  return allPages(PAYMENTS_KEYSET, (cursor, limit) => paymentRows(db, where, { cursor, limit }));
}
