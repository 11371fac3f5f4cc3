import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { cooperativeBalance } from '../journal';
import { reconcileJournal } from '../journal-reconcile';
import { useTestDatabase } from '../../test-support/testing';
import { pastSettlementStep, seedDemo } from './index';
import { demoSettlementMonth } from './settlement';

const h = useTestDatabase('empty');

const rows = async <T>(q: ReturnType<typeof sql>) => (await h.db.execute<T & Record<string, unknown>>(q)).rows;

describe('demo seed: a past settled month', () => {
  it('settles the month before last in a month’s first days, else the last one', () => {
    expect(demoSettlementMonth('2026-12-03')).toEqual({ start: '2026-10-01', end: '2026-10-31' });
    expect(demoSettlementMonth('2026-12-05')).toEqual({ start: '2026-11-01', end: '2026-11-30' });
    expect(demoSettlementMonth('2027-01-20')).toEqual({ start: '2026-12-01', end: '2026-12-31' });
    expect(demoSettlementMonth('2027-03-01')).toEqual({ start: '2027-01-01', end: '2027-01-31' });
  });

  it('gives both demo cooperatives a statement and a paid payout, posted through the journal with zero drift, once', async () => {
    await seedDemo(h.db, [pastSettlementStep]);
    const month = demoSettlementMonth();
    const [s, ...more] = await rows<{
      id: string;
      period_start: string;
      period_end: string;
      status: string;
      statement_count: number;
      payout_total_fen: number;
    }>(
      sql`select id, period_start::text, period_end::text, status, statement_count, payout_total_fen from settlements`,
    );
    expect(more).toEqual([]);
    expect(s).toMatchObject({
      period_start: month.start,
      period_end: month.end,
      status: 'issued',
      statement_count: 2,
    });

    // Each statement: the cooperative's orders accepted in the month, every one listed, paid out whole.
    const statements = await rows<{
      email: string;
      coop: string;
      accepted_fen: number;
      closing_fen: number;
      payout_fen: number;
      items: number;
      orders_fen: number;
      orders: number;
      payout_status: string;
      payout_amount: number;
      bank_reference: string | null;
    }>(sql`
      select u.email, st.cooperative_id as coop, st.accepted_fen, st.closing_fen, st.payout_fen,
        (select count(*)::int from settlement_items i where i.statement_id = st.id and i.kind = 'acceptance') as items,
        (select sum(total_fen) from orders o where o.cooperative_id = st.cooperative_id and o.status = 'accepted'
           and o.accepted_at >= s.start_at and o.accepted_at < s.end_at) as orders_fen,
        (select count(*)::int from orders o where o.cooperative_id = st.cooperative_id and o.status = 'accepted'
           and o.accepted_at >= s.start_at and o.accepted_at < s.end_at) as orders,
        p.status as payout_status, p.amount_fen as payout_amount, p.bank_reference
      from settlement_statements st join settlements s on s.id = st.settlement_id
        join payouts p on p.statement_id = st.id
        join users u on u.org_id = st.cooperative_id and u.role = 'owner'
      order by u.email`);
    expect(statements.map((r) => r.email)).toEqual(['coop2@demo.shanhai', 'coop@demo.shanhai']);
    for (const r of statements) {
      expect(r.items).toBe(2);
      expect(r.orders).toBe(2);
      expect(r.accepted_fen).toBeGreaterThan(0);
      expect(r.accepted_fen).toBe(Number(r.orders_fen));
      // No fee rates in the demo: the whole of it is paid out.
      expect(r.closing_fen).toBe(r.accepted_fen);
      expect(r).toMatchObject({ payout_fen: r.accepted_fen, payout_status: 'paid', payout_amount: r.accepted_fen });
      expect(r.bank_reference).toMatch(/^DEMO\d{8}[12]$/);
      // Paid out: nothing pending or available is left, and the year's payouts show it (the payout is
      // in the year of the run unless the month settled is December, paid out in January).
      const balance = await cooperativeBalance(h.db, r.coop, Number(month.start.slice(0, 4)));
      expect(balance.pendingFen).toBe(0);
      expect(balance.availableFen).toBe(0);
      if (!month.start.endsWith('-12-01')) expect(balance.paidOutThisYearFen).toBe(r.accepted_fen);
    }
    expect(Number(s!.payout_total_fen)).toBe(statements.reduce((t, r) => t + r.payout_amount, 0));

    // The journal agrees with itself and with the orders and payments it came from.
    const check = await reconcileJournal(h.db, { repair: false });
    expect(check.details).toEqual([]);
    expect(check.driftRows).toBe(0);
    // Four payments and four acceptances (a fee of 0 is left out) of two lines, two payouts of two.
    expect(check.journalLines).toBeGreaterThanOrEqual(20);

    // The office's audit log holds what it did, as the api would have written it, when it did it.
    const audited = await rows<{ action: string; n: number; by_office: number; dated: number }>(sql`
      select a.action, count(*)::int as n,
        count(*) filter (where u.email = 'office@demo.shanhai')::int as by_office,
        count(*) filter (where a.at < now() - interval '1 day')::int as dated
      from audit_log a left join users u on u.id = a.actor_user_id
      where a.action in ('payout_account.request', 'payout_account.confirm', 'payment.confirm_transfer',
        'settlement.create', 'payout.paid')
      group by a.action order by a.action`);
    expect(audited).toEqual([
      { action: 'payment.confirm_transfer', n: 4, by_office: 4, dated: 4 },
      { action: 'payout.paid', n: 2, by_office: 2, dated: 2 },
      { action: 'payout_account.confirm', n: 2, by_office: 2, dated: 2 },
      { action: 'payout_account.request', n: 2, by_office: 0, dated: 2 },
      { action: 'settlement.create', n: 1, by_office: 1, dated: 1 },
    ]);
    const [run] = await rows<{ entity_id: string; after: Record<string, unknown> }>(
      sql`select entity_id, after from audit_log where action = 'settlement.create'`,
    );
    expect(run).toEqual({
      entity_id: s!.id,
      after: expect.objectContaining({ statements: 2, payouts: 2, payoutTotalFen: Number(s!.payout_total_fen) }),
    });

    // A second run adds nothing.
    const count = async () =>
      (
        await rows<{ n: string }>(
          sql`select (select count(*) from settlements) + (select count(*) from purchases) + (select count(*) from journal_lines)
            + (select count(*) from audit_log) as n`,
        )
      )[0]!.n;
    const before = await count();
    await seedDemo(h.db, [pastSettlementStep]);
    expect(await count()).toBe(before);
  }, 180_000);
});
