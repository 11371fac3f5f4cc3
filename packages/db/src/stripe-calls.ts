import { and, asc, eq, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from './client';
import { payments, refunds, stripeCalls } from './schema/orders';

/**
 * Calls to Stripe, made outside transactions: an event records the call it decided on in its own
 * transaction (recordStripeCall), and after the commit a job (the worker's stripe-calls queue)
 * makes it with the recorded idempotency key and records the outcome (performStripeCall). A
 * retry, a second job or the sweep sends the same request again, which Stripe answers with the
 * first result; a lease keeps two jobs from sending it at the same moment.
 */

/** The part of the Stripe SDK the calls use (the SDK's client fits it; tests fake Stripe's HTTP API). */
export interface StripeCaller {
  refunds: {
    create(
      params: { payment_intent: string; amount?: number; metadata?: Record<string, string> },
      options?: { idempotencyKey?: string },
    ): Promise<{ id: string }>;
  };
  paymentIntents: {
    cancel(
      id: string,
      params?: { cancellation_reason?: 'abandoned' | 'duplicate' | 'fraudulent' | 'requested_by_customer' },
      options?: { idempotencyKey?: string },
    ): Promise<{ id: string; status: string }>;
  };
}

/** How long a job holds a call: longer than the SDK's tries (3 × 20 s timeout) take. */
export const STRIPE_CALL_LEASE_MS = 120_000;
/** The sweep leaves younger calls to the job enqueued after their commit. */
export const STRIPE_CALL_SWEEP_AGE_MS = 30_000;

export type NewStripeCall =
  | {
      kind: 'refund';
      purchaseId: string;
      refundId: string;
      paymentIntentId: string;
      amountFen: number;
      metadata: Record<string, string>;
      idempotencyKey: string;
    }
  | { kind: 'cancel_payment_intent'; purchaseId: string; paymentIntentId: string; idempotencyKey: string };

/** Records a call in the caller's transaction; the same idempotency key twice is one call. */
export async function recordStripeCall(tx: DbOrTx, call: NewStripeCall): Promise<void> {
  await tx
    .insert(stripeCalls)
    .values({
      kind: call.kind,
      purchaseId: call.purchaseId,
      paymentIntentId: call.paymentIntentId,
      idempotencyKey: call.idempotencyKey,
      ...(call.kind === 'refund'
        ? { refundId: call.refundId, amountFen: call.amountFen, metadata: call.metadata }
        : {}),
    })
    .onConflictDoNothing();
}

/**
 * The amount of an unpaid card purchase changed or the purchase ended: its live PaymentIntent
 * (created for the old amount) is cancelled after the commit and forgotten now, so the next
 * "pay" creates one for the amount due and a success of the old one is refunded automatically
 * (it is no longer the purchase's intent). Runs in the caller's transaction, under the purchase
 * lock. Returns whether a cancel was recorded.
 */
export async function cancelLivePaymentIntent(tx: DbOrTx, purchaseId: string): Promise<boolean> {
  const [pay] = await tx
    .select({ method: payments.method, status: payments.status, pi: payments.stripePaymentIntentId })
    .from(payments)
    .where(eq(payments.purchaseId, purchaseId));
  if (!pay || pay.method !== 'card' || !pay.pi || pay.status === 'succeeded') return false;
  await recordStripeCall(tx, {
    kind: 'cancel_payment_intent',
    purchaseId,
    paymentIntentId: pay.pi,
    idempotencyKey: `cancel-${pay.pi}`,
  });
  await tx.update(payments).set({ stripePaymentIntentId: null }).where(eq(payments.purchaseId, purchaseId));
  return true;
}

/** Pending calls of a purchase (the api enqueues their jobs after the commit that recorded them). */
export async function pendingStripeCallIds(db: DbOrTx, purchaseId: string): Promise<string[]> {
  const rows = await db
    .select({ id: stripeCalls.id })
    .from(stripeCalls)
    .where(and(eq(stripeCalls.purchaseId, purchaseId), eq(stripeCalls.status, 'pending')));
  return rows.map((r) => r.id);
}

/** Stripe's answers that no retry changes (a bad request, a refund already made in full, an intent no longer cancellable). */
function isFinal(err: unknown): boolean {
  const e = err as { type?: string; statusCode?: number };
  if (e.type === 'StripeInvalidRequestError' || e.type === 'StripeCardError') return true;
  return (
    typeof e.statusCode === 'number' &&
    e.statusCode >= 400 &&
    e.statusCode < 500 &&
    e.statusCode !== 409 &&
    e.statusCode !== 429
  );
}

export type StripeCallOutcome = 'succeeded' | 'failed' | 'not_pending' | 'leased';

/**
 * Makes one recorded call, if still pending and not held by another job. Stripe is called with no
 * transaction open. A final refusal by Stripe is recorded as `failed` (no retry changes it; the
 * office sees it); anything else (network, Stripe's 5xx, a timeout) is recorded and thrown, so
 * that the job is retried with the same key.
 */
export async function performStripeCall(
  db: Db,
  stripe: StripeCaller,
  id: string,
  now = new Date(),
): Promise<StripeCallOutcome> {
  const [call] = await db
    .update(stripeCalls)
    .set({ leasedUntil: new Date(now.getTime() + STRIPE_CALL_LEASE_MS), attempts: sql`${stripeCalls.attempts} + 1` })
    .where(
      and(
        eq(stripeCalls.id, id),
        eq(stripeCalls.status, 'pending'),
        or(isNull(stripeCalls.leasedUntil), lte(stripeCalls.leasedUntil, now)),
      ),
    )
    .returning();
  if (!call) {
    const [row] = await db.select({ status: stripeCalls.status }).from(stripeCalls).where(eq(stripeCalls.id, id));
    return row?.status === 'pending' ? 'leased' : 'not_pending';
  }
  let objectId: string;
  try {
    if (call.kind === 'refund') {
      const r = await stripe.refunds.create(
        { payment_intent: call.paymentIntentId, amount: call.amountFen!, metadata: call.metadata },
        { idempotencyKey: call.idempotencyKey },
      );
      objectId = r.id;
    } else {
      const pi = await stripe.paymentIntents.cancel(
        call.paymentIntentId,
        { cancellation_reason: 'abandoned' },
        { idempotencyKey: call.idempotencyKey },
      );
      objectId = pi.id;
    }
  } catch (err) {
    const message = String((err as Error).message ?? err).slice(0, 1000);
    const final = isFinal(err);
    await db
      .update(stripeCalls)
      .set({
        lastError: message,
        leasedUntil: null,
        ...(final ? { status: 'failed' as const, completedAt: new Date() } : {}),
      })
      .where(eq(stripeCalls.id, id));
    if (final) return 'failed';
    throw err;
  }
  await db.transaction(async (tx) => {
    await tx
      .update(stripeCalls)
      .set({ status: 'succeeded', stripeObjectId: objectId, leasedUntil: null, completedAt: new Date() })
      .where(eq(stripeCalls.id, id));
    if (call.refundId)
      await tx
        .update(refunds)
        .set({ stripeRefundId: objectId })
        .where(and(eq(refunds.id, call.refundId), isNull(refunds.stripeRefundId)));
  });
  return 'succeeded';
}

/**
 * The sweep behind lost jobs: every pending call older than `STRIPE_CALL_SWEEP_AGE_MS` and not
 * held. Returns what happened to each; a call that fails to reach Stripe stays pending for the
 * next sweep (the error is recorded on its row).
 */
export async function sweepStripeCalls(
  db: Db,
  stripe: StripeCaller,
  now = new Date(),
): Promise<{ succeeded: number; failed: number; retry: number }> {
  const due = await db
    .select({ id: stripeCalls.id })
    .from(stripeCalls)
    .where(
      and(
        eq(stripeCalls.status, 'pending'),
        lt(stripeCalls.createdAt, new Date(now.getTime() - STRIPE_CALL_SWEEP_AGE_MS)),
        or(isNull(stripeCalls.leasedUntil), lte(stripeCalls.leasedUntil, now)),
      ),
    )
    .orderBy(asc(stripeCalls.createdAt))
    .limit(100);
  const out = { succeeded: 0, failed: 0, retry: 0 };
  for (const d of due) {
    try {
      const r = await performStripeCall(db, stripe, d.id, now);
      if (r === 'succeeded') out.succeeded++;
      else if (r === 'failed') out.failed++;
    } catch {
      out.retry++;
    }
  }
  return out;
}
