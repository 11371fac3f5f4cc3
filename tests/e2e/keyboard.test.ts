import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { loginAs, newPage, screenshotOnFailure } from './support/browser';
import { keyboardGaps } from './support/keyboard';
import { stackApi } from './support/api';
import { useStackAndBrowser } from './support/suite';

/**
 * Every action is reachable by keyboard, on each role's pages: each visible button, link, control,
 * sortable header, tab, pagination and upload can take focus, and Tab from the top of the page gets
 * to each (support/keyboard.ts). Then the leaderboard sorted from the keyboard as a click sorts it.
 */
const suite = useStackAndBrowser();
const { demoPurchase } = stackApi(suite);

/** How long a page is left to finish its first requests before it is walked (a wait, not an assertion). */
const SETTLE_MS = 800;

async function landAs(page: Page, email: string, path: string, marker: string) {
  await loginAs(page, email);
  await page.waitForURL((u) => u.pathname === path);
  await page.waitForSelector(marker);
}

/** Walks the page as it is now; keeps its gaps under `name` when it has any. */
async function walk(page: Page, name: string, found: Record<string, string[]>) {
  await page.waitForTimeout(SETTLE_MS);
  const gaps = await keyboardGaps(page);
  // One line a gap, so a failure lists every page's gaps in full.
  if (gaps.length) found[name] = gaps.map((g) => `${g.gap}: ${g.html} “${g.text}”`);
}

/** Opens `path`, waits for `marker` and walks the page. */
async function visit(page: Page, path: string, marker: string, found: Record<string, string[]>) {
  await page.goto(path);
  await page.waitForSelector(marker);
  await walk(page, path, found);
}

describe('every action is reachable by keyboard', () => {
  it("on a purchaser's pages", async () => {
    const purchase = await demoPurchase('键盘可达测试商品', false);
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'keyboard-buyer');
    const found: Record<string, string[]> = {};
    await landAs(page, 'buyer@demo.shanhai', '/', '[data-test=town-cards]');
    await walk(page, '/', found);
    await page.locator('[data-test=featured-products] [data-test=product-card]').first().click();
    await page.waitForSelector('[data-test=add-to-cart]');
    await walk(page, 'product', found);
    await page.click('[data-test=add-to-cart]');
    await page.waitForSelector('.el-message--success');
    await visit(page, '/products', '[data-test=catalog-results]', found);
    await visit(page, '/cart', '[data-test=cart-lines]', found);
    await page.click('[data-test=to-checkout]');
    await expect.poll(() => page.locator('[data-test=checkout-address]').inputValue()).not.toBe('');
    await walk(page, '/checkout', found);
    await visit(page, '/purchases', '[data-test=purchase-list]', found);
    await visit(page, `/purchases/${purchase.id}`, '[data-test=purchase-total]', found);
    await visit(page, '/unit', '[data-test=unit-console]', found);
    await visit(page, '/account/org', '[data-test=org-settings-form], [data-test=settings-read-only]', found);
    await visit(page, '/account/members', '[data-test=members]', found);
    await page.click('[data-test=invite-open]');
    await page.waitForSelector('[aria-modal=true] .el-form');
    await walk(page, 'add-member dialog', found);
    await visit(page, '/account/password', '[data-test=change-password-form]', found);
    await visit(page, '/account/notifications', '[data-test=notification-preferences]', found);
    await visit(page, '/notifications', '[data-test=notifications-filter]', found);
    expect(found).toEqual({});
    await context.close();
  });

  it("on a cooperative's pages", async () => {
    const purchase = await demoPurchase('键盘可达发货测试', true);
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'keyboard-coop');
    const found: Record<string, string[]> = {};
    await landAs(page, 'coop@demo.shanhai', '/coop', '[data-test=coop-console]');
    await walk(page, '/coop', found);
    await visit(page, '/coop/orders', '[data-test=coop-orders]', found);
    await visit(page, `/coop/orders/${purchase.orders[0]!.id}`, '[data-test=order-status]', found);
    // The ship dialog's controls and buttons.
    await page.click('[data-test=ship]');
    await page.waitForSelector('.ship-dialog [data-test=ship-tracking]');
    await walk(page, 'ship dialog', found);
    await visit(page, '/coop/products', '[data-test=my-products-table]', found);
    // The product form (a dialog), with its photo upload.
    await page.locator('[data-test=my-products-table] [data-test=product-edit]').first().click();
    await page.waitForSelector('[data-test=product-form]');
    await walk(page, 'product form', found);
    await visit(page, '/coop/statements', '[data-test=coop-statements]', found);
    await visit(page, '/coop/balance', '[data-test=coop-balance]', found);
    expect(found).toEqual({});
    await context.close();
  });

  it("on the office's home, queues and money desks", async () => {
    await demoPurchase('键盘可达收款测试', false);
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'keyboard-office-desks');
    const found: Record<string, string[]> = {};
    await landAs(page, 'office@demo.shanhai', '/office', '[data-test=office-console]');
    // The office home holds the headline figures, the queues and the towns' targets.
    await walk(page, '/office', found);
    await visit(page, '/office/payments', '[data-test=payment-queue]', found);
    await visit(page, '/office/invoices', '[data-test=invoice-backlog]', found);
    await visit(page, '/office/bank', '[data-test=bank-upload]', found);
    await visit(page, '/office/money', '[data-test=office-money]', found);
    await page.click('[data-test=record-bank-charge]');
    await page.waitForSelector('[aria-modal=true] [data-test=bank-charge-txn]');
    await walk(page, 'bank charge dialog', found);
    await visit(page, '/office/settlements', '[data-test=office-settlements]', found);
    await visit(page, '/office/audit', '[data-test=audit-log]', found);
    expect(found).toEqual({});
    await context.close();
  });

  it("on the office's boards, sales, campaigns and units", async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'keyboard-office-boards');
    const found: Record<string, string[]> = {};
    await landAs(page, 'office@demo.shanhai', '/office', '[data-test=office-console]');
    await visit(page, '/office/leaderboard', '[data-test=leaderboard-table]', found);
    await page.click('[data-test=town-dakun]');
    await page.waitForSelector('[data-test=town-headline]');
    await walk(page, 'town dashboard', found);
    await visit(page, '/office/wall', '[data-test=wall-kpis]', found);
    await visit(page, '/office/sales', '[data-test=sales-ops]', found);
    await visit(page, '/office/campaigns', '[data-test=office-campaigns]', found);
    await visit(page, '/office/campaigns/new', '[data-test=campaign-edit-page]', found);
    await visit(page, '/office/units', '[data-test=unit-ranking]', found);
    await visit(page, '/office/units/reports', '[data-test=report-form]', found);
    await visit(page, '/office/units/classify', '.el-form', found);
    await visit(page, '/office/pairings', '[data-test=pairings]', found);
    expect(found).toEqual({});
    await context.close();
  });
});

