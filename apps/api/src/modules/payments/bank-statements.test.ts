import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { cloneRow, createProduct, createUser } from '@shanhai/db/testing';
import { tokenCalls } from '../../../test-support/sales';
import { buyingWorld, ledgerRowsOf, shop, type Member } from '../../../test-support/shop';
import { bearer, login, type Session, type TestApp } from '../../../test-support/testing';
import { HttpProblem } from '../../lib/problem';
import { confirmTransfersTx } from './payments-service';

let t: TestApp;
let office: Session;
let officeMember: Session;
let coopA: Member;
let b: Member;
const { buyer, post, placed } = shop(() => t);
const { upload, get } = tokenCalls(() => t);

beforeAll(async () => {
  ({ t, office, coopA } = await buyingWorld());
  const [officeOrg] = await t.app.db.select().from(schema.orgs).where(eq(schema.orgs.kind, 'office')).limit(1);
  officeMember = await login(t.app, (await createUser(t.app.db, { orgId: officeOrg!.id, role: 'member' })).email);
  b = await buyer();
});
afterAll(async () => t.close());

const HEADER = '交易日期,交易流水号,对方户名,对方账号,借方金额,贷方金额,摘要,附言';
let txn = 0;
/** A statement row: a fresh bank transaction id unless given. */
function row(o: { yuan: string; memo: string; payer?: string; id?: string; debit?: boolean }) {
  const id = o.id ?? `TX${String(++txn).padStart(8, '0')}`;
  const [debit, credit] = o.debit ? [o.yuan, ''] : ['', o.yuan];
  return `2026-12-03,${id},${o.payer ?? '广州市测试采购单位'},44001234567890,${debit},${credit},网银转账,${o.memo}`;
}
const csv = (...rows: string[]) =>
  Buffer.from(['某银行 对公账户交易明细', '账号: 44050000000001', HEADER, ...rows].join('\n'));
const yuan = (fen: number) => (fen / 100).toFixed(2);

async function product(priceFen: number) {
  return createProduct(t.app.db, {
    cooperativeId: coopA.orgId,
    stock: 1000,
    priceTiers: [{ minQty: 1, unitPriceFen: priceFen }],
  });
}
/** A transfer purchase awaiting payment, of `fen` in one line. */
async function awaiting(fen: number) {
  const p = await product(fen);
  return placed(b, [{ id: p.id, qty: 1 }]) as Promise<{ id: string; totalFen: number; remittanceRef: string }>;
}
const statusOf = async (id: string) =>
  (await t.app.db.select({ s: schema.purchases.status }).from(schema.purchases).where(eq(schema.purchases.id, id)))[0]!
    .s;
const confirmAudits = async (purchaseId: string) =>
  t.app.db
    .select()
    .from(schema.auditLog)
    .where(and(eq(schema.auditLog.action, 'payment.confirm_transfer'), eq(schema.auditLog.entityId, purchaseId)));
/** Journal entries posted for the purchase (the payment's). */
const journalOf = async (purchaseId: string) =>
  t.app.db
    .select()
    .from(schema.journalEntries)
    .where(and(eq(schema.journalEntries.sourceType, 'purchase'), eq(schema.journalEntries.sourceId, purchaseId)));
const rowByTxn = async (bankTxnId: string) =>
  (await t.app.db.select().from(schema.bankStatementRows).where(eq(schema.bankStatementRows.bankTxnId, bankTxnId)))[0];
const countRows = async () =>
  Number((await t.app.db.execute<{ n: number }>(sql`select count(*)::int as n from bank_statement_rows`)).rows[0]!.n);

