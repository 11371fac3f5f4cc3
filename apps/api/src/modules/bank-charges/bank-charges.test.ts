import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { reconcileJournal, schema } from '@shanhai/db';
import { createOrgWithUser } from '@shanhai/db/testing';
import { businessDate } from '@shanhai/domain';
import { bearer, createTestApp, DEMO_PASSWORD, login, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let officeMember: Session;
let coop: Session;
let buyer: Session;

const URL = '/api/v1/bank-charges';
const get = (s: Session | null, url = URL) => t.app.inject({ method: 'GET', url, headers: s ? bearer(s.token) : {} });
const post = (s: Session | null, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: URL, headers: s ? bearer(s.token) : {}, payload });
const charge = (bankTxnId: string, amountFen = 1_500, extra: Record<string, unknown> = {}) => ({
  bankTxnId,
  amountFen,
  bookedOn: '2026-03-02',
  memo: '账户管理费',
  ...extra,
});

const chargesBalance = async () => {
  const [b] = await t.app.db
    .select({ d: schema.accountBalances.debitFen, c: schema.accountBalances.creditFen })
    .from(schema.accountBalances)
    .where(and(eq(schema.accountBalances.account, 'bank_charges'), eq(schema.accountBalances.bankRef, 'default')));
  return b ? b.d - b.c : 0;
};
const bankBalance = async () => {
  const [b] = await t.app.db
    .select({ d: schema.accountBalances.debitFen, c: schema.accountBalances.creditFen })
    .from(schema.accountBalances)
    .where(and(eq(schema.accountBalances.account, 'platform_bank'), eq(schema.accountBalances.bankRef, 'default')));
  return b ? b.d - b.c : 0;
};
const rowsOf = (bankTxnId: string) =>
  t.app.db.select().from(schema.bankCharges).where(eq(schema.bankCharges.bankTxnId, bankTxnId));
const entriesOf = (bankTxnId: string) =>
  t.app.db
    .select()
    .from(schema.journalEntries)
    .where(
      and(
        eq(schema.journalEntries.kind, 'bank_charge'),
        eq(schema.journalEntries.sourceId, `default:txn:${bankTxnId}`),
      ),
    );

