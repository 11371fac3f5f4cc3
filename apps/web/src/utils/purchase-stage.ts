import type { Purchase } from '@shanhai/domain';

/**
 * Where a purchase stands for its buyer, which its own status does not say once paid (the orders
 * move on) or while a transfer waits for the office: the key of its label under `orders.stage`.
 */
export type PurchaseStage =
  Purchase['status'] | 'transfer_submitted' | 'partly_shipped' | 'shipped' | 'delivered' | 'disputed' | 'accepted';

export function purchaseStage(p: Pick<Purchase, 'status' | 'payment' | 'orders'>): PurchaseStage {
  if (p.status === 'awaiting_payment' && p.payment?.status === 'submitted') return 'transfer_submitted';
  if (p.status !== 'paid') return p.status;
  const live = p.orders.map((o) => o.status).filter((s) => s !== 'cancelled' && s !== 'refunded');
  if (live.length === 0) return 'paid';
  if (live.includes('disputed')) return 'disputed';
  if (live.every((s) => s === 'accepted')) return 'accepted';
  if (live.every((s) => s === 'delivered' || s === 'accepted')) return 'delivered';
  if (live.every((s) => s !== 'paid')) return 'shipped';
  return live.some((s) => s !== 'paid') ? 'partly_shipped' : 'paid';
}
