import { Counter, Gauge, type Registry } from 'prom-client';
import type { schema, Db, Tx } from '@shanhai/db';

/*
 * What the two reconcile jobs (tallies against the ledger, balances against the journal) share:
 * the drift gauge that alerts and the runs counted by outcome, and the run's record written with
 * the office's notice of drift in one transaction.
 */

export interface DriftMetrics {
  drift: Gauge;
  runs: Counter;
}

export function driftMetrics(
  registry: Registry,
  names: { drift: string; driftHelp: string; runs: string; runsHelp: string },
): DriftMetrics {
  return {
    drift: new Gauge({ name: names.drift, help: names.driftHelp, registers: [registry] }),
    runs: new Counter({
      name: names.runs,
      help: names.runsHelp,
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

type RunTable = typeof schema.tallyReconciliations | typeof schema.journalReconciliations;

/**
 * Records a reconcile run and, on drift, tells the office (the notice points at the run), in one
 * transaction; then sets the drift gauge and counts the run as clean or drift.
 */
export async function recordRun<T extends RunTable>(
  db: Db,
  metrics: DriftMetrics | undefined,
  table: T,
  values: T['$inferInsert'] & { driftRows: number },
  notifyDrift: (tx: Tx, runId: string, driftRows: number) => Promise<unknown>,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [run] = await tx
      .insert(table as RunTable)
      .values(
        values as typeof schema.tallyReconciliations.$inferInsert & typeof schema.journalReconciliations.$inferInsert,
      )
      .returning({ id: table.id });
    if (values.driftRows > 0) await notifyDrift(tx, run!.id, values.driftRows);
  });
  metrics?.drift.set(values.driftRows);
  metrics?.runs.inc({ outcome: values.driftRows > 0 ? 'drift' : 'clean' });
}
