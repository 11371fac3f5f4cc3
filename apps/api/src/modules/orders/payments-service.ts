import type Stripe from 'stripe';
import { and, eq, isNull, ne } from 'drizzle-orm';
import { schema, type Db, type Tx } from '@shanhai/db';
import { conflict, HttpProblem } from '../../lib/problem';
import type { Principal } from '../../types';
import { markPaidTx } from './purchases-service';

const { purchases, payments, refunds, stripeEvents } = schema;

/** Signatures older (or further in the future) than this are refused: Stripe's own default. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

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
 * derived from the purchase id, so two clicks make one PaymentIntent.
 */
export async function startCardPayment(
  db: Db,
  stripe: Stripe | null,
  principal: Principal,
  purchaseId: string,
): Promise<{ clientSecret: string } | null> {
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
  await db.update(payments).set({ stripePaymentIntentId: pi.id }).where(eq(payments.purchaseId, p.id));
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
 * or been cancelled is refunded whole, automatically (see refundLatePayment).
 */
export async function handleStripeWebhook(
  db: Db,
  stripe: Stripe,
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
        .select({ totalFen: purchases.totalFen, status: purchases.status })
        .from(purchases)
        .where(eq(purchases.id, purchaseId))
        .for('update');
      const received = obj.amount_received ?? obj.amount ?? 0;
      if (p && (p.status === 'expired' || p.status === 'cancelled') && obj.id && received > 0) {
        const outcome = await refundLatePayment(tx, stripe, {
          purchaseId,
          endedAs: p.status,
          paymentIntentId: obj.id,
          amountFen: received,
        });
        return { outcome, purchaseId };
      }
      if (!p || obj.currency !== 'cny' || received !== p.totalFen)
        return { outcome: 'not_payable' as const, purchaseId };
      const r = await markPaidTx(
        tx,
        purchaseId,
        { method: 'card', paymentIntentId: obj.id! },
        { userId: null, kind: 'stripe' },
      );
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
export const LATE_PAYMENT_REASON = {
  expired: 'late payment: the purchase had expired',
  cancelled: 'late payment: the purchase had been cancelled',
} as const;

/**
 * A card payment that succeeded after its purchase had expired or been cancelled: the stock went
 * back and nothing was credited, so the money goes back whole and the ledger is left alone.
 * Runs in the webhook's transaction under the purchase lock. The refund record (unique per
 * PaymentIntent) turns every later event for the same intent into `already_refunded`; the Stripe
 * idempotency key from the intent id means that a retry after a lost commit gets the same refund
 * back from Stripe instead of a second one. If Stripe fails, the transaction (and the event's
 * record) rolls back and the webhook answers 5xx, so Stripe delivers the event again.
 */
async function refundLatePayment(
  tx: Tx,
  stripe: Stripe,
  late: { purchaseId: string; endedAs: 'expired' | 'cancelled'; paymentIntentId: string; amountFen: number },
): Promise<'refunded' | 'already_refunded'> {
  const [done] = await tx
    .select({ id: refunds.id })
    .from(refunds)
    .where(and(eq(refunds.stripePaymentIntentId, late.paymentIntentId), isNull(refunds.orderId)));
  if (done) return 'already_refunded';
  const refund = await stripe.refunds.create(
    {
      payment_intent: late.paymentIntentId,
      amount: late.amountFen,
      metadata: { purchaseId: late.purchaseId, reason: `purchase_${late.endedAs}` },
    },
    { idempotencyKey: `late-payment-refund-${late.paymentIntentId}` },
  );
  await tx.insert(refunds).values({
    purchaseId: late.purchaseId,
    orderId: null,
    method: 'card',
    amountFen: late.amountFen,
    stripeRefundId: refund.id,
    stripePaymentIntentId: late.paymentIntentId,
    reason: LATE_PAYMENT_REASON[late.endedAs],
    createdBy: null,
  });
  return 'refunded';
}