describe('access', () => {
  it('401 without a token; 403 for a buyer, a cooperative and office staff below manager', async () => {
    const file = csv(row({ yuan: '1.00', memo: 'x' }));
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/bank-statements' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/bank-transactions' })).statusCode).toBe(401);
    for (const s of [b.s, coopA.s, officeMember]) {
      expect((await upload('/api/v1/bank-statements?dryRun=false', s.token, file)).statusCode).toBe(403);
      const id = '00000000-0000-4000-8000-000000000000';
      expect((await post(s, `/api/v1/bank-transactions/${id}/ignore`, { reason: 'test' })).statusCode).toBe(403);
      expect((await post(s, `/api/v1/bank-transactions/${id}/refund`, { reason: 'test' })).statusCode).toBe(403);
      expect((await post(s, `/api/v1/bank-transactions/${id}/match`, { purchaseId: id })).statusCode).toBe(403);
    }
    for (const s of [b.s, coopA.s]) {
      expect((await get('/api/v1/bank-transactions', s.token)).statusCode).toBe(403);
      expect((await get('/api/v1/bank-transactions/candidates', s.token)).statusCode).toBe(403);
      expect((await get('/api/v1/bank-statements', s.token)).statusCode).toBe(403);
    }
    // Any office staff may read the queue.
    expect((await get('/api/v1/bank-transactions', officeMember.token)).statusCode).toBe(200);
    expect(await countRows()).toBe(0);
  });
});

describe('bad input: a clear 400 and nothing committed', () => {
  it('wrong columns, formula cells (CSV and XLSX), a 10 MB memo, no file, a bad dryRun', async () => {
    const p = await awaiting(12_300);
    const good = row({ yuan: yuan(p.totalFen), memo: p.remittanceRef });
    const cases: [Buffer, string, string][] = [
      [Buffer.from(`date,amount\n2026-12-03,123.00\n`), 'f.csv', 'needs the columns 交易日期/日期'],
      [csv(good, row({ yuan: '5.00', memo: '=SUM(A1:A9)' })), 'f.csv', 'has a formula in row 5, column 附言'],
      [csv(good, row({ yuan: '5.00', memo: 'x'.repeat(501) })), 'f.csv', 'has 501 characters in row 5, column 附言'],
    ];
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('明细');
    ws.addRow(HEADER.split(','));
    ws.addRow(good.split(','));
    ws.addRow(['2026-12-03', 'TXF1', 'a', '1', '', { formula: '1+1', result: 2 }, '', 'x']);
    cases.push([Buffer.from(await wb.xlsx.writeBuffer()), 'f.xlsx', 'has a formula in row 3, column 贷方金额']);
    // A 10 MB memo: compressed in an XLSX it passes the size limit, and is refused by its length.
    const big = new ExcelJS.Workbook();
    const bs = big.addWorksheet('明细');
    bs.addRow(HEADER.split(','));
    bs.addRow(['2026-12-03', 'TXBIG', 'a', '1', '', '5.00', '', 'x'.repeat(10 * 1024 * 1024)]);
    cases.push([
      Buffer.from(await big.xlsx.writeBuffer()),
      'big.xlsx',
      'has 10,485,760 characters in row 2, column 附言',
    ]);
    // And as a plain CSV it is refused by its size.
    cases.push([csv(good, row({ yuan: '5.00', memo: 'x'.repeat(10 * 1024 * 1024) })), 'f.csv', 'is larger than 5 MB']);
    for (const [file, name, message] of cases)
      for (const dryRun of ['true', 'false']) {
        const res = await upload(`/api/v1/bank-statements?dryRun=${dryRun}`, office.token, file, name);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().errors[0].field).toBe('body.file');
        expect(res.json().errors[0].message).toContain(message);
      }
    const noFile = await t.app.inject({
      method: 'POST',
      url: '/api/v1/bank-statements',
      headers: { ...bearer(office.token), 'content-type': 'application/json' },
      payload: {},
    });
    expect(noFile.statusCode).toBe(400);
    const badQuery = await upload('/api/v1/bank-statements?dryRun=maybe', office.token, csv(good));
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().errors[0].field).toBe('query.dryRun');
    // A row with a bad date or amount: listed by the preview, and the commit refuses the file.
    const badRows = csv(
      good,
      row({ yuan: '1.234', memo: 'x' }),
      row({ yuan: '1.00', memo: 'x' }).replace('2026-12-03', '2026-02-30'),
    );
    const preview = await upload('/api/v1/bank-statements?dryRun=true', office.token, badRows);
    expect(preview.statusCode).toBe(200);
    expect(preview.json().errors).toEqual([
      { row: 5, field: '贷方金额', message: 'must be a positive amount in 元 with at most two decimals' },
      { row: 6, field: '交易日期', message: 'must be a date such as 2026-12-03' },
    ]);
    const commit = await upload('/api/v1/bank-statements?dryRun=false', office.token, badRows);
    expect(commit.statusCode).toBe(400);
    expect(commit.json().detail).toBe('body.file has 2 invalid row(s); preview it to see them');
    expect(await countRows()).toBe(0);
    expect(await statusOf(p.id)).toBe('awaiting_payment');
  });
});

