import { UnrecoverableError, type Job } from 'bullmq';
import { Counter, Gauge, type Registry } from 'prom-client';
import { notifyJournalDrift, reconcileJournal, schema, type Db, type JournalReconcileResult } from '@shanhai/db';
import { JournalReconcileJob } from '@shanhai/domain';
import type { Logger } from '../log';

export interface JournalReconcileMetrics {
  drift: Gauge;
  runs: Counter;
}

export function journalReconcileMetrics(registry: Registry): JournalReconcileMetrics {
  return {
    drift: new Gauge({
      name: 'shanhai_journal_drift_rows',
      help: 'Balances or payables that differed from the journal or its sources at the last journal reconcile',
      registers: [registry],
    }),
    runs: new Counter({
      name: 'shanhai_journal_reconcile_runs_total',
      help: 'Journal reconcile runs',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

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
  // The run's record and the office's notice of drift commit together.
  await deps.db.transaction(async (tx) => {
    const [run] = await tx
      .insert(schema.journalReconciliations)
      .values({
        trigger: parsed.data.trigger,
        startedAt,
        journalLines: result.journalLines,
        driftRows: result.driftRows,
        details: result.details,
      })
      .returning({ id: schema.journalReconciliations.id });
    if (result.driftRows > 0) await notifyJournalDrift(tx, run!.id, result.driftRows);
  });
  deps.metrics?.drift.set(result.driftRows);
  deps.metrics?.runs.inc({ outcome: result.driftRows > 0 ? 'drift' : 'clean' });
  if (result.driftRows > 0)
    deps.log.error(
      { driftRows: result.driftRows, repairedBalances: result.repairedBalances, details: result.details },
      'journal drift found',
    );
  else deps.log.info({ journalLines: result.journalLines }, 'journal reconciled: no drift');
  return result;
}
