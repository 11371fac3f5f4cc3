import fp from 'fastify-plugin';
import { pendingStripeCallIds } from '@shanhai/db';
import type { JobsOptions, Queue, Telemetry } from 'bullmq';
import {
  type AutoAcceptJob,
  NOTIFY_DISPATCH_DEDUP,
  QUEUES,
  TALLY_DEDUP_ID,
  type NotifyDispatchJob,
  type PurchaseExpiryJob,
  STRIPE_CALL_JOB_OPTIONS,
  type StripeCallJob,
  type QueueName,
  type TallyJob,
} from '@shanhai/domain';

declare module 'fastify' {
  interface FastifyInstance {
    queues: {
      /** The queue (BullMQ is loaded on the first call: it is not needed to start serving). */
      get(name: QueueName): Promise<Queue>;
      /**
       * Enqueues after a commit. The commit in PostgreSQL is the event; the job only saves the
       * sweeper some latency, so a Redis failure is logged and swallowed, never turned into a 500.
       */
      enqueue(name: QueueName, jobName: string, data: unknown, opts?: JobsOptions): Promise<boolean>;
      /**
       * After a commit that appended ledger rows: asks the tally worker to fold soon. Deduplicated
       * while one waits or runs (that job folds until nothing is left; the sweep catches the rest).
       */
      tallySoon(): Promise<boolean>;
      /**
       * After a commit that wrote notifications (`notify()`): asks the dispatcher to hand them on
       * now rather than at its next sweep (within a second). Optional, never needed for correctness.
       * Coalesced in this process: a burst of commits makes one kick at once and one more at the
       * end of the dedup window, not one Redis call each; every call is followed by a kick sent
       * after it (true: sent or to be sent; false: Redis refused the kick sent now).
       */
      notifySoon(): Promise<boolean>;
      /** Schedules a purchase's expiry at `expiresAt`; the job id makes the same schedule twice one job. */
      expirePurchaseAt(purchaseId: string, expiresAt: Date): Promise<boolean>;
      /** Schedules a delivered order's automatic acceptance; the job re-checks status and time. */
      autoAcceptAt(orderId: string, at: Date): Promise<boolean>;
      /**
       * After a commit that recorded calls to Stripe for a purchase (refunds, an intent's cancel):
       * one job per pending call, retried with backoff; the worker's sweep catches any job lost.
       */
      stripeCallsOf(purchaseId: string): Promise<void>;
    };
  }
}

/** How long after BullMQ's dedup window a trailing kick waits, so that Redis has let the window lapse. */
const DEDUP_MARGIN_MS = 10;

export default fp<{ prefix: string; telemetry?: Telemetry | undefined }>(
  async (app, opts) => {
    const queues = new Map<QueueName, Queue>();
    // BullMQ is 150-odd CommonJS files: read at the first enqueue (or scrape, or Bull Board
    // visit), not at start.
    let bullmq: Promise<{ Queue: typeof Queue }> | undefined;
    const get = async (name: QueueName) => {
      const { Queue } = await (bullmq ??= import('bullmq'));
      let q = queues.get(name);
      if (!q) {
        q = new Queue(name, {
          connection: app.redis,
          prefix: `${opts.prefix}:bull`,
          ...(opts.telemetry ? { telemetry: opts.telemetry } : {}),
        });
        q.on('error', (err) => app.log.warn({ err: err.message, queue: name }, 'queue error'));
        queues.set(name, q);
      }
      return q;
    };
    const enqueue = async (name: QueueName, jobName: string, data: unknown, jobOpts?: JobsOptions) => {
      // A queue first used while Redis is away would wait for it to come back (BullMQ waits for
      // its connection to be ready): fail fast instead, the sweeper covers it.
      if (app.redis.status !== 'ready') {
        app.log.warn(
          { queue: name, job: jobName },
          'Redis not connected; enqueue skipped, the sweeper will pick it up',
        );
        return false;
      }
      try {
        await (await get(name)).add(jobName, data, { removeOnComplete: 1000, removeOnFail: 5000, ...jobOpts });
        return true;
      } catch (err) {
        app.log.warn(
          { err: (err as Error).message, queue: name, job: jobName },
          'enqueue failed; the sweeper will pick it up',
        );
        return false;
      }
    };
    const kick = () =>
      enqueue(QUEUES.notifyDispatch, 'commit', { reason: 'commit' } satisfies NotifyDispatchJob, {
        deduplication: { ...NOTIFY_DISPATCH_DEDUP },
        removeOnComplete: 100,
        removeOnFail: 100,
      });
    // A leading-and-trailing throttle over the dedup window (a dozen lines: the libraries that do
    // this wrap a function's result, not "one more call after the window"). Kicks inside the window
    // would be dropped by BullMQ's deduplication anyway; the trailing one waits until it has lapsed.
    let lastKickAt = -Infinity;
    let trailing: NodeJS.Timeout | null = null;
    const notifySoon = async () => {
      const wait = lastKickAt + NOTIFY_DISPATCH_DEDUP.ttl + DEDUP_MARGIN_MS - Date.now();
      if (wait <= 0 && !trailing) {
        lastKickAt = Date.now();
        return kick();
      }
      trailing ??= setTimeout(
        () => {
          trailing = null;
          lastKickAt = Date.now();
          void kick();
        },
        Math.max(0, wait),
      );
      return true;
    };
    app.decorate('queues', {
      get,
      enqueue,
      tallySoon: () =>
        enqueue(QUEUES.tally, 'ledger-commit', { reason: 'ledger-commit' } satisfies TallyJob, {
          deduplication: { id: TALLY_DEDUP_ID },
        }),
      notifySoon,
      expirePurchaseAt: (purchaseId, expiresAt) =>
        enqueue(QUEUES.purchaseExpiry, 'expire', { purchaseId } satisfies PurchaseExpiryJob, {
          delay: Math.max(0, expiresAt.getTime() - Date.now()),
          jobId: `expire-${purchaseId}-${expiresAt.getTime()}`,
        }),
      autoAcceptAt: (orderId, at) =>
        enqueue(QUEUES.autoAccept, 'accept', { orderId } satisfies AutoAcceptJob, {
          delay: Math.max(0, at.getTime() - Date.now()),
          jobId: `auto-accept-${orderId}`,
        }),
      stripeCallsOf: async (purchaseId) => {
        for (const id of await pendingStripeCallIds(app.db, purchaseId))
          await enqueue(QUEUES.stripeCalls, 'call', { stripeCallId: id } satisfies StripeCallJob, {
            ...STRIPE_CALL_JOB_OPTIONS,
            jobId: `stripe-call-${id}`,
          });
      },
    });
    app.addHook('onClose', async () => {
      // A kick still waiting is dropped: the dispatcher's sweep hands its rows on within a second.
      if (trailing) clearTimeout(trailing);
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
    });
  },
  { name: 'queues', dependencies: ['redis'] },
);