describe('upload: preview, commit, idempotent per bank transaction id', () => {
  it('confirms the exact transfers, queues the rest with the reason, and a second or overlapping upload changes nothing', async () => {
    const p1 = await awaiting(45_600);
    const p2 = await awaiting(7_800);
    const p3 = await awaiting(9_900);
    const rows = [
      row({ yuan: '456.00', memo: `货款 ${p1.remittanceRef.toLowerCase()}`, id: 'A1' }),
      row({ yuan: '77.00', memo: p2.remittanceRef, id: 'A2' }),
      row({ yuan: '10.00', memo: 'SH261203ZZZZZZ', id: 'A3' }),
      row({ yuan: '"1,000.00"', memo: '会费', id: 'A4', payer: '某某工会' }),
      row({ yuan: '20.00', memo: '手续费', id: 'A5', debit: true }),
    ];
    const file = csv(...rows);
    const preview = await upload('/api/v1/bank-statements?dryRun=true', office.token, file);
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json()).toMatchObject({
      dryRun: true,
      rows: 5,
      skippedRows: 1,
      errors: [],
      newRows: 4,
      duplicateRows: 0,
      matchedRows: 1,
      matchedFen: 45_600,
      queuedRows: 3,
      statementId: null,
    });
    expect(
      preview
        .json()
        .preview.map(
          (r: {
            bankTxnId: string;
            outcome: string;
            reason: string | null;
            purchaseId: string | null;
            amountFen: number;
          }) => [r.bankTxnId, r.outcome, r.reason, r.purchaseId, r.amountFen],
        ),
    ).toEqual([
      ['A1', 'match', null, p1.id, 45_600],
      ['A2', 'queue', 'amount_mismatch', p2.id, 7_700],
      ['A3', 'queue', 'unknown_reference', null, 1_000],
      ['A4', 'queue', 'no_reference', null, 100_000],
    ]);
    expect(await statusOf(p1.id)).toBe('awaiting_payment');
    expect(await countRows()).toBe(0);

    const commit = await upload('/api/v1/bank-statements?dryRun=false', office.token, file);
    expect(commit.statusCode, commit.body).toBe(200);
    expect(commit.json()).toMatchObject({
      dryRun: false,
      newRows: 4,
      matchedRows: 1,
      queuedRows: 3,
      statementId: expect.any(String),
    });
    expect(await statusOf(p1.id)).toBe('paid');
    expect(await statusOf(p2.id)).toBe('awaiting_payment');
    // The same effects as the office's confirm-transfer: ledger rows, the payment, the audit entry.
    expect((await ledgerRowsOf(t.app.db, p1.id)).map((r) => [r.kind, r.amountFen])).toEqual([['sale', 45_600]]);
    expect((await journalOf(p1.id)).map((e) => e.kind)).toEqual(['payment']);
    const [pay] = await t.app.db.select().from(schema.payments).where(eq(schema.payments.purchaseId, p1.id));
    expect(pay).toMatchObject({ status: 'succeeded', confirmedBy: expect.any(String) });
    const audits = await confirmAudits(p1.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      after: { status: 'paid', submittedAmountFen: 45_600, bankTxnId: 'A1' },
      note: p1.remittanceRef,
    });
    expect(await rowByTxn('A1')).toMatchObject({ state: 'matched_auto', purchaseId: p1.id, unmatchedReason: null });
    expect(await rowByTxn('A2')).toMatchObject({
      state: 'unmatched',
      purchaseId: p2.id,
      unmatchedReason: 'amount_mismatch',
    });
    expect(await rowByTxn('A4')).toMatchObject({
      state: 'unmatched',
      payerName: '某某工会',
      amountFen: 100_000,
      memo: '会费 / 网银转账',
    });

    // The same file again: nothing new.
    const again = await upload('/api/v1/bank-statements?dryRun=false', office.token, file);
    expect(again.json()).toMatchObject({ newRows: 0, duplicateRows: 4, matchedRows: 0, queuedRows: 0 });
    expect(await countRows()).toBe(4);
    expect(await confirmAudits(p1.id)).toHaveLength(1);
    expect(await ledgerRowsOf(t.app.db, p1.id)).toHaveLength(1);

    // An overlapping statement, as XLSX with other headers: A2 again, and a new row paying p3.
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('明细');
    ws.addRow(['交易日期', '付款人名称', '付款人账号', '金额', '用途', '交易流水号']);
    ws.addRow([new Date('2026-12-03T00:00:00Z'), '广州市测试采购单位', '44001234567890', 77, p2.remittanceRef, 'A2']);
    ws.addRow([
      new Date('2026-12-04T00:00:00Z'),
      '广州市测试采购单位',
      '44001234567890',
      99,
      `${p3.remittanceRef} 采购`,
      'A6',
    ]);
    const x = await upload(
      '/api/v1/bank-statements?dryRun=false',
      office.token,
      Buffer.from(await wb.xlsx.writeBuffer()),
      's.xlsx',
    );
    expect(x.statusCode, x.body).toBe(200);
    expect(x.json()).toMatchObject({ rows: 2, newRows: 1, duplicateRows: 1, matchedRows: 1, matchedFen: 9_900 });
    expect(await statusOf(p3.id)).toBe('paid');
    expect(await rowByTxn('A6')).toMatchObject({ state: 'matched_auto', txnDate: '2026-12-04', amountFen: 9_900 });
    expect(await countRows()).toBe(5);

    const list = await get('/api/v1/bank-statements', office.token);
    expect(list.json().map((s: { addedRows: number; matchedRows: number }) => [s.addedRows, s.matchedRows])).toEqual([
      [1, 1],
      [0, 0],
      [4, 1],
    ]);
  });

  it('a reference paid already (by hand, or twice in one file) goes to the queue', async () => {
    const p = await awaiting(3_300);
    expect((await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 3_300 })).statusCode).toBe(
      200,
    );
    const q = await awaiting(4_400);
    const res = await upload(
      '/api/v1/bank-statements?dryRun=false',
      office.token,
      csv(
        row({ yuan: '33.00', memo: p.remittanceRef, id: 'B1' }),
        row({ yuan: '44.00', memo: q.remittanceRef, id: 'B2' }),
        row({ yuan: '44.00', memo: q.remittanceRef, id: 'B3' }),
      ),
    );
    expect(res.json().preview.map((r: { outcome: string; reason: string | null }) => [r.outcome, r.reason])).toEqual([
      ['queue', 'already_paid'],
      ['match', null],
      ['queue', 'already_paid'],
    ]);
    expect(await confirmAudits(q.id)).toHaveLength(1);
  });
});

