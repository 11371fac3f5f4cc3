import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createDb, type DbHandle, type Tx } from './client';
import {
  cooperativeBalance,
  orderFeeFen,
  postAcceptance,
  postBankCharge,
  postEntry,
  postPayment,
  reverseEntry,
  UnbalancedEntryError,
} from './journal';
import { orgs } from './schema/identity';
import { accountBalances, feeRates, journalEntries, journalLines } from './schema/journal';
import { createTestDatabase, type TestDatabase } from '../test-support/testing';

let database: TestDatabase;
let h: DbHandle;
let coopA: string;
let coopB: string;
const ORDER_1 = '00000000-0000-4000-8000-000000000001';
const ORDER_2 = '00000000-0000-4000-8000-000000000002';

beforeAll(async () => {
  database = await createTestDatabase(inject('pgAdminUrl'), 'demo');
  h = createDb(database.url, { max: 4 });
  const coops = await h.db.select({ id: orgs.id }).from(orgs).where(eq(orgs.kind, 'cooperative')).limit(2);
  coopA = coops[0]!.id;
  coopB = coops[1]!.id;
});
afterAll(async () => {
  await h.close();
  await database.drop();
});

const tx = <T>(f: (t: Tx) => Promise<T>) => h.db.transaction(f);

/** PostgreSQL's own message of a refused query (drizzle wraps it in `cause`). */
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: Error & { cause?: Error }) => e.cause?.message ?? e.message,
  );

async function journalSum() {
  const r = await h.db.execute<{ d: string; c: string }>(
    sql`select coalesce(sum(debit_fen),0) as d, coalesce(sum(credit_fen),0) as c from journal_lines`,
  );
  return Number(r.rows[0]!.d) - Number(r.rows[0]!.c);
}

