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
  /**
   * Hands committed notifications (and account emails) on: publishes them to the web's live
   * stream and enqueues their emails. Kicked after commits; a sweep every second catches the rest.
   */
  notifyDispatch: 'notify-dispatch',
  /** Sends one email (a notification's or an account link's), with retries and backoff. */
  email: 'email',
  /** Scheduled notifications: digests and reminders (expiring purchases, automatic acceptance). */
  notifySchedule: 'notify-schedule',
  /** 自动确认收货: accepts a delivered order left unaccepted for the office's days; a daily sweep catches lost jobs. */
  autoAccept: 'auto-accept',
  /** Recomputes every journal balance from the lines and the payables from orders, records drift (hourly). */
  journalReconcile: 'journal-reconcile',
  /** Carries out a recorded campaign re-attribution (an edit of its dates or scope); a sweep catches lost jobs. */
  campaignReattribution: 'campaign-reattribution',
  /**
   * Makes the calls to Stripe that events recorded (refunds, cancels of intents no longer owed),
   * after their commits, with the recorded idempotency keys; a sweep catches lost jobs.
   */
  stripeCalls: 'stripe-calls',
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

/** `orderId`: accept that order if still delivered and due; `sweep`: every overdue one. */
export const AutoAcceptJob = z.union([
  z.strictObject({ orderId: z.uuid() }),
  z.strictObject({ sweep: z.literal(true) }),
]);
export type AutoAcceptJob = z.infer<typeof AutoAcceptJob>;

export const JournalReconcileJob = z.strictObject({
  trigger: z.enum(['hourly', 'manual']),
});
export type JournalReconcileJob = z.infer<typeof JournalReconcileJob>;
/**
 * Deduplication id for tally jobs: while one waits or runs, further enqueues are dropped. The
 * running job folds until nothing is left and the sweep catches the rest, so nothing is lost.
 */
export const TALLY_DEDUP_ID = 'tally';

export const ReconcileJob = z.strictObject({
  trigger: z.enum(['hourly', 'manual']),
});
export type ReconcileJob = z.infer<typeof ReconcileJob>;

/** `reattributionId`: carry out that one; `sweep`: every pending one, oldest first. */
export const CampaignReattributionJob = z.union([
  z.strictObject({ reattributionId: z.uuid() }),
  z.strictObject({ sweep: z.literal(true) }),
]);
export type CampaignReattributionJob = z.infer<typeof CampaignReattributionJob>;

/** `stripeCallId`: make that recorded call if still pending; `sweep`: every pending one left behind. */
export const StripeCallJob = z.union([
  z.strictObject({ stripeCallId: z.uuid() }),
  z.strictObject({ sweep: z.literal(true) }),
]);
export type StripeCallJob = z.infer<typeof StripeCallJob>;
/**
 * A call that cannot reach Stripe is retried with backoff (2 s, 4 s, … about 17 minutes in all);
 * after the last try the sweep keeps trying every minute, so Stripe being away never loses a call.
 */
export const STRIPE_CALL_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 2_000 },
} as const;

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

/** `reason` only says why; a dispatch hands on whatever is committed and not yet handed on. */
export const NotifyDispatchJob = z.strictObject({
  reason: z.enum(['commit', 'sweep', 'manual']),
});
export type NotifyDispatchJob = z.infer<typeof NotifyDispatchJob>;
/** While a dispatch is queued, further kicks within this window are dropped (the sweep follows). */
export const NOTIFY_DISPATCH_DEDUP = { id: 'notify-dispatch', ttl: 200 } as const;

/**
 * Notifications' emails one job carries at most. A job (two Redis scripts, a claim and a `sent`
 * statement) costs the worker about half what building and sending a message does, so a dispatch
 * hands its emails on in jobs of this many; few enough that a job's emails go out well within a claim.
 */
export const EMAIL_JOB_MAX_NOTIFICATIONS = 25;

/**
 * Ids only: the processor reads the rest (and the recipient's address) from PostgreSQL. Each
 * notification's row, not the job, makes its email go once, so a job may carry several.
 */
export const EmailJob = z.union([
  z.strictObject({ notificationId: z.uuid() }),
  z.strictObject({ notificationIds: z.array(z.uuid()).min(1).max(EMAIL_JOB_MAX_NOTIFICATIONS) }),
  z.strictObject({ accountTokenId: z.uuid() }),
]);
export type EmailJob = z.infer<typeof EmailJob>;
/**
 * BullMQ job id of an email: one job per notification or link while it is kept. A job of several
 * notifications has none (the same rows handed on twice make a second job whose claim finds
 * nothing to send).
 */
export function emailJobId(job: EmailJob): string | undefined {
  if ('notificationIds' in job) return undefined;
  return 'notificationId' in job ? `n-${job.notificationId}` : `a-${job.accountTokenId}`;
}

/**
 * Digests are idempotent per period (`period` names it: a Monday for the weekly one, `YYYY-MM`
 * for the monthly one; the current one when omitted). Reminders look for purchases about to
 * expire and orders about to be accepted automatically.
 */
export const NotifyScheduleJob = z.union([
  z.strictObject({ task: z.literal('office-weekly-digest'), period: z.iso.date().optional() }),
  z.strictObject({
    task: z.literal('buyer-monthly-digest'),
    period: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
      .optional(),
  }),
  z.strictObject({
    task: z.literal('units-behind-pace'),
    period: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
      .optional(),
  }),
  z.strictObject({
    task: z.literal('units-monthly-snapshot'),
    period: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
      .optional(),
  }),
  z.strictObject({ task: z.literal('reminders') }),
]);
export type NotifyScheduleJob = z.infer<typeof NotifyScheduleJob>;

/** Redis pub/sub channel (after the prefix): users who have something new in the bell. */
export const NOTIFICATIONS_CHANNEL = 'notifications:new';
export const NotificationsPublished = z.object({ userIds: z.array(z.string()) });
export type NotificationsPublished = z.infer<typeof NotificationsPublished>;