describe('many confirmations in one commit', () => {
  /** What a confirmation left for a purchase, with ids and times left out, to compare two of them. */
  async function effects(purchaseId: string) {
    const orders = await t.app.db
      .select()
      .from(schema.orders)
      .where(eq(schema.orders.purchaseId, purchaseId))
      .orderBy(schema.orders.totalFen);
    const orderIds = orders.map((o) => o.id);
    const transitions = await t.app.db
      .select()
      .from(schema.orderTransitions)
      .where(inArray(schema.orderTransitions.orderId, orderIds));
    const [entry] = await journalOf(purchaseId);
    const lines = await t.app.db.select().from(schema.journalLines).where(eq(schema.journalLines.entryId, entry!.id));
    const told = await t.app.db
      .select()
      .from(schema.notifications)
      .where(inArray(schema.notifications.subjectId, [purchaseId, ...orderIds]));
    const [pay] = await t.app.db.select().from(schema.payments).where(eq(schema.payments.purchaseId, purchaseId));
    const audits = await confirmAudits(purchaseId);
    return {
      status: await statusOf(purchaseId),
      orders: orders.map((o) => [o.status, o.totalFen]),
      transitions: transitions.map((x) => [x.fromStatus, x.toStatus, x.actor, x.actorUserId]).sort(),
      payment: [pay!.status, pay!.confirmedBy, pay!.confirmedAt !== null],
      ledger: (await ledgerRowsOf(t.app.db, purchaseId)).map((r) => [r.kind, r.amountFen, r.cooperativeId]).sort(),
      journal: lines
        .map((l) => [l.account, l.orgId, l.bankRef, l.debitFen, l.creditFen, orderIds.indexOf(l.orderId ?? '')])
        .sort(),
      notifications: told
        .map((n) => [
          n.kind,
          n.userId,
          n.orgId,
          n.eventKey.replace(purchaseId, 'P').replace(/order\.paid:.*/, 'order.paid'),
          n.emailStatus,
        ])
        .sort(),
      audits: audits.map((a) => [a.actorUserId, (a.after as { status: string }).status]),
    };
  }
  const balanceRows = async () =>
    (await t.app.db.select().from(schema.accountBalances)).map((r) => ({ ...r, updatedAt: null }));

  it('gives each purchase what its manual confirmation gives: two cooperatives per purchase, several purchases in one batch', async () => {
    const [pa, pb] = [await product(1_100), await product(2_300)];
    const coopB = await shop(() => t).coop('daping');
    const pc = await createProduct(t.app.db, {
      cooperativeId: coopB.orgId,
      stock: 1000,
      priceTiers: [{ minQty: 1, unitPriceFen: 700 }],
    });
    const lines = [
      { id: pa.id, qty: 2 },
      { id: pb.id, qty: 1 },
      { id: pc.id, qty: 3 },
    ];
    const [manual, s1, s2] = [await placed(b, lines), await placed(b, lines), await placed(b, lines)] as {
      id: string;
      totalFen: number;
      remittanceRef: string;
    }[];
    const before = await balanceRows();
    const m = await post(office, `/api/v1/payments/${manual!.id}/confirm-transfer`, { amountFen: manual!.totalFen });
    expect(m.statusCode, m.body).toBe(200);
    const res = await upload(
      '/api/v1/bank-statements?dryRun=false',
      office.token,
      csv(
        row({ yuan: yuan(s1!.totalFen), memo: s1!.remittanceRef, id: 'M1' }),
        row({ yuan: '1.00', memo: '会费', id: 'M2' }),
        row({ yuan: yuan(s2!.totalFen), memo: s2!.remittanceRef, id: 'M3' }),
      ),
    );
    expect(res.json()).toMatchObject({ matchedRows: 2, queuedRows: 1 });
    const want = await effects(manual!.id);
    expect(want.orders).toHaveLength(2);
    expect(want.notifications.length).toBeGreaterThan(2);
    expect(await effects(s1!.id)).toEqual(want);
    expect(await effects(s2!.id)).toEqual(want);
    // The running balances moved by three payments' lines, summed per balance row.
    const after = await balanceRows();
    const moved = (rows: typeof after, a: string, org: string | null) =>
      rows.find((r) => r.account === a && r.orgId === org) ?? { debitFen: 0, creditFen: 0, lineCount: 0 };
    const bank = (rows: typeof after) => rows.find((r) => r.account === 'platform_bank')!;
    expect(bank(after).debitFen - (before.find((r) => r.account === 'platform_bank')?.debitFen ?? 0)).toBe(
      3 * manual!.totalFen,
    );
    expect(
      moved(after, 'coop_payable_pending', coopB.orgId).creditFen -
        moved(before, 'coop_payable_pending', coopB.orgId).creditFen,
    ).toBe(3 * 2_100);
    expect(
      moved(after, 'coop_payable_pending', coopB.orgId).lineCount -
        moved(before, 'coop_payable_pending', coopB.orgId).lineCount,
    ).toBe(3);
  });

  it('confirmTransfersTx judges each item as the manual confirmation would, a purchase named twice paid once', async () => {
    const p = await awaiting(1_234);
    const q = await awaiting(2_345);
    const [me] = await t.app.db.select().from(schema.users).where(eq(schema.users.email, 'office@demo.shanhai'));
    const who = { userId: me!.id, orgId: me!.orgId, orgKind: 'office' as const, role: me!.role, email: me!.email };
    const out = await t.app.db.transaction((tx) =>
      confirmTransfersTx(tx, who, [
        { purchaseId: p.id, amountFen: 1_234, bankTxnId: 'T1' },
        { purchaseId: q.id, amountFen: 2_000 },
        { purchaseId: p.id, amountFen: 1_234, bankTxnId: 'T2' },
        { purchaseId: '00000000-0000-4000-8000-000000000000', amountFen: 1 },
      ]),
    );
    expect(out.map((o) => (o instanceof HttpProblem ? o.code : o))).toEqual([
      'paid',
      'amount_mismatch',
      'already_paid',
      null,
    ]);
    expect(await statusOf(p.id)).toBe('paid');
    expect(await statusOf(q.id)).toBe('awaiting_payment');
    expect(await journalOf(p.id)).toHaveLength(1);
    expect(await journalOf(q.id)).toHaveLength(0);
    expect((await confirmAudits(p.id)).map((a) => (a.after as { bankTxnId: string }).bankTxnId)).toEqual(['T1']);
    // The manual confirmation answers the same problem, thrown.
    const r = await post(office, `/api/v1/payments/${q.id}/confirm-transfer`, { amountFen: 2_000 });
    expect([r.statusCode, r.json().code]).toEqual([409, 'amount_mismatch']);
  });
});

