import { beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, MOBILE, loginAs, newPage, screenshotOnFailure } from './support/browser';
import { stackApi } from './support/api';
import { layoutProblems, outsideHeader, type LayoutProblem } from './support/layout';
import { openSettled } from './support/pages';
import { saveShot } from './support/shots';
import { useStackAndBrowser } from './support/suite';

// Issue 14: "tags never run into figures", on every page that shows tags beside figures, for each
// role, in both languages, at desktop and phone width (the check itself: support/layout.ts).
const suite = useStackAndBrowser();
const { api, tokenOf, productOf, demoPurchase } = stackApi(suite);

/** What the pages show: a product, a paid purchase and its cooperative order, a town, a cart with a line. */
const ids = { product: '', purchase: '', order: '', town: '' };
beforeAll(async () => {
  ids.product = await productOf('大坪山花蜂蜜');
  const paid = await demoPurchase('版面检查山茶油', true);
  ids.purchase = paid.id;
  ids.order = paid.orders[0]!.id;
  const { rows } = await suite.stack.api.pool.query<{ id: string }>("select id from towns where code = 'dakun'");
  ids.town = rows[0]!.id;
  await api('/cart', {
    method: 'PUT',
    token: await tokenOf('buyer@demo.shanhai'),
    body: { lines: [{ productId: ids.product, qty: 10 }] },
  });
});

/** Each role's pages with tags beside figures, each with what shows once it has its data. */
const ROLES = {
  buyer: {
    email: 'buyer@demo.shanhai',
    home: '[data-test=user-menu]',
    pages: (): [string, string][] => [
      ['/products', '[data-test=product-card]'],
      [`/products/${ids.product}`, '[data-test=tier-table]'],
      ['/cart', '[data-test=cart-total]'],
      ['/purchases', '[data-test=purchase-list]'],
      [`/purchases/${ids.purchase}`, '[data-test=purchase-total]'],
      ['/unit', '[data-test=unit-console]'],
    ],
  },
  coop: {
    email: 'coop@demo.shanhai',
    home: '[data-test=coop-console]',
    pages: (): [string, string][] => [
      ['/coop', '[data-test=coop-console]'],
      ['/coop/orders', '[data-test=coop-orders]'],
      [`/coop/orders/${ids.order}`, '[data-test=order-detail]'],
      ['/coop/products', '[data-test=my-products]'],
      ['/coop/statements', '[data-test=coop-statements]'],
    ],
  },
  office: {
    email: 'office@demo.shanhai',
    home: '[data-test=office-console]',
    pages: (): [string, string][] => [
      ['/office', '[data-test=office-headline]'],
      ['/office/payments', 'main h1.page-title'],
      ['/office/invoices', '[data-test=invoice-backlog]'],
      ['/office/leaderboard', '[data-test=leaderboard-page]'],
      [`/office/towns/${ids.town}`, 'main h1'],
      ['/office/money', '[data-test=office-money]'],
      ['/office/settlements', '[data-test=office-settlements]'],
      ['/office/bank', 'main h1.page-title'],
      ['/office/sales', '[data-test=sales-ops]'],
      ['/office/audit', '[data-test=audit-log]'],
      ['/office/units', 'main h1.page-title'],
      ['/office/units/reports', '[data-test=unit-reports]'],
      ['/office/pairings', '[data-test=pairings-table]'],
      ['/office/campaigns', '[data-test=campaign-list]'],
    ],
  },
} as const;