describe('journal posting', () => {
  it('posts a balanced entry and keeps running balances in the same transaction', async () => {
    const id = await tx((t) =>
      postPayment(t, {
        purchaseId: 'p-1',
        method: 'transfer',
        orders: [
          { id: ORDER_1, cooperativeId: coopA, totalFen: 10_000 },
          { id: ORDER_2, cooperativeId: coopB, totalFen: 2_500 },
        ],
      }),
    );
    expect(id).toEqual(expect.any(Number));
    expect(await cooperativeBalance(h.db, coopA, 2026)).toEqual({
      pendingFen: 10_000,
      availableFen: 0,
      paidOutThisYearFen: 0,
    });
    const [bank] = await h.db.select().from(accountBalances).where(eq(accountBalances.account, 'platform_bank'));
    expect([bank!.debitFen, bank!.creditFen, bank!.lineCount, bank!.bankRef]).toEqual([12_500, 0, 1, 'default']);
    expect(await journalSum()).toBe(0);
  });

  it('posts an event once: a replay, and two at once, add nothing', async () => {
    const again = await tx((t) =>
      postPayment(t, {
        purchaseId: 'p-1',
        method: 'transfer',
        orders: [{ id: ORDER_1, cooperativeId: coopA, totalFen: 10_000 }],
      }),
    );
    expect(again).toBeNull();
    const post = () =>
      h.db.transaction((tx) =>
        postPayment(tx, {
          purchaseId: 'p-2',
          method: 'card',
          orders: [{ id: ORDER_2, cooperativeId: coopB, totalFen: 700 }],
        }),
      );
    const results = await Promise.all([post(), post(), post()]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await h.db.$count(journalEntries, eq(journalEntries.sourceId, 'p-2'))).toBe(1);
    expect((await cooperativeBalance(h.db, coopB, 2026)).pendingFen).toBe(3_200);
  });

  it('refuses an unbalanced entry and changes nothing', async () => {
    await expect(
      tx((t) =>
        postEntry(t, {
          kind: 'bank_charge',
          sourceType: 'test',
          sourceId: 'x',
          lines: [
            { account: 'bank_charges', debitFen: 100 },
            { account: 'platform_bank', creditFen: 99 },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(UnbalancedEntryError);
    await expect(
      tx((t) =>
        postEntry(t, {
          kind: 'bank_charge',
          sourceType: 'test',
          sourceId: 'y',
          lines: [
            { account: 'bank_charges', debitFen: 1.5 },
            { account: 'platform_bank', creditFen: 1.5 },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(UnbalancedEntryError);
    expect(await h.db.$count(journalEntries, eq(journalEntries.sourceType, 'test'))).toBe(0);
  });

  it('the database refuses an unbalanced entry written around the module, at commit', async () => {
    const msg = await refusal(
      h.db.transaction(async (t) => {
        const [e] = await t
          .insert(journalEntries)
          .values({ kind: 'bank_charge', sourceType: 'raw', sourceId: '1', idempotencyKey: 'raw:1' })
          .returning();
        await t.insert(journalLines).values({
          entryId: e!.id,
          account: 'bank_charges',
          debitFen: 5,
          occurredAt: new Date(),
        });
      }),
    );
    expect(msg).toMatch(/^journal entry \d+ does not balance: 1 lines, debits 5 fen, credits 0 fen$/);
    expect(await h.db.$count(journalEntries, eq(journalEntries.sourceType, 'raw'))).toBe(0);
  });

  it('refuses to update or delete entries and lines (append-only)', async () => {
    const appendOnly = /^the journal is append-only \((UPDATE|DELETE|TRUNCATE) on journal_(lines|entries)\)/;
    expect(
      await refusal(h.db.update(journalLines).set({ debitFen: 1 }).where(eq(journalLines.account, 'platform_bank'))),
    ).toMatch(appendOnly);
    expect(await refusal(h.db.delete(journalLines))).toMatch(appendOnly);
    expect(await refusal(h.db.delete(journalEntries))).toMatch(appendOnly);
    // bank_charges references journal_entries: named too, or the foreign key refuses first.
    expect(await refusal(h.db.execute(sql`truncate journal_lines, journal_entries, bank_charges`))).toMatch(appendOnly);
  });

  it('acceptance makes the share available less the fee; cooperative rate wins over category', async () => {
    const lines = [
      { category: 'poultry' as const, lineTotalFen: 10_001 },
      { category: 'tea' as const, lineTotalFen: 333 },
    ];
    expect(await orderFeeFen(h.db, coopA, lines)).toBe(0);
    await h.db.insert(feeRates).values({ category: 'poultry', rateBps: 250 });
    // 10,001 × 2.5% = 250.025 → 250; tea has no rate.
    expect(await orderFeeFen(h.db, coopA, lines)).toBe(250);
    await h.db.insert(feeRates).values({ cooperativeId: coopA, rateBps: 150 });
    // 150.015 → 150 and 4.995 → 5.
    expect(await orderFeeFen(h.db, coopA, lines)).toBe(155);
    await h.db.delete(feeRates).where(eq(feeRates.cooperativeId, coopA));
    const r = await tx((t) =>
      postAcceptance(t, {
        id: ORDER_1,
        cooperativeId: coopA,
        totalFen: 10_000,
        lines: [{ category: 'poultry', lineTotalFen: 10_000 }],
      }),
    );
    expect(r.feeFen).toBe(250);
    expect(await cooperativeBalance(h.db, coopA, 2026)).toEqual({
      pendingFen: 0,
      availableFen: 9_750,
      paidOutThisYearFen: 0,
    });
    const again = await tx((t) =>
      postAcceptance(t, { id: ORDER_1, cooperativeId: coopA, totalFen: 10_000, lines: [] }),
    );
    expect(again.entryId).toBeNull();
    expect(await journalSum()).toBe(0);
  });

  it('a correction is a reversing entry pointing at the one it reverses, posted once', async () => {
    const id = await tx((t) => postBankCharge(t, { ref: 'fee-1', amountFen: 1_200 }));
    const rev = await tx((t) => reverseEntry(t, id!, 'charged twice by mistake'));
    expect(rev).toEqual(expect.any(Number));
    expect(await tx((t) => reverseEntry(t, id!, 'again'))).toBeNull();
    const [e] = await h.db.select().from(journalEntries).where(eq(journalEntries.id, rev!));
    expect([e!.kind, e!.reversesEntryId]).toEqual(['reversal', id]);
    const [charges] = await h.db.select().from(accountBalances).where(eq(accountBalances.account, 'bank_charges'));
    expect([charges!.debitFen, charges!.creditFen]).toEqual([1_200, 1_200]);
  });

  it('every entry balances and every balance row equals the sum of its lines', async () => {
    const unbalanced = await h.db.execute<{ n: number }>(sql`
      select count(*)::int as n from (select entry_id from journal_lines group by entry_id
        having sum(debit_fen) <> sum(credit_fen)) x`);
    expect(unbalanced.rows[0]!.n).toBe(0);
    const drift = await h.db.execute<{ n: number }>(sql`
      select count(*)::int as n from account_balances b full join (
        select account, org_id, bank_ref, sum(debit_fen) d, sum(credit_fen) c from journal_lines group by 1, 2, 3
      ) l on l.account = b.account and l.org_id is not distinct from b.org_id and l.bank_ref is not distinct from b.bank_ref
      where b.debit_fen is distinct from l.d or b.credit_fen is distinct from l.c`);
    expect(drift.rows[0]!.n).toBe(0);
  });
});