describe('the matching queue', () => {
  it('lists and searches by payer and amount; the office matches by hand through the same confirmation', async () => {
    const p = await awaiting(12_345);
    await upload(
      '/api/v1/bank-statements?dryRun=false',
      office.token,
      csv(
        row({ yuan: '123.45', memo: '采购款（未写识别码）', id: 'C1', payer: '越秀区某工会委员会' }),
        row({ yuan: '123.40', memo: p.remittanceRef, id: 'C2', payer: '越秀区某工会委员会' }),
      ),
    );
    const all = await get('/api/v1/bank-transactions?q=越秀区', officeMember.token);
    expect(all.statusCode).toBe(200);
    expect(all.json().map((r: { bankTxnId: string }) => r.bankTxnId)).toEqual(['C1', 'C2']);
    const byAmount = await get('/api/v1/bank-transactions?q=越秀区&amountFen=12345', office.token);
    expect(byAmount.json()).toMatchObject([
      { bankTxnId: 'C1', state: 'unmatched', unmatchedReason: 'no_reference', amountFen: 12_345, purchase: null },
    ]);
    expect((await get('/api/v1/bank-transactions?amountFen=abc', office.token)).json().errors[0].field).toBe(
      'query.amountFen',
    );
    const c2 = (await get('/api/v1/bank-transactions?q=C2', office.token)).json()[0];
    expect(c2).toMatchObject({ unmatchedReason: 'amount_mismatch', purchase: { id: p.id, totalFen: 12_345 } });

    const candidates = await get(`/api/v1/bank-transactions/candidates?amountFen=12345`, office.token);
    expect(candidates.json()).toMatchObject([
      { purchaseId: p.id, remittanceRef: p.remittanceRef, status: 'awaiting_payment' },
    ]);

    const c1 = byAmount.json()[0];
    // The wrong amount is refused by the same check as confirm-transfer, and changes nothing.
    const wrong = await post(office, `/api/v1/bank-transactions/${c2.id}/match`, { purchaseId: p.id });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json().code).toBe('amount_mismatch');
    expect((await post(office, `/api/v1/bank-transactions/${c1.id}/match`, {})).json().errors[0].field).toBe(
      'body.purchaseId',
    );
    const unknown = await post(office, `/api/v1/bank-transactions/${c1.id}/match`, {
      purchaseId: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.statusCode).toBe(400);
    expect(
      (await post(office, '/api/v1/bank-transactions/00000000-0000-4000-8000-000000000000/match', { purchaseId: p.id }))
        .statusCode,
    ).toBe(404);

    const ok = await post(office, `/api/v1/bank-transactions/${c1.id}/match`, { purchaseId: p.id });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      confirmed: true,
      transaction: { state: 'matched_manual', purchase: { id: p.id, remittanceRef: p.remittanceRef } },
    });
    expect(await statusOf(p.id)).toBe('paid');
    expect(await confirmAudits(p.id)).toHaveLength(1);
    const [audit] = await t.app.db
      .select()
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.action, 'bank_transaction.match'), eq(schema.auditLog.entityId, c1.id)));
    expect(audit).toMatchObject({
      before: { state: 'unmatched' },
      after: { state: 'matched_manual', purchaseId: p.id },
      note: 'C1',
    });
    // Decided once: a second decision on the row is refused.
    const twice = await post(office, `/api/v1/bank-transactions/${c1.id}/ignore`, { reason: '重复' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('not_in_queue');
  });

  it('a purchase confirmed by hand takes one bank row as its evidence, no second', async () => {
    const p = await awaiting(5_500);
    expect((await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: 5_500 })).statusCode).toBe(
      200,
    );
    await upload(
      '/api/v1/bank-statements?dryRun=false',
      office.token,
      csv(row({ yuan: '55.00', memo: p.remittanceRef, id: 'D1' }), row({ yuan: '55.00', memo: '转账', id: 'D2' })),
    );
    const d1 = (await get('/api/v1/bank-transactions?q=D1', office.token)).json()[0];
    expect(d1).toMatchObject({ unmatchedReason: 'already_paid', purchase: { id: p.id } });
    const candidates = await get(`/api/v1/bank-transactions/candidates?q=${p.remittanceRef}`, office.token);
    expect(candidates.json()).toMatchObject([{ purchaseId: p.id, status: 'paid' }]);
    const ok = await post(office, `/api/v1/bank-transactions/${d1.id}/match`, { purchaseId: p.id });
    expect(ok.json()).toMatchObject({ confirmed: false, transaction: { state: 'matched_manual' } });
    expect(await confirmAudits(p.id)).toHaveLength(1);
    const d2 = (await get('/api/v1/bank-transactions?q=D2', office.token)).json()[0];
    const second = await post(office, `/api/v1/bank-transactions/${d2.id}/match`, { purchaseId: p.id });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'already_matched', bankTxnId: 'D1' });
    expect((await get(`/api/v1/bank-transactions/candidates?q=${p.remittanceRef}`, office.token)).json()).toEqual([]);
  });

  it('marks for refund or ignores, with a reason, audited; the reason is required', async () => {
    await upload(
      '/api/v1/bank-statements?dryRun=false',
      office.token,
      csv(row({ yuan: '8.00', memo: '误转', id: 'E1' }), row({ yuan: '9.00', memo: '利息', id: 'E2' })),
    );
    const [e1, e2] = ['E1', 'E2'].map(
      async (id) => (await get(`/api/v1/bank-transactions?q=${id}`, office.token)).json()[0],
    );
    const r1 = await e1;
    const r2 = await e2;
    const noReason = await post(office, `/api/v1/bank-transactions/${r1.id}/refund`, {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors[0].field).toBe('body.reason');
    const refund = await post(office, `/api/v1/bank-transactions/${r1.id}/refund`, {
      reason: '付款单位误转，原路退回',
    });
    expect(refund.statusCode).toBe(200);
    expect(refund.json()).toMatchObject({ state: 'refund_marked', decisionNote: '付款单位误转，原路退回' });
    const ignore = await post(office, `/api/v1/bank-transactions/${r2.id}/ignore`, { reason: '银行结息' });
    expect(ignore.json()).toMatchObject({ state: 'ignored', decisionNote: '银行结息' });
    const audits = await t.app.db
      .select({ action: schema.auditLog.action, after: schema.auditLog.after })
      .from(schema.auditLog)
      .where(inArray(schema.auditLog.entityId, [r1.id, r2.id]));
    expect(audits.map((a) => a.action).sort()).toEqual(['bank_transaction.ignore', 'bank_transaction.mark_refund']);
    expect((await get('/api/v1/bank-transactions?state=ignored&q=E2', office.token)).json()).toHaveLength(1);
    expect(
      (await get('/api/v1/bank-transactions?q=E', office.token)).json().map((r: { bankTxnId: string }) => r.bankTxnId),
    ).not.toContain('E1');
  });
});

