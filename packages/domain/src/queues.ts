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
  /** Recomputes every tally from the ledger, reports drift and repairs it (hourly and on demand). */
  reconcile: 'reconcile',
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
export const PurchaseExpiryJob = z.union([
  z.strictObject({ purchaseId: z.uuid() }),
  z.strictObject({ sweep: z.literal(true) }),
]);
export type PurchaseExpiryJob = z.infer<typeof PurchaseExpiryJob>;
/**
 * Deduplication id for tally jobs: while one waits or runs, further enqueues are dropped. The
 * running job folds until nothing is left and the sweep catches the rest, so nothing is lost.
 */
export const TALLY_DEDUP_ID = 'tally';

export const ReconcileJob = z.strictObject({
  trigger: z.enum(['hourly', 'manual']),
});
export type ReconcileJob = z.infer<typeof ReconcileJob>;

/** Redis pub/sub channel (after the deployment prefix) on which the tally worker announces changes. */
export const LEADERBOARD_CHANNEL = 'leaderboard:changed';
/** Redis key (after the prefix) of the leaderboard version, incremented on each change. */
export const LEADERBOARD_VERSION_KEY = 'leaderboard:version';

/** What the tally worker publishes after each batch. */
export const LeaderboardChanged = z.object({
  version: z.number().int(),
  townIds: z.array(z.string()),
  at: z.string(),
});
export type LeaderboardChanged = z.infer<typeof LeaderboardChanged>;
