import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { foldAll, notifyTallyDrift, reconcileTallies, schema, type Db, type FoldResult } from '@shanhai/db';
import {
  LEADERBOARD_CHANNEL,
  LEADERBOARD_VERSION_KEY,
  ReconcileJob,
  TallyJob,
  type LeaderboardChanged,
} from '@shanhai/domain';
import type { Logger } from '../log';
import { driftMetrics, recordRun, type DriftMetrics } from './reconcile-run';

export interface TallyDeps {
  db: Db;
  /** A non-blocking connection for publishing; null in tests that only check the database. */
  redis: Redis | null;
  prefix: string;
  log: Logger;
  batchSize?: number;
}

/**
 * Announces a change: bumps the version and publishes it. Best effort: the tallies are already
 * committed, and a client that misses a message catches up on its next reconnect or poll.
 */
export async function announceChange(
  deps: Pick<TallyDeps, 'redis' | 'prefix' | 'log'>,
  townIds: string[],
): Promise<void> {
  if (!deps.redis) return;
  try {
    const version = await deps.redis.incr(`${deps.prefix}:${LEADERBOARD_VERSION_KEY}`);
    const message: LeaderboardChanged = { version, townIds, at: new Date().toISOString() };
    await deps.redis.publish(`${deps.prefix}:${LEADERBOARD_CHANNEL}`, JSON.stringify(message));
  } catch (err) {
    deps.log.warn({ err: (err as Error).message }, 'could not announce a leaderboard change');
  }
}

/** Folds every untallied ledger row, batch by batch, announcing each batch. Safe to run any number of times at once. */
export async function processTally(deps: TallyDeps, job: Pick<Job, 'data' | 'id'>): Promise<FoldResult> {
  const parsed = TallyJob.safeParse(job.data);
  // A malformed payload will be malformed on every retry: fail it for good.
  if (!parsed.success) throw new UnrecoverableError(`malformed tally job ${job.id}: ${parsed.error.message}`);
  return foldAll(deps.db, {
    batchSize: deps.batchSize,
    onBatch: (r) => announceChange(deps, r.townIds),
  });
}

export type ReconcileMetrics = DriftMetrics;

export const reconcileMetrics = (registry: Registry): ReconcileMetrics =>
  driftMetrics(registry, {
    drift: 'shanhai_tally_drift_rows',
    driftHelp: 'Tally rows that differed from the ledger at the last reconcile',
    runs: 'shanhai_tally_reconcile_runs_total',
    runsHelp: 'Reconcile runs',
  });

/** Recomputes all tallies from the ledger, records the run (the console banner reads it), repairs drift. */
export async function processReconcile(
  deps: TallyDeps & { metrics?: ReconcileMetrics },
  job: Pick<Job, 'data' | 'id'>,
) {
  const parsed = ReconcileJob.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`malformed reconcile job ${job.id}: ${parsed.error.message}`);
  const startedAt = new Date();
  const result = await reconcileTallies(deps.db, { repair: true });
  const { ledgerRows, driftRows, details } = result;
  await recordRun(
    deps.db,
    deps.metrics,
    schema.tallyReconciliations,
    { trigger: parsed.data.trigger, startedAt, ledgerRows, driftRows, details },
    notifyTallyDrift,
  );
  if (result.driftRows > 0) {
    deps.log.error({ driftRows: result.driftRows, details: result.details }, 'tally drift found and repaired');
    await announceChange(deps, []);
  } else {
    deps.log.info({ ledgerRows: result.ledgerRows }, 'tallies reconciled: no drift');
  }
  return result;
}
