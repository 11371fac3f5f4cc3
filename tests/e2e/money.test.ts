import { beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { cloneRow } from '@shanhai/db/testing';
import { DEMO_PASSWORD, login, type Session } from '../../apps/api/test-support/testing';
import { answerBox, DESKTOP, loginAs, MOBILE, newPage, screenshotOnFailure, submitTransfer } from './support/browser';
import { moneyApi } from './support/api';
import { saveShot } from './support/shots';
import { useStackAndBrowser } from './support/suite';

/**
 * The money loop of issue 15 through the browser, in both languages: a transfer confirmed by the
 * bank statement upload, acceptance making the cooperative's money available, a settlement whose
 * payout the office marks paid, and a 专票 the cooperative uploads and the buyer downloads. What
 * each test is not about (placing, paying, shipping) goes through the api, as the pages would.
 */
const suite = useStackAndBrowser();
const LOCALES = ['zh-CN', 'en'] as const;
type Locale = (typeof LOCALES)[number];

/** The words a test looks for, in the page's language. */
const WORDS = {
  'zh-CN': {
    autoConfirmed: '自动确认到账 1 笔',
    paid: '已付款',
    acceptConfirm: '验收后',
    settlementRun: '已生成结算批次',
    payoutPaid: '已标记付款',
    payoutStatusPaid: '已付款',
    invoiceRequested: '已提交开票申请',
    invoiceIssued: '发票已上传',
    issued: '已开票',
  },
  en: {
    autoConfirmed: 'Transfers to confirm: 1',
    paid: 'Paid',
    acceptConfirm: 'Accept',
    settlementRun: 'Settlement',
    payoutPaid: 'Payout marked paid',
    payoutStatusPaid: 'Paid',
    invoiceRequested: 'Invoice requested',
    invoiceIssued: 'Invoice uploaded',
    issued: 'Issued',
  },
} satisfies Record<Locale, Record<string, string>>;

/** A real (if minimal) PDF: the upload checks the type by the bytes. */
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

const yuan = (fen: number, locale: Locale) =>
  new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'CNY',
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(fen / 100);

let buyer: Session;
let coop: Session;
let office: Session;
beforeAll(async () => {
  const app = suite.stack.api;
  buyer = await login(app, 'buyer@demo.shanhai', DEMO_PASSWORD);
  coop = await login(app, 'coop@demo.shanhai', DEMO_PASSWORD);
  office = await login(app, 'office@demo.shanhai', DEMO_PASSWORD);
});

const { call, sql, placed, paid, payoutAccountConfirmed } = moneyApi(suite, () => ({ buyer, coop, office }));

/** Waits for what the stack does after a click; a shared, loaded machine can take seconds. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 250 });

const success = (page: Page, text: string) => page.locator('.el-message--success', { hasText: text }).waitFor();

async function signedIn(email: string, locale: Locale, name: string, phone = false) {
  const p = await newPage(suite.browser, suite.stack.baseUrl, { locale, ...(phone ? { viewport: MOBILE } : {}) });
  screenshotOnFailure(p.page, `money-${name}-${locale}`);
  await loginAs(p.page, email);
  await p.page.waitForSelector('[data-test=user-menu]');
  return p;
}

describe.each(LOCALES)('the money loop (%s)', (locale) => {
  const w = WORDS[locale];
  const tag = locale === 'en' ? 'EN' : 'ZH';

  it('a buyer pays by transfer and the office’s bank statement upload confirms it', async () => {
    const p = await placed(`流水到账茶叶 ${tag}`, 2, 4_350);
    const buyerPage = await signedIn('buyer@demo.shanhai', locale, 'a-buyer');
    await buyerPage.page.goto(`/purchases/${p.id}`);
    await submitTransfer(buyerPage.page, `ICBC${tag}0001`);
    const ref = (await buyerPage.page.locator('[data-test=remittance-ref]').textContent())!.trim();
    const [purchase] = await sql<{ remittance_ref: string }>('select remittance_ref from purchases where id = $1', [
      p.id,
    ]);
    expect(ref).toBe(purchase!.remittance_ref);
    // The platform's account to transfer to, in groups of four as the bank prints it.
    expect(await buyerPage.page.locator('[data-test=platform-account] > span').allTextContents()).toEqual([
      '3602',
      '0000',
      '0000',
      '0000',
      '000',
    ]);

    const statement = [
      '交易日期,交易流水号,对方户名,对方账号,借方金额,贷方金额,摘要,附言',
      `2026-12-03,MONEY-${tag}-1,广州山海示范采购集团,44001234567890,,${(p.totalFen / 100).toFixed(2)},网银转账,${ref} 货款`,
    ].join('\n');
    const officePage = await signedIn('office@demo.shanhai', locale, 'a-office');
    await officePage.page.goto('/office/bank');
    await officePage.page
      .locator('[data-test=bank-file]')
      .setInputFiles({ name: 'statement.csv', mimeType: 'text/csv', buffer: Buffer.from(statement) });
    await officePage.page.click('[data-test=bank-preview]');
    await poll(() => officePage.page.locator('[data-test=bank-summary]').textContent()).toContain(w.autoConfirmed);
    await saveShot(officePage.page, `money-a-bank-preview-${locale}`);
    // The preview changes nothing.
    expect((await sql<{ status: string }>('select status from purchases where id = $1', [p.id]))[0]!.status).toBe(
      'awaiting_payment',
    );
    await officePage.page.click('[data-test=bank-commit]');
    await officePage.page.locator('.el-message--success').waitFor();
    await poll(
      async () => (await sql<{ status: string }>('select status from purchases where id = $1', [p.id]))[0]!.status,
    ).toBe('paid');
    await officePage.context.close();

    await buyerPage.page.reload();
    await poll(() => buyerPage.page.locator('[data-test=order-status]').first().textContent()).toBe(w.paid);
    await saveShot(buyerPage.page, `money-a-buyer-paid-${locale}`);
    await buyerPage.context.close();
  });

  it('the buyer accepts, and the cooperative sees the amount become available', async () => {
    const p = await paid(`验收到账蜂蜜 ${tag}`, 3, 6_600, 'delivered');
    const before = await call(coop, 'GET', '/balances/mine');

    const buyerPage = await signedIn('buyer@demo.shanhai', locale, 'b-buyer');
    await buyerPage.page.goto(`/purchases/${p.id}`);
    await buyerPage.page.click('[data-test=accept]');
    await answerBox(buyerPage.page.locator('.confirm-accept'));
    await poll(
      async () => (await sql<{ status: string }>('select status from orders where id = $1', [p.orderId]))[0]!.status,
    ).toBe('accepted');
    await buyerPage.context.close();

    // A phone: a cooperative reads its balance where it is.
    const coopPage = await signedIn('coop@demo.shanhai', locale, 'b-coop', true);
    await coopPage.page.goto('/coop/balance');
    const available = coopPage.page.locator('[data-test=balance-available]');
    await poll(() => available.textContent()).toBe(yuan(before.availableFen + p.totalFen, locale));
    await expect(coopPage.page.locator('[data-test=balance-pending]').textContent()).resolves.toBe(
      yuan(before.pendingFen - p.totalFen, locale),
    );
    // The acceptance is the newest line, for the order's whole amount (the demo charges no fee).
    const newest = coopPage.page.locator('[data-test=balance-lines-phone] li').first();
    expect(await newest.isVisible()).toBe(true);
    await expect(newest.textContent()).resolves.toContain(yuan(p.totalFen, locale));
    // It names the order by the number the cooperative reads everywhere else.
    const { orderNo } = (await call(coop, 'GET', `/orders/${p.orderId}`)) as { orderNo: string };
    await expect(newest.textContent()).resolves.toContain(orderNo);
    await saveShot(coopPage.page, `money-b-coop-balance-${locale}`);
    await coopPage.context.close();
  });

  it('the office runs a settlement and marks the payout paid, and the cooperative sees its statement', async () => {
    // The cooperative is paid only to a confirmed account.
    await payoutAccountConfirmed();
    const p = await paid(`结算肉鸽 ${tag}`, 4, 12_800, 'accepted');
    const owed = (await call(coop, 'GET', '/balances/mine')).availableFen as number;
    expect(owed).toBeGreaterThanOrEqual(p.totalFen);

    const officePage = await signedIn('office@demo.shanhai', locale, 'c-office');
    await officePage.page.goto('/office/settlements');
    await officePage.page.click('[data-test=run-settlement-button]');
    await success(officePage.page, w.settlementRun);
    const toMark = officePage.page.locator('[data-test=payouts-to-mark] tbody tr', { hasText: '肉鸽养殖' });
    await expect(toMark.textContent()).resolves.toContain(yuan(owed, locale));
    await saveShot(officePage.page, `money-c-office-settlement-${locale}`);
    await officePage.page.setViewportSize(MOBILE);
    await saveShot(officePage.page, `money-c-office-settlement-phone-${locale}`);
    await officePage.page.setViewportSize(DESKTOP);
    await toMark.locator('[data-test=mark-paid]').click();
    await answerBox(officePage.page.locator('.prompt-mark-paid'), `ABC${tag}20261203`);
    // The bank's charge for the transfer is typed in yuan and posted as the platform's expense.
    await answerBox(officePage.page.locator('.prompt-bank-charge'), '1.50');
    await success(officePage.page, w.payoutPaid);
    const [payout] = await sql<{ id: string; status: string; amount_fen: number; bank_reference: string }>(
      "select id, status, amount_fen, bank_reference from payouts where cooperative_id = $1 and bank_reference like 'ABC%' order by created_at desc limit 1",
      [coop.orgId],
    );
    expect(payout).toEqual({
      id: expect.any(String),
      status: 'paid',
      amount_fen: owed,
      bank_reference: `ABC${tag}20261203`,
    });
    const charge = await sql<{ account: string; debit_fen: number; credit_fen: number }>(
      `select l.account, l.debit_fen::int, l.credit_fen::int from journal_entries e
         join journal_lines l on l.entry_id = e.id
        where e.kind = 'bank_charge' and e.source_id = $1 order by l.account::text`,
      [`default:payout:${payout!.id}`],
    );
    expect(charge).toEqual([
      { account: 'bank_charges', debit_fen: 150, credit_fen: 0 },
      { account: 'platform_bank', debit_fen: 0, credit_fen: 150 },
    ]);
    await officePage.context.close();

    const coopPage = await signedIn('coop@demo.shanhai', locale, 'c-coop');
    await coopPage.page.goto('/coop/statements');
    const first = coopPage.page.locator('[data-test=statements] tbody tr').first();
    await expect(first.locator('[data-test=statement-payout]').textContent()).resolves.toBe(yuan(owed, locale));
    await expect(first.locator('[data-test=statement-payout-status]').textContent()).resolves.toBe(w.payoutStatusPaid);
    await saveShot(coopPage.page, `money-c-coop-statements-${locale}`);
    await coopPage.page.setViewportSize(MOBILE);
    await saveShot(coopPage.page, `money-c-coop-statements-phone-${locale}`);
    await coopPage.page.setViewportSize(DESKTOP);
    await first.locator('[data-test=statement-link]').click();
    await coopPage.page.waitForSelector('[data-test=statement]');
    await expect(coopPage.page.locator('[data-test=sum-payout]').textContent()).resolves.toBe(yuan(owed, locale));
    await expect(coopPage.page.locator('[data-test=statement-payout]').textContent()).resolves.toContain(
      `ABC${tag}20261203`,
    );
    await expect(coopPage.page.locator('[data-test=statement-items]').textContent()).resolves.toContain(
      `结算肉鸽 ${tag}`,
    );
    await saveShot(coopPage.page, `money-c-coop-statement-${locale}`);
    await coopPage.page.setViewportSize(MOBILE);
    await saveShot(coopPage.page, `money-c-coop-statement-phone-${locale}`);
    await coopPage.context.close();
  });

  it('the buyer requests a 专票, the cooperative uploads it, and the buyer downloads it', async () => {
    const p = await paid(`专票山茶油 ${tag}`, 2, 9_900);
    const buyerPage = await signedIn('buyer@demo.shanhai', locale, 'd-buyer');
    await buyerPage.page.goto(`/purchases/${p.id}`);
    await buyerPage.page.click('[data-test=invoice-request]');
    await buyerPage.page.click('[data-test=invoice-kind-special]');
    // Title and tax id come from the organisation's profile; the 专票's bank details are typed.
    await poll(() => buyerPage.page.locator('[data-test=invoice-title]').inputValue()).not.toBe('');
    await buyerPage.page.fill('[data-test=invoice-address]', '广州市天河区示范路 1 号');
    await buyerPage.page.fill('[data-test=invoice-phone]', '020-00000001');
    await buyerPage.page.fill('[data-test=invoice-bank]', '中国工商银行广州天河支行');
    await buyerPage.page.fill('[data-test=invoice-account]', '3602000109001234567');
    await buyerPage.page.click('[data-test=invoice-request-submit]');
    await success(buyerPage.page, w.invoiceRequested);
    const [inv] = await sql<{ kind: string; status: string; title: string }>(
      'select kind, status, title from invoices where order_id = $1',
      [p.orderId],
    );
    expect(inv).toEqual({ kind: 'special', status: 'requested', title: '广州山海示范采购集团有限公司（演示）' });

    const coopPage = await signedIn('coop@demo.shanhai', locale, 'd-coop');
    await coopPage.page.goto(`/coop/orders/${p.orderId}`);
    await coopPage.page.click('[data-test=invoice-upload]');
    await coopPage.page.fill('[data-test=invoice-no]', `2644200000${tag === 'EN' ? '2' : '1'}`);
    await expect(coopPage.page.locator('[data-test=invoice-amount]').inputValue()).resolves.toBe(
      (p.totalFen / 100).toFixed(2),
    );
    await coopPage.page
      .locator('[data-test=invoice-file]')
      .setInputFiles({ name: 'fapiao.pdf', mimeType: 'application/pdf', buffer: PDF });
    await saveShot(coopPage.page, `money-d-coop-upload-${locale}`);
    await coopPage.page.click('[data-test=invoice-upload-submit]');
    await success(coopPage.page, w.invoiceIssued);
    await poll(() => coopPage.page.locator('[data-test=invoice-status]').textContent()).toBe(w.issued);
    await coopPage.context.close();

    await buyerPage.page.reload();
    const card = buyerPage.page.locator('[data-test=order-card]', { hasText: `专票山茶油 ${tag}` });
    await poll(() => card.locator('[data-test=invoice-status]').textContent()).toBe(w.issued);
    await saveShot(buyerPage.page, `money-d-buyer-invoice-${locale}`);
    const [download] = await Promise.all([
      buyerPage.page.waitForEvent('download'),
      card.locator('[data-test=invoice-download]').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`invoice-2644200000${tag === 'EN' ? '2' : '1'}.pdf`);
    expect(await readFile((await download.path())!)).toEqual(PDF);
    await buyerPage.context.close();
  });
});

describe('a settlement longer than a page (issue 13: no list cut short)', () => {
  const MORE = 230;
  beforeAll(async () => {
    // A real payout to copy: the demo cooperative paid to a confirmed account for an accepted order.
    await payoutAccountConfirmed();
    await paid('分页结算肉鸽', 1, 5_000, 'accepted');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const run = await call(office, 'POST', '/settlements', { cadence: 'on_demand', periodEnd: today });
    const [src] = await sql<{ payout: string; statement: string; settlement: string; coop: string }>(
      `select id as payout, statement_id as statement, settlement_id as settlement, cooperative_id as coop
       from payouts where settlement_id = $1 limit 1`,
      [run.id],
    );
    expect(src).toBeDefined();
    // A voided settlement of a year ago paying MORE cooperatives (copies of that payout): it waits
    // in no queue, and its lists are longer than one page.
    const nth = (ids: string[]) => `('{${ids.join(',')}}'::uuid[])[g]`;
    const db = suite.stack.api.db;
    const [settlement] = await cloneRow(db, 'settlements', src!.settlement, 1, {
      number: `'JS-PAGED-' || g`,
      start_at: `src.start_at - interval '400 days'`,
      end_at: `src.start_at - interval '399 days'`,
      period_start: `src.period_start - 400`,
      period_end: `src.period_start - 400`,
      statement_count: String(MORE),
      status: `'voided'`,
      voided_at: 'now()',
      void_reason: `'e2e'`,
    });
    const coops = await cloneRow(db, 'orgs', src!.coop, MORE, {
      name: `'分页合作社' || lpad(g::text, 3, '0')`,
      credit_code: 'null',
    });
    const statements = await cloneRow(db, 'settlement_statements', src!.statement, MORE, {
      settlement_id: `'${settlement}'`,
      cooperative_id: nth(coops),
    });
    await cloneRow(db, 'payouts', src!.payout, MORE, {
      settlement_id: `'${settlement}'`,
      statement_id: nth(statements),
      cooperative_id: nth(coops),
      seq: 'g',
      status: `'voided'`,
    });
  });

  it.each(LOCALES)(
    'the office opens it (%s): the first 200 statements and payouts, how many there are, and 加载更多 for the rest',
    async (locale) => {
      const officePage = await signedIn('office@demo.shanhai', locale, `e-office-paged`);
      const page = officePage.page;
      await page.goto('/office/settlements');
      await page.locator('[data-test=settlements] [data-test=settlement-open]', { hasText: 'JS-PAGED-1' }).click();
      const statementRows = page.locator('[data-test=settlement-statements] .el-table__body tr');
      const payoutRows = page.locator('[data-test=settlement-payouts] .el-table__body tr');
      await poll(() => statementRows.count()).toBe(200);
      await poll(() => payoutRows.count()).toBe(200);
      await expect(page.locator('[data-test=settlement-statements-shown]').textContent()).resolves.toContain(
        locale === 'en' ? 'Showing 200 of 230' : '已显示 200 份，共 230 份',
      );
      await expect(statementRows.first().textContent()).resolves.toContain('分页合作社001');
      const statementsMore = page.locator('[data-test=settlement-statements-more] [data-test=load-more]');
      await statementsMore.scrollIntoViewIfNeeded();
      await saveShot(page, `money-e-office-settlement-paged-${locale}`, true);
      await statementsMore.click();
      await poll(() => statementRows.count()).toBe(MORE);
      await page.locator('[data-test=settlement-payouts-more] [data-test=load-more]').click();
      await poll(() => payoutRows.count()).toBe(MORE);
      await expect(payoutRows.last().textContent()).resolves.toContain('分页合作社230');
      expect(await statementsMore.count()).toBe(0);
      expect(await page.locator('[data-test=settlement-payouts-more] [data-test=load-more]').count()).toBe(0);
      await page.setViewportSize(MOBILE);
      await page.locator('[data-test=settlement-statements-shown]').scrollIntoViewIfNeeded();
      await saveShot(page, `money-e-office-settlement-paged-phone-${locale}`, true);
      await officePage.context.close();
    },
    // 230 rows twice, in two tables, on a shared two-core machine.
    180_000,
  );
});
