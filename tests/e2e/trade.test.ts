import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Locator, Page } from 'playwright-core';
import { schema } from '@shanhai/db';
import { TEST_PASSWORD, createOrgWithUser, createProduct, createUser } from '@shanhai/db/testing';
import { DESKTOP, MOBILE, TEST_OUTPUT, atRest, loginAs, newPage, screenshotOnFailure } from './support/browser';
import { seriousA11yViolations } from './support/a11y';
import { stackApi } from './support/api';
import { useStackAndBrowser } from './support/suite';

/** The buyer's and the cooperative's pages (issue 14), in both languages, at desktop and phone width. */
const suite = useStackAndBrowser();
const SHOTS = join(TEST_OUTPUT, 'trade');
const LANGS = ['zh-CN', 'en'] as const;
const WIDTHS = { desktop: DESKTOP, phone: MOBILE } as const;

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const { productOf } = stackApi(suite);

/** No page may run a count into a weight ("10500 g 瓶"): a digit, a space or not, then a measure. */
const RUN_IN = /\d\s?(g|kg|克|斤)\s?[瓶箱袋只罐包]/;

describe('sale units and English content', () => {
  for (const lang of LANGS)
    for (const [width, viewport] of Object.entries(WIDTHS))
      it(`the product page reads "10 瓶" with "500 g/瓶" beside it (${lang}, ${width})`, async () => {
        const id = await productOf('大坪山花蜂蜜');
        const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport, locale: lang });
        screenshotOnFailure(page, `trade-product-${lang}-${width}`);
        await page.goto(`/products/${id}`);
        await page.waitForSelector('[data-test=tier-table]');
        const unit = await page.locator('[data-test=product-unit]').innerText();
        const moq = await page.locator('[data-test=product-moq]').innerText();
        const description = await page.locator('[data-test=product-description]').innerText();
        if (lang === 'zh-CN') {
          expect(unit).toBe('瓶 · 500 g/瓶');
          expect(moq).toBe('10 瓶 / 5 瓶');
          expect(description).toContain('山花蜜');
          expect(await page.locator('[data-test=product-cert]').allInnerTexts()).toEqual(['绿色食品']);
        } else {
          expect(unit).toBe('jar · 500 g/jar');
          expect(moq).toBe('10 jars / 5 jars');
          expect(description).toContain('Mountain-flower honey');
          expect(await page.locator('[data-test=product-cert]').allInnerTexts()).toEqual(['Green Food']);
        }
        expect(await page.locator('[data-test=in-chinese]').count()).toBe(0);
        // The cooperative's name stays as registered (Chinese) in both languages, without a marker.
        const [coop] = (
          await suite.stack.api.pool.query<{ name: string }>(
            'select o.name from orgs o join products p on p.cooperative_id = o.id where p.id = $1',
            [id],
          )
        ).rows;
        expect(coop!.name).toMatch(/\p{Script=Han}/u);
        const coopLabel = lang === 'en' ? 'Cooperative' : '供应合作社';
        expect((await page.locator(`dt:text-is("${coopLabel}") + dd`).innerText()).trim()).toBe(coop!.name);
        expect(await page.locator('body').innerText()).not.toMatch(RUN_IN);
        await shot(page, `product-${lang}-${width}`);
        await context.close();
      });

  it('in English, content without a translation shows the Chinese with a marker', async () => {
    const [generic] = await suite.stack.api.db
      .select({ id: schema.products.id })
      .from(schema.products)
      .where(eq(schema.products.isDemo, true))
      .limit(1);
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'en' });
    screenshotOnFailure(page, 'trade-product-fallback');
    await page.goto(`/products/${generic!.id}`);
    const description = page.locator('[data-test=product-description]');
    await description.waitFor();
    expect(await description.innerText()).toMatch(/演示数据.*in Chinese/s);
    await expect(description.locator('[data-test=in-chinese]').getAttribute('title')).resolves.toBe(
      'No English version yet: the Chinese original is shown',
    );
    await shot(page, 'product-en-fallback');
    await context.close();
  });

  for (const lang of LANGS)
    it(`the catalogue cards read the MOQ as a count of the unit (${lang}, phone)`, async () => {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport: MOBILE, locale: lang });
      screenshotOnFailure(page, `trade-catalog-${lang}`);
      await page.goto('/products?town=daping');
      const card = page.locator('[data-test=product-card]', {
        hasText: lang === 'en' ? 'Daping mountain' : '大坪山花蜂蜜',
      });
      await card.waitFor();
      const text = await card.innerText();
      expect(text).toContain(lang === 'en' ? 'MOQ 10 jars' : '起订 10 瓶');
      expect(text).toContain(lang === 'en' ? '500 g/jar' : '500 g/瓶');
      expect(await page.locator('body').innerText()).not.toMatch(RUN_IN);
      await shot(page, `catalog-${lang}-phone`);
      await context.close();
    });

  it('a cooperative enters the unit, its specification and the English content in the product form', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'trade-product-form');
    await loginAs(page, 'coop@demo.shanhai');
    await page.waitForURL((u) => u.pathname === '/coop');
    await page.goto('/coop/products');
    await page.click('[data-test=product-create]');
    await page.fill('[data-test=pf-nameZh]', '大崑冰鲜乳鸽礼盒');
    await page.fill('[data-test=pf-unit]', '500 g 盒');
    await page.locator('[data-test=tier-price-0] input').fill('88');
    await page.click('[data-test=pf-save]');
    // A weight in the unit's name is refused at the field, in Chinese, before anything is sent.
    await page
      .locator('.el-form-item__error', { hasText: '销售单位只填单位名称（如 瓶、箱、只），重量或数量请写在规格里' })
      .waitFor();
    await page.fill('[data-test=pf-unit]', '盒');
    await page.fill('[data-test=pf-unit-spec]', '2 只/盒');
    await page.fill('[data-test=pf-unit-en]', 'box');
    await page.fill('[data-test=pf-unit-spec-en]', '2 birds/box');
    await page.fill('[data-test=pf-certifications]', '动物检疫合格');
    await page.fill('[data-test=pf-certifications-en]', 'Quarantine certified, Organic');
    await page.click('[data-test=pf-save]');
    await page.locator('.el-form-item__error', { hasText: '英文认证条目不能多于中文列表（1 项）' }).waitFor();
    await shot(page, 'product-form-zh-desktop');
    await page.fill('[data-test=pf-certifications-en]', 'Quarantine certified');
    await page.click('[data-test=pf-save]');
    const row = page.locator('[data-test=my-products-table] tr', { hasText: '大崑冰鲜乳鸽礼盒' });
    await row.waitFor();
    const [saved] = await suite.stack.api.db
      .select()
      .from(schema.products)
      .where(eq(schema.products.nameZh, '大崑冰鲜乳鸽礼盒'));
    expect(await row.innerText()).toContain('/盒 · 2 只/盒');
    // Stock is counted in the unit, not a bare number.
    expect((await row.locator('[data-test=stock-qty]').innerText()).trim()).toBe(`${saved!.stock} 盒`);
    expect(saved).toMatchObject({
      unitLabel: '盒',
      unitSpec: '2 只/盒',
      unitLabelEn: 'box',
      unitSpecEn: '2 birds/box',
      certificationsEn: ['Quarantine certified'],
    });
    await context.close();
  });
});

