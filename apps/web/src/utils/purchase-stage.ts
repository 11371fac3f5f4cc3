import type { OrderStatus, Purchase, PurchaseSummary } from '@shanhai/domain';

/**
 * Where a purchase stands for its buyer, which its own status does not say once paid (the orders
 * move on) or while a transfer waits for the office: the key of its label under `orders.stage`.
 */
export type PurchaseStage =
  Purchase['status'] | 'transfer_submitted' | 'partly_shipped' | 'shipped' | 'delivered' | 'disputed' | 'accepted';

/** What the stage is read from: a purchase's own status, its payment's and its orders'. */
export interface StageFacts {
  status: Purchase['status'];
  paymentStatus: PurchaseSummary['paymentStatus'];
  orderStatuses: OrderStatus[];
}

export function stageOf({ status, paymentStatus, orderStatuses }: StageFacts): PurchaseStage {
  if (status === 'awaiting_payment' && paymentStatus === 'submitted') return 'transfer_submitted';
  if (status !== 'paid') return status;
  const live = orderStatuses.filter((s) => s !== 'cancelled' && s !== 'refunded');
  if (live.length === 0) return 'paid';
  if (live.includes('disputed')) return 'disputed';
  if (live.every((s) => s === 'accepted')) return 'accepted';
  if (live.every((s) => s === 'delivered' || s === 'accepted')) return 'delivered';
  if (live.every((s) => s !== 'paid')) return 'shipped';
  return live.some((s) => s !== 'paid') ? 'partly_shipped' : 'paid';
}

/** The stage of a purchase as its page reads it (payment and orders in full). */
export const purchaseStage = (p: Pick<Purchase, 'status' | 'payment' | 'orders'>): PurchaseStage =>
  stageOf({
    status: p.status,
    paymentStatus: p.payment?.status ?? null,
    orderStatuses: p.orders.map((o) => o.status),
  });

/** A tag's colour for a stage: done green, a problem red, waiting on someone amber, ended grey. */
export function stageTagType(stage: PurchaseStage): 'success' | 'danger' | 'warning' | 'info' | 'primary' {
  switch (stage) {
    case 'accepted':
      return 'success';
    case 'disputed':
      return 'danger';
    case 'pending_approval':
    case 'awaiting_payment':
    case 'transfer_submitted':
    case 'delivered':
      return 'warning';
    case 'cancelled':
    case 'expired':
      return 'info';
    default:
      return 'primary';
  }
}
