import { UnrecoverableError, type Job } from 'bullmq';
import { autoAcceptIfDue, autoAcceptOverdue, type Db } from '@shanhai/db';
import { AutoAcceptJob } from '@shanhai/domain';

/**
 * 自动确认收货: a delivered order neither accepted nor disputed within the office's days is accepted
 * by the system. The delayed job names one order; the daily sweep catches any whose job was lost
 * (or whose days the office shortened). Both re-check status and time under the order's lock, so a
 * job run twice, or a job and the sweep at once, accept (and post) once.
 */
export async function processAutoAccept(db: Db, job: Pick<Job, 'data' | 'id'>): Promise<{ accepted: number }> {
  const parsed = AutoAcceptJob.safeParse(job.data);
  // A malformed payload will be malformed on every retry: fail it for good.
  if (!parsed.success) throw new UnrecoverableError(`malformed auto-accept job ${job.id}: ${parsed.error.message}`);
  if ('orderId' in parsed.data) return { accepted: (await autoAcceptIfDue(db, parsed.data.orderId)) ? 1 : 0 };
  return { accepted: await autoAcceptOverdue(db) };
}