describe('cart', () => {
  const cases = [
    { lang: 'zh-CN', width: 'desktop', viewport: DESKTOP },
    { lang: 'en', width: 'phone', viewport: MOBILE },
  ] as const;
  for (const { lang, width, viewport } of cases)
    it(`quantities save as they change, the tier price follows and a blocked line says why (${lang}, ${width})`, async () => {
      const id = await productOf('大坪山花蜂蜜');
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport, locale: lang });
      screenshotOnFailure(page, `trade-cart-${lang}-${width}`);
      await loginAs(page, lang === 'en' ? 'buyer2@demo.shanhai' : 'buyer@demo.shanhai');
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto(`/products/${id}`);
      await page.click('[data-test=add-to-cart]');
      await page.locator('[data-test=cart-badge]', { hasText: /^[1-9]\d*$/ }).waitFor();
      await page.goto('/cart');
      const line = page.locator('[data-test=cart-lines] tr', {
        hasText: lang === 'en' ? 'Daping mountain' : '大坪山花蜂蜜',
      });
      await line.waitFor();
      // The header's badge counts the cart's lines (the server's cart, whatever earlier tests left in it).
      const { rows: cartLines } = await suite.stack.api.pool.query<{ n: number }>(
        `select count(*)::int n from cart_lines c join users u on u.id = c.user_id where u.email = $1`,
        [lang === 'en' ? 'buyer2@demo.shanhai' : 'buyer@demo.shanhai'],
      );
      await expect.poll(() => page.locator('[data-test=cart-badge]').innerText()).toBe(String(cartLines[0]!.n));
      expect(await page.locator('[data-test=cart-lines] .el-table__body tr').count()).toBe(cartLines[0]!.n);
      // The line shows its product code (SH1001…) before the name.
      const [{ code }] = (
        await suite.stack.api.pool.query<{ code: string }>('select code from products where id = $1', [id])
      ).rows as [{ code: string }];
      expect(await line.locator('[data-test=line-code]').textContent()).toBe(code);
      const qty = line.locator('[data-test=line-qty] input');
      await qty.fill('12');
      await qty.press('Tab');
      // Nothing to press: the quantity is saved and the server's verdict shows on the line.
      const problem = line.locator('[data-test=line-problem]');
      await problem.waitFor();
      expect((await problem.innerText()).trim()).toBe(
        lang === 'en' ? 'Quantity must be 10 jars plus a multiple of 5' : '数量应为起订量 10 瓶 加 5 的整数倍',
      );
      await page.locator('[data-test=checkout-blocked]').waitFor();
      await shot(page, `cart-blocked-${lang}-${width}`);
      await qty.fill('50');
      await qty.press('Tab');
      await problem.waitFor({ state: 'detached' });
      await line.locator('text=¥62.00').first().waitFor();
      await page
        .locator('[data-test=save-state]', { hasText: lang === 'en' ? 'Quantities saved' : '数量已自动保存' })
        .waitFor();
      await shot(page, `cart-${lang}-${width}`);
      // Saved on the server: a reload shows it.
      await page.reload();
      await page.locator('[data-test=cart-total]', { hasText: '¥3,100.00' }).waitFor();
      await context.close();
    });
});

