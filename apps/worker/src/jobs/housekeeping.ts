import { UnrecoverableError, type Job } from 'bullmq';
import { lt } from 'drizzle-orm';
import { schema, type Db } from '@shanhai/db';
import { HousekeepingJob } from '@shanhai/domain';

/** Expired refresh tokens are kept a day for reuse detection, then deleted. */
const REFRESH_TOKEN_RETENTION_MS = 24 * 3600 * 1000;
/** Idempotency keys are promised for at least 24 hours; they go after 48. */
const IDEMPOTENCY_KEY_RETENTION_MS = 48 * 3600 * 1000;

export async function processHousekeeping(db: Db, job: Pick<Job, 'data' | 'id'>): Promise<{ deleted: number }> {
  const parsed = HousekeepingJob.safeParse(job.data);
  // A malformed payload will be malformed on every retry: fail it for good.
  if (!parsed.success) throw new UnrecoverableError(`malformed housekeeping job ${job.id}: ${parsed.error.message}`);
  switch (parsed.data.task) {
    case 'purge-expired-refresh-tokens': {
      const cutoff = new Date(Date.now() - REFRESH_TOKEN_RETENTION_MS);
      const rows = await db
        .delete(schema.refreshTokens)
        .where(lt(schema.refreshTokens.expiresAt, cutoff))
        .returning({ id: schema.refreshTokens.id });
      return { deleted: rows.length };
    }
    case 'purge-expired-idempotency-keys': {
      const cutoff = new Date(Date.now() - IDEMPOTENCY_KEY_RETENTION_MS);
      const rows = await db
        .delete(schema.idempotencyKeys)
        .where(lt(schema.idempotencyKeys.createdAt, cutoff))
        .returning({ key: schema.idempotencyKeys.key });
      return { deleted: rows.length };
    }
  }
}
