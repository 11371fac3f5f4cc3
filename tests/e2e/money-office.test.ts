import { beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { createOrgWithUser, TEST_PASSWORD } from '@shanhai/db/testing';
import { CATEGORIES } from '@shanhai/domain';
import { DEMO_PASSWORD, login, type Session } from '../../apps/api/test-support/testing';
import { answerBox, MOBILE, newPage, loginAs, screenshotOnFailure } from './support/browser';
import { moneyApi } from './support/api';
import { saveShot } from './support/shots';
import { useStackAndBrowser } from './support/suite';

/**
 * The money pages of issue 15 that money.test.ts's four journeys do not click through: the
 * office's fee rates and automatic-acceptance period, a payout account change confirmed by the
 * office, the bank batch file, a bounced payout, a statement downloaded and printed, the matching
 * queue's search, match by hand and refund mark, the invoice backlog and a red-letter flag, and an
 * owner's organisation settings, and a bank charge recorded outside a payout. What a test is not about goes through the api, as the pages would.
 */
const suite = useStackAndBrowser();
type Locale = 'zh-CN' | 'en';

/** A real (if minimal) PDF: the upload checks the type by the bytes. */
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

let buyer: Session;
let coop: Session;
let office: Session;
let coopName: string;
beforeAll(async () => {
  const app = suite.stack.api;
  buyer = await login(app, 'buyer@demo.shanhai', DEMO_PASSWORD);
  coop = await login(app, 'coop@demo.shanhai', DEMO_PASSWORD);
  office = await login(app, 'office@demo.shanhai', DEMO_PASSWORD);
  coopName = (await sql<{ name: string }>('select name from orgs where id = $1', [coop.orgId]))[0]!.name;
});

const { call, sql, placed, paid, payoutAccountConfirmed } = moneyApi(suite, () => ({ buyer, coop, office }));
const one = async <R extends object>(text: string, params: unknown[] = []) => (await sql<R>(text, params))[0];

/** Waits for what the stack does after a click; a shared, loaded machine can take seconds. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 250 });
const succeeded = (page: Page) => page.locator('.el-message--success').last().waitFor();

async function signedIn(email: string, locale: Locale, name: string, phone = false) {
  const p = await newPage(suite.browser, suite.stack.baseUrl, { locale, ...(phone ? { viewport: MOBILE } : {}) });
  screenshotOnFailure(p.page, `money-office-${name}-${locale}`);
  await loginAs(p.page, email);
  await p.page.waitForSelector('[data-test=user-menu]');
  return p;
}
async function downloaded(page: Page, click: () => Promise<void>) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), bytes: await readFile((await download.path())!) };
}

describe('the office’s and the cooperative’s money pages', () => {
  it('the office sets a category’s and a cooperative’s fee rate and the automatic-acceptance period (en)', async () => {
    // The demo cooperative is owed the price of an accepted order: it leads the list, which is by name otherwise.
    await paid('排序测试蜂蜜', 2, 5_000, 'accepted');
    const { page, context } = await signedIn('office@demo.shanhai', 'en', 'rates');
    await page.goto('/office/money');
    await page.waitForSelector('[data-test=category-rates]');
    const category = CATEGORIES[0]!;

    // Who is owed most comes first (available, then pending); the cooperative's header sorts by name.
    const rows = page.locator('[data-test=coop-balances] tbody tr');
    const column = async (i: number) =>
      rows.evaluateAll((trs, n) => trs.map((tr) => tr.querySelectorAll('td')[n]!.textContent!.trim()), i);
    const fen = (s: string) => Math.round(Number(s.replace(/[^\d.]/g, '')) * 100);
    const available = (await column(2)).map(fen);
    expect(available.length).toBeGreaterThan(2);
    expect(available[0]).toBeGreaterThan(0);
    expect(await column(0).then((c) => c[0])).toBe(coopName);
    expect(available).toEqual([...available].sort((a, b) => b - a));
    // Those owed nothing follow by name (Element Plus's own descending sort would reverse them).
    const [names, pending] = [await column(0), (await column(1)).map(fen)];
    const nothing = names.filter((_, i) => available[i] === 0 && pending[i] === 0);
    expect(nothing.length).toBeGreaterThan(2);
    expect(nothing).toEqual([...nothing].sort((a, b) => a.localeCompare(b, 'en')));
    const byName = (await column(0)).sort((a, b) => a.localeCompare(b, 'en'));
    await page.locator('[data-test=coop-balances] thead th').first().click();
    await poll(() => column(0)).toEqual(byName);

    const rateOf = (where: string, value: string) =>
      one<{ rate_bps: number }>(`select rate_bps from fee_rates where ${where} = $1`, [value]).then(
        (r) => r?.rate_bps ?? null,
      );

    // A category's rate, typed as a percentage.
    await page.locator('[data-test=category-rates] tbody tr').first().locator('[data-test=set-category-rate]').click();
    await answerBox(page.locator('.prompt-fee-rate'), '2.5');
    await poll(() => rateOf('category', category)).toBe(250);
    await poll(() => page.locator('[data-test=category-rates] tbody tr').first().textContent()).toContain('2.5%');

    // A cooperative's own rate, which wins over its category's.
    const coopRow = page.locator('[data-test=coop-balances] tbody tr', { hasText: coopName });
    await coopRow.locator('[data-test=set-coop-rate]').click();
    await answerBox(page.locator('.prompt-fee-rate'), '1');
    await poll(() => rateOf('cooperative_id', coop.orgId)).toBe(100);
    await poll(() => coopRow.textContent()).toContain('1%');
    await saveShot(page, 'money-office-rates-en');

    // An empty answer removes a rate (back to the default of 0).
    await coopRow.locator('[data-test=set-coop-rate]').click();
    await answerBox(page.locator('.prompt-fee-rate'), '');
    await poll(() => rateOf('cooperative_id', coop.orgId)).toBe(null);
    await page.locator('[data-test=category-rates] tbody tr').first().locator('[data-test=set-category-rate]').click();
    await answerBox(page.locator('.prompt-fee-rate'), '');
    await poll(() => rateOf('category', category)).toBe(null);

    // The automatic acceptance after N days.
    await page.click('[data-test=set-auto-accept]');
    await answerBox(page.locator('.prompt-auto-accept-days'), '10');
    await poll(async () => (await one<{ d: number }>('select auto_accept_days as d from money_settings'))!.d).toBe(10);
    await page.click('[data-test=set-auto-accept]');
    await answerBox(page.locator('.prompt-auto-accept-days'), '7');
    await poll(async () => (await one<{ d: number }>('select auto_accept_days as d from money_settings'))!.d).toBe(7);
    // Each change is audited with what it set.
    const audits = await sql<{ action: string; after: object }>(
      "select action, after from audit_log where action in ('fee_rate.set', 'money_settings.set') order by id",
    );
    expect(audits).toEqual([
      { action: 'fee_rate.set', after: { rateBps: 250 } },
      { action: 'fee_rate.set', after: { rateBps: 100 } },
      { action: 'fee_rate.set', after: { rateBps: null } },
      { action: 'fee_rate.set', after: { rateBps: null } },
      { action: 'money_settings.set', after: { autoAcceptDays: 10 } },
      { action: 'money_settings.set', after: { autoAcceptDays: 7 } },
    ]);
    await context.close();
  });

  it('a cooperative asks for a new payout account, the office confirms it, and both steps are audited (zh-CN)', async () => {
    const accountNo = '6228480099990001';
    const coopPage = await signedIn('coop@demo.shanhai', 'zh-CN', 'account-coop');
    await coopPage.page.goto('/coop/statements');
    await coopPage.page.click('[data-test=payout-account-edit]');
    await coopPage.page.fill('[data-test=acct-name]', coopName);
    await coopPage.page.fill('[data-test=acct-bank]', '中国农业银行');
    await coopPage.page.fill('[data-test=acct-branch]', '阳山支行');
    await coopPage.page.fill('[data-test=acct-no]', '6228 4800 9999 0001');
    await coopPage.page.click('[data-test=acct-submit]');
    await succeeded(coopPage.page);
    await poll(() => coopPage.page.locator('[data-test=payout-account-pending]').textContent()).toContain(accountNo);
    const requested = await one<{ id: string; status: string }>(
      'select id, status from payout_accounts where cooperative_id = $1 and account_no = $2',
      [coop.orgId, accountNo],
    );
    expect(requested!.status).toBe('pending');

    const officePage = await signedIn('office@demo.shanhai', 'zh-CN', 'account-office');
    await officePage.page.goto('/office/settlements');
    const change = officePage.page.locator('[data-test=account-changes] tbody tr', { hasText: accountNo });
    // The number reads in groups of four, spaced apart on screen; its text (what a copy takes) is the bare digits.
    const groups = change.locator('.account-number').first().locator(':scope > span');
    await change.waitFor();
    expect(await groups.allTextContents()).toEqual(['6228', '4800', '9999', '0001']);
    const [first, second] = [(await groups.nth(0).boundingBox())!, (await groups.nth(1).boundingBox())!];
    expect(second.x - (first.x + first.width)).toBeGreaterThan(2);
    await change.locator('[data-test=confirm-account]').click();
    await succeeded(officePage.page);
    await poll(
      async () =>
        (await one<{ status: string }>('select status from payout_accounts where id = $1', [requested!.id]))!.status,
    ).toBe('active');
    await saveShot(officePage.page, 'money-office-account-confirmed-zh-CN');
    await officePage.context.close();

    const audits = await sql<{ action: string }>(
      "select action from audit_log where entity_id = $1 and action like 'payout_account.%' order by id",
      [requested!.id],
    );
    expect(audits.map((a) => a.action)).toEqual(['payout_account.request', 'payout_account.confirm']);
    await coopPage.page.reload();
    await poll(() => coopPage.page.locator('[data-test=payout-account-active]').textContent()).toContain(accountNo);
    await coopPage.context.close();
  });

  it('the office downloads the bank file as CSV and XLSX, marks the payout paid and records its bounce; the cooperative downloads and prints its statement (en)', async () => {
    await payoutAccountConfirmed({ accountName: coopName, accountNo: '6228480099990002' });
    const accountNo = (await call(coop, 'GET', '/payout-account')).active.accountNo as string;
    await paid('结算退回肉鸽', 2, 15_000, 'accepted');
    const owed = (await call(coop, 'GET', '/balances/mine')).availableFen as number;

    const { page, context } = await signedIn('office@demo.shanhai', 'en', 'bank-file');
    await page.goto('/office/settlements');
    await page.click('[data-test=run-settlement-button]');
    await succeeded(page);
    const s = (await one<{ id: string; number: string }>(
      'select id, number from settlements order by created_at desc limit 1',
    ))!;
    const row = page.locator('[data-test=settlements] tbody tr', { hasText: s.number });

    // The bank batch-payment file in both formats, with this cooperative's payout in it.
    const csv = await downloaded(page, () => row.locator('[data-test=bank-file-csv]').click());
    expect(csv.name).toBe(`批量付款-${s.number}.csv`);
    const lines = csv.bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('序号,收款账号,收款户名,收款银行,开户行/支行,金额(元),用途/附言');
    expect(
      lines
        .find((l) => l.includes(accountNo))!
        .split(',')
        .slice(1, 6),
    ).toEqual([accountNo, coopName, '中国农业银行', '阳山支行', (owed / 100).toFixed(2)]);
    const xlsx = await downloaded(page, () => row.locator('[data-test=bank-file-xlsx]').click());
    expect(xlsx.name).toBe(`批量付款-${s.number}.xlsx`);
    expect(xlsx.bytes.subarray(0, 2).toString('latin1')).toBe('PK');

    // Marked paid without a bank charge, then returned by the bank: the amount is available again.
    await page
      .locator('[data-test=payouts-to-mark] tbody tr', { hasText: coopName })
      .locator('[data-test=mark-paid]')
      .click();
    await answerBox(page.locator('.prompt-mark-paid'), 'BOUNCE20261203');
    await answerBox(page.locator('.prompt-bank-charge'));
    await succeeded(page);
    await poll(async () => (await call(coop, 'GET', '/balances/mine')).availableFen).toBe(0);
    await row.locator('[data-test=settlement-open]').click();
    const payoutRow = page.locator('[data-test=settlement-payouts] tbody tr', { hasText: coopName });
    await payoutRow.locator('[data-test=bounce]').click();
    await answerBox(page.locator('.prompt-bounce'), 'Account closed at the bank');
    await poll(() =>
      one<{ status: string; bank_charge_fen: number }>(
        'select status, bank_charge_fen::int from payouts where settlement_id = $1 and cooperative_id = $2',
        [s.id, coop.orgId],
      ),
    ).toEqual({ status: 'bounced', bank_charge_fen: 0 });
    await poll(async () => (await call(coop, 'GET', '/balances/mine')).availableFen).toBe(owed);
    await context.close();

    // The cooperative's statement: an Excel file and a printable page without the buttons.
    const coopPage = await signedIn('coop@demo.shanhai', 'en', 'statement');
    await coopPage.page.goto('/coop/statements');
    await coopPage.page
      .locator('[data-test=statements] tbody tr')
      .first()
      .locator('[data-test=statement-link]')
      .click();
    await coopPage.page.waitForSelector('[data-test=statement]');
    const file = await downloaded(coopPage.page, () => coopPage.page.click('[data-test=statement-download]'));
    expect(file.name).toBe(`结算单-${s.number}.xlsx`);
    expect(file.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    await coopPage.page.emulateMedia({ media: 'print' });
    expect(await coopPage.page.locator('[data-test=statement-print]').isVisible()).toBe(false);
    expect(await coopPage.page.locator('[data-test=statement-items]').textContent()).toContain('结算退回肉鸽');
    await saveShot(coopPage.page, 'money-office-statement-print-en');
    await coopPage.context.close();
  });

  it('the matching queue: a row found by payer and amount is matched by hand, another is marked for refund with a reason (zh-CN)', async () => {
    const p = await placed('人工匹配茶叶', 3, 2_345);
    const yuan = (p.totalFen / 100).toFixed(2);
    const statement = [
      '交易日期,交易流水号,对方户名,对方账号,借方金额,贷方金额,摘要,附言',
      // The buyer left the remittance reference out: the row waits for the office.
      `2026-12-03,QUEUE-1,清远人工匹配示范单位,44001234500001,,${yuan},网银转账,货款`,
      `2026-12-03,QUEUE-2,多付退款示范单位,44001234500002,,12.34,网银转账,重复付款`,
    ].join('\n');
    const { page, context } = await signedIn('office@demo.shanhai', 'zh-CN', 'queue');
    await page.goto('/office/bank');
    await page
      .locator('[data-test=bank-file]')
      .setInputFiles({ name: 'statement.csv', mimeType: 'text/csv', buffer: Buffer.from(statement) });
    await page.click('[data-test=bank-preview]');
    await page.locator('[data-test=bank-commit]:not([disabled])').waitFor();
    await page.click('[data-test=bank-commit]');
    await succeeded(page);
    const stateOf = async (id: string) =>
      (await one<{ state: string; decision_note: string | null; purchase_id: string | null }>(
        'select state, decision_note, purchase_id from bank_statement_rows where bank_txn_id = $1',
        [id],
      ))!;
    await poll(async () => (await stateOf('QUEUE-1')).state).toBe('unmatched');

    // Search by payer and amount: the one row.
    await page.fill('[data-test=bank-q]', '人工匹配示范');
    await page.fill('[data-test=bank-amount]', yuan);
    await page.click('[data-test=bank-find]');
    const queued = page.locator('[data-test=bank-queue] tbody tr');
    await poll(() => queued.count()).toBe(1);
    await expect(queued.first().textContent()).resolves.toContain('QUEUE-1');

    // Matched by hand with the purchase found by its reference, through the manual confirmation.
    await queued.first().locator('[data-test=bank-match]').click();
    const dialog = page.locator('[data-test=bank-match-dialog]');
    await dialog.locator('[data-test=candidate-q]').fill(p.remittanceRef);
    await dialog.locator('[data-test=candidate-find]').click();
    const candidates = dialog.locator('[data-test=bank-candidates] tbody tr');
    await poll(() => candidates.count()).toBe(1);
    await saveShot(page, 'money-office-match-zh-CN');
    await candidates.first().locator('[data-test=candidate-choose]').click();
    await answerBox(page.locator('.confirm-bank-match'));
    await succeeded(page);
    await poll(async () => (await stateOf('QUEUE-1')).state).toBe('matched_manual');
    expect((await stateOf('QUEUE-1')).purchase_id).toBe(p.id);
    expect((await one<{ status: string }>('select status from purchases where id = $1', [p.id]))!.status).toBe('paid');

    // The overpayment is marked for refund, with the reason kept.
    await page.fill('[data-test=bank-q]', '多付退款');
    await page.fill('[data-test=bank-amount]', '12.34');
    await page.click('[data-test=bank-find]');
    await poll(() => queued.count()).toBe(1);
    await queued.first().locator('[data-test=bank-refund]').click();
    await answerBox(page.locator('.prompt-bank-reason'), '对方重复付款，原路退回');
    await succeeded(page);
    await poll(async () => (await stateOf('QUEUE-2')).state).toBe('refund_marked');
    expect((await stateOf('QUEUE-2')).decision_note).toBe('对方重复付款，原路退回');
    await context.close();
  });

  it('the office sees requested invoices by age; a refund after issuing flags a red-letter reissue for the seller (en)', async () => {
    const waiting = await paid('待开票山茶油', 1, 8_800);
    await call(buyer, 'POST', `/orders/${waiting.orderId}/invoice`, { kind: 'normal' });
    await sql("update invoices set created_at = now() - interval '3 days 1 hour' where order_id = $1", [
      waiting.orderId,
    ]);

    const issued = await paid('红冲蜂蜜', 1, 6_600);
    await call(buyer, 'POST', `/orders/${issued.orderId}/invoice`, { kind: 'normal' });
    const coopPage = await signedIn('coop@demo.shanhai', 'en', 'red-letter');
    await coopPage.page.goto(`/coop/orders/${issued.orderId}`);
    await coopPage.page.click('[data-test=invoice-upload]');
    await coopPage.page.fill('[data-test=invoice-no]', '26442000003');
    await coopPage.page
      .locator('[data-test=invoice-file]')
      .setInputFiles({ name: 'fapiao.pdf', mimeType: 'application/pdf', buffer: PDF });
    await coopPage.page.click('[data-test=invoice-upload-submit]');
    await poll(
      async () =>
        (await one<{ status: string }>('select status from invoices where order_id = $1', [issued.orderId]))!.status,
    ).toBe('issued');
    // The buyer cancels the paid order: refunded, so the issued invoice needs a red letter.
    expect((await call(buyer, 'POST', `/orders/${issued.orderId}/cancel`)).status).toBe('refunded');
    await coopPage.page.reload();
    await poll(() => coopPage.page.locator('[data-test=invoice-status]').textContent()).toBe(
      'Needs red-letter reissue',
    );
    await expect(coopPage.page.locator('[data-test=invoice-upload]').textContent()).resolves.toContain('red-letter');
    await saveShot(coopPage.page, 'money-office-red-letter-en');
    await coopPage.context.close();

    const { page, context } = await signedIn('office@demo.shanhai', 'en', 'backlog');
    await page.goto('/office/invoices');
    const row = page.locator('[data-test=invoice-backlog] tbody tr', { hasText: waiting.remittanceRef });
    await poll(() => row.locator('td').first().textContent()).toBe('3');
    await expect(
      page.locator('[data-test=invoice-backlog] tbody tr', { hasText: 'Needs red-letter reissue' }).count(),
    ).resolves.toBeGreaterThanOrEqual(1);
    await saveShot(page, 'money-office-invoice-backlog-en');
    await context.close();
  });

  it('an owner saves the invoice defaults and the approval threshold, and keeps one default address (zh-CN, phone)', async () => {
    const { page, context } = await signedIn('buyer@demo.shanhai', 'zh-CN', 'org-settings', true);
    await page.goto('/account/org');
    await page.waitForSelector('[data-test=org-settings-form]');
    await page.fill('[data-test=settings-invoice-title]', '广州山海示范采购集团有限公司（设置页）');
    await page.fill('[data-test=settings-threshold]', '8000');
    await page.click('[data-test=settings-save]');
    await succeeded(page);
    await poll(async () =>
      one<{ invoice_title: string; approval_threshold_fen: number }>(
        'select invoice_title, approval_threshold_fen::int from orgs where id = $1',
        [buyer.orgId],
      ),
    ).toEqual({ invoice_title: '广州山海示范采购集团有限公司（设置页）', approval_threshold_fen: 800_000 });

    for (const [address, contact] of [
      ['广州市越秀区府前路 1 号 设置页一', '陈一'],
      ['广州市天河区体育西路 2 号 设置页二', '陈二'],
    ]) {
      await page.click('[data-test=address-add]');
      await page.waitForSelector('[data-test=address-form]');
      await page.fill('[data-test=address-address]', address!);
      await page.fill('[data-test=address-contact]', contact!);
      await page.fill('[data-test=address-phone]', '13800138000');
      await page.click('[data-test=address-submit]');
      await succeeded(page);
      await page.locator('[data-test=address-row]', { hasText: address! }).waitFor();
    }
    await page
      .locator('[data-test=address-row]', { hasText: '设置页二' })
      .locator('[data-test=address-make-default]')
      .click();
    await poll(async () =>
      sql<{ address: string }>('select address from org_addresses where org_id = $1 and is_default', [buyer.orgId]),
    ).toEqual([{ address: '广州市天河区体育西路 2 号 设置页二' }]);
    // The list reloads after the answer: wait for it rather than read it once.
    await poll(() =>
      page.locator('[data-test=address-row]', { hasText: '设置页二' }).locator('[data-test=address-default]').count(),
    ).toBe(1);
    await saveShot(page, 'money-office-org-settings-phone-zh-CN');
    await context.close();
  });

  it('an office manager records a bank charge outside a payout and sees it listed; a second amount for the same bank transaction is refused in Chinese; a member only reads, and previews a sales import without committing it (zh-CN)', async () => {
    const { page, context } = await signedIn('office@demo.shanhai', 'zh-CN', 'bank-charge');
    await page.goto('/office/money');
    await page.waitForSelector('[data-test=bank-charge-list]');
    const txn = 'E2E-FEE-20260302';
    await page.click('[data-test=record-bank-charge]');
    const dialog = page.locator('.el-dialog', { has: page.locator('[data-test=bank-charge-txn]') });
    await dialog.waitFor();
    // Nothing filled in: each required field says so under itself, in Chinese.
    await dialog.locator('[data-test=bank-charge-confirm]').click();
    await poll(() => dialog.locator('.el-form-item__error').allTextContents()).toEqual([
      '金额不能为空',
      '银行流水号不能为空',
    ]);
    const amount = dialog.locator('[data-test=bank-charge-amount] input');
    await amount.fill('12.5');
    await amount.press('Tab');
    await dialog.locator('[data-test=bank-charge-txn]').fill(txn);
    await dialog.locator('[data-test=bank-charge-memo]').fill('账户管理费');
    await dialog.locator('[data-test=bank-charge-confirm]').click();
    await succeeded(page);
    await poll(() =>
      one<{ amount_fen: number; memo: string; n: number }>(
        `select c.amount_fen::int, c.memo, (select count(*)::int from journal_lines l where l.entry_id = c.entry_id) n
         from bank_charges c where c.bank_txn_id = $1`,
        [txn],
      ),
    ).toEqual({ amount_fen: 1_250, memo: '账户管理费', n: 2 });
    const row = page.locator('[data-test=bank-charge-list] tbody tr', { hasText: txn });
    await poll(() => row.textContent()).toContain('¥12.50');
    await expect(row.textContent()).resolves.toContain('账户管理费');
    await saveShot(page, 'money-office-bank-charges-zh-CN');

    // The same bank transaction with another amount: refused, said in Chinese, nothing posted.
    await page.click('[data-test=record-bank-charge]');
    await amount.fill('15');
    await amount.press('Tab');
    await dialog.locator('[data-test=bank-charge-txn]').fill(txn);
    await dialog.locator('[data-test=bank-charge-confirm]').click();
    await poll(() => page.locator('.el-message--error').last().textContent()).toBe(
      '该银行流水号已登记过，且金额不同；请核对银行流水',
    );
    expect(await one<{ n: number }>('select count(*)::int n from bank_charges where bank_txn_id = $1', [txn])).toEqual({
      n: 1,
    });
    await context.close();

    // The English page, and an office member who reads the list without the button.
    const en = await signedIn('office@demo.shanhai', 'en', 'bank-charge-en');
    await en.page.goto('/office/money');
    await en.page.locator('[data-test=bank-charge-list] tbody tr', { hasText: txn }).waitFor();
    await expect(en.page.locator('[data-test=bank-charges] h2').textContent()).resolves.toBe('Bank charges');
    await saveShot(en.page, 'money-office-bank-charges-en');
    await en.context.close();
    const member = await createOrgWithUser(suite.stack.api.db, { kind: 'office', role: 'member' });
    const m = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'zh-CN' });
    screenshotOnFailure(m.page, 'money-office-bank-charge-member-zh-CN');
    await loginAs(m.page, member.user.email, TEST_PASSWORD);
    await m.page.waitForSelector('[data-test=user-menu]');
    await m.page.goto('/office/money');
    await m.page.locator('[data-test=bank-charge-list] tbody tr', { hasText: txn }).waitFor();
    await expect(m.page.locator('[data-test=record-bank-charge]').count()).resolves.toBe(0);
    // Nor may a member credit the ledger from a sales import: the preview is theirs, the commit a manager's.
    await m.page.goto('/office/sales');
    await m.page.getByRole('tab', { name: '历史数据导入' }).click();
    await expect(m.page.locator('[data-test=import-commit-by-manager]').innerText()).resolves.toBe(
      '预检无误后，请由办公室负责人或经理确认导入。',
    );
    await expect(m.page.locator('[data-test=import-preview]').isVisible()).resolves.toBe(true);
    await expect(m.page.locator('[data-test=import-commit]').count()).resolves.toBe(0);
    await m.context.close();
  });
});