describe('sorting and menus from the keyboard', () => {
  /** Presses `key` until the focused element matches `selector` (at most `max` presses); false when it never does. */
  async function pressUntil(page: Page, key: string, selector: string, max: number) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press(key);
      if (await page.evaluate((s) => document.activeElement?.closest(s) !== null, selector)) return true;
    }
    return false;
  }

  /** Enter on the focused menu button: the menu opens and, once shown, takes the focus (its first item). */
  async function openMenu(page: Page) {
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.closest('[role=menu]') != null);
  }

  it("Enter on the leaderboard's completion header sorts the rows as a click does, with a focus ring", async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'keyboard-sort');
    await landAs(page, 'office@demo.shanhai', '/office', '[data-test=office-console]');
    await page.goto('/office/leaderboard');
    await page.waitForSelector('[data-test=leaderboard-table] [data-test=bar-dakun]');
    const table = page.locator('[data-test=leaderboard-table]');
    const header = table.locator('th', { hasText: '完成进度' });
    /** The towns in the order the table shows them, and their completion (%). */
    const order = () => table.locator('[data-test^=bar-]').evaluateAll((els) => els.map((e) => e.dataset.test!));
    const progress = () =>
      table.locator('[data-test^=bar-]').evaluateAll((els) => els.map((e) => Number(e.dataset.progress)));
    const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! <= x);
    const byRank = await order();
    expect(ascending(await progress())).toBe(false);
    expect(await header.getAttribute('aria-sort')).toBe('');

    // By mouse: a click on the header sorts by completion, lowest first.
    await header.click();
    await expect.poll(async () => ascending(await progress())).toBe(true);
    const clicked = await order();
    expect(clicked).not.toEqual(byRank);
    expect(await header.getAttribute('aria-sort')).toBe('ascending');

    // By keyboard, on a fresh board: Tab reaches the header's sort button, which shows a focus ring…
    await page.reload();
    await page.waitForSelector('[data-test=leaderboard-table] [data-test=bar-dakun]');
    expect(await order()).toEqual(byRank);
    await header.evaluate((th) => th.setAttribute('data-kbd-target', ''));
    expect(await pressUntil(page, 'Tab', '[data-kbd-target]', 200)).toBe(true);
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return { style: s.outlineStyle, width: s.outlineWidth };
    });
    expect(ring).toEqual({ style: 'solid', width: '2px' });
    // …and Enter sorts as the click did; Enter again, highest first.
    await page.keyboard.press('Enter');
    await expect.poll(order).toEqual(clicked);
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await progress()).toReversed()).toSatisfy(ascending);
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    await context.close();
  });

  it("the header's menus and the board's export menu open and choose from the keyboard", async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'keyboard-menus');
    await landAs(page, 'office@demo.shanhai', '/office', '[data-test=office-console]');
    // The money desks' menu in the header: Enter opens it, the arrows pick 银行流水对账, Enter goes there.
    await page.focus('[data-test=nav-money-group]');
    await openMenu(page);
    expect(await pressUntil(page, 'ArrowDown', '[data-test=nav-bank]', 8)).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/office/bank');
    // The user menu: to the password page.
    await page.focus('[data-test=user-menu]');
    await openMenu(page);
    expect(await pressUntil(page, 'ArrowDown', '[data-test=nav-change-password]', 8)).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/account/password');
    // The leaderboard's export menu: the CSV file downloads.
    await page.goto('/office/leaderboard');
    await page.waitForSelector('[data-test=leaderboard-table] [data-test=bar-dakun]');
    await page.focus('[data-test=board-export]');
    await openMenu(page);
    expect(await pressUntil(page, 'ArrowDown', '[data-test=board-export-csv]', 8)).toBe(true);
    const downloading = page.waitForEvent('download');
    await page.keyboard.press('Enter');
    expect((await downloading).suggestedFilename()).toMatch(/\.csv$/);
    await context.close();
  });
});
