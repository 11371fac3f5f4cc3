import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createOrgWithUser, createProduct, TEST_PASSWORD } from '@shanhai/db/testing';
import { DESKTOP, MOBILE, loginAs, newPage, screenshotOnFailure } from './support/browser';
import { saveShot } from './support/shots';
import { useStackAndBrowser } from './support/suite';

// The cooperative's console as a cooperative uses it: the dashboard's figures, shipping in one
// dialog with a carrier from the list, the printable delivery note and the buyer's purchase
// order, in both languages, on a desktop and on a phone.
const suite = useStackAndBrowser();

async function api(path: string, token: string | null, body?: unknown, method = body ? 'POST' : 'GET') {
  const res = await fetch(`${suite.stack.baseUrl}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
const tokenOf = async (email: string, password = 'shanhai-demo') =>
  (await api('/auth/login', null, { email, password })).accessToken as string;

/** A paid purchase of `qty` of one product by the demo buyer, confirmed by the office. */
async function paidPurchase(productId: string, qty: number) {
  const buyer = await tokenOf('buyer@demo.shanhai');
  await api('/cart', buyer, { lines: [{ productId, qty }] }, 'PUT');
  const p = await api('/purchases', buyer, { paymentMethod: 'transfer' });
  await api(`/payments/${p.id}/confirm-transfer`, await tokenOf('office@demo.shanhai'), { amountFen: p.totalFen });
  return p as {
    id: string;
    totalFen: number;
    remittanceRef: string;
    orders: { id: string; orderNo: string; lines: { code: string }[] }[];
  };
}

/** The page does not scroll sideways: nothing is wider than the window. */
const overflowX = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

const RUNS = [
  { lang: 'zh-CN', width: 'desktop', viewport: DESKTOP },
  { lang: 'en', width: 'phone', viewport: MOBILE },
  { lang: 'en', width: 'desktop', viewport: DESKTOP },
  { lang: 'zh-CN', width: 'phone', viewport: MOBILE },
] as const;

const TEXT = {
  'zh-CN': {
    toShip: '待发货',
    orders: (n: number) => `${n} 单`,
    carrier: '顺丰速运',
    shipped: '已发货',
    note: '送货单',
    po: '采购单',
    required: '不能为空',
    paid: '已付款',
    purchaseNo: '采购单号',
    emptyCart: '购物车是空的',
  },
  en: {
    toShip: 'To ship',
    orders: (n: number) => `${n} ${n === 1 ? 'order' : 'orders'}`,
    carrier: 'SF Express',
    shipped: 'Shipped',
    note: 'Delivery note',
    po: 'Purchase order',
    required: 'required',
    paid: 'Paid',
    purchaseNo: 'Purchase no.',
    emptyCart: 'Your cart is empty',
  },
} as const;

describe('the cooperative console', () => {
  it('a new cooperative’s order list says it has none yet; a status with none asks for another (zh-CN)', async () => {
    const { user } = await createOrgWithUser(suite.stack.api.db, { kind: 'cooperative', townCode: 'dakun' });
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'zh-CN' });
    screenshotOnFailure(page, 'coop-orders-empty');
    await loginAs(page, user.email, TEST_PASSWORD);
    await page.waitForURL((u) => u.pathname === '/coop');
    await page.goto('/coop/orders?status=all');
    const empty = page.locator('[data-test=coop-orders] .el-table__empty-text');
    await expect.poll(() => empty.textContent()).toBe('还没有订单：采购单位下单付款后，订单会出现在这里');
    await page.goto('/coop/orders?status=paid');
    await expect.poll(() => empty.textContent()).toBe('没有该状态的订单：换一个状态筛选，或选“全部”');
    await context.close();
  });

  for (const run of RUNS) {
    it(`${run.lang} on a ${run.width}: dashboard figures, ship through the dialog, print the delivery note and the purchase order`, async () => {
      const db = suite.stack.api.db;
      const { org, user } = await createOrgWithUser(db, { kind: 'cooperative', townCode: 'dakun' });
      const honey = await createProduct(db, {
        cooperativeId: org.id,
        nameZh: '山花蜂蜜',
        nameEn: 'Wildflower honey',
        unitLabel: '瓶',
        unitSpec: '500 g/瓶',
        stock: 200,
        priceTiers: [{ minQty: 1, unitPriceFen: 6800 }],
      });
      await createProduct(db, { cooperativeId: org.id, nameZh: '腊肉', stock: 2, moq: 1 });
      await createProduct(db, { cooperativeId: org.id, stock: 10, status: 'pending_review' });
      const first = await paidPurchase(honey.id, 3);
      const second = await paidPurchase(honey.id, 2);
      const text = TEXT[run.lang];

      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, {
        viewport: run.viewport,
        locale: run.lang,
      });
      screenshotOnFailure(page, `coop-${run.lang}-${run.width}`);
      try {
        await loginAs(page, user.email, TEST_PASSWORD);
        await page.waitForURL((u) => u.pathname === '/coop');
        const toShip = page.locator('[data-test=dash-toShip]');
        await expect.poll(() => toShip.textContent()).toContain(text.orders(2));
        expect(await toShip.textContent()).toContain(text.toShip);
        expect(await page.locator('[data-test=dash-thisMonth]').textContent()).toContain('340.00');
        expect(await page.locator('[data-test=dash-pendingReview]').textContent()).toContain('1');
        expect(await page.locator('[data-test=dash-lowStock-count]').textContent()).toBe('1');
        expect(await page.locator('[data-test=dash-lowStock]').textContent()).toContain('腊肉');
        expect(await overflowX(page)).toBeLessThanOrEqual(0);
        await saveShot(page, `coop-dashboard-${run.lang}-${run.width}`);

        // The tile opens the orders to ship, each with its number.
        await toShip.click();
        await page.waitForURL((u) => u.pathname === '/coop/orders' && u.searchParams.get('status') === 'paid');
        const rows = page.locator('[data-test=coop-orders] [data-test=order-no]');
        await expect
          .poll(() => rows.allTextContents())
          .toEqual(expect.arrayContaining([first.orders[0]!.orderNo, second.orders[0]!.orderNo]));
        expect(await overflowX(page)).toBeLessThanOrEqual(0);
        // No table scrolls sideways either (one cell per order on a phone).
        const tableOverflow = await page
          .locator('[data-test=coop-orders] .el-scrollbar__wrap')
          .first()
          .evaluate((el) => el.scrollWidth - el.clientWidth);
        if (run.width === 'phone') expect(tableOverflow).toBeLessThanOrEqual(0);
        await saveShot(page, `coop-orders-${run.lang}-${run.width}`);

        // Ship the first order in one dialog: an empty submit names the fields, then a carrier from the list.
        await page
          .locator('[data-test=coop-orders] .el-table__row', { hasText: first.orders[0]!.orderNo })
          .locator('[data-test=ship]')
          .click();
        const dialog = page.locator('.el-dialog', { has: page.locator('[data-test=ship-tracking]') });
        await dialog.waitFor();
        expect(await dialog.locator('[data-test=ship-order-no]').textContent()).toContain(first.orders[0]!.orderNo);
        await dialog.locator('[data-test=ship-confirm]').click();
        await expect.poll(() => dialog.locator('.el-form-item__error').count()).toBe(2);
        expect(await dialog.locator('.el-form-item__error').first().textContent()).toContain(text.required);
        await dialog.locator('[data-test=ship-carrier]').click();
        await page.locator('.el-select-dropdown__item:visible', { hasText: text.carrier }).click();
        await dialog.locator('input[data-test=ship-tracking]').fill('SF1400000001');
        await saveShot(page, `coop-ship-dialog-${run.lang}-${run.width}`, true);
        await dialog.locator('[data-test=ship-confirm]').click();
        await dialog.waitFor({ state: 'hidden' });
        const order = await api(`/orders/${first.orders[0]!.id}`, await tokenOf(user.email, TEST_PASSWORD));
        expect(order).toMatchObject({ status: 'shipped', carrier: '顺丰速运', trackingNo: 'SF1400000001' });
        // One order left to ship: "1 order", not "1 orders".
        await page.goto('/coop');
        await expect
          .poll(() => page.locator('[data-test=dash-toShip]').textContent())
          .toMatch(new RegExp(`${text.orders(1)}(?!s)`));

        // The order's page: its number, the carrier in the reader's language, the delivery note.
        await page.goto(`/coop/orders/${first.orders[0]!.id}`);
        await page.waitForSelector('[data-test=order-detail]');
        expect(await page.locator('[data-test=order-no]').textContent()).toContain(first.orders[0]!.orderNo);
        expect(await page.locator('[data-test=order-detail]').textContent()).toContain(text.carrier);
        expect(await page.locator('[data-test=order-status]').textContent()).toContain(text.shipped);
        // Each line with its product code (SH1001…), what the buyer quotes.
        const code = first.orders[0]!.lines[0]!.code;
        expect(code).toMatch(/^SH\d+$/);
        expect(await page.locator('[data-test=order-lines] [data-test=line-code]').first().textContent()).toBe(code);
        // The line's total is in view, not in a column cut off on the right of a phone.
        const lines = page.locator('[data-test=order-lines]');
        const coopLineTotal = lines.locator('.el-table__body td', { hasText: '¥204.00' }).last();
        const [linesBox, coopTotalBox] = [await lines.boundingBox(), await coopLineTotal.boundingBox()];
        expect(coopTotalBox!.x + coopTotalBox!.width).toBeLessThanOrEqual(linesBox!.x + linesBox!.width);
        await page.click('[data-test=delivery-note-link]');
        await page.waitForSelector('[data-test=delivery-note]');
        const note = page.locator('[data-test=delivery-note]');
        expect(await note.locator('[data-test=paper-order-no]').textContent()).toBe(first.orders[0]!.orderNo);
        expect(await note.textContent()).toContain(text.note);
        expect(await note.locator('[data-test=paper-code]').first().textContent()).toBe(code);
        expect(await note.locator('[data-test=paper-qty]').first().textContent()).toBe(
          run.lang === 'en' ? '3 瓶' : '3 瓶',
        );
        expect(await note.locator('[data-test=paper-total]').textContent()).toContain('204.00');
        expect(await note.locator('[data-test=paper-signs] .sign').count()).toBe(2);
        if (run.lang === 'zh-CN')
          expect(await note.locator('[data-test=paper-total-words]').textContent()).toContain('贰佰零肆元整');
        await saveShot(page, `coop-delivery-note-${run.lang}-${run.width}`);
        // On paper only the sheet: the header and the buttons are gone.
        await page.emulateMedia({ media: 'print' });
        expect(await page.locator('header.header').isVisible()).toBe(false);
        expect(await page.locator('[data-test=paper-print]').isVisible()).toBe(false);
        expect(await note.isVisible()).toBe(true);
        await saveShot(page, `coop-delivery-note-print-${run.lang}-${run.width}`);
        await page.emulateMedia({ media: 'screen' });
      } finally {
        await context.close();
      }

      // The buyer sees the carrier and tracking number, and prints the purchase order.
      const buyer = await newPage(suite.browser, suite.stack.baseUrl, { viewport: run.viewport, locale: run.lang });
      screenshotOnFailure(buyer.page, `coop-buyer-${run.lang}-${run.width}`);
      try {
        await loginAs(buyer.page, 'buyer@demo.shanhai');
        await buyer.page.waitForSelector('[data-test=user-menu]');
        await buyer.page.goto(`/purchases/${first.id}`);
        const tracking = buyer.page.locator('[data-test=order-tracking]');
        await tracking.waitFor();
        expect(await tracking.textContent()).toContain(`${text.carrier} SF1400000001`);
        // The line's total is in view, not in a column cut off on the right of a phone.
        const card = buyer.page.locator('[data-test=order-card]');
        const lineTotal = card.locator('.el-table__body td', { hasText: '¥204.00' }).last();
        const [cardBox, totalBox] = [await card.boundingBox(), await lineTotal.boundingBox()];
        expect(totalBox!.x + totalBox!.width).toBeLessThanOrEqual(cardBox!.x + cardBox!.width);
        expect(await card.locator('[data-test=line-code]').first().textContent()).toBe(first.orders[0]!.lines[0]!.code);
        await buyer.page.click('[data-test=purchase-order-link]');
        const po = buyer.page.locator('[data-test=purchase-order]');
        await po.waitFor();
        expect(await po.textContent()).toContain(text.po);
        expect(await po.locator('[data-test=paper-purchase-ref]').textContent()).toBe(first.remittanceRef);
        expect(await po.locator('[data-test=paper-order-no]').allTextContents()).toEqual([first.orders[0]!.orderNo]);
        expect(await po.locator('[data-test=paper-grand-total]').textContent()).toContain('204.00');
        expect(await po.locator('[data-test=paper-signs] .sign').count()).toBe(3);
        expect(await overflowX(buyer.page)).toBeLessThanOrEqual(0);
        await saveShot(buyer.page, `buyer-purchase-order-${run.lang}-${run.width}`);

        // The purchases list leads with the number and the status, in view on a phone too. The status
        // is where the purchase is: paid, but its one order has shipped since, so 已发货, not 已付款.
        await buyer.page.goto('/purchases');
        const row = buyer.page.locator('[data-test=purchase-list] tr', { hasText: first.remittanceRef });
        await row.waitFor();
        const headers = await buyer.page.locator('[data-test=purchase-list] th').allInnerTexts();
        expect(headers[0]!.trim()).toBe(text.purchaseNo);
        const status = row.locator('[data-test=purchase-status]');
        expect(await status.textContent()).toBe(text.shipped);
        expect(await status.getAttribute('data-status')).toBe('paid');
        // The second purchase's order was not shipped: it still reads paid.
        const secondRow = buyer.page.locator('[data-test=purchase-list] tr', { hasText: second.remittanceRef });
        await secondRow.waitFor();
        expect(await secondRow.locator('[data-test=purchase-status]').textContent()).toBe(text.paid);
        const statusBox = (await status.boundingBox())!;
        expect(statusBox.x + statusBox.width).toBeLessThanOrEqual(run.viewport.width);
        await saveShot(buyer.page, `buyer-purchases-${run.lang}-${run.width}`);
        await row.locator('[data-test=purchase-link]').click();
        await buyer.page.waitForURL((u) => u.pathname === `/purchases/${first.id}`);

        // Checking out an empty cart (the purchases above emptied it) says so instead of offering a form.
        await buyer.page.goto('/checkout');
        const empty = buyer.page.locator('[data-test=checkout-empty]');
        await empty.waitFor();
        expect(await empty.textContent()).toContain(text.emptyCart);
        expect(await buyer.page.locator('[data-test=place-order]').count()).toBe(0);
      } finally {
        await buyer.context.close();
      }
    });
  }

  it('the catalogue names towns, not their codes, to a visitor who is not logged in', async () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: lang });
      screenshotOnFailure(page, `coop-catalog-anon-${lang}`);
      try {
        await page.goto('/products');
        await page.waitForSelector('[data-test=facet-town]');
        const towns = page.locator('[data-test=facet-town]');
        await expect
          .poll(() => towns.allTextContents())
          .toContainEqual(expect.stringContaining(lang === 'en' ? 'Daping' : '大坪镇'));
        expect((await towns.allTextContents()).join(' ')).not.toMatch(/\b(daping|dakun)\b/);
      } finally {
        await context.close();
      }
    }
  });
});