describe('cancelling asks first, says what it did and changes the status on screen', () => {
  const { orgOf, demoPurchase } = stackApi(suite);
  /** A purchase by the demo buyer of a new product of the demo cooperative, paid (by the office) when asked. */
  const purchase = (nameZh: string, pay: boolean) => demoPurchase(nameZh, pay);
  const status = async (table: 'purchases' | 'orders' | 'products', id: string) =>
    (await suite.stack.api.pool.query<{ status: string }>(`select status from ${table} where id = $1`, [id])).rows[0]!
      .status;
  const TEXT = {
    'zh-CN': {
      purchaseAsk: '不能恢复',
      purchaseDone: '采购单已取消',
      cancelled: '已取消',
      awaiting: '待付款',
      orderDone: '订单已取消',
      refunded: '已退款',
    },
    en: {
      purchaseAsk: 'cannot be undone',
      purchaseDone: 'Purchase cancelled',
      cancelled: 'Cancelled',
      awaiting: 'Awaiting payment',
      orderDone: 'Order cancelled',
      refunded: 'Refunded',
    },
  } as const;

  for (const lang of LANGS)
    it(`a purchase and a paid order: a second thought keeps them, a confirmation cancels them (${lang})`, async () => {
      const text = TEXT[lang];
      const unpaid = await purchase(`取消测试茶叶 ${lang}`, false);
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: lang });
      screenshotOnFailure(page, `trade-cancel-${lang}`);
      await loginAs(page, 'buyer@demo.shanhai');
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto(`/purchases/${unpaid.id}`);
      await page.waitForSelector('[data-test=cancel-purchase]');
      // Marks the page: a reload would lose it.
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 14));

      // The reader thinks again: nothing changes.
      await page.click('[data-test=cancel-purchase]');
      const ask = page.locator('.confirm-purchase-cancel');
      await expect.poll(() => ask.innerText()).toContain(text.purchaseAsk);
      await ask.locator('.el-message-box__btns button').first().click();
      await ask.waitFor({ state: 'hidden' });
      expect(await status('purchases', unpaid.id)).toBe('awaiting_payment');
      expect(await page.locator('[data-test=purchase-status]').innerText()).toBe(text.awaiting);
      // Waiting on someone is amber, ended grey (as in the purchase list), not the brand's green.
      expect(await page.locator('[data-test=purchase-status]').getAttribute('class')).toContain('el-tag--warning');

      // Confirmed: cancelled, said as such, and the status on screen follows without a reload.
      await page.click('[data-test=cancel-purchase]');
      await ask.locator('.el-message-box__btns button').last().click();
      await page.locator('.el-message--success', { hasText: text.purchaseDone }).waitFor();
      await expect.poll(() => page.locator('[data-test=purchase-status]').innerText()).toBe(text.cancelled);
      expect(await status('purchases', unpaid.id)).toBe('cancelled');
      expect(await page.locator('[data-test=purchase-status]').getAttribute('class')).toContain('el-tag--info');
      expect(await page.locator('[data-test=cancel-purchase]').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(14);
      await shot(page, `cancel-purchase-${lang}`);

      // A paid order: the same, and its money goes back.
      const paid = await purchase(`取消测试腊肉 ${lang}`, true);
      await page.goto(`/purchases/${paid.id}`);
      await page.waitForSelector('[data-test=cancel-order]');
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 14));
      await page.click('[data-test=cancel-order]');
      const askOrder = page.locator('.confirm-cancel-order');
      await askOrder.locator('.el-message-box__btns button').first().click();
      await askOrder.waitFor({ state: 'hidden' });
      expect(await status('orders', paid.orders[0]!.id)).toBe('paid');
      await page.click('[data-test=cancel-order]');
      await askOrder.locator('.el-message-box__btns button').last().click();
      await page.locator('.el-message--success', { hasText: text.orderDone }).waitFor();
      await expect.poll(() => page.locator('[data-test=order-status]').innerText()).toBe(text.refunded);
      expect(await status('orders', paid.orders[0]!.id)).toBe('refunded');
      expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(14);
      await context.close();
    });

  const STEP = {
    'zh-CN': {
      approveTitle: '通过审核并上架？',
      approveButton: '通过',
      previewLabels: ['中文名称', '英文名称'],
      approved: '已通过审核，商品已上架',
      carrier: '瑶山冷链配送',
      shipped: '已发货',
      deliverTitle: '确认送达',
      deliverAsk: '确认已送达买方？',
      delivered: '已标记为送达，等待买方验收',
      deliveredStatus: '已送达',
      acceptTitle: '验收',
      acceptAsk: '验收后货款将结算给合作社',
      accepted: '已验收',
      cancel: '取消',
    },
    en: {
      approveTitle: 'Approve and put on sale?',
      approveButton: 'Approve',
      previewLabels: ['Chinese name', 'English name'],
      approved: 'Approved; the product is on sale',
      carrier: 'Yao Hills Cold Chain',
      shipped: 'Shipped',
      deliverTitle: 'Mark delivered',
      deliverAsk: 'Mark this order delivered to the buyer?',
      delivered: 'Marked delivered; waiting for the buyer to accept',
      deliveredStatus: 'Delivered',
      acceptTitle: 'Accept delivery',
      acceptAsk: 'Once accepted, payment is settled to the cooperative',
      accepted: 'Accepted',
      cancel: 'Cancel',
    },
  } as const;
  const HAN = /\p{Script=Han}/u;
  const LATIN = /[A-Za-z]/;
  /** A confirm box in the page's language: its title, its two buttons, and its message (unless told otherwise). */
  async function expectBox(box: Locator, lang: (typeof LANGS)[number], title: string, confirm: string, ask?: string) {
    await box.waitFor();
    expect(await box.locator('.el-message-box__title').innerText()).toBe(title);
    expect((await box.locator('.el-message-box__btns button').allInnerTexts()).map((x) => x.trim())).toEqual([
      STEP[lang].cancel,
      confirm,
    ]);
    if (ask !== undefined) {
      const message = await box.locator('.el-message-box__message').innerText();
      expect(message).toContain(ask);
      expect(message).not.toMatch(lang === 'en' ? HAN : LATIN);
    }
  }
  const mark = (page: Page) => page.evaluate(() => ((window as unknown as { marker: number }).marker = 14));
  const marked = (page: Page) => page.evaluate(() => (window as unknown as { marker?: number }).marker);

  for (const lang of LANGS)
    it(`approving a listing, marking delivered and accepting ask first in the reader's language; a typed-in carrier is kept (${lang})`, async () => {
      const text = STEP[lang];
      const other = lang === 'en' ? HAN : LATIN;

      // The office approves a listing: the box previews it; a second thought leaves it waiting.
      const name = `确认测试山茶油 ${lang}`;
      const listing = await createProduct(suite.stack.api.db, {
        cooperativeId: await orgOf('coop2@demo.shanhai'),
        nameZh: name,
        nameEn: `Confirm test camellia oil ${lang}`,
        status: 'pending_review',
      });
      const office = await newPage(suite.browser, suite.stack.baseUrl, { locale: lang });
      screenshotOnFailure(office.page, `trade-approve-${lang}`);
      await loginAs(office.page, 'office@demo.shanhai');
      const row = office.page.locator('[data-test=listing-queue] tr', { hasText: name });
      await row.waitFor();
      await mark(office.page);
      await row.locator('[data-test=listing-approve]').click();
      const approveBox = office.page.locator('.confirm-approve');
      await expectBox(approveBox, lang, text.approveTitle, text.approveButton);
      const preview = approveBox.locator('[data-test=approve-preview]');
      expect(await preview.innerText()).toContain(name);
      expect(await preview.innerText()).toContain(`Confirm test camellia oil ${lang}`);
      const labels = await preview.locator('dt').allInnerTexts();
      expect(labels.slice(0, 2)).toEqual(text.previewLabels);
      for (const label of labels) expect(label).not.toMatch(other);
      await shot(office.page, `approve-confirm-${lang}`);
      await approveBox.locator('.el-message-box__btns button').first().click();
      await approveBox.waitFor({ state: 'hidden' });
      expect(await status('products', listing.id)).toBe('pending_review');
      expect(await row.count()).toBe(1);
      await row.locator('[data-test=listing-approve]').click();
      await approveBox.locator('.el-message-box__btns button').last().click();
      await office.page.locator('.el-message--success', { hasText: text.approved }).waitFor();
      await expect.poll(() => row.count()).toBe(0);
      expect(await status('products', listing.id)).toBe('listed');
      expect(await marked(office.page)).toBe(14);
      await office.context.close();

      // The cooperative ships with a carrier typed in (not one of the list), then marks it delivered.
      const p = await purchase(`确认测试腊肉 ${lang}`, true);
      const orderId = p.orders[0]!.id;
      const coop = await newPage(suite.browser, suite.stack.baseUrl, { locale: lang });
      screenshotOnFailure(coop.page, `trade-deliver-${lang}`);
      await loginAs(coop.page, 'coop@demo.shanhai');
      await coop.page.waitForSelector('[data-test=user-menu]');
      await coop.page.goto(`/coop/orders/${orderId}`);
      await coop.page.click('[data-test=ship]');
      const typed = coop.page.locator('.ship-dialog [data-test=ship-carrier] input');
      await typed.click();
      await typed.fill(text.carrier);
      await typed.press('Enter');
      await coop.page.fill('.ship-dialog input[data-test=ship-tracking]', `YH${lang === 'en' ? 2 : 1}4000001`);
      await coop.page.click('.ship-dialog [data-test=ship-confirm]');
      await coop.page.locator('.el-message--success', { hasText: text.shipped }).waitFor();
      const tracking = `YH${lang === 'en' ? 2 : 1}4000001`;
      await expect
        .poll(
          async () =>
            (
              await suite.stack.api.pool.query('select status, carrier, tracking_no from orders where id = $1', [
                orderId,
              ])
            ).rows[0],
        )
        .toEqual({ status: 'shipped', carrier: text.carrier, tracking_no: tracking });
      await expect.poll(() => coop.page.locator('[data-test=order-detail]').innerText()).toContain(text.carrier);
      expect(await coop.page.locator('[data-test=tracking-no]').innerText()).toBe(tracking);
      await mark(coop.page);
      await coop.page.click('[data-test=deliver]');
      const deliverBox = coop.page.locator('.confirm-deliver');
      await expectBox(deliverBox, lang, text.deliverTitle, text.deliverTitle, text.deliverAsk);
      await shot(coop.page, `deliver-confirm-${lang}`);
      await deliverBox.locator('.el-message-box__btns button').first().click();
      await deliverBox.waitFor({ state: 'hidden' });
      expect(await status('orders', orderId)).toBe('shipped');
      expect(await coop.page.locator('[data-test=order-status]').innerText()).toBe(text.shipped);
      await coop.page.click('[data-test=deliver]');
      await deliverBox.locator('.el-message-box__btns button').last().click();
      await coop.page.locator('.el-message--success', { hasText: text.delivered }).waitFor();
      await expect.poll(() => coop.page.locator('[data-test=order-status]').innerText()).toBe(text.deliveredStatus);
      expect(await status('orders', orderId)).toBe('delivered');
      expect(await marked(coop.page)).toBe(14);
      // The order list shows the typed carrier too.
      await coop.page.goto('/coop/orders?status=delivered');
      await coop.page.locator('[data-test=coop-orders] tr', { hasText: tracking }).waitFor();
      expect(await coop.page.locator('[data-test=coop-orders] tr', { hasText: tracking }).innerText()).toContain(
        `${text.carrier} · ${tracking}`,
      );
      await coop.context.close();

      // The buyer sees the typed carrier and accepts, after a second thought.
      const buyer = await newPage(suite.browser, suite.stack.baseUrl, { locale: lang });
      screenshotOnFailure(buyer.page, `trade-accept-${lang}`);
      await loginAs(buyer.page, 'buyer@demo.shanhai');
      await buyer.page.waitForURL((u) => u.pathname === '/');
      await buyer.page.goto(`/purchases/${p.id}`);
      const tag = buyer.page.locator('[data-test=order-tracking]');
      await tag.waitFor();
      expect((await tag.innerText()).trim()).toBe(`· ${text.carrier} ${tracking}`);
      await mark(buyer.page);
      await buyer.page.click('[data-test=accept]');
      const acceptBox = buyer.page.locator('.confirm-accept');
      await expectBox(acceptBox, lang, text.acceptTitle, text.acceptTitle, text.acceptAsk);
      await shot(buyer.page, `accept-confirm-${lang}`);
      await acceptBox.locator('.el-message-box__btns button').first().click();
      await acceptBox.waitFor({ state: 'hidden' });
      expect(await status('orders', orderId)).toBe('delivered');
      expect(await buyer.page.locator('[data-test=order-status]').innerText()).toBe(text.deliveredStatus);
      await buyer.page.click('[data-test=accept]');
      await acceptBox.locator('.el-message-box__btns button').last().click();
      await buyer.page
        .locator('.el-message--success', { hasText: lang === 'en' ? 'Delivery accepted' : '已验收' })
        .waitFor();
      await expect.poll(() => buyer.page.locator('[data-test=order-status]').innerText()).toBe(text.accepted);
      expect(await status('orders', orderId)).toBe('accepted');
      expect(await marked(buyer.page)).toBe(14);
      await buyer.context.close();
    });
});

