import { sql } from 'drizzle-orm';
import type { Db, Tx } from './client';

/** How many drifted keys a run keeps for the log and the table (the count is always exact). */
const MAX_DRIFT_DETAILS = 20;

export interface JournalDriftItem {
  /** `balance`, `entry`, `journal_total`, `pending`, `available`, `payments`, `refunds`, `bank_charges`. */
  check: string;
  key: string;
  expected: number;
  found: number;
}

export interface JournalReconcileResult {
  journalLines: number;
  driftRows: number;
  /** Balance rows set back to the sum of their lines (the journal is the truth; sources are only reported). */
  repairedBalances: number;
  details: JournalDriftItem[];
}

type Row = { key: string; expected: string | number | null; found: string | number | null };

/**
 * The checks, each a query of rows that differ: `expected` is what the journal (or, for the
 * payables, the orders, payments and refunds) says, `found` what is stored (or journaled).
 */
const CHECKS: { check: string; query: ReturnType<typeof sql> }[] = [
  {
    // Every running total equals the sum of its account's lines.
    check: 'balance',
    query: sql`
      select concat_ws('/', coalesce(l.account, b.account)::text, coalesce(l.org_id, b.org_id)::text,
               coalesce(l.bank_ref, b.bank_ref)) as key,
             coalesce(l.c, 0) - coalesce(l.d, 0) as expected,
             coalesce(b.credit_fen, 0) - coalesce(b.debit_fen, 0) as found
      from (select account, org_id, bank_ref, sum(debit_fen) d, sum(credit_fen) c, count(*) n
              from journal_lines group by 1, 2, 3) l
      full join account_balances b on b.account = l.account and b.org_id is not distinct from l.org_id
        and b.bank_ref is not distinct from l.bank_ref
      where coalesce(l.d, 0) <> coalesce(b.debit_fen, 0) or coalesce(l.c, 0) <> coalesce(b.credit_fen, 0)
         or coalesce(l.n, 0) <> coalesce(b.line_count, 0)`,
  },
  {
    // Every entry balances (the database refuses one that does not, at commit: belt and braces).
    check: 'entry',
    query: sql`
      select entry_id::text as key, sum(debit_fen) as expected, sum(credit_fen) as found
      from journal_lines group by entry_id having sum(debit_fen) <> sum(credit_fen)`,
  },
  {
    check: 'journal_total',
    query: sql`
      select 'all' as key, 0 as expected, s as found
      from (select coalesce(sum(debit_fen), 0) - coalesce(sum(credit_fen), 0) s from journal_lines) x where s <> 0`,
  },
  {
    // Pending: the totals of each cooperative's orders paid and not yet accepted, refunded or cancelled.
    check: 'pending',
    query: sql`
      select coalesce(o.coop, j.coop)::text as key, coalesce(o.s, 0) as expected, coalesce(j.s, 0) as found
      from (select cooperative_id coop, sum(total_fen) s from orders
              where status in ('paid', 'shipped', 'delivered', 'disputed') group by 1) o
      full join (select org_id coop, sum(credit_fen) - sum(debit_fen) s from journal_lines
              where account = 'coop_payable_pending' group by 1) j on j.coop = o.coop
      where coalesce(o.s, 0) <> coalesce(j.s, 0)`,
  },
  {
    // Available: accepted order totals − fees − payouts + bounced payouts (refunds end orders before acceptance, so
    // they left pending, never available).
    check: 'available',
    query: sql`
      with acc as (select cooperative_id coop, sum(total_fen) s from orders where status = 'accepted' group by 1),
           fee as (select org_id coop, sum(credit_fen) - sum(debit_fen) s from journal_lines
                     where account = 'fee_revenue' group by 1),
           paid as (select l.org_id coop, sum(l.debit_fen) - sum(l.credit_fen) s from journal_lines l
                      join journal_entries e on e.id = l.entry_id
                     where l.account = 'coop_payable_available' and e.kind in ('payout', 'payout_bounce') group by 1),
           j as (select org_id coop, sum(credit_fen) - sum(debit_fen) s from journal_lines
                   where account = 'coop_payable_available' group by 1),
           coops as (select coop from acc union select coop from j)
      select c.coop::text as key,
             coalesce(acc.s, 0) - coalesce(fee.s, 0) - coalesce(paid.s, 0) as expected,
             coalesce(j.s, 0) as found
      from coops c left join acc on acc.coop = c.coop left join fee on fee.coop = c.coop
        left join paid on paid.coop = c.coop left join j on j.coop = c.coop
      where coalesce(acc.s, 0) - coalesce(fee.s, 0) - coalesce(paid.s, 0) <> coalesce(j.s, 0)`,
  },
  {
    // Money received: every succeeded payment, as payment entries' debits to the bank or card clearing.
    check: 'payments',
    query: sql`
      select 'received' as key, p.s as expected, j.s as found
      from (select coalesce(sum(amount_fen), 0) s from payments where status = 'succeeded') p,
           (select coalesce(sum(l.debit_fen), 0) s from journal_lines l join journal_entries e on e.id = l.entry_id
              where e.kind = 'payment') j
      where p.s <> j.s`,
  },
  {
    // Order refunds: every refund record of an order, as refund entries' debits to pending.
    check: 'refunds',
    query: sql`
      select 'orders' as key, r.s as expected, j.s as found
      from (select coalesce(sum(amount_fen), 0) s from refunds where order_id is not null) r,
           (select coalesce(sum(l.debit_fen), 0) s from journal_lines l join journal_entries e on e.id = l.entry_id
              where e.kind = 'refund') j
      where r.s <> j.s`,
  },
  {
    // Bank charges: every charge recorded on its own (bank_charges) and every payout's own charge,
    // as bank_charge entries' debits to the bank charges account.
    check: 'bank_charges',
    query: sql`
      select 'charged' as key, r.s as expected, j.s as found
      from (select (select coalesce(sum(amount_fen), 0) from bank_charges)
                 + (select coalesce(sum(bank_charge_fen), 0) from payouts where status in ('paid', 'bounced')) s) r,
           (select coalesce(sum(l.debit_fen), 0) s from journal_lines l join journal_entries e on e.id = l.entry_id
              where e.kind = 'bank_charge' and l.account = 'bank_charges') j
      where r.s <> j.s`,
  },
];

