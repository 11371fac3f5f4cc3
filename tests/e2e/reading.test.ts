import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { loginAs, newPage, screenshotOnFailure } from './support/browser';
import { saveShot } from './support/shots';
import { stackApi } from './support/api';
import { useStackAndBrowser } from './support/suite';

// Pages as their readers read them (issue 14's walk): what an empty queue means, an audit log
// that holds what the demo's office did, a title above its sections, one product name per language.
const suite = useStackAndBrowser();

const TEXT = {
  'zh-CN': {
    noTransfers: '没有待确认到账的转账',
    noData: '暂无数据',
    listingApproved: '审核通过商品',
    orgActivated: '审核通过单位',
    office: '指挥部 演示账号',
    inChinese: '中文',
  },
  en: {
    noTransfers: 'No transfers to confirm',
    noData: 'No Data',
    listingApproved: 'Listing approved',
    orgActivated: 'Organisation activated',
    office: '指挥部 演示账号',
    inChinese: 'in Chinese',
  },
} as const;

const { productOf } = stackApi(suite);

describe('pages read as their readers expect', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    const text = TEXT[lang];

    it(`the office's pages: an empty transfer queue, the demo's audit log, the settlements title (${lang})`, async () => {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: lang });
      screenshotOnFailure(page, `reading-office-${lang}`);
      try {
        await loginAs(page, 'office@demo.shanhai');
        await page.waitForSelector('[data-test=office-console]');

        // The demo has no transfer waiting: the page says there is none to confirm, not a bare "no data".
        await page.goto('/office/payments');
        const empty = page.locator('[data-test=payment-queue-empty]');
        await empty.waitFor();
        expect(await empty.innerText()).toContain(text.noTransfers);
        expect(await page.locator('.page').innerText()).not.toContain(text.noData);

        // The seed wrote what the office did to set the demo up, through the api's audit writer.
        await page.goto('/office/audit');
        await page.waitForSelector('[data-test=audit-table]');
        const actions = await page.locator('[data-test=audit-table] tbody tr td:nth-child(3)').allInnerTexts();
        expect(actions).toContain(text.listingApproved);
        const approval = page.locator('[data-test=audit-table] tbody tr', { hasText: text.listingApproved }).first();
        expect(await approval.innerText()).toContain(text.office);
        await page.goto(`/office/audit?action=org.activate`);
        await page.waitForSelector('[data-test=audit-table]');
        expect(new Set(await page.locator('[data-test=audit-table] tbody tr td:nth-child(3)').allInnerTexts())).toEqual(
          new Set([text.orgActivated]),
        );
        expect(await page.locator('[data-test=audit-table] tbody tr').count()).toBe(4);

        // The page's title is its largest heading: no section heading outgrows it.
        await page.goto('/office/settlements');
        await page.waitForSelector('[data-test=office-settlements] h2');
        const sizes = await page.evaluate(() => {
          const px = (e: Element) => parseFloat(getComputedStyle(e).fontSize);
          const root = document.querySelector('[data-test=office-settlements]')!;
          return { title: px(root.querySelector('h1')!), sections: [...root.querySelectorAll('h2')].map(px) };
        });
        expect(sizes.sections.length).toBeGreaterThanOrEqual(3);
        for (const s of sizes.sections) expect(s).toBeLessThan(sizes.title);
        await saveShot(page, `office-settlements-${lang}`);
      } finally {
        await context.close();
      }
    });

    it(`every office console page opens with one page title, the largest heading on it (${lang})`, async () => {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: lang });
      screenshotOnFailure(page, `reading-office-titles-${lang}`);
      try {
        await loginAs(page, 'office@demo.shanhai');
        await page.waitForSelector('[data-test=office-console]');
        const pages = ['/office', '/office/money', '/office/settlements', '/office/payments', '/office/bank'];
        pages.push('/office/invoices', '/office/sales', '/office/units', '/office/pairings', '/office/audit');
        for (const path of pages) {
          await page.goto(path);
          await page.locator('main h1.page-title').waitFor();
          const headings = await page.evaluate(() => {
            const px = (e: Element) => parseFloat(getComputedStyle(e).fontSize);
            const main = document.querySelector('main')!;
            return {
              titles: [...main.querySelectorAll('h1')].map((h) => [h.className, px(h)] as const),
              largestSection: Math.max(0, ...[...main.querySelectorAll('h2, h3, h4')].map(px)),
            };
          });
          expect(headings.titles, path).toEqual([['page-title', 22]]);
          expect(headings.largestSection, path).toBeLessThan(22);
        }
      } finally {
        await context.close();
      }
    });

    it(`a product page names the product once, in the reader's language (${lang})`, async () => {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: lang });
      screenshotOnFailure(page, `reading-product-${lang}`);
      try {
        await page.goto(`/products/${await productOf('大坪山花蜂蜜')}`);
        await page.waitForSelector('[data-test=tier-table]');
        const info = await page.locator('.info').innerText();
        if (lang === 'zh-CN') {
          expect(await page.locator('[data-test=product-name]').innerText()).toContain('大坪山花蜂蜜');
          // No English name under the Chinese title.
          expect(info).not.toContain('Daping mountain-flower honey');
        } else {
          expect(await page.locator('[data-test=product-name]').innerText()).toContain('Daping mountain-flower honey');
          expect(info).not.toContain('大坪山花蜂蜜');
          expect(await page.locator('[data-test=product-name] [data-test=in-chinese]').count()).toBe(0);
        }

        // A product with no English name: the Chinese one, marked as such in English, unmarked in Chinese.
        const id = await productOf('大坪猕猴桃');
        await suite.stack.api.db.update(schema.products).set({ nameEn: null }).where(eq(schema.products.id, id));
        await page.goto(`/products/${id}`);
        await page.waitForSelector('[data-test=tier-table]');
        const name = page.locator('[data-test=product-name]');
        expect(await name.innerText()).toContain('大坪猕猴桃');
        expect(await name.locator('[data-test=in-chinese]').count()).toBe(lang === 'en' ? 1 : 0);
        if (lang === 'en') expect(await name.locator('[data-test=in-chinese]').innerText()).toContain(text.inChinese);
        await saveShot(page, `product-no-english-name-${lang}`);
      } finally {
        await context.close();
      }
    });
  }
});
