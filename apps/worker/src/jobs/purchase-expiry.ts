import { UnrecoverableError, type Job } from 'bullmq';
import { expireOverduePurchases, expirePurchaseIfDue, type Db } from '@shanhai/db';
import { PurchaseExpiryJob } from '@shanhai/domain';

/**
 * Expires unpaid purchases (stock back). The delayed job names one purchase; the periodic sweep
 * catches any whose job was lost. Both re-check status and time under a row lock, so running a
 * job twice (or a job and the sweep at once) expires once.
 */
export async function processPurchaseExpiry(db: Db, job: Pick<Job, 'data' | 'id'>): Promise<{ expired: number }> {
  const parsed = PurchaseExpiryJob.safeParse(job.data);
  // A malformed payload will be malformed on every retry: fail it for good.
  if (!parsed.success) throw new UnrecoverableError(`malformed purchase-expiry job ${job.id}: ${parsed.error.message}`);
  if ('purchaseId' in parsed.data) return { expired: (await expirePurchaseIfDue(db, parsed.data.purchaseId)) ? 1 : 0 };
  return { expired: await expireOverduePurchases(db) };
}
