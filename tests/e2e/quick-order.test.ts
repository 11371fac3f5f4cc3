import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { DESKTOP, MOBILE, loginAs, newPage, screenshotOnFailure } from './support/browser';
import { saveShot } from './support/shots';
import { useStackAndBrowser } from './support/suite';

/**
 * Quick order (issue 14): what a buyer pastes from a spreadsheet (tabs, full-width commas, codes,
 * zh or en names) and, per row, what the page understood or why not, in the reader's language.
 */
const suite = useStackAndBrowser();
const WIDTHS = { desktop: DESKTOP, phone: MOBILE } as const;

async function demoHoney() {
  const [p] = await suite.stack.api.db
    .select({ id: schema.products.id, code: schema.products.code, nameEn: schema.products.nameEn })
    .from(schema.products)
    .where(eq(schema.products.nameZh, '大坪山花蜂蜜'));
  return p!;
}
async function emptyCart(email: string) {
  const [u] = await suite.stack.api.db
    .select({ id: schema.users.id })
    .from(schema.users)
    .where(eq(schema.users.email, email));
  await suite.stack.api.db.delete(schema.cartLines).where(eq(schema.cartLines.userId, u!.id));
}

describe('quick order', () => {
  for (const [width, viewport] of Object.entries(WIDTHS)) {
    it(`zh: a spreadsheet paste says per row what it understood or why not, in Chinese (${width})`, async () => {
      const honey = await demoHoney();
      await emptyCart('buyer@demo.shanhai');
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport, locale: 'zh-CN' });
      screenshotOnFailure(page, `quick-order-zh-${width}`);
      await loginAs(page, 'buyer@demo.shanhai');
      await page.waitForSelector('[data-test=user-menu]');
      await page.goto('/cart');
      const paste = `产品\t数量\n${honey.code}\t10\n大坪山花蜂蜜，５\n${honey.code}\t12\n不存在的产品\t1\n`;
      await page.fill('[data-test=import-csv]', paste);
      await page.click('[data-test=import-run]');
      await expect.poll(() => page.locator('[data-test=import-row]').count()).toBe(4);
      expect((await page.locator('[data-test=import-row]').allInnerTexts()).map((s) => s.trim())).toEqual([
        '第 2 行：大坪山花蜂蜜 × 10 瓶（500 g/瓶）',
        '第 3 行：大坪山花蜂蜜 × 5 瓶（500 g/瓶），购物车现有 15 瓶',
        `第 4 行（${honey.code}, 12）：数量应为起订量 10 瓶 加 5 的整数倍`,
        '第 5 行（不存在的产品, 1）：找不到在售产品，请填写产品编号、中文名或英文名',
      ]);
      expect(await page.locator('[data-test=import-summary]').innerText()).toBe('已加入 2 行，2 行未加入');
      // The cart took the two rows it understood, and only them.
      await expect.poll(() => page.locator('[data-test=cart-total]').count()).toBe(1);
      await saveShot(page, `quick-order-zh-CN-${width}`);
      await context.close();
    });
  }

  for (const [width, viewport] of Object.entries(WIDTHS)) {
    it(`en: codes and English names in any case, rows worded in English (${width})`, async () => {
      const honey = await demoHoney();
      await emptyCart('buyer@demo.shanhai');
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport, locale: 'en' });
      screenshotOnFailure(page, `quick-order-en-${width}`);
      await loginAs(page, 'buyer@demo.shanhai');
      await page.waitForSelector('[data-test=user-menu]');
      await page.goto('/cart');
      const paste = `Product;Qty\n${honey.code.toLowerCase()};10\n${honey.nameEn!.toUpperCase()}；５\n${honey.code}\t1000001\n${honey.code};5 box\n`;
      await page.fill('[data-test=import-csv]', paste);
      await page.click('[data-test=import-run]');
      await expect.poll(() => page.locator('[data-test=import-row]').count()).toBe(4);
      expect((await page.locator('[data-test=import-row]').allInnerTexts()).map((s) => s.trim())).toEqual([
        `Row 2: ${honey.nameEn} × 10 jars (500 g/jar)`,
        `Row 3: ${honey.nameEn} × 5 jars (500 g/jar); 15 jars in the cart now`,
        `Row 4 (${honey.code}, 1000001): Quantity must be at most 1,000,000`,
        `Row 5 (${honey.code}, 5 box): Quantity must be counted in jars`,
      ]);
      expect(await page.locator('[data-test=import-summary]').innerText()).toBe('2 rows added, 2 not added');
      await saveShot(page, `quick-order-en-${width}`);
      await context.close();
    });
  }
});