describe('an empty purchase list says why it is empty', () => {
  it('a new buyer has no purchases yet; a status with none asks for another (zh-CN)', async () => {
    const { user } = await createOrgWithUser(suite.stack.api.db, { kind: 'buyer' });
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'zh-CN' });
    screenshotOnFailure(page, 'trade-purchases-empty');
    await loginAs(page, user.email, TEST_PASSWORD);
    await page.waitForURL((u) => u.pathname === '/');
    await page.goto('/purchases');
    const empty = page.locator('[data-test=purchase-list] .el-table__empty-text');
    await expect.poll(() => empty.textContent()).toBe('还没有采购单：到商品目录选购下单');
    await page.click('[data-test=status-filter]');
    await page.locator('.el-select-dropdown__item:visible', { hasText: '已付款' }).click();
    await expect.poll(() => empty.textContent()).toBe('没有该状态的采购单：换一个状态筛选，或到商城选购下单');
    await context.close();
  });
});

describe("a member's purchase above the threshold waits on /approvals for an owner, who approves or rejects it", () => {
  const { api, orgOf } = stackApi(suite);
  const TEXT = {
    'zh-CN': {
      approved: '已批准，采购单可以付款了',
      rejectAsk: '库存',
      rejected: '已驳回采购单，库存已退回',
      empty: '没有待审批的采购单：成员提交超过审批额度的采购单后会出现在这里',
    },
    en: {
      approved: 'Approved; the purchase can be paid now',
      rejectAsk: 'stock',
      rejected: 'Purchase rejected',
      empty: 'Nothing waits for approval: purchases by members above the approval threshold appear here',
    },
  } as const;
  const status = async (id: string) =>
    (await suite.stack.api.pool.query<{ status: string }>('select status from purchases where id = $1', [id])).rows[0]!
      .status;

  for (const [lang, width] of [
    ['zh-CN', 'desktop'],
    ['en', 'phone'],
  ] as const)
    it(`approve at once; reject after a confirmation, a second thought keeping it (${lang}, ${width})`, async () => {
      const text = TEXT[lang];
      const org = await orgOf('buyer@demo.shanhai');
      const coop = await orgOf('coop@demo.shanhai');
      const { rows: before } = await suite.stack.api.pool.query<{ t: number | null }>(
        'select approval_threshold_fen as t from orgs where id = $1',
        [org],
      );
      await suite.stack.api.pool.query('update orgs set approval_threshold_fen = 100 where id = $1', [org]);
      try {
        const member = await createUser(suite.stack.api.db, { orgId: org, role: 'member' });
        const login = await api('/auth/login', {
          method: 'POST',
          body: { email: member.email, password: TEST_PASSWORD },
        });
        const token = String(login.accessToken);
        /** A member's purchase of 2 of a new product: above the 1 元 threshold, so it waits. */
        const placed = async (nameZh: string) => {
          const product = await createProduct(suite.stack.api.db, { cooperativeId: coop, nameZh, stock: 50 });
          await api('/cart', { method: 'PUT', token, body: { lines: [{ productId: product.id, qty: 2 }] } });
          const p = await api('/purchases', { method: 'POST', token, body: { paymentMethod: 'transfer' } });
          expect(p.status).toBe('pending_approval');
          return { id: String(p.id), ref: String(p.remittanceRef), productId: product.id };
        };
        const yes = await placed(`审批通过测试 ${lang}`);
        const no = await placed(`审批驳回测试 ${lang}`);

        const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, {
          locale: lang,
          viewport: WIDTHS[width],
        });
        screenshotOnFailure(page, `trade-approvals-${lang}-${width}`);
        await loginAs(page, 'buyer@demo.shanhai');
        await page.waitForURL((u) => u.pathname === '/');
        await page.goto('/approvals');
        const rowOf = (ref: string) =>
          page.locator('[data-test=purchase-list] tr', {
            has: page.locator('[data-test=purchase-link]', { hasText: ref }),
          });
        await rowOf(yes.ref).waitFor();
        await rowOf(no.ref).waitFor();
        await atRest(page);
        expect(await seriousA11yViolations(page)).toEqual([]);
        await shot(page, `approvals-${lang}-${width}`);

        await rowOf(yes.ref).locator('[data-test=approve]').click();
        await page.locator('.el-message--success', { hasText: text.approved }).waitFor();
        // The inbox follows without a reload: the approved purchase leaves it, the other waits on.
        await expect.poll(() => rowOf(yes.ref).count()).toBe(0);
        expect(await rowOf(no.ref).count()).toBe(1);
        expect(await status(yes.id)).toBe('awaiting_payment');

        await rowOf(no.ref).locator('[data-test=reject]').click();
        const ask = page.locator('.confirm-purchase-reject');
        await expect.poll(() => ask.innerText()).toContain(text.rejectAsk);
        await ask.locator('.el-message-box__btns button').first().click();
        await ask.waitFor({ state: 'hidden' });
        expect(await status(no.id)).toBe('pending_approval');
        await rowOf(no.ref).locator('[data-test=reject]').click();
        await ask.locator('.el-message-box__btns button').last().click();
        await page.locator('.el-message--success', { hasText: text.rejected }).waitFor();
        await expect.poll(() => rowOf(no.ref).count()).toBe(0);
        expect(await status(no.id)).toBe('cancelled');
        const { rows } = await suite.stack.api.pool.query<{ stock: number }>(
          'select stock from products where id = $1',
          [no.productId],
        );
        expect(rows[0]!.stock).toBe(50);
        // The emptied inbox says so (not the purchase list's "no purchases with this status").
        await expect
          .poll(() => page.locator('[data-test=purchase-list] .el-table__empty-text').textContent())
          .toBe(text.empty);
        await context.close();
      } finally {
        await suite.stack.api.pool.query('update orgs set approval_threshold_fen = $2 where id = $1', [
          org,
          before[0]!.t,
        ]);
      }
    });
});