describe('concurrency', () => {
  it('a statement upload racing the manual confirmation confirms once', async () => {
    for (let i = 0; i < 4; i++) {
      const p = await awaiting(6_000 + i);
      const id = `R${i}`;
      const [up, manual] = await Promise.all([
        upload(
          '/api/v1/bank-statements?dryRun=false',
          office.token,
          csv(row({ yuan: yuan(p.totalFen), memo: p.remittanceRef, id })),
        ),
        post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen }),
      ]);
      expect(up.statusCode, up.body).toBe(200);
      expect(manual.statusCode, manual.body).toBe(200);
      expect(await statusOf(p.id)).toBe('paid');
      expect(await confirmAudits(p.id)).toHaveLength(1);
      expect(await ledgerRowsOf(t.app.db, p.id)).toHaveLength(1);
      expect(await journalOf(p.id)).toHaveLength(1);
      const r = (await rowByTxn(id))!;
      // Whoever came second found it paid: the row matched (upload first) or waits as already paid.
      if (up.json().matchedRows === 1) expect(r).toMatchObject({ state: 'matched_auto', purchaseId: p.id });
      else expect(r).toMatchObject({ state: 'unmatched', unmatchedReason: 'already_paid', purchaseId: p.id });
    }
  });

  it('the same statement uploaded twice at once adds its rows and confirms its transfer once', async () => {
    const p = await awaiting(7_070);
    const file = csv(
      row({ yuan: '70.70', memo: p.remittanceRef, id: 'S1' }),
      row({ yuan: '1.00', memo: 'x', id: 'S2' }),
    );
    const before = await countRows();
    const both = await Promise.all(
      [0, 1].map(() => upload('/api/v1/bank-statements?dryRun=false', office.token, file)),
    );
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(both.map((r) => r.json().newRows).sort()).toEqual([0, 2]);
    expect(await countRows()).toBe(before + 2);
    expect(await confirmAudits(p.id)).toHaveLength(1);
  });

  it('two decisions on one queue row at once: one wins, the other is told', async () => {
    await upload('/api/v1/bank-statements?dryRun=false', office.token, csv(row({ yuan: '3.00', memo: '?', id: 'F1' })));
    const f1 = (await get('/api/v1/bank-transactions?q=F1', office.token)).json()[0];
    const r = await Promise.all([
      post(office, `/api/v1/bank-transactions/${f1.id}/ignore`, { reason: '测试' }),
      post(office, `/api/v1/bank-transactions/${f1.id}/refund`, { reason: '测试' }),
    ]);
    expect(r.map((x) => x.statusCode).sort()).toEqual([200, 409]);
  });
});

