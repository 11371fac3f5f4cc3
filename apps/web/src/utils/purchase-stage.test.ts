import { describe, expect, it } from 'vitest';
import { stageOf } from './purchase-stage';

const paid = (...orderStatuses: Parameters<typeof stageOf>[0]['orderStatuses']) =>
  stageOf({ status: 'paid', paymentStatus: 'succeeded', orderStatuses });

describe('where a purchase stands for its buyer', () => {
  it('reads a paid purchase from its orders', () => {
    expect(paid('paid', 'paid')).toBe('paid');
    expect(paid('shipped', 'paid')).toBe('partly_shipped');
    expect(paid('shipped', 'delivered')).toBe('shipped');
    expect(paid('delivered', 'accepted')).toBe('delivered');
    expect(paid('accepted', 'accepted')).toBe('accepted');
    expect(paid('accepted', 'disputed')).toBe('disputed');
    // A cancelled or refunded order no longer holds the purchase back.
    expect(paid('accepted', 'refunded')).toBe('accepted');
    expect(paid('cancelled')).toBe('paid');
  });

  it('says a transfer waits for the office, and keeps the purchase’s own status before payment', () => {
    expect(
      stageOf({ status: 'awaiting_payment', paymentStatus: 'submitted', orderStatuses: ['awaiting_payment'] }),
    ).toBe('transfer_submitted');
    expect(stageOf({ status: 'awaiting_payment', paymentStatus: null, orderStatuses: ['awaiting_payment'] })).toBe(
      'awaiting_payment',
    );
    expect(stageOf({ status: 'expired', paymentStatus: 'pending', orderStatuses: ['cancelled'] })).toBe('expired');
  });
});