describe('tags and badges never run into figures', () => {
  it('the check reports a tag flush against a figure, a cut tag and a count run into a unit', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    try {
      await page.setContent(`<table><tbody>
        <tr><td><span>¥1,200</span><span class="el-tag" style="padding:0 4px">待发货</span></td></tr>
        <tr><td><span>¥1,200</span><span class="el-tag" style="margin-left:8px;padding:0 4px">待发货</span></td></tr>
        <tr><td><div style="width:40px;overflow:hidden;white-space:nowrap"><span class="el-tag" style="display:inline-block">已上架已上架已上架</span></div></td></tr>
        <tr><td>起订 10500g瓶</td><td>¥1,200待发货</td><td>12jars</td><td>2026年12月 · 9c7bfd0d-8a50 · aadce874-9baf · ¥4.50M</td></tr>
        <tr><td><b>10</b><span>瓶</span></td></tr>
      </tbody></table>`);
      expect(await layoutProblems(page)).toEqual([
        { kind: 'touches', text: '待发货', other: '¥1,200', gap: 0, where: '¥1,200待发货' },
        { kind: 'clipped', text: '已上架已上架已上架', where: '已上架已上架已上架' },
        {
          kind: 'run-in',
          text: '起订 10500g瓶',
          where: '起订 10500g瓶¥1,200待发货12jars2026年12月 · 9c7bfd0d-8a50 · aadce874-9baf · ¥4.50M',
        },
        {
          kind: 'run-in',
          text: '¥1,200待发货',
          where: '起订 10500g瓶¥1,200待发货12jars2026年12月 · 9c7bfd0d-8a50 · aadce874-9baf · ¥4.50M',
        },
        {
          kind: 'run-in',
          text: '12jars',
          where: '起订 10500g瓶¥1,200待发货12jars2026年12月 · 9c7bfd0d-8a50 · aadce874-9baf · ¥4.50M',
        },
        { kind: 'run-in', text: '10|瓶', where: '10瓶' },
      ]);
    } finally {
      await context.close();
    }
  });

  it('the check reports an empty field whose hint is cut, and no field whose hint fits or that has a value', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    try {
      // The header search at 1366 px in English before the fix: "…cooperatives, e.g. h".
      await page.setContent(`<div style="font:14px sans-serif">
        <input id="cut" style="width:120px;padding:0 10px" placeholder="Search products, towns, cooperatives, e.g. honey" />
        <input id="fits" style="width:400px;padding:0 10px" placeholder="Search products, towns, cooperatives, e.g. honey" />
        <input id="typed" style="width:120px;padding:0 10px" value="honey" placeholder="Search products, towns, cooperatives, e.g. honey" />
      </div>`);
      expect(await layoutProblems(page)).toEqual([
        { kind: 'clipped', text: 'Search products, towns, cooperatives, e.g. honey', where: 'cut' },
      ]);
    } finally {
      await context.close();
    }
  });

  it('the check reports a figure broken though it fits its line, and chart figures drawn over each other', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    try {
      // The leaderboard's phone rows before the fix: label and value inline, so the value broke at
      // its space (and Chinese text anywhere); as blocks in the line, the value moves down whole.
      await page.setContent(`<div style="font:16px sans-serif">
        <dl data-test="phone-facts" style="width:140px;margin:0"><dt style="display:inline">销售额</dt>
          <dd style="display:inline;margin:0">1,615.11 万元</dd></dl>
        <dl data-test="phone-facts" style="width:140px;margin:0"><dt style="display:inline-block">销售额</dt>
          <dd style="display:inline-block;margin:0">1,615.11 万元</dd></dl>
        <p style="width:60px">1,615,111,111.11 万元</p>
        <svg width="300" height="60"><text x="10" y="20">161.5%</text><text x="20" y="24">129.9%</text>
          <text x="200" y="20">96.2%</text>
          <text transform="translate(10 50) rotate(45)">大崑镇</text><text transform="translate(16 50) rotate(45)">石潭镇</text></svg>
      </div>`);
      expect(await layoutProblems(page)).toEqual([
        { kind: 'broken', text: '1,615.11 万元', where: '1,615.11 万元' },
        { kind: 'overlaps', text: '161.5%', other: '129.9%', where: 'svg' },
      ]);
    } finally {
      await context.close();
    }
  });

  for (const [role, { email, home, pages }] of Object.entries(ROLES))
    for (const locale of ['zh-CN', 'en'] as const)
      it(`the ${role}'s pages, ${locale}, at desktop and phone width`, async () => {
        const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale });
        screenshotOnFailure(page, `layout-${role}-${locale}`);
        try {
          await loginAs(page, email);
          await page.waitForSelector(home);
          const found: (LayoutProblem & { page: string })[] = [];
          for (const viewport of [DESKTOP, MOBILE]) {
            await page.setViewportSize(viewport);
            for (const [path, ready] of pages()) {
              await openSettled(page, path);
              await page.locator(ready).first().waitFor();
              const problems = await layoutProblems(page);
              const outside = viewport === DESKTOP ? await outsideHeader(page) : null;
              if (outside) problems.push(outside);
              if (problems.length) await saveShot(page, `layout-${role}-${locale}-${viewport.width}${path}`);
              found.push(...problems.map((p) => ({ page: `${path} @${viewport.width}`, ...p })));
            }
          }
          expect(found).toEqual([]);
        } finally {
          await context.close();
        }
        // Up to 14 pages at two widths, each loaded and settled: longer than one journey.
      }, 240_000);
});
