import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { ORDER_STATUSES, PAYMENT_METHODS, PURCHASE_STATUSES } from '@shanhai/domain';
import { category, products } from './catalog';
import { fen, timestamps } from './columns';
import { orgs, users } from './identity';
import { towns } from './regions';

/** The states of purchases and orders, and the ways to pay: listed once, in @shanhai/domain. */
export const purchaseStatus = pgEnum('purchase_status', PURCHASE_STATUSES);
export const orderStatus = pgEnum('order_status', ORDER_STATUSES);
export const paymentMethod = pgEnum('payment_method', PAYMENT_METHODS);

/** A buyer user's server-side cart: one row per product, quantity in sale units. */
export const cartLines = pgTable(
  'cart_lines',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id),
    productId: uuid()
      .notNull()
      .references(() => products.id),
    qty: integer().notNull(),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.userId, t.productId] }), check('cart_lines_qty_positive', sql`${t.qty} >= 1`)],
);

/**
 * One checkout of a buyer org: split into one order per cooperative. Address and invoice details
 * are copied from the buyer org at checkout so later edits of the org do not rewrite history.
 */
export const purchases = pgTable(
  'purchases',
  {
    id: uuid().primaryKey().defaultRandom(),
    buyerOrgId: uuid()
      .notNull()
      .references(() => orgs.id),
    createdBy: uuid()
      .notNull()
      .references(() => users.id),
    status: purchaseStatus().notNull(),
    paymentMethod: paymentMethod().notNull(),
    /** Sum of every order's total (fen), computed by the server. */
    totalFen: fen().notNull(),
    /** Unique reference the buyer writes on the bank transfer (对公转账 附言). */
    remittanceRef: text().notNull(),
    deliveryAddress: text().notNull(),
    invoiceTitle: text(),
    taxId: text(),
    note: text(),
    /** An unpaid purchase expires at this instant (its stock comes back). */
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    approvedBy: uuid().references(() => users.id),
    approvedAt: timestamp({ withTimezone: true }),
    paidAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('purchases_remittance_ref_key').on(t.remittanceRef),
    index().on(t.buyerOrgId, t.createdAt),
    index().on(t.status, t.expiresAt),
    check('purchases_total_nonneg', sql`${t.totalFen} >= 0`),
  ],
);

/** The part of a purchase one cooperative fulfils. */
export const orders = pgTable(
  'orders',
  {
    id: uuid().primaryKey().defaultRandom(),
    /**
     * Running number behind the order number people read and quote ("20261203-100042": the
     * Shanghai business date of `createdAt`, then this); see @shanhai/domain orderNo.
     */
    seq: bigint({ mode: 'number' }).notNull().generatedAlwaysAsIdentity({ startWith: 100001 }),
    purchaseId: uuid()
      .notNull()
      .references(() => purchases.id),
    buyerOrgId: uuid()
      .notNull()
      .references(() => orgs.id),
    cooperativeId: uuid()
      .notNull()
      .references(() => orgs.id),
    status: orderStatus().notNull(),
    totalFen: fen().notNull(),
    carrier: text(),
    trackingNo: text(),
    /** The buyer's note when reporting a problem with the delivery. */
    problemNote: text(),
    shippedAt: timestamp({ withTimezone: true }),
    deliveredAt: timestamp({ withTimezone: true }),
    acceptedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [index().on(t.purchaseId), index().on(t.cooperativeId, t.status), index().on(t.buyerOrgId, t.status)],
);

/** A line of an order with the snapshot of what was sold, at which tier price. */
export const orderLines = pgTable(
  'order_lines',
  {
    id: uuid().primaryKey().defaultRandom(),
    orderId: uuid()
      .notNull()
      .references(() => orders.id),
    productId: uuid()
      .notNull()
      .references(() => products.id),
    /** The product's town at checkout: the ledger credits it. */
    townId: uuid()
      .notNull()
      .references(() => towns.id),
    category: category().notNull(),
    nameZh: text().notNull(),
    nameEn: text(),
    /** The product's sale unit at checkout (see products.unitLabel / unitSpec). */
    unitLabel: text().notNull(),
    unitSpec: text(),
    unitLabelEn: text(),
    unitSpecEn: text(),
    qty: integer().notNull(),
    /** Tier unit price (fen) for the product's total quantity in this purchase. */
    unitPriceFen: fen().notNull(),
    lineTotalFen: fen().notNull(),
  },
  (t) => [index().on(t.orderId), check('order_lines_qty_positive', sql`${t.qty} >= 1`)],
);

/** Every status change of an order: who, when, from, to. Append-only. */
export const orderTransitions = pgTable(
  'order_transitions',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    orderId: uuid()
      .notNull()
      .references(() => orders.id),
    fromStatus: orderStatus(),
    toStatus: orderStatus().notNull(),
    /** null when the system acted (expiry, Stripe webhook). */
    actorUserId: uuid().references(() => users.id),
    /** `user`, `system`, `stripe`. */
    actor: text().notNull(),
    note: text(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.orderId, t.id)],
);

