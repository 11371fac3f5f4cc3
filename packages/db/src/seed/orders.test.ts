import { describe, expect, inject, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { businessDate } from '@shanhai/domain';
import { createDb } from '../client';
import { createTestDatabase, useTestDatabase } from '../../test-support/testing';
import { reconcileJournal } from '../journal-reconcile';
import { foldAll, reconcileTallies } from '../tally';
import { DEMO_PURCHASES, seedDemoOrders, seedDemoOrdersInto } from './orders';
import { pastSettlementStep } from './settlement';

const h = useTestDatabase('demo');

const rows = async <T extends Record<string, unknown>>(q: ReturnType<typeof sql>) => (await h.db.execute<T>(q)).rows;
const stocks = async () =>
  Object.fromEntries(
    (await rows<{ id: string; stock: number }>(sql`select id, stock from products order by id`)).map((r) => [
      r.id,
      r.stock,
    ]),
  );

describe("npm start's demo orders", () => {
  it('gives the demo cooperatives current orders in every state, keeping stock, ledger, journal and tallies whole; a second run adds nothing', async () => {
    const before = await stocks();
    await seedDemoOrdersInto(h.db);

    // Stock + units sold is what was there: each product went down by exactly what its lines hold.
    const sold = await rows<{ product_id: string; qty: number }>(
      sql`select product_id, sum(qty)::int as qty from order_lines group by product_id`,
    );
    expect(sold.length).toBeGreaterThan(0);
    const after = await stocks();
    for (const s of sold) expect(after[s.product_id]).toBe(before[s.product_id]! - s.qty);
    for (const id of Object.keys(before))
      if (!sold.some((s) => s.product_id === id)) expect(after[id]).toBe(before[id]);

    // What each demo cooperative's dashboard counts.
    const byCoop = await rows<{ email: string; status: string; n: number }>(sql`
      select u.email, o.status::text as status, count(*)::int as n
      from orders o join users u on u.org_id = o.cooperative_id and u.role = 'owner'
      group by 1, 2 order by 1, 2`);
    const count = (email: string, status: string) => byCoop.find((r) => r.email === email && r.status === status)?.n;
    expect(count('coop@demo.shanhai', 'paid')).toBe(2);
    expect(count('coop@demo.shanhai', 'shipped')).toBe(1);
    expect(count('coop@demo.shanhai', 'disputed')).toBe(1);
    expect(count('coop@demo.shanhai', 'accepted')).toBe(1);
    expect(count('coop2@demo.shanhai', 'paid')).toBe(1);
    expect(count('coop2@demo.shanhai', 'shipped')).toBe(1);
    expect(count('coop2@demo.shanhai', 'delivered')).toBe(1);
    expect(count('coop2@demo.shanhai', 'accepted')).toBe(1);

    // Every paid line credited once, this month, for its order's total; purchases add up.
    const month = businessDate().slice(0, 7);
    const ledger = await rows<{ lines: number; credited: number; mismatched: number; other_month: number }>(sql`
      select count(l.id)::int as lines, count(s.id)::int as credited,
        count(*) filter (where s.amount_fen <> l.line_total_fen)::int as mismatched,
        count(*) filter (where to_char(s.business_date, 'YYYY-MM') <> ${month})::int as other_month
      from order_lines l left join sales s on s.source = 'order' and s.source_ref = l.id::text and s.kind = 'sale'`);
    expect(ledger[0]).toEqual({ lines: 9, credited: 9, mismatched: 0, other_month: 0 });
    const sums = await rows<{ bad: number }>(sql`
      select count(*)::int as bad from purchases p
      where p.total_fen <> (select sum(total_fen) from orders o where o.purchase_id = p.id)
        or exists (select 1 from orders o where o.purchase_id = p.id
                   and o.total_fen <> (select sum(line_total_fen) from order_lines l where l.order_id = o.id))
        or not exists (select 1 from payments y where y.purchase_id = p.id and y.status = 'succeeded' and y.amount_fen = p.total_fen)`);
    expect(sums[0]!.bad).toBe(0);
    // Order numbers come from the sequence, one each; every order's transitions end in its status.
    const numbered = await rows<{ n: number; seqs: number; ends: number }>(sql`
      select count(*)::int as n, count(distinct seq)::int as seqs,
        count(*) filter (where status = (select t.to_status from order_transitions t where t.order_id = o.id order by t.at desc, t.id desc limit 1))::int as ends
      from orders o`);
    expect(numbered[0]).toEqual({ n: 9, seqs: 9, ends: 9 });

    // The journal balances against the orders and payments; tallies fold to their ledger rows.
    const journal = await reconcileJournal(h.db, { repair: false });
    expect(journal.driftRows, JSON.stringify(journal)).toBe(0);
    await foldAll(h.db);
    expect((await reconcileTallies(h.db, { repair: false })).driftRows).toBe(0);
    // The cooperatives were told of their orders, in the outbox of the seed's transaction.
    const told = await rows<{ n: number }>(sql`select count(*)::int as n from notifications`);
    expect(told[0]!.n).toBeGreaterThan(0);

    // The office confirmed each transfer: its audit log says so, dated when it was paid.
    const confirmed = await rows<{ ref: string; email: string; on_time: boolean }>(sql`
      select a.note as ref, u.email, a.at = p.paid_at as on_time
      from audit_log a join purchases p on p.id::text = a.entity_id join users u on u.id = a.actor_user_id
      where a.action = 'payment.confirm_transfer' order by a.note`);
    expect(confirmed).toEqual(DEMO_PURCHASES.map((d) => ({ ref: d.ref, email: 'office@demo.shanhai', on_time: true })));

    const counts = async () =>
      (
        await rows<{ t: string }>(sql`select (select count(*) from purchases)::text || '/' ||
          (select count(*) from orders)::text || '/' || (select count(*) from sales)::text || '/' ||
          (select count(*) from journal_entries)::text || '/' || (select count(*) from notifications)::text || '/' ||
          (select count(*) from audit_log)::text as t`)
      )[0]!.t;
    const once = await counts();
    expect(once.split('/')[0]).toBe(String(DEMO_PURCHASES.length));
    await seedDemoOrdersInto(h.db);
    expect(await counts()).toBe(once);
    expect(await stocks()).toEqual(after);
  }, 120_000);
});

describe('with the past settled month (both npm start steps, as start.ts runs them)', () => {
  it('the two steps together keep the journal whole and add nothing the second time', async () => {
    const other = await createTestDatabase(inject('pgAdminUrl'), 'demo');
    const o = createDb(other.url, { max: 2 });
    try {
      const both = () =>
        o.db.transaction(async (tx) => {
          const rows = await tx.execute<{ email: string; org_id: string }>(
            sql`select email, org_id from users where email like '%@demo.shanhai'`,
          );
          const orgIds = new Map(rows.rows.map((r) => [r.email.split('@')[0]!, r.org_id]));
          for (const step of [pastSettlementStep, seedDemoOrders]) await step({ tx, townIds: new Map(), orgIds });
        });
      await both();
      const count = async () =>
        (await o.db.execute<{ n: number }>(sql`select count(*)::int as n from journal_entries`)).rows[0]!.n;
      const entries = await count();
      expect(entries).toBeGreaterThan(0);
      expect((await reconcileJournal(o.db, { repair: false })).driftRows).toBe(0);
      await both();
      expect(await count()).toBe(entries);
    } finally {
      await o.close();
      await other.drop();
    }
  }, 120_000);
});