describe('transfer candidates, a page at a time (issue 13)', () => {
  it('every candidate is reachable: no window of the newest 50; cursor and limit checked', async () => {
    const p = await awaiting(77_777);
    // 60 older purchases of the same amount: more than the 50 the list used to stop at.
    await cloneRow(t.app.db, 'purchases', p.id, 60, {
      remittance_ref: `src.remittance_ref || '-' || g`,
      created_at: `src.created_at - g * interval '1 minute'`,
    });
    const url = '/api/v1/bank-transactions/candidates?amountFen=77777';
    const whole = await get(url, office.token);
    expect(whole.statusCode, whole.body).toBe(200);
    expect(whole.json()).toHaveLength(61);
    expect(whole.headers['x-next-cursor']).toBeUndefined();
    expect(whole.json()[0]).toMatchObject({ purchaseId: p.id, remittanceRef: p.remittanceRef });
    // Pages of 25: the same rows in the same order, newest first, none twice.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await get(`${url}&limit=25${cursor ? `&cursor=${cursor}` : ''}`, office.token);
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().map((c: { purchaseId: string }) => c.purchaseId));
      cursor = res.headers['x-next-cursor'] as string | undefined;
    } while (cursor);
    expect(seen).toEqual(whole.json().map((c: { purchaseId: string }) => c.purchaseId));
    const created = whole.json().map((c: { createdAt: string }) => c.createdAt);
    expect(created).toEqual(created.toSorted().toReversed());

    const fieldOf = async (u: string) => {
      const res = await get(u, office.token);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().errors[0].field;
    };
    expect(await fieldOf(`${url}&limit=501`)).toBe('query.limit');
    // Another list's cursor with the same keys (the payment queue's) is foreign here.
    const ours = (await get(`${url}&limit=1`, office.token)).headers['x-next-cursor'] as string;
    const [, ...keys] = JSON.parse(Buffer.from(ours, 'base64url').toString()) as string[];
    const foreign = Buffer.from(JSON.stringify(['payments', ...keys])).toString('base64url');
    expect(await fieldOf(`${url}&cursor=${foreign}`)).toBe('query.cursor');
    expect((await get(`${url}&cursor=${ours}`, office.token)).json()).toHaveLength(60);
    expect(await fieldOf(`${url}&cursor=not-a-cursor`)).toBe('query.cursor');
    expect((await get(url, null)).statusCode).toBe(401);
    expect((await get(url, b.s.token)).statusCode).toBe(403);
  });
});
