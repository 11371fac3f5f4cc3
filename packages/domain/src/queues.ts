import { z } from 'zod';

/**
 * The api ↔ worker contract: queue names and job payloads. Payloads carry ids only, never
 * secrets or personal data (invariant 7).
 */
export const QUEUES = {
  housekeeping: 'housekeeping',
  /** Folds untallied sales-ledger rows into the tallies (issue: ledger and leaderboard). */
  tally: 'tally',
  /** Expires an unpaid purchase when its time is up; a periodic sweep catches lost jobs. */
  purchaseExpiry: 'purchase-expiry',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const HousekeepingJob = z.strictObject({
  task: z.enum(['purge-expired-refresh-tokens', 'purge-expired-idempotency-keys']),
});
export type HousekeepingJob = z.infer<typeof HousekeepingJob>;

/**
 * Enqueued after every ledger commit, deduplicated by job id; the payload only says why. The
 * processor folds whatever rows are untallied, so any number of these jobs is safe.
 */
export const TallyJob = z.strictObject({
  reason: z.enum(['ledger-commit', 'sweep', 'manual']),
});
export type TallyJob = z.infer<typeof TallyJob>;

/** `purchaseId`: expire that purchase if still unpaid and due; `sweep`: every overdue one. */
export const PurchaseExpiryJob = z.union([z.strictObject({ purchaseId: z.uuid() }), z.strictObject({ sweep: z.literal(true) })]);
export type PurchaseExpiryJob = z.infer<typeof PurchaseExpiryJob>;