export const paymentStatus = pgEnum('payment_status', ['pending', 'submitted', 'succeeded', 'failed']);

/** The payment of a purchase: a bank transfer the office confirms, or a Stripe PaymentIntent. */
export const payments = pgTable(
  'payments',
  {
    id: uuid().primaryKey().defaultRandom(),
    purchaseId: uuid()
      .notNull()
      .references(() => purchases.id),
    method: paymentMethod().notNull(),
    status: paymentStatus().notNull().default('pending'),
    /** Amount due (fen). */
    amountFen: fen().notNull(),
    /** Transfer: what the buyer says they paid, and their bank's reference. */
    submittedAmountFen: fen(),
    submittedReference: text(),
    submittedAt: timestamp({ withTimezone: true }),
    stripePaymentIntentId: text(),
    confirmedBy: uuid().references(() => users.id),
    confirmedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('payments_purchase_key').on(t.purchaseId),
    uniqueIndex('payments_stripe_pi_key')
      .on(t.stripePaymentIntentId)
      .where(sql`${t.stripePaymentIntentId} is not null`),
    index().on(t.method, t.status),
  ],
);

/**
 * Money given back: for a cancelled (or disputed) paid order, a Stripe refund for card and a record
 * for a transfer; or, with no order, the whole of a card payment that succeeded after its purchase
 * had already expired or been cancelled (refunded automatically; it never reached the ledger).
 */
export const refunds = pgTable(
  'refunds',
  {
    id: uuid().primaryKey().defaultRandom(),
    purchaseId: uuid()
      .notNull()
      .references(() => purchases.id),
    /** The refunded order; null for a late card payment refunded whole (see stripePaymentIntentId). */
    orderId: uuid().references(() => orders.id),
    method: paymentMethod().notNull(),
    amountFen: fen().notNull(),
    stripeRefundId: text(),
    /** A late payment's PaymentIntent: one automatic refund per PaymentIntent, however many events say it succeeded. */
    stripePaymentIntentId: text(),
    reason: text(),
    /** null when the system refunded (a late payment). */
    createdBy: uuid().references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('refunds_order_key').on(t.orderId),
    uniqueIndex('refunds_late_payment_key')
      .on(t.stripePaymentIntentId)
      .where(sql`${t.orderId} is null`),
    index().on(t.purchaseId),
    check('refunds_order_or_late_payment', sql`${t.orderId} is not null or ${t.stripePaymentIntentId} is not null`),
  ],
);

/** Stripe webhook events already handled, by event id: a redelivery is acknowledged and ignored. */
export const stripeEvents = pgTable('stripe_events', {
  id: text().primaryKey(),
  type: text().notNull(),
  /** The purchase the event concerned, if any. */
  purchaseId: uuid(),
  payload: jsonb().notNull(),
  receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export const stripeCallKind = pgEnum('stripe_call_kind', ['refund', 'cancel_payment_intent']);
export const stripeCallStatus = pgEnum('stripe_call_status', ['pending', 'succeeded', 'failed']);

/**
 * A call to Stripe that an event decided on (a refund, the cancel of a PaymentIntent whose amount
 * no longer exists), recorded in the event's transaction and made after its commit by a job
 * (stripe-calls), never while row locks are held. The idempotency key is fixed here, so every
 * retry is the same request to Stripe; the outcome is recorded on the row.
 */
export const stripeCalls = pgTable(
  'stripe_calls',
  {
    id: uuid().primaryKey().defaultRandom(),
    kind: stripeCallKind().notNull(),
    purchaseId: uuid()
      .notNull()
      .references(() => purchases.id),
    /** The refund record this call carries out (kind `refund`); its stripe_refund_id is set on success. */
    refundId: uuid().references(() => refunds.id),
    paymentIntentId: text().notNull(),
    /** Refunds: the amount to give back (fen). */
    amountFen: fen(),
    /** Sent as the Stripe object's metadata. */
    metadata: jsonb().$type<Record<string, string>>().notNull().default({}),
    idempotencyKey: text().notNull(),
    status: stripeCallStatus().notNull().default('pending'),
    /** Tries made so far (each a lease taken by a job). */
    attempts: integer().notNull().default(0),
    /** A job holds the call until then; after it (a crashed job) the next job or the sweep may take it. */
    leasedUntil: timestamp({ withTimezone: true }),
    lastError: text(),
    /** Stripe's id of the result (re_…, or the cancelled pi_…). */
    stripeObjectId: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('stripe_calls_idempotency_key').on(t.idempotencyKey),
    index('stripe_calls_pending')
      .on(t.createdAt)
      .where(sql`${t.status} = 'pending'`),
    index().on(t.purchaseId),
  ],
);