/**
 * Recomputes every balance from the journal and the payables from the orders, payments and
 * refunds they came from, on one consistent snapshot (repeatable read). A running total that
 * differs from its lines is set back to them when `repair` (a post committing meanwhile makes the
 * run fail with a serialization error rather than overwrite it; the next run repeats it). A
 * difference from the sources is reported only: the journal is never rewritten.
 */
export async function reconcileJournal(db: Db, options: { repair?: boolean } = {}): Promise<JournalReconcileResult> {
  const repair = options.repair ?? true;
  return db.transaction(
    async (tx: Tx) => {
      const [{ n } = { n: 0 }] = (await tx.execute<{ n: number }>(sql`select count(*)::int as n from journal_lines`))
        .rows;
      let driftRows = 0;
      const details: JournalDriftItem[] = [];
      for (const c of CHECKS) {
        const rows = (await tx.execute<Row>(c.query)).rows;
        driftRows += rows.length;
        for (const r of rows)
          if (details.length < MAX_DRIFT_DETAILS)
            details.push({
              check: c.check,
              key: r.key,
              expected: Number(r.expected ?? 0),
              found: Number(r.found ?? 0),
            });
      }
      let repairedBalances = 0;
      if (repair) {
        const fixed = await tx.execute(sql`
          with l as (select account, org_id, bank_ref, sum(debit_fen) d, sum(credit_fen) c, count(*)::int n
                       from journal_lines group by 1, 2, 3),
               x as (select b.id, coalesce(l.d, 0) d, coalesce(l.c, 0) c, coalesce(l.n, 0) n
                       from account_balances b left join l on l.account = b.account
                        and l.org_id is not distinct from b.org_id and l.bank_ref is not distinct from b.bank_ref)
          update account_balances b set debit_fen = x.d, credit_fen = x.c, line_count = x.n, updated_at = now()
          from x where b.id = x.id and (x.d <> b.debit_fen or x.c <> b.credit_fen or x.n <> b.line_count)`);
        const added = await tx.execute(sql`
          insert into account_balances (account, org_id, bank_ref, debit_fen, credit_fen, line_count)
          select account, org_id, bank_ref, sum(debit_fen), sum(credit_fen), count(*)::int
          from journal_lines l
          where not exists (select 1 from account_balances b where b.account = l.account
            and b.org_id is not distinct from l.org_id and b.bank_ref is not distinct from l.bank_ref)
          group by 1, 2, 3`);
        repairedBalances = (fixed.rowCount ?? 0) + (added.rowCount ?? 0);
      }
      return { journalLines: n, driftRows, repairedBalances, details };
    },
    { isolationLevel: 'repeatable read' },
  );
}
