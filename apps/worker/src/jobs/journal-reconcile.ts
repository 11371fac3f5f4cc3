import { UnrecoverableError, type Job } from 'bullmq';
import type { Registry } from 'prom-client';
import { notifyJournalDrift, reconcileJournal, schema, type Db, type JournalReconcileResult } from '@shanhai/db';
import { JournalReconcileJob } from '@shanhai/domain';
import type { Logger } from '../log';
import { driftMetrics, recordRun, type DriftMetrics } from './reconcile-run';

export type JournalReconcileMetrics = DriftMetrics;

export const journalReconcileMetrics = (registry: Registry): JournalReconcileMetrics =>
  driftMetrics(registry, {
    drift: 'shanhai_journal_drift_rows',
    driftHelp: 'Balances or payables that differed from the journal or its sources at the last journal reconcile',
    runs: 'shanhai_journal_reconcile_runs_total',
    runsHelp: 'Journal reconcile runs',
  });

/**
 * Recomputes every balance from the journal and the payables from orders, payments and refunds,
 * records the run, sets the drift gauge (the alert), tells the office's owners and managers and
 * logs an error on drift. Running totals are repaired from the journal; a difference from the
 * sources is only reported, for a person to read.
 */
export async function processJournalReconcile(
  deps: { db: Db; log: Logger; metrics?: JournalReconcileMetrics },
  job: Pick<Job, 'data' | 'id'>,
): Promise<JournalReconcileResult> {
  const parsed = JournalReconcileJob.safeParse(job.data);
  // A malformed payload will be malformed on every retry: fail it for good.
  if (!parsed.success)
    throw new UnrecoverableError(`malformed journal-reconcile job ${job.id}: ${parsed.error.message}`);
  const startedAt = new Date();
  const result = await reconcileJournal(deps.db, { repair: true });
  const { journalLines, driftRows, details } = result;
  await recordRun(
    deps.db,
    deps.metrics,
    schema.journalReconciliations,
    { trigger: parsed.data.trigger, startedAt, journalLines, driftRows, details },
    notifyJournalDrift,
  );
  if (result.driftRows > 0)
    deps.log.error(
      { driftRows: result.driftRows, repairedBalances: result.repairedBalances, details: result.details },
      'journal drift found',
    );
  else deps.log.info({ journalLines: result.journalLines }, 'journal reconciled: no drift');
  return result;
}
