import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createProduct } from '@shanhai/db/testing';
import { loginAs, newPage, screenshotOnFailure } from './support/browser';
import { useStackAndBrowser } from './support/suite';

const suite = useStackAndBrowser();

async function orgOf(email: string): Promise<string> {
  const { rows } = await suite.stack.api.pool.query<{ org_id: string }>('select org_id from users where email = $1', [email]);
  return rows[0]!.org_id;
}
/** Element Plus prompt: type into its input (unless prefilled is fine) and press OK. */
async function answerPrompt(page: Page, text: string, value?: string) {
  const box = page.locator('.el-message-box', { hasText: text });
  await box.waitFor();
  if (value !== undefined) await box.locator('input').fill(value);
  await box.locator('.el-message-box__btns .el-button--primary').click();
  await box.waitFor({ state: 'hidden' });
}

describe('ordering from two cooperatives, paid by transfer', () => {
  it('buyer checks out two cooperatives at once, pays by transfer, the office confirms, one coop ships, the buyer accepts', async () => {
    const honey = await createProduct(suite.stack.api.db, { cooperativeId: await orgOf('coop@demo.shanhai'), nameZh: '端到端蜂蜜', stock: 50, priceTiers: [{ minQty: 1, unitPriceFen: 8800 }] });
    const tea = await createProduct(suite.stack.api.db, { cooperativeId: await orgOf('coop2@demo.shanhai'), nameZh: '端到端红茶', stock: 50, priceTiers: [{ minQty: 1, unitPriceFen: 12000 }] });

    const buyer = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(buyer.page, 'orders-buyer');
    await loginAs(buyer.page, 'buyer@demo.shanhai');
    await buyer.page.waitForSelector('[data-test=user-menu]');
    await buyer.page.click('[data-test=nav-cart]');
    await buyer.page.fill('[data-test=import-csv]', `product,qty\n${honey.id},10\n端到端红茶,5\n`);
    await buyer.page.click('[data-test=import-run]');
    await expect.poll(() => buyer.page.locator('[data-test=import-row]').count()).toBe(2);
    await expect(buyer.page.locator('[data-test=cart-total]').textContent()).resolves.toContain('1,480.00');
    await buyer.page.click('[data-test=to-checkout]');
    await buyer.page.waitForSelector('[data-test=checkout-address]');
    await expect.poll(() => buyer.page.locator('[data-test=checkout-address]').inputValue()).not.toBe('');
    await buyer.page.click('[data-test=place-order]');
    await buyer.page.waitForURL((u) => u.pathname.startsWith('/purchases/'));
    const purchaseId = new URL(buyer.page.url()).pathname.split('/')[2]!;
    await expect.poll(() => buyer.page.locator('[data-test=order-card]').count()).toBe(2);
    await buyer.page.fill('[data-test=transfer-reference]', 'ICBC20261129001');
    await buyer.page.click('[data-test=submit-transfer]');
    await buyer.page.waitForSelector('[data-test=transfer-submitted]');

    const office = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(office.page, 'orders-office');
    await loginAs(office.page, 'office@demo.shanhai');
    await office.page.waitForSelector('[data-test=user-menu]');
    await office.page.click('[data-test=nav-payments]');
    await office.page.locator('[data-test=payment-queue] tr', { hasText: 'ICBC20261129001' }).locator('[data-test=confirm-transfer]').click();
    await answerPrompt(office.page, '实际到账金额');
    await expect.poll(async () => (await suite.stack.api.pool.query<{ status: string }>('select status from purchases where id = $1', [purchaseId])).rows[0]!.status).toBe('paid');
    await office.context.close();

    const coop = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(coop.page, 'orders-coop');
    await loginAs(coop.page, 'coop@demo.shanhai');
    await coop.page.waitForSelector('[data-test=user-menu]');
    await coop.page.click('[data-test=nav-coop-orders]');
    const row = coop.page.locator('[data-test=coop-orders] tr', { hasText: '端到端蜂蜜' });
    await row.locator('[data-test=ship]').click();
    await answerPrompt(coop.page, '快递公司');
    await answerPrompt(coop.page, '运单号', 'SF1234567890');
    await row.locator('[data-test=deliver]').click();
    // Delivered orders leave the default (paid + shipped) queue.
    await expect.poll(async () => (await suite.stack.api.pool.query<{ status: string }>('select o.status from orders o join order_lines l on l.order_id = o.id where l.product_id = $1', [honey.id])).rows[0]!.status).toBe('delivered');
    await coop.context.close();

    await buyer.page.reload();
    await buyer.page.locator('[data-test=order-card]', { hasText: '端到端蜂蜜' }).locator('[data-test=accept]').click();
    await expect.poll(() => buyer.page.locator('[data-test=order-card]', { hasText: '端到端蜂蜜' }).locator('[data-test=order-status]').textContent()).toBe('已验收');
    await expect(buyer.page.locator('[data-test=order-card]', { hasText: '端到端红茶' }).locator('[data-test=order-status]').textContent()).resolves.toBe('已付款');
    const timeline = await buyer.page.locator('[data-test=order-card]', { hasText: '端到端蜂蜜' }).locator('[data-test=timeline]').textContent();
    expect(timeline).toContain('已发货');
    const sales = await suite.stack.api.pool.query<{ amount_fen: number }>("select amount_fen from sales where source = 'order' and buyer_org_id = $1 order by amount_fen", [await orgOf('buyer@demo.shanhai')]);
    expect(sales.rows.map((r) => r.amount_fen)).toEqual([60_000, 88_000]);
    const stock = await suite.stack.api.pool.query<{ stock: number }>('select stock from products where id = any($1) order by stock', [[honey.id, tea.id]]);
    expect(stock.rows.map((r) => r.stock)).toEqual([40, 45]);
    await buyer.context.close();
  });
});
