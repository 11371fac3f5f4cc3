import { describe, expect, it } from 'vitest';
import { createProduct } from '@shanhai/db/testing';
import { stackApi } from './support/api';
import {
  answerBox,
  importToCart,
  loginAs,
  newPage,
  placeOrderFromCart,
  screenshotOnFailure,
  signedInPage,
  submitTransfer,
} from './support/browser';
import { useStackAndBrowser } from './support/suite';

const suite = useStackAndBrowser();

const { orgOf } = stackApi(suite);
const purchaseStatus = async (id: string) =>
  (await suite.stack.api.pool.query<{ status: string }>('select status from purchases where id = $1', [id])).rows[0]!
    .status;

describe('bank statement matching', () => {
  // Runs first, before any upload: on the demo data the upload history, the offline sales queue and
  // the snapshots are empty, and each says what is missing and what to do (not a bare 暂无数据).
  it('an empty table on the office’s bank and sales pages says what is empty and what to do, in the reader’s language', async () => {
    for (const [locale, uploads, offline, snapshots] of [
      [
        'zh-CN',
        '还没有上传过银行流水：在上方选择网银导出的文件，先“预览”再“确认导入”',
        '没有线下销售记录：合作社和采购单位登记的线下销售会列在这里等待审核',
        '还没有排行榜快照：填写快照标题和“截至”日期后点“生成快照”，用于月度通报',
      ],
      [
        'en',
        'No bank statements uploaded yet: choose your online-banking export above, then Preview and Import',
        'No offline sales recorded: those recorded by cooperatives and buyers are listed here for review',
        'No leaderboard snapshots yet: enter a title and an as-of date, then Take snapshot for a monthly report',
      ],
    ] as const) {
      const office = await newPage(suite.browser, suite.stack.baseUrl, { locale });
      screenshotOnFailure(office.page, `empty-tables-${locale}`);
      await loginAs(office.page, 'office@demo.shanhai');
      await office.page.waitForSelector('[data-test=user-menu]');
      await office.page.goto('/office/bank');
      const emptyText = (test: string) => office.page.locator(`[data-test=${test}] .el-table__empty-text`).innerText();
      await expect.poll(() => emptyText('bank-statements')).toBe(uploads);
      await office.page.goto('/office/sales');
      await expect.poll(() => emptyText('offline-queue')).toBe(offline);
      await office.page.getByRole('tab', { name: locale === 'en' ? 'Leaderboard snapshots' : '排行榜快照' }).click();
      await expect.poll(() => emptyText('snapshots')).toBe(snapshots);
      await expect
        .poll(() => office.page.locator('.el-table__empty-text').allInnerTexts())
        .not.toContain(locale === 'en' ? 'No Data' : '暂无数据');
      await office.context.close();
    }
  });

  it('a buyer pays by transfer and the statement upload confirms it; the office ignores an unknown row', async () => {
    const product = await createProduct(suite.stack.api.db, {
      cooperativeId: await orgOf('coop@demo.shanhai'),
      nameZh: '流水对账蜂蜜',
      stock: 50,
      priceTiers: [{ minQty: 1, unitPriceFen: 6600 }],
    });

    const buyer = await signedInPage(suite.browser, suite.stack.baseUrl, 'buyer@demo.shanhai', 'bankmatch-buyer');
    await importToCart(buyer.page, `product,qty\n${product.id},3\n`, 1);
    const purchaseId = await placeOrderFromCart(buyer.page);
    // The buyer transfers and says so; the reference the bank carries is the purchase's remittance reference.
    await submitTransfer(buyer.page, 'ICBC20261203088');
    const { remittance_ref: ref, total_fen: total } = (
      await suite.stack.api.pool.query<{ remittance_ref: string; total_fen: number }>(
        'select remittance_ref, total_fen from purchases where id = $1',
        [purchaseId],
      )
    ).rows[0]!;
    expect(Number(total)).toBe(19_800);

    const statement = Buffer.from(
      [
        '中国工商银行 对公账户明细',
        '交易日期,交易流水号,对方户名,对方账号,借方金额,贷方金额,摘要,附言',
        `2026-12-03,E2E0001,广州市演示采购单位,44001234567890,,198.00,网银转账,${ref} 货款`,
        '2026-12-03,E2E0002,某某公司,44009999999999,,50.00,网银转账,咨询费',
      ].join('\n'),
    );
    const office = await signedInPage(suite.browser, suite.stack.baseUrl, 'office@demo.shanhai', 'bankmatch-office');
    await office.page.click('[data-test=nav-money-group]');
    await office.page.click('[data-test=nav-bank]');
    await office.page
      .locator('[data-test=bank-file]')
      .setInputFiles({ name: '流水.csv', mimeType: 'text/csv', buffer: statement });
    await office.page.click('[data-test=bank-preview]');
    const summary = office.page.locator('[data-test=bank-summary]');
    await expect.poll(() => summary.textContent()).toContain('自动确认到账 1 笔');
    await expect(summary.textContent()).resolves.toContain('进入待匹配 1 笔');
    // The preview changes nothing.
    expect(await purchaseStatus(purchaseId)).toBe('awaiting_payment');
    await office.page.click('[data-test=bank-commit]');
    await office.page.locator('.el-message--success', { hasText: '已自动确认到账 1 笔' }).waitFor();
    await expect.poll(() => purchaseStatus(purchaseId)).toBe('paid');

    // The other row waits in the queue; the office sets it aside with a reason.
    const row = office.page.locator('[data-test=bank-queue] tr', { hasText: 'E2E0002' });
    await row.waitFor();
    await row.locator('[data-test=bank-ignore]').click();
    await answerBox(office.page.locator('.el-message-box', { hasText: '请说明原因' }), '非采购货款');
    await office.page.locator('.el-message--success', { hasText: '已忽略该流水' }).waitFor();
    await expect
      .poll(
        async () =>
          (
            await suite.stack.api.pool.query<{ state: string }>(
              "select state from bank_statement_rows where bank_txn_id = 'E2E0002'",
            )
          ).rows[0]!.state,
      )
      .toBe('ignored');
    await office.context.close();

    await buyer.page.reload();
    await expect.poll(() => buyer.page.locator('[data-test=order-status]').first().textContent()).toBe('已付款');
    await buyer.context.close();
  });
  it('a file the office cannot use is refused in the reader’s language, naming what is wrong', async () => {
    for (const [locale, missing, formula] of [
      ['zh-CN', '文件缺少列：交易日期/日期', '文件第 3 行“附言”列含公式，请只导出数值'],
      [
        'en',
        'The file needs the columns 交易日期/日期',
        'The file has a formula in row 3, column 附言; export the values only',
      ],
    ] as const) {
      const office = await newPage(suite.browser, suite.stack.baseUrl, { locale });
      screenshotOnFailure(office.page, `bankmatch-refused-${locale}`);
      await loginAs(office.page, 'office@demo.shanhai');
      await office.page.waitForSelector('[data-test=user-menu]');
      await office.page.goto('/office/bank');
      for (const [csv, expected] of [
        ['date,amount\n2026-12-03,123.00\n', missing],
        [
          '交易日期,交易流水号,对方户名,对方账号,借方金额,贷方金额,摘要,附言\n' +
            '2026-12-03,E2E-F1,某公司,44001,,5.00,网银,货款\n2026-12-03,E2E-F2,某公司,44001,,5.00,网银,=SUM(A1:A9)\n',
          formula,
        ],
      ] as const) {
        await office.page
          .locator('[data-test=bank-file]')
          .setInputFiles({ name: 'statement.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
        await office.page.click('[data-test=bank-preview]');
        const error = office.page.locator('.el-message--error').last();
        await expect.poll(() => error.innerText()).toContain(expected);
        if (locale === 'zh-CN') expect(await error.innerText()).not.toMatch(/[A-Za-z]{3,}/);
        await office.page.locator('.el-message--error').last().waitFor({ state: 'hidden' });
      }
      await office.context.close();
    }
  });
});