describe('buy again (再来一单)', () => {
  const { api, orgOf } = stackApi(suite);
  const TEXT = {
    'zh-CN': {
      message: '1 种商品已加入购物车，1 种未能加入，原因见购物车',
      summary: (ref: string) => `再来一单（采购单 ${ref}）：已加入 1 种商品，1 种未加入`,
      kept: '再来一单蜂蜜',
      gone: (code: string) => new RegExp(`^第 [12] 行：${code} 再来一单茶油 zh-CN 已不再出售$`),
    },
    en: {
      message: 'Products added to your cart: 1; not added: 1 (your cart says why)',
      summary: (ref: string) => `Bought again from purchase ${ref}: 1 added, 1 not added`,
      kept: 'Buy-again honey',
      // No English name: the Chinese one, as the purchase had it.
      gone: (code: string) => new RegExp(`^Row [12]: ${code} 再来一单茶油 en is no longer for sale$`),
    },
  } as const;
  const cases = [
    { lang: 'zh-CN', width: 'desktop', viewport: DESKTOP },
    { lang: 'en', width: 'phone', viewport: MOBILE },
  ] as const;
  for (const { lang, width, viewport } of cases)
    it(`a past purchase's lines go into the cart at today's prices; one no longer for sale says why (${lang}, ${width})`, async () => {
      const text = TEXT[lang];
      const { db, pool } = suite.stack.api;
      const coop = await orgOf('coop@demo.shanhai');
      const kept = await createProduct(db, {
        cooperativeId: coop,
        nameZh: `再来一单蜂蜜 ${lang}`,
        nameEn: `Buy-again honey ${lang}`,
        unitLabel: '瓶',
        moq: 2,
        stock: 50,
        priceTiers: [{ minQty: 2, unitPriceFen: 5_000 }],
      });
      const gone = await createProduct(db, { cooperativeId: coop, nameZh: `再来一单茶油 ${lang}`, unitLabel: '桶' });
      const { user } = await createOrgWithUser(db, { kind: 'buyer' });
      const token = String(
        (await api('/auth/login', { method: 'POST', body: { email: user.email, password: TEST_PASSWORD } }))
          .accessToken,
      );
      await api('/cart', {
        method: 'PUT',
        token,
        body: {
          lines: [
            { productId: kept.id, qty: 4 },
            { productId: gone.id, qty: 3 },
          ],
        },
      });
      const placed = (await api('/purchases', {
        method: 'POST',
        token,
        body: { paymentMethod: 'transfer', deliveryAddress: '广州市天河区测试路 1 号' },
      })) as { id: string; remittanceRef: string };
      expect(placed.remittanceRef).toBeTruthy();
      // Since then the honey's price went up and the oil was taken off sale.
      await pool.query(`update products set price_tiers = '[{"minQty":2,"unitPriceFen":5500}]' where id = $1`, [
        kept.id,
      ]);
      await pool.query(`update products set status = 'delisted' where id = $1`, [gone.id]);

      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport, locale: lang });
      screenshotOnFailure(page, `trade-buy-again-${lang}-${width}`);
      await loginAs(page, user.email, TEST_PASSWORD);
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto(`/purchases/${placed.id}`);
      await page.click('[data-test=buy-again]');
      await page.waitForURL((u) => u.pathname === '/cart');
      expect(await page.locator('.el-message').first().innerText()).toBe(text.message);
      // The honey at today's price (¥55.00 × 4), the oil not in the cart; the quick order's report says why.
      const line = page.locator('[data-test=cart-lines] tr', { hasText: text.kept });
      await line.waitFor();
      expect(await page.locator('[data-test=cart-lines] .el-table__body tr').count()).toBe(1);
      await page.locator('[data-test=cart-total]', { hasText: '¥220.00' }).waitFor();
      expect(await page.locator('[data-test=import-summary]').innerText()).toBe(text.summary(placed.remittanceRef));
      const refused = page.locator('[data-test=import-row]', { hasText: gone.code });
      expect(await refused.innerText()).toMatch(text.gone(gone.code));
      await shot(page, `buy-again-${lang}-${width}`);
      // Only the buyer's own people see the button: the office reads the purchase without it.
      const office = await newPage(suite.browser, suite.stack.baseUrl, { locale: lang });
      await loginAs(office.page, 'office@demo.shanhai');
      await office.page.waitForSelector('[data-test=office-console]');
      await office.page.goto(`/purchases/${placed.id}`);
      await office.page.locator('[data-test=purchase-status]').waitFor();
      expect(await office.page.locator('[data-test=buy-again]').count()).toBe(0);
      await office.context.close();
      await context.close();
    });
});