beforeAll(async () => {
  t = await createTestApp();
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
  const member = await createOrgWithUser(t.app.db, { kind: 'office', role: 'member' });
  officeMember = await login(t.app, member.user.email);
  coop = await login(t.app, (await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' })).user.email);
  buyer = await login(t.app, (await createOrgWithUser(t.app.db, { kind: 'buyer' })).user.email);
});
afterAll(() => t.close());

describe('bank charges', () => {
  it('only an office owner or manager records one; any office member lists them; others are refused', async () => {
    expect((await post(null, charge('R-AUTH'))).statusCode).toBe(401);
    expect((await get(null)).statusCode).toBe(401);
    expect((await post(coop, charge('R-AUTH'))).statusCode).toBe(403);
    expect((await post(buyer, charge('R-AUTH'))).statusCode).toBe(403);
    expect((await get(coop)).statusCode).toBe(403);
    expect((await get(buyer)).statusCode).toBe(403);
    expect((await post(officeMember, charge('R-AUTH'))).statusCode).toBe(403);
    expect((await get(officeMember)).statusCode).toBe(200);
    expect(await rowsOf('R-AUTH')).toEqual([]);
  });

  it('bad input is a 400 naming the field, and records nothing', async () => {
    const tomorrow = new Date(Date.parse(`${businessDate()}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const cases: [Record<string, unknown>, string][] = [
      [charge('R-BAD', 0), 'body.amountFen'],
      [charge('R-BAD', 12.5), 'body.amountFen'],
      [charge('R-BAD', 1_000_001), 'body.amountFen'],
      [charge('   '), 'body.bankTxnId'],
      [charge('R'.repeat(65)), 'body.bankTxnId'],
      [charge('R-BAD', 100, { bookedOn: '2026-02-30' }), 'body.bookedOn'],
      [charge('R-BAD', 100, { bookedOn: tomorrow }), 'body.bookedOn'],
      [charge('R-BAD', 100, { memo: '费'.repeat(201) }), 'body.memo'],
      [charge('R-BAD', 100, { bankRef: 'other' }), 'body.bankRef'],
    ];
    for (const [body, field] of cases) {
      const res = await post(office, body);
      expect({ status: res.statusCode, fields: res.json().errors.map((e: { field: string }) => e.field) }).toEqual({
        status: 400,
        fields: [field],
      });
    }
    const future = (await post(office, charge('R-BAD', 100, { bookedOn: tomorrow }))).json();
    expect(future.errors[0].code).toBe('period_in_future');
    expect(await rowsOf('R-BAD')).toEqual([]);
    expect(await t.app.db.$count(schema.bankCharges)).toBe(0);
  });

  it('records a charge: one balanced entry moving the bank charges and the bank, a row and an audit row', async () => {
    const [chargesBefore, bankBefore] = [await chargesBalance(), await bankBalance()];
    const res = await post(office, charge('  R-100  ', 1_500));
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      id: expect.any(String),
      bankTxnId: 'R-100',
      amountFen: 1_500,
      bookedOn: '2026-03-02',
      memo: '账户管理费',
      entryId: expect.any(Number),
      recordedBy: expect.any(String),
      createdAt: expect.any(String),
    });
    const [entry] = await entriesOf('R-100');
    expect(entry).toMatchObject({ id: body.entryId, memo: 'R-100 账户管理费' });
    expect(entry!.occurredAt.toISOString()).toBe('2026-03-01T16:00:00.000Z');
    const lines = await t.app.db
      .select({
        account: schema.journalLines.account,
        bankRef: schema.journalLines.bankRef,
        debitFen: schema.journalLines.debitFen,
        creditFen: schema.journalLines.creditFen,
      })
      .from(schema.journalLines)
      .where(eq(schema.journalLines.entryId, body.entryId))
      .orderBy(schema.journalLines.account);
    expect(lines).toEqual([
      { account: 'platform_bank', bankRef: 'default', debitFen: 0, creditFen: 1_500 },
      { account: 'bank_charges', bankRef: 'default', debitFen: 1_500, creditFen: 0 },
    ]);
    expect(await chargesBalance()).toBe(chargesBefore + 1_500);
    expect(await bankBalance()).toBe(bankBefore - 1_500);
    const audits = await t.app.db
      .select({
        action: schema.auditLog.action,
        entityType: schema.auditLog.entityType,
        after: schema.auditLog.after,
        note: schema.auditLog.note,
      })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.entityId, body.id));
    expect(audits).toEqual([
      {
        action: 'bank_charge.record',
        entityType: 'bank_charge',
        after: { bankTxnId: 'R-100', amountFen: 1_500, bookedOn: '2026-03-02' },
        note: '账户管理费',
      },
    ]);
    expect((await reconcileJournal(t.app.db, { repair: false })).details).toEqual([]);
  });

  it('the same bank transaction twice, or at once, posts once; another amount is a 409', async () => {
    const first = await post(office, charge('R-200', 2_000));
    expect(first.statusCode).toBe(201);
    const chargesAfterFirst = await chargesBalance();
    const again = await post(office, charge('R-200', 2_000, { memo: '再次登记' }));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const differs = await post(office, charge('R-200', 2_500));
    expect(differs.statusCode).toBe(409);
    expect(differs.json()).toMatchObject({ code: 'bank_charge_amount_differs', recordedAmountFen: 2_000 });
    expect(await entriesOf('R-200')).toHaveLength(1);
    expect(await rowsOf('R-200')).toHaveLength(1);
    expect(await chargesBalance()).toBe(chargesAfterFirst);

    const racing = await Promise.all([1, 2, 3].map(() => post(office, charge('R-300', 700))));
    expect(racing.map((r) => r.statusCode).sort()).toEqual([200, 200, 201]);
    expect(new Set(racing.map((r) => r.json().id)).size).toBe(1);
    expect(await entriesOf('R-300')).toHaveLength(1);
    expect(await rowsOf('R-300')).toHaveLength(1);
    expect(await chargesBalance()).toBe(chargesAfterFirst + 700);
    // Two amounts at once: one is recorded, the other told it differs.
    const split = await Promise.all([post(office, charge('R-400', 100)), post(office, charge('R-400', 200))]);
    expect(split.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(await entriesOf('R-400')).toHaveLength(1);
    expect(await t.app.db.$count(schema.auditLog, eq(schema.auditLog.action, 'bank_charge.record'))).toBe(4);
  });

  it('lists the charges newest booking first, a page at a time', async () => {
    await post(office, charge('R-500', 900, { bookedOn: '2026-03-05', memo: '' }));
    const all = (await get(office)).json();
    expect(all.map((c: { bankTxnId: string }) => c.bankTxnId)).toEqual(['R-500', 'R-400', 'R-300', 'R-200', 'R-100']);
    expect(all[0]).toMatchObject({ amountFen: 900, bookedOn: '2026-03-05', memo: '' });
    const page1 = await get(office, `${URL}?limit=2`);
    expect(page1.json().map((c: { bankTxnId: string }) => c.bankTxnId)).toEqual(['R-500', 'R-400']);
    const cursor = page1.headers['x-next-cursor'] as string;
    const page2 = await get(office, `${URL}?limit=2&cursor=${cursor}`);
    expect(page2.json().map((c: { bankTxnId: string }) => c.bankTxnId)).toEqual(['R-300', 'R-200']);
    const page3 = await get(office, `${URL}?limit=2&cursor=${page2.headers['x-next-cursor']}`);
    expect(page3.json().map((c: { bankTxnId: string }) => c.bankTxnId)).toEqual(['R-100']);
    expect(page3.headers['x-next-cursor']).toBeUndefined();
    expect((await get(office, `${URL}?cursor=nonsense`)).json().errors[0].field).toBe('query.cursor');
  });
});
