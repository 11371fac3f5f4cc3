import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { reconcileJournal, schema } from '@shanhai/db';
import { createOrgWithUser, createProduct, createUser } from '@shanhai/db/testing';
import { businessDate } from '@shanhai/domain';
import { buyingWorld, shop, type Member } from '../../../test-support/shop';
import { bearer, login, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let officeMember: Session;
let coopA: Member;
let coopB: Member;
let coopAMember: Session;
const { buyer, post, paid } = shop(() => t);
const get = (s: Session | null, url: string) => t.app.inject({ method: 'GET', url, headers: s ? bearer(s.token) : {} });
const send = (s: Session | null, method: 'POST' | 'PUT', url: string, payload: unknown = {}) =>
  t.app.inject({ method, url, headers: s ? bearer(s.token) : {}, payload: payload as object });
const today = () => businessDate();
const settle = (s: Session = office) =>
  send(s, 'POST', '/api/v1/settlements', { cadence: 'on_demand', periodEnd: today() });

const ACCOUNT = {
  accountName: '阳山县大崑蜂蜜合作社',
  bankName: '中国农业银行',
  branch: '阳山支行',
  accountNo: '6228 4800 1234 5678',
};

/** An order of `coop`, paid, delivered and accepted by its buyer: its total and fee-less net. */
async function acceptedOrder(coop: Member, qty = 2) {
  const b = await buyer();
  const product = await createProduct(t.app.db, { cooperativeId: coop.orgId, stock: 100 });
  const p = await paid(b, [{ id: product.id, qty }], office);
  const o = p.orders[0] as { id: string; totalFen: number };
  expect((await post(coop.s, `/api/v1/orders/${o.id}/ship`, { carrier: '顺丰', trackingNo: 'SF1' })).statusCode).toBe(
    200,
  );
  expect((await post(coop.s, `/api/v1/orders/${o.id}/deliver`)).statusCode).toBe(200);
  expect((await post(b.s, `/api/v1/orders/${o.id}/accept`)).statusCode).toBe(200);
  return o;
}

type Row = Record<string, number | string | null> & { id: string; cooperativeId: string };
const statementOf = (detail: { statements: Row[] }, coop: Member) =>
  detail.statements.find((s) => s.cooperativeId === coop.orgId) as Row & Record<string, number>;
const payoutOf = (detail: { payouts: Row[] }, coop: Member) =>
  detail.payouts.find((p) => p.cooperativeId === coop.orgId) as Row & Record<string, number>;
const balance = async (coop: Member) => (await get(coop.s, '/api/v1/balances/mine?limit=1')).json();

beforeAll(async () => {
  ({ t, office, coopA, coopB } = await buyingWorld());
  const m = await createOrgWithUser(t.app.db, { kind: 'office', role: 'member' });
  officeMember = await login(t.app, m.user.email);
  const cm = await createUser(t.app.db, { orgId: coopA.orgId, role: 'member' });
  coopAMember = await login(t.app, cm.email);
  // Settle what the demo world already owes, so each test starts from a clean period.
  expect((await settle()).statusCode).toBe(201);
}, 120_000);
afterAll(() => t.close());

describe('payout accounts', () => {
  it('a change waits for the office, tells the owners, and is audited at both steps', async () => {
    expect((await get(null, '/api/v1/payout-account')).statusCode).toBe(401);
    expect((await send(coopAMember, 'PUT', '/api/v1/payout-account', ACCOUNT)).statusCode).toBe(403);
    expect((await send(office, 'PUT', '/api/v1/payout-account', ACCOUNT)).statusCode).toBe(403);
    const bad = await send(coopA.s, 'PUT', '/api/v1/payout-account', { ...ACCOUNT, accountNo: 'abc' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(['body.accountNo']);

    const req = await send(coopA.s, 'PUT', '/api/v1/payout-account', ACCOUNT);
    expect(req.statusCode).toBe(202);
    expect(req.json()).toMatchObject({ status: 'pending', accountNo: '6228480012345678', cooperativeId: coopA.orgId });
    // Not in force yet.
    expect((await get(coopA.s, '/api/v1/payout-account')).json()).toMatchObject({
      active: null,
      pending: { id: req.json().id },
    });
    const told = await t.app.db
      .select({ userId: schema.notifications.userId, params: schema.notifications.params })
      .from(schema.notifications)
      .where(
        and(
          eq(schema.notifications.kind, 'security.payout_account_changed'),
          eq(schema.notifications.orgId, coopA.orgId),
        ),
      );
    expect(told).toEqual([{ userId: coopA.s.userId, params: { by: expect.any(String), accountTail: '5678' } }]);

    const changes = (await get(office, '/api/v1/payout-accounts/changes')).json();
    expect(changes.find((c: { id: string }) => c.id === req.json().id)).toMatchObject({ current: null });
    expect((await get(coopA.s, '/api/v1/payout-accounts/changes')).statusCode).toBe(403);
    const confirmUrl = `/api/v1/payout-accounts/${req.json().id}/confirm`;
    expect((await send(officeMember, 'POST', confirmUrl)).statusCode).toBe(403);
    expect((await send(coopA.s, 'POST', confirmUrl)).statusCode).toBe(403);
    expect((await send(office, 'POST', `/api/v1/payout-accounts/${crypto.randomUUID()}/confirm`)).statusCode).toBe(404);
    // Two confirmations at once: one takes effect, the other is refused.
    const both = await Promise.all([send(office, 'POST', confirmUrl), send(office, 'POST', confirmUrl)]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect((await get(coopA.s, '/api/v1/payout-account')).json()).toMatchObject({
      active: { id: req.json().id, status: 'active' },
      pending: null,
    });

    // A second change, asked twice at once: one waits, the other is withdrawn; the office rejects it.
    const two = await Promise.all([
      send(coopA.s, 'PUT', '/api/v1/payout-account', { ...ACCOUNT, accountNo: '6222000011112222' }),
      send(coopA.s, 'PUT', '/api/v1/payout-account', { ...ACCOUNT, accountNo: '6222000033334444' }),
    ]);
    expect(two.map((r) => r.statusCode)).toEqual([202, 202]);
    const mine = (await get(coopA.s, '/api/v1/payout-account')).json();
    expect(mine.active.accountNo).toBe('6228480012345678');
    expect(two.map((r) => r.json().id)).toContain(mine.pending.id);
    const rejectUrl = `/api/v1/payout-accounts/${mine.pending.id}/reject`;
    expect((await send(office, 'POST', rejectUrl, { reason: '' })).json().errors[0].field).toBe('body.reason');
    expect((await send(office, 'POST', rejectUrl, { reason: '户名与营业执照不符' })).json()).toMatchObject({
      status: 'rejected',
      rejectReason: '户名与营业执照不符',
    });
    expect((await get(coopA.s, '/api/v1/payout-account')).json()).toMatchObject({
      active: { accountNo: '6228480012345678' },
      pending: null,
    });

    const audits = await t.app.db
      .select({ action: schema.auditLog.action, entityId: schema.auditLog.entityId })
      .from(schema.auditLog)
      .where(
        inArray(schema.auditLog.action, ['payout_account.request', 'payout_account.confirm', 'payout_account.reject']),
      )
      .orderBy(schema.auditLog.id);
    expect(audits.map((a) => a.action)).toEqual([
      'payout_account.request',
      'payout_account.confirm',
      'payout_account.request',
      'payout_account.request',
      'payout_account.reject',
    ]);
  });
});

describe('settlements and payouts', () => {
  it('the office settles: one statement per cooperative from the journal, a payout where there is an account', async () => {
    const before = await balance(coopA);
    const a1 = await acceptedOrder(coopA);
    const b1 = await acceptedOrder(coopB, 3);
    expect((await balance(coopA)).availableFen).toBe(before.availableFen + a1.totalFen);

    expect((await settle(officeMember)).statusCode).toBe(403);
    expect((await settle(coopA.s)).statusCode).toBe(403);
    expect(
      (await send(null, 'POST', '/api/v1/settlements', { cadence: 'on_demand', periodEnd: today() })).statusCode,
    ).toBe(401);
    const future = await send(office, 'POST', '/api/v1/settlements', { cadence: 'on_demand', periodEnd: '2999-01-01' });
    expect(future.json().errors.map((e: { field: string }) => e.field)).toEqual(['body.periodEnd']);
    const week = await send(office, 'POST', '/api/v1/settlements', {
      cadence: 'weekly',
      periodStart: '2026-01-05',
      periodEnd: '2026-01-10',
    });
    expect(week.json().errors.map((e: { field: string }) => e.field)).toEqual(['body.periodEnd']);
    expect(
      (await send(office, 'POST', '/api/v1/settlements', { cadence: 'yearly', periodEnd: today() })).json().errors[0]
        .field,
    ).toBe('body.cadence');

    const res = await settle();
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json();
    expect(s).toMatchObject({ status: 'issued', cadence: 'on_demand', periodEnd: today() });
    const stA = statementOf(s, coopA);
    expect(stA).toMatchObject({
      openingFen: before.availableFen,
      acceptedFen: a1.totalFen,
      feesFen: 0,
      refundsFen: 0,
      closingFen: before.availableFen + a1.totalFen,
      owedFen: before.availableFen + a1.totalFen,
      payoutFen: before.availableFen + a1.totalFen,
      payoutStatus: 'pending',
    });
    // No confirmed account: owed, shown, held for the next settlement.
    expect(statementOf(s, coopB)).toMatchObject({
      acceptedFen: b1.totalFen,
      owedFen: b1.totalFen,
      payoutFen: 0,
      payoutStatus: null,
    });
    expect(payoutOf(s, coopB)).toBeUndefined();
    expect(payoutOf(s, coopA)).toMatchObject({
      amountFen: stA.payoutFen,
      status: 'pending',
      accountNo: '6228480012345678',
    });

    // The statement lists the accepted order with its lines; only its cooperative and the office see it.
    const detail = (await get(coopA.s, `/api/v1/statements/${stA.id}`)).json();
    expect(detail.items).toEqual([
      {
        entryId: expect.any(Number),
        kind: 'acceptance',
        orderId: a1.id,
        ref: expect.any(String),
        buyerName: expect.any(String),
        grossFen: a1.totalFen,
        feeFen: 0,
        netFen: a1.totalFen,
        occurredAt: expect.any(String),
        lines: [expect.objectContaining({ qty: 2, lineTotalFen: a1.totalFen })],
      },
    ]);
    expect((await get(coopB.s, `/api/v1/statements/${stA.id}`)).statusCode).toBe(404);
    expect((await get(coopB.s, `/api/v1/statements/${stA.id}/xlsx`)).statusCode).toBe(404);
    expect((await get(office, `/api/v1/statements/${stA.id}`)).statusCode).toBe(200);
    expect(
      (await get(coopB.s, '/api/v1/statements')).json().map((x: { cooperativeId: string }) => x.cooperativeId),
    ).toEqual([coopB.orgId]);
    expect((await get(coopB.s, '/api/v1/payouts')).json()).toEqual([]);
    expect((await get(coopA.s, `/api/v1/settlements/${s.id}`)).statusCode).toBe(403);
    const b = await buyer();
    expect((await get(b.s, '/api/v1/statements')).statusCode).toBe(403);

    // The statement as XLSX: a sheet Excel accepts, the totals in yuan.
    const x = await get(coopA.s, `/api/v1/statements/${stA.id}/xlsx`);
    expect(x.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.name.length).toBeLessThanOrEqual(31);
    expect(wb.worksheets[0]!.getRow(11).values).toEqual([
      undefined,
      '期末可结算余额(元)',
      Number(stA.closingFen) / 100,
    ]);

    // Told, each cooperative of its own statement.
    const issued = await t.app.db
      .select({ orgId: schema.notifications.orgId })
      .from(schema.notifications)
      .where(and(eq(schema.notifications.kind, 'settlement.issued'), eq(schema.notifications.subjectId, stA.id)));
    expect(issued.map((n) => n.orgId)).toEqual([coopA.orgId]);

    // The bank file: the payouts to send, in the columns online banking imports.
    const csv = await get(office, `/api/v1/settlements/${s.id}/bank-file?format=csv`);
    expect(csv.statusCode).toBe(200);
    const rows = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(rows[0]).toBe('序号,收款账号,收款户名,收款银行,开户行/支行,金额(元),用途/附言');
    const mine = rows.find((r) => r.includes('6228480012345678'))!;
    expect(mine.split(',').slice(1, 6)).toEqual([
      '6228480012345678',
      ACCOUNT.accountName,
      '中国农业银行',
      '阳山支行',
      (Number(stA.payoutFen) / 100).toFixed(2),
    ]);
    const xlsx = await get(office, `/api/v1/settlements/${s.id}/bank-file`);
    const bwb = new ExcelJS.Workbook();
    await bwb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(bwb.worksheets[0]!.name).toBe(`批量付款 ${s.number}`);
    expect(bwb.worksheets[0]!.getRow(1).values).toEqual([
      undefined,
      '序号',
      '收款账号',
      '收款户名',
      '收款银行',
      '开户行/支行',
      '金额(元)',
      '用途/附言',
    ]);
    expect((await get(coopA.s, `/api/v1/settlements/${s.id}/bank-file`)).statusCode).toBe(403);

    // Marking paid: office owner or manager, the bank reference named, once.
    const pay = payoutOf(s, coopA);
    const url = `/api/v1/payouts/${pay.id}/mark-paid`;
    expect((await send(officeMember, 'POST', url, { bankReference: 'B1' })).statusCode).toBe(403);
    expect((await send(coopA.s, 'POST', url, { bankReference: 'B1' })).statusCode).toBe(403);
    expect((await send(office, 'POST', url, { bankReference: ' ' })).json().errors[0].field).toBe('body.bankReference');
    expect(
      (await send(office, 'POST', `/api/v1/payouts/${crypto.randomUUID()}/mark-paid`, { bankReference: 'B1' }))
        .statusCode,
    ).toBe(404);
    const marks = await Promise.all([
      send(office, 'POST', url, { bankReference: 'ABC20260001', bankChargeFen: 150 }),
      send(office, 'POST', url, { bankReference: 'ABC20260001', bankChargeFen: 150 }),
    ]);
    expect(marks.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(marks.find((r) => r.statusCode === 409)!.json().code).toBe('payout_not_pending');
    expect(await balance(coopA)).toMatchObject({ availableFen: 0, paidOutThisYearFen: pay.amountFen });
    const entries = await t.app.db
      .select({ kind: schema.journalEntries.kind })
      .from(schema.journalEntries)
      .where(inArray(schema.journalEntries.sourceId, [pay.id, `default:payout:${pay.id}`]));
    expect(entries.map((e) => e.kind).sort()).toEqual(['bank_charge', 'payout']);
    expect((await get(coopA.s, `/api/v1/statements/${stA.id}`)).json().payout).toMatchObject({
      status: 'paid',
      bankReference: 'ABC20260001',
    });
    // The office's list counts the paid payout.
    expect((await get(office, '/api/v1/settlements')).json().find((x: { id: string }) => x.id === s.id)).toMatchObject({
      payoutCount: s.payouts.length,
      paidCount: 1,
    });
    // The paid settlement cannot be voided.
    expect((await send(office, 'POST', `/api/v1/settlements/${s.id}/void`, { reason: '重做' })).statusCode).toBe(409);
    const [told] = await t.app.db
      .select({ params: schema.notifications.params })
      .from(schema.notifications)
      .where(and(eq(schema.notifications.kind, 'payout.paid'), eq(schema.notifications.subjectId, pay.id)));
    expect(told!.params).toMatchObject({ amountFen: pay.amountFen, bankRef: 'ABC20260001' });

    // A bounce returns the amount to available; the next settlement pays it again.
    const bounceUrl = `/api/v1/payouts/${pay.id}/bounce`;
    expect((await send(officeMember, 'POST', bounceUrl, { reason: '账户已销户' })).statusCode).toBe(403);
    expect((await send(office, 'POST', bounceUrl, { reason: '账户已销户' })).statusCode).toBe(200);
    expect((await send(office, 'POST', bounceUrl, { reason: '账户已销户' })).statusCode).toBe(409);
    // The cooperative's owners and managers hear of the bounce once, with the bank's reason; its
    // members and other orgs do not.
    const bounced = await t.app.db
      .select({
        orgId: schema.notifications.orgId,
        userId: schema.notifications.userId,
        params: schema.notifications.params,
      })
      .from(schema.notifications)
      .where(and(eq(schema.notifications.kind, 'payout.bounced'), eq(schema.notifications.subjectId, pay.id)));
    expect(bounced).toEqual([
      {
        orgId: coopA.orgId,
        userId: coopA.s.userId,
        params: expect.objectContaining({ amountFen: pay.amountFen, reason: '账户已销户' }),
      },
    ]);
    expect(bounced.map((n) => n.userId)).not.toContain(coopAMember.userId);
    expect(await balance(coopA)).toMatchObject({ availableFen: pay.amountFen, paidOutThisYearFen: 0 });
    const again = (await settle()).json();
    expect(statementOf(again, coopA)).toMatchObject({
      payoutsFen: 0,
      owedFen: pay.amountFen,
      payoutFen: pay.amountFen,
    });
    expect(statementOf(again, coopB)).toMatchObject({ owedFen: b1.totalFen, payoutFen: 0 });

    // A voided settlement's payout cannot be marked; what it covered is owed again.
    const p2 = payoutOf(again, coopA);
    expect(
      (await send(office, 'POST', `/api/v1/settlements/${again.id}/void`, { reason: '金额待核' })).statusCode,
    ).toBe(200);
    expect(
      (await send(office, 'POST', `/api/v1/settlements/${again.id}/void`, { reason: '金额待核' })).statusCode,
    ).toBe(409);
    const late = await send(office, 'POST', `/api/v1/payouts/${p2.id}/mark-paid`, { bankReference: 'X' });
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('settlement_voided');
    const third = (await settle()).json();
    expect(payoutOf(third, coopA)).toMatchObject({ amountFen: pay.amountFen });

    const audits = await t.app.db
      .select({ action: schema.auditLog.action })
      .from(schema.auditLog)
      .where(inArray(schema.auditLog.entityId, [pay.id, s.id, again.id]))
      .orderBy(schema.auditLog.id);
    expect(audits.map((a) => a.action)).toEqual([
      'settlement.create',
      'payout.paid',
      'payout.bounce',
      'settlement.create',
      'settlement.void',
    ]);
    expect((await reconcileJournal(t.app.db)).driftRows).toBe(0);
  }, 120_000);

  it('two settlements at once never pay the same money twice', async () => {
    const o = await acceptedOrder(coopA, 4);
    const owedBefore = (await balance(coopA)).availableFen;
    const runs = await Promise.all([settle(), settle(), settle()]);
    // On demand continues from the last settlement: each run after the first finds nothing new to pay.
    expect(runs.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    const pending = await t.app.db
      .select({ amountFen: schema.payouts.amountFen })
      .from(schema.payouts)
      .where(and(eq(schema.payouts.cooperativeId, coopA.orgId), eq(schema.payouts.status, 'pending')));
    expect(pending.reduce((s, p) => s + p.amountFen, 0)).toBe(owedBefore);
    expect(owedBefore).toBeGreaterThanOrEqual(o.totalFen);
    // The same dated period twice at once: one runs, the other overlaps it.
    const day = { cadence: 'weekly', periodStart: '2020-01-06', periodEnd: '2020-01-12' };
    const twice = await Promise.all([
      send(office, 'POST', '/api/v1/settlements', day),
      send(office, 'POST', '/api/v1/settlements', day),
    ]);
    expect(twice.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(twice.find((r) => r.statusCode === 409)!.json().code).toBe('settlement_overlaps');
  }, 120_000);

  // Last in the file: it leaves coopB's books past what any later settlement could pay.
  it('sums past the safe range are a 409 naming the sum before anything is stored (issue 13)', async () => {
    // Two acceptances of 5e15 fen each: one fits, their sum (1e16) passes Number.MAX_SAFE_INTEGER.
    // One statement each: the journal's balance trigger checks an entry at the end of its statement.
    for (const n of [1, 2])
      await t.app.db.execute(sql`
        with e as (
          insert into journal_entries (kind, source_type, source_id, idempotency_key)
          values ('acceptance', 'test', ${`huge-${n}`}, ${`acceptance:test:huge-${n}`}) returning id)
        insert into journal_lines (entry_id, account, org_id, debit_fen, credit_fen, occurred_at)
        select e.id, l.account::journal_account, ${coopB.orgId}::uuid, l.debit, l.credit, now()
        from e, (values ('coop_payable_pending', 5000000000000000, 0),
          ('coop_payable_available', 0, 5000000000000000)) as l(account, debit, credit)`);
    const counts = async () => [
      await t.app.db.$count(schema.settlements),
      await t.app.db.$count(schema.settlementStatements),
      await t.app.db.$count(schema.payouts),
    ];
    const before = await counts();
    const res = await settle();
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'amount_out_of_range',
      errors: [
        {
          field: 'settlement.closingFen',
          code: 'amount_too_large',
          message: 'makes an amount too large to record',
          params: {},
        },
      ],
    });
    expect(await counts()).toEqual(before);
  });
});
