import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@shanhai/db';
import { amountConflict } from './problem';

/**
 * Refuses ledger rows that would take a town's total past the safe integer range (issue 13), before
 * they are appended, so no board read of the town can ever fail on a sum it cannot hold.
 *
 * Every tally (town, day, partner, category, product, campaign) is keyed by town and sums a subset
 * of the town's ledger rows; a refund or reversal only undoes an earlier credit. So the town's gross
 * (the sum of its positive rows, all years) bounds every one of them, and is the figure checked.
 * Writers that can add large amounts (offline approvals, sales imports) take the town's advisory lock
 * first, in town order, so two of them at once cannot both pass the check on the same total.
 */
export async function refuseTownTotalsPastRange(
  tx: DbOrTx,
  adds: Iterable<{ townId: string; amountFen: number }>,
  field: string,
) {
  const byTown = new Map<string, number>();
  for (const a of adds) if (a.amountFen > 0) byTown.set(a.townId, (byTown.get(a.townId) ?? 0) + a.amountFen);
  if (!byTown.size) return;
  const towns = [...byTown.keys()].sort();
  for (const town of towns)
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`shanhai:town-total:${town}`}))`);
  // numeric, read as text: the sum itself may already be past what a JS number holds exactly.
  const { rows } = await tx.execute<{ town_id: string; gross: string }>(sql`
    select town_id, coalesce(sum(amount_fen) filter (where amount_fen > 0), 0)::text as gross
    from sales where town_id in (${sql.join(
      towns.map((id) => sql`${id}::uuid`),
      sql`, `,
    )}) group by town_id`);
  const gross = new Map(rows.map((r) => [r.town_id, BigInt(r.gross)]));
  for (const town of towns)
    if ((gross.get(town) ?? 0n) + BigInt(byTown.get(town)!) > BigInt(Number.MAX_SAFE_INTEGER))
      throw amountConflict(field);
}
