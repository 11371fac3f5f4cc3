import { UnrecoverableError, type Job, type JobsOptions, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { dispatchBatch, DISPATCH_BATCH_SIZE, type Db, type Undispatched } from '@shanhai/db';
import {
  EMAIL_JOB_MAX_NOTIFICATIONS,
  emailJobId,
  NOTIFICATIONS_CHANNEL,
  NotifyDispatchJob,
  type EmailJob,
  type NotificationsPublished,
} from '@shanhai/domain';
import type { Logger } from '../log';

export interface NotifyDispatchDeps {
  db: Db;
  /** A fail-fast connection: publishing to the api replicas' live streams. */
  publisher: Redis;
  prefix: string;
  /** The email queue on a fail-fast connection; null when no mail server is configured. */
  emailQueue: Queue | null;
  log: Logger;
  batchSize?: number;
}

/**
 * Retries of one email: exponential backoff from 5 s, eight tries over about ten minutes, so a
 * mail server that is down for a while still gets every email once it is back.
 */
export const EMAIL_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: 1_000,
  removeOnFail: 5_000,
} as const satisfies JobsOptions;

/** The batch's emails as jobs: notifications' in groups (one job's overhead shared), links one each. */
export function emailJobs(batch: Undispatched): EmailJob[] {
  const ids = batch.notifications.filter((n) => n.email).map((n) => n.id);
  const jobs: EmailJob[] = [];
  for (let i = 0; i < ids.length; i += EMAIL_JOB_MAX_NOTIFICATIONS)
    jobs.push({ notificationIds: ids.slice(i, i + EMAIL_JOB_MAX_NOTIFICATIONS) });
  for (const a of batch.accountTokens) jobs.push({ accountTokenId: a.id });
  return jobs;
}

async function handOn(deps: NotifyDispatchDeps, batch: Undispatched): Promise<void> {
  const emails = emailJobs(batch);
  if (emails.length > 0 && deps.emailQueue) {
    await deps.emailQueue.addBulk(
      emails.map((data) => {
        const jobId = emailJobId(data);
        return { name: 'email', data, opts: jobId ? { ...EMAIL_JOB_OPTIONS, jobId } : EMAIL_JOB_OPTIONS };
      }),
    );
  }
  const userIds = [...new Set(batch.notifications.map((n) => n.userId))];
  if (userIds.length > 0) {
    const message: NotificationsPublished = { userIds };
    await deps.publisher.publish(`${deps.prefix}:${NOTIFICATIONS_CHANNEL}`, JSON.stringify(message));
  }
}

/**
 * Hands every committed notification on: to the api replicas (which tell the open tabs of its
 * recipients) and to the email queue. A batch is marked dispatched only if both succeeded, so
 * with Redis down nothing is lost: the rows wait and the next sweep hands them on.
 */
export async function processNotifyDispatch(
  deps: NotifyDispatchDeps,
  job: Pick<Job, 'data' | 'id'>,
): Promise<{ dispatched: number }> {
  const parsed = NotifyDispatchJob.safeParse(job.data);
  // A malformed payload will be malformed on every retry: fail it for good.
  if (!parsed.success) throw new UnrecoverableError(`malformed notify-dispatch job ${job.id}: ${parsed.error.message}`);
  const limit = deps.batchSize ?? DISPATCH_BATCH_SIZE;
  let dispatched = 0;
  for (;;) {
    const n = await dispatchBatch(deps.db, (batch) => handOn(deps, batch), {
      limit,
      emailEnabled: deps.emailQueue !== null,
    });
    dispatched += n;
    // A short batch took all there was: rows committed since wait for the next kick or sweep,
    // rather than every dispatch paying a second transaction that finds nothing.
    if (n < limit) break;
  }
  return { dispatched };
}
