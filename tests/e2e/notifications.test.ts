import { describe, expect, it } from 'vitest';
import { notify } from '@shanhai/db';
import { createProduct } from '@shanhai/db/testing';
import { seriousA11yViolations } from './support/a11y';
import { atRest, loginAs, newPage, screenshotOnFailure } from './support/browser';
import { useStackAndBrowser } from './support/suite';

const suite = useStackAndBrowser();

/** Logs in through the api (the browser is the cooperative's; the others act through the api). */
async function token(email: string): Promise<string> {
  const res = await suite.stack.api.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: 'shanhai-demo' },
  });
  return res.json().accessToken;
}
async function call(tokenValue: string, method: 'POST' | 'PUT', url: string, payload: object, key?: string) {
  const res = await suite.stack.api.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${tokenValue}`, ...(key ? { 'idempotency-key': key } : {}) },
    payload,
  });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
}

describe('the bell', () => {
  it('a cooperative sees its count rise live when a buyer’s payment is confirmed, opens it and lands on the order', async () => {
    const { rows } = await suite.stack.api.pool.query<{ org_id: string }>(
      "select org_id from users where email = 'coop@demo.shanhai'",
    );
    const honey = await createProduct(suite.stack.api.db, {
      cooperativeId: rows[0]!.org_id,
      nameZh: '铃铛蜂蜜',
      stock: 20,
      priceTiers: [{ minQty: 1, unitPriceFen: 6600 }],
    });

    const { page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'notifications-coop');
    await loginAs(page, 'coop@demo.shanhai');
    await page.waitForSelector('[data-test=bell]');
    const badge = page.locator('[data-test=bell-count] sup');
    const count = async () => ((await badge.isVisible()) ? Number(await badge.textContent()) : 0);
    // The stream is open and has said the count before anything happens.
    await expect.poll(() => page.evaluate(() => document.readyState)).toBe('complete');
    const before = await count();

    const buyer = await token('buyer@demo.shanhai');
    await call(buyer, 'PUT', '/cart', { lines: [{ productId: honey.id, qty: 3 }] });
    const purchase = await call(buyer, 'POST', '/purchases', { paymentMethod: 'transfer' }, 'e2e-bell-1');
    await call(buyer, 'POST', `/purchases/${purchase.id}/pay`, { amountFen: purchase.totalFen, reference: 'E2E-1' });
    const office = await token('office@demo.shanhai');
    await call(office, 'POST', `/payments/${purchase.id}/confirm-transfer`, { amountFen: purchase.totalFen });

    // No reload: the one live connection brings the news.
    await expect.poll(count, { timeout: 15_000 }).toBe(before + 1);
    await page.click('[data-test=bell]');
    const item = page.locator('[data-test=bell-item]').first();
    await expect(item.textContent()).resolves.toContain('新订单待发货');
    await expect(item.textContent()).resolves.toContain('¥198.00');
    await item.click();
    await page.waitForURL(`**/coop/orders/${purchase.orders[0].id}`);
    await expect(page.locator('[data-test=order-status]').textContent()).resolves.toBe('已付款');
    await expect(page.locator('[data-test=order-lines]').textContent()).resolves.toContain('铃铛蜂蜜');
    await expect.poll(count).toBe(before);
  });

  it('the office’s and a buyer’s consoles carry the bell too, each counting its own news live', async () => {
    for (const email of ['office@demo.shanhai', 'buyer2@demo.shanhai'])
      await call(await token(email), 'POST', '/notifications/read', { all: true });
    const office = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(office.page, 'notifications-office');
    await loginAs(office.page, 'office@demo.shanhai');
    await office.page.waitForSelector('[data-test=office-console]');
    const buyer = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(buyer.page, 'notifications-buyer');
    await loginAs(buyer.page, 'buyer2@demo.shanhai');
    const countOf = (page: typeof office.page) => async () => {
      const badge = page.locator('[data-test=bell-count] sup');
      return (await badge.isVisible()) ? Number(await badge.textContent()) : 0;
    };
    for (const { page } of [office, buyer]) {
      await page.waitForSelector('[data-test=bell]');
      await expect.poll(countOf(page)).toBe(0);
    }

    // Another office user records an offline sale: the office's owner is asked to approve it.
    const { rows: towns } = await suite.stack.api.pool.query<{ id: string }>(
      "select id from towns where code = 'daping'",
    );
    await call(await token('office2@demo.shanhai'), 'POST', '/sales/offline', {
      townId: towns[0]!.id,
      category: 'tea',
      amountFen: 12_300,
      businessDate: new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()),
      invoiceNo: 'E2E-BELL-OFFICE',
    });
    await expect.poll(countOf(office.page), { timeout: 15_000 }).toBe(1);
    // The buyer's own news reaches its bell; the office's did not.
    expect(await countOf(buyer.page)()).toBe(0);
    const { rows: orgs } = await suite.stack.api.pool.query<{ org_id: string }>(
      "select org_id from users where email = 'buyer2@demo.shanhai'",
    );
    await notify(suite.stack.api.db, {
      kind: 'purchase.expired',
      orgId: orgs[0]!.org_id,
      subject: { type: 'purchase', id: 'e2e-bell-buyer' },
      link: '/purchases',
      params: { ref: 'E2E-BELL' },
    });
    await expect.poll(countOf(buyer.page), { timeout: 15_000 }).toBe(1);
    expect(await countOf(office.page)()).toBe(1);
    await office.context.close();
    await buyer.context.close();
  });

  it('two-digit counts on the bell and the cart read as well as the text around them (axe)', async () => {
    // Axe leaves a one-character text undecided ("too short to be sure it is text"): a count of 3
    // passes whatever its colours, so this draws 12 unread notices and 10 cart lines.
    const { rows } = await suite.stack.api.pool.query<{ org_id: string; email: string }>(
      "select org_id, email from users where email in ('buyer2@demo.shanhai', 'coop@demo.shanhai')",
    );
    const orgOf = (email: string) => rows.find((r) => r.email === email)!.org_id;
    for (let i = 0; i < 12; i++)
      await notify(suite.stack.api.db, {
        kind: 'purchase.expired',
        orgId: orgOf('buyer2@demo.shanhai'),
        subject: { type: 'purchase', id: `e2e-bell-axe-${i}` },
        link: '/purchases',
        params: { ref: `E2E-AXE-${i}` },
      });
    const lines = [];
    for (let i = 0; i < 10; i++) {
      const p = await createProduct(suite.stack.api.db, {
        cooperativeId: orgOf('coop@demo.shanhai'),
        nameZh: `徽章对比度 ${i}`,
        stock: 20,
        priceTiers: [{ minQty: 1, unitPriceFen: 1000 }],
      });
      lines.push({ productId: p.id, qty: 1 });
    }
    await call(await token('buyer2@demo.shanhai'), 'PUT', '/cart', { lines });

    const { page, context } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'notifications-badges-axe');
    await loginAs(page, 'buyer2@demo.shanhai');
    await page.waitForSelector('[data-test=town-cards]');
    await expect
      .poll(() => page.locator('[data-test=bell-count] sup').textContent(), { timeout: 15_000 })
      .toMatch(/^\d\d/);
    await expect.poll(() => page.locator('[data-test=cart-badge]').textContent()).toBe('10');
    await atRest(page);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });
});
