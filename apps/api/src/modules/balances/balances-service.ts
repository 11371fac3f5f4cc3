import { and, asc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { cooperativeBalance, schema, writeAudit, type Db, type DbOrTx } from '@shanhai/db';
import { orderNo, type BalanceLine, type Category, type MoneyOverview, type MyBalance } from '@shanhai/domain';
import type { Principal } from '../../types';

const { accountBalances, feeRates, moneySettings, orgs } = schema;

/**
 * The newest `limit` lines of one payable account of a cooperative: the `(account, org_id, id)`
 * index read backwards from its end, so at most `limit` rows whatever the journal's size.
 */
const newestOf = (account: 'coop_payable_pending' | 'coop_payable_available', cooperativeId: string, limit: number) =>
  sql`(select id, entry_id, account, order_id, debit_fen, credit_fen, occurred_at from journal_lines
       where account = ${account} and org_id = ${cooperativeId} order by id desc limit ${limit})`;

/**
 * A cooperative's balance (running totals) and its newest payable lines. The lines are two
 * ordered, limited reads merged: `account in (pending, available) order by id desc` cannot come
 * out of the index in id order (it is ordered by account first), so PostgreSQL read and sorted
 * every line of the cooperative, and the read grew with the journal (docs/benchmarks.md).
 */
export async function myBalance(db: DbOrTx, cooperativeId: string, year: number, limit: number): Promise<MyBalance> {
  const balance = await cooperativeBalance(db, cooperativeId, year);
  const { rows } = await db.execute<{
    id: number;
    entry_id: number;
    kind: BalanceLine['kind'];
    account: BalanceLine['account'];
    order_id: string | null;
    order_seq: number | null;
    order_created_at: Date | null;
    debit_fen: number;
    credit_fen: number;
    occurred_at: Date;
  }>(sql`
    select l.id, l.entry_id, e.kind, l.account, l.order_id, o.seq as order_seq, o.created_at as order_created_at,
      l.debit_fen, l.credit_fen, l.occurred_at
    from (${newestOf('coop_payable_pending', cooperativeId, limit)}
          union all ${newestOf('coop_payable_available', cooperativeId, limit)}) l
      join journal_entries e on e.id = l.entry_id
      left join orders o on o.id = l.order_id
    order by l.id desc
    limit ${limit}`);
  return {
    ...balance,
    year,
    lines: rows.map((l): BalanceLine => ({
      id: Number(l.id),
      entryId: Number(l.entry_id),
      kind: l.kind,
      account: l.account,
      orderId: l.order_id,
      orderNo: l.order_seq === null || !l.order_created_at ? null : orderNo(l.order_created_at, Number(l.order_seq)),
      debitFen: Number(l.debit_fen),
      creditFen: Number(l.credit_fen),
      occurredAt: new Date(l.occurred_at).toISOString(),
    })),
  };
}

/** Every active or suspended cooperative's balance, its own fee rate, the category rates and settings. */
export async function moneyOverview(db: DbOrTx, year: number): Promise<MoneyOverview> {
  const credit = (a: 'coop_payable_pending' | 'coop_payable_available' | 'fee_revenue') =>
    sql<string>`coalesce((select b.credit_fen - b.debit_fen from account_balances b
      where b.account = ${a} and b.org_id = ${orgs.id} and b.bank_ref is null), 0)`;
  const yearStart = new Date(`${year}-01-01T00:00:00+08:00`);
  const rows = await db
    .select({
      cooperativeId: orgs.id,
      name: orgs.name,
      pending: credit('coop_payable_pending'),
      available: credit('coop_payable_available'),
      paidOut: sql<string>`coalesce((select sum(p.amount_fen) from payouts p
        where p.cooperative_id = ${orgs.id} and p.status = 'paid' and p.paid_at >= ${yearStart}), 0)`,
      feeRateBps: feeRates.rateBps,
    })
    .from(orgs)
    .leftJoin(feeRates, eq(feeRates.cooperativeId, orgs.id))
    .where(eq(orgs.kind, 'cooperative'))
    .orderBy(asc(orgs.name));
  const categoryRates = await db
    .select({ category: feeRates.category, rateBps: feeRates.rateBps })
    .from(feeRates)
    .where(isNotNull(feeRates.category))
    .orderBy(asc(feeRates.category));
  const [settings] = await db.select().from(moneySettings).limit(1);
  const [fees] = await db
    .select({ s: sql<string>`coalesce(sum(${accountBalances.creditFen} - ${accountBalances.debitFen}), 0)` })
    .from(accountBalances)
    .where(eq(accountBalances.account, 'fee_revenue'));
  return {
    year,
    cooperatives: rows.map((r) => ({
      cooperativeId: r.cooperativeId,
      name: r.name,
      pendingFen: Number(r.pending),
      availableFen: Number(r.available),
      paidOutThisYearFen: Number(r.paidOut),
      feeRateBps: r.feeRateBps,
    })),
    categoryRates: categoryRates.map((r) => ({ category: r.category!, rateBps: r.rateBps })),
    autoAcceptDays: settings?.autoAcceptDays ?? 7,
    feeRevenueFen: Number(fees?.s ?? 0),
  };
}

/**
 * Sets or removes one fee rate, audited with the rate before and after. Applies to orders accepted
 * from now on: an acceptance posts its fee at the rate of its moment, never recomputed.
 * Returns false when the cooperative does not exist.
 */
export async function setFeeRate(
  db: Db,
  principal: Principal,
  scope: { cooperativeId: string } | { category: Category },
  rateBps: number | null,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    if ('cooperativeId' in scope) {
      const [coop] = await tx
        .select({ id: orgs.id })
        .from(orgs)
        .where(and(eq(orgs.id, scope.cooperativeId), eq(orgs.kind, 'cooperative')));
      if (!coop) return false;
    }
    const where =
      'cooperativeId' in scope
        ? and(eq(feeRates.cooperativeId, scope.cooperativeId), isNull(feeRates.category))
        : and(isNull(feeRates.cooperativeId), eq(feeRates.category, scope.category));
    const [before] = await tx.select().from(feeRates).where(where).for('update');
    if (rateBps === null) await tx.delete(feeRates).where(where);
    else
      await tx
        .insert(feeRates)
        .values({ ...scope, rateBps, updatedBy: principal.userId })
        .onConflictDoUpdate({
          target: [feeRates.cooperativeId, feeRates.category],
          set: { rateBps, updatedBy: principal.userId, updatedAt: new Date() },
        });
    await writeAudit(tx, {
      actorUserId: principal.userId,
      actorOrgId: principal.orgId,
      action: 'fee_rate.set',
      entityType: 'cooperativeId' in scope ? 'org' : 'category',
      entityId: 'cooperativeId' in scope ? scope.cooperativeId : scope.category,
      before: { rateBps: before?.rateBps ?? null },
      after: { rateBps },
    });
    return true;
  });
}

/** Sets the automatic-acceptance period, audited. Orders already delivered follow the new period. */
export async function setMoneySettings(db: Db, principal: Principal, autoAcceptDays: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [before] = await tx.select().from(moneySettings).for('update');
    await tx
      .insert(moneySettings)
      .values({ id: true, autoAcceptDays, updatedBy: principal.userId })
      .onConflictDoUpdate({
        target: moneySettings.id,
        set: { autoAcceptDays, updatedBy: principal.userId, updatedAt: new Date() },
      });
    await writeAudit(tx, {
      actorUserId: principal.userId,
      actorOrgId: principal.orgId,
      action: 'money_settings.set',
      entityType: 'money_settings',
      entityId: 'auto_accept_days',
      before: { autoAcceptDays: before?.autoAcceptDays ?? 7 },
      after: { autoAcceptDays },
    });
  });
}
