import { UnrecoverableError, type Job } from 'bullmq';
import { pendingReattributions, reattribute, type ReattributionResult } from '@shanhai/db';
import { CampaignReattributionJob } from '@shanhai/domain';
import type { TallyDeps } from './tally';
import { announceChange } from './tally';

/**
 * Carries out recorded campaign re-attributions (an edit of a campaign's dates or scope, or a
 * reconcile that found drift). The job names one; the periodic sweep runs every pending one. Each
 * runs under the tally lock and only while its record is pending, so a duplicate or a job and the
 * sweep at once apply it once.
 */
export async function processCampaignReattribution(
  deps: Pick<TallyDeps, 'db' | 'redis' | 'prefix' | 'log'>,
  job: Pick<Job, 'data' | 'id'>,
): Promise<ReattributionResult[]> {
  const parsed = CampaignReattributionJob.safeParse(job.data);
  // A malformed payload will be malformed on every retry: fail it for good.
  if (!parsed.success)
    throw new UnrecoverableError(`malformed campaign-reattribution job ${job.id}: ${parsed.error.message}`);
  const ids = 'reattributionId' in parsed.data ? [parsed.data.reattributionId] : await pendingReattributions(deps.db);
  const done: ReattributionResult[] = [];
  for (const id of ids) {
    const r = await reattribute(deps.db, id);
    if (!r) continue;
    done.push(r);
    deps.log.info({ ...r }, 'campaign re-attributed');
  }
  if (done.length > 0) await announceChange(deps, []);
  return done;
}
