import { sql } from 'drizzle-orm';
import type { Tx } from './client';

/**
 * Tally and reconcile share this lock key: folding takes it shared, reconcile exclusive, so a
 * reconcile never recomputes while a batch is half-way (and folds never wait on one another).
 */
export const TALLY_LOCK_KEY = 74_2026_0005;

/**
 * Holds the tally lock exclusively until the transaction ends: no fold runs meanwhile. For work
 * that changes tallies outside a fold (reconcile, campaign re-attribution, deleting a campaign).
 */
export async function lockTalliesExclusive(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${TALLY_LOCK_KEY})`);
}
