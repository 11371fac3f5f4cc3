import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atRest, DESKTOP, holdFirst, MOBILE, newPage, screenshotOnFailure, TEST_OUTPUT } from './support/browser';
import { useStackAndBrowser } from './support/suite';

/**
 * The header's search box on every page: suggestions while typing, picked with the keyboard;
 * typo tolerance with "did you mean"; a helpful empty state; a price range the wrong way round is
 * a message. Both languages, desktop and phone width; screenshots under test-results/.
 */
const suite = useStackAndBrowser();

const CASES = [
  { locale: 'zh-CN', viewport: DESKTOP, name: 'desktop' },
  { locale: 'en', viewport: DESKTOP, name: 'desktop' },
  { locale: 'zh-CN', viewport: MOBILE, name: 'phone' },
  { locale: 'en', viewport: MOBILE, name: 'phone' },
] as const;

const TEXT = {
  'zh-CN': {
    honey: '大坪山花蜂蜜',
    kiwi: '大坪猕猴桃',
    town: '大坪镇',
    fruitWord: '水果',
    fruit: '水果',
    coopKind: '合作社',
    categoryKind: '品类',
    price: '最低价不能高于最高价',
    empty: '没有找到符合条件的商品',
  },
  en: {
    honey: 'Daping mountain-flower honey',
    kiwi: 'Daping kiwi fruit',
    town: 'Daping',
    fruitWord: 'fruit',
    fruit: 'Fruit',
    coopKind: 'Cooperative',
    categoryKind: 'Category',
    price: 'The minimum price cannot be above the maximum price',
    empty: 'No products match',
  },
} as const;

describe('header search', () => {
  for (const c of CASES) {
    it(`suggests as you type and is keyboard usable (${c.locale}, ${c.name})`, async () => {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, {
        locale: c.locale,
        viewport: c.viewport,
      });
      screenshotOnFailure(page, `search-${c.locale}-${c.name}`);
      const text = TEXT[c.locale];
      // On a page other than the catalogue: the box is in the header of every page.
      await page.goto('/leaderboard');
      const box = page.locator('[data-test=header-search]');
      const popper = page.locator('.header-search-popper');
      /*
       * Types as a person does, then waits for the list that answers the whole text: its first
       * line names it. Under load the keys come slower than the box's pause, so a list for the
       * first characters shows, and is replaced, while the test is already looking at it.
       */
      const type = async (words: string) => {
        await box.fill('');
        await box.pressSequentially(words, { delay: 30 });
        await popper.locator('[data-test=suggestion-all]', { hasText: `“${words}”` }).waitFor();
        await atRest(page, '.header-search-popper');
      };
      /** The catalogue has the answer to its current address (not the list of the one before). */
      const settled = () => page.locator('[data-test=catalog-list][aria-busy=false]').waitFor();
      await box.click();
      await type('大坪蜂');
      const product = popper.locator('[data-test=suggestion-product]', { hasText: text.honey });
      await product.waitFor();
      await expect(popper.locator('[data-test=suggestion-town]').first().innerText()).resolves.toContain(text.town);
      mkdirSync(TEST_OUTPUT, { recursive: true });
      await page.screenshot({ path: join(TEST_OUTPUT, `search-suggest-${c.locale}-${c.name}.png`) });
      // The first line searches everything; the arrow goes down to the product, Enter opens it.
      await box.press('ArrowDown');
      await box.press('Enter');
      await page.waitForURL(/\/products\/[0-9a-f-]{36}$/);

      // A product code (what buyers quote from a price list): suggested with its code while typed,
      // and Enter finds that product first.
      const code = (
        await suite.stack.api.pool.query<{ code: string }>("select code from products where name_zh = '大坪山花蜂蜜'")
      ).rows[0]!.code;
      await type(code);
      await popper.locator('[data-test=suggestion-code]', { hasText: code }).waitFor();
      await expect(
        popper.locator('[data-test=suggestion-product]', { hasText: code }).first().innerText(),
      ).resolves.toContain(text.honey);
      await page.screenshot({ path: join(TEST_OUTPUT, `search-code-${c.locale}-${c.name}.png`) });
      await box.press('Enter');
      await page.waitForURL((u) => u.pathname === '/products' && u.searchParams.get('q') === code);
      await expect(page.locator('[data-test=product-card]').first().innerText()).resolves.toContain(text.honey);

      // A cooperative's name (as registered, so Chinese in both languages): its group, and picking it
      // lists that cooperative's products.
      const coopName = '连山大坪镇蜂蜜猕猴桃专业合作社（演示）';
      await type('蜂蜜猕猴桃专业合作社');
      const coop = popper.locator('[data-test=suggestion-cooperative]', { hasText: coopName });
      await coop.waitFor();
      expect(await coop.locator('.kind').innerText()).toBe(text.coopKind);
      await page.screenshot({ path: join(TEST_OUTPUT, `search-coop-${c.locale}-${c.name}.png`) });
      await coop.click();
      await page.waitForURL((u) => u.pathname === '/products' && u.searchParams.get('cooperativeName') === coopName);
      const coopId = new URL(page.url()).searchParams.get('cooperative');
      const { rows: coopRow } = await suite.stack.api.pool.query<{ name: string }>(
        "select name from orgs where id = $1 and kind = 'cooperative'",
        [coopId],
      );
      expect(coopRow).toEqual([{ name: coopName }]);
      await expect.poll(() => page.locator('[data-test=filter-cooperative]').innerText()).toContain(coopName);
      await settled();
      await expect(page.locator('[data-test=product-card]', { hasText: text.honey }).count()).resolves.toBe(1);

      // A category word in the reader's language: the category group, and picking it filters by it.
      await type(text.fruitWord);
      const category = popper.locator('[data-test=suggestion-category]', { hasText: text.fruit });
      await category.waitFor();
      expect(await category.locator('.kind').innerText()).toBe(text.categoryKind);
      expect((await category.locator('.text').innerText()).trim()).toBe(text.fruit);
      // Pressed, the suggestion leaves the focus in the box: moving it let the browser scroll the page
      // under the finger before the release. Picked, the box lets it go (a phone's keyboard goes away).
      const boxHasFocus = () => box.evaluate((el) => el.contains(document.activeElement));
      await category.hover();
      await page.mouse.down();
      await expect(boxHasFocus()).resolves.toBe(true);
      await page.mouse.up();
      await page.waitForURL((u) => u.pathname === '/products' && u.searchParams.get('category') === 'fruit');
      await expect(boxHasFocus()).resolves.toBe(false);
      await settled();
      await page.locator('[data-test=product-card]', { hasText: text.kiwi }).first().waitFor();
      await expect(page.locator('[data-test=product-card]', { hasText: text.honey }).count()).resolves.toBe(0);

      // A typo: Enter searches; the closest product comes with "did you mean".
      await type('猕候桃');
      await box.press('Enter');
      await page.waitForURL((u) => u.pathname === '/products' && u.searchParams.get('q') === '猕候桃');
      await settled();
      // "Did you mean" corrects the words typed, so it is in their script (Chinese here).
      await expect(page.locator('[data-test=did-you-mean]').innerText()).resolves.toBe(TEXT['zh-CN'].kiwi);
      await expect(page.locator('[data-test=product-card]').first().innerText()).resolves.toContain(text.kiwi);
      await page.screenshot({ path: join(TEST_OUTPUT, `search-typo-${c.locale}-${c.name}.png`), fullPage: true });

      // Nothing at all: what to try instead, and a way out of the filters.
      await page.goto(`/products?q=${encodeURIComponent('拖拉机配件')}&inStock=true`);
      await expect(page.locator('[data-test=catalog-empty]').innerText()).resolves.toContain(text.empty);
      // Categories to look in instead, named in the page's language.
      const nearby = page.locator('[data-test=catalog-empty] [data-test^=nearby-]');
      await expect.poll(() => nearby.count()).toBeGreaterThan(0);
      for (const name of await nearby.allInnerTexts())
        expect(name).toMatch(c.locale === 'en' ? /^[^\p{Script=Han}]+$/u : /^\p{Script=Han}+$/u);
      await page.locator('[data-test=clear-filters]').click();
      await page.waitForURL((u) => u.pathname === '/products' && u.search === '');
      await page.locator('[data-test=product-card]').first().waitFor();

      // A minimum price above the maximum is a message, not "no products".
      await page.goto('/products?minPrice=50000&maxPrice=100');
      await expect(page.locator('[data-test=price-problem]').innerText()).resolves.toContain(text.price);
      await expect(page.locator('[data-test=catalog-empty]').count()).resolves.toBe(0);
      await context.close();
    });
  }
});

describe('an answer that comes back late', () => {
  it('does not take the suggestions back to words typed before', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'zh-CN' });
    screenshotOnFailure(page, 'search-late-suggestions');
    await page.goto('/leaderboard');
    const late = await holdFirst(
      page,
      (u) => u.pathname === '/api/v1/search/suggest' && u.searchParams.get('q') === '大坪',
    );
    const box = page.locator('[data-test=header-search]');
    const all = page.locator('.header-search-popper [data-test=suggestion-all]');
    await box.click();
    await box.pressSequentially('大坪', { delay: 30 });
    await late.asked;
    await box.pressSequentially('蜂', { delay: 30 });
    await all.filter({ hasText: '“大坪蜂”' }).waitFor();
    late.release();
    await late.delivered;
    expect(await all.allInnerTexts()).toEqual([expect.stringContaining('“大坪蜂”')]);
    await context.close();
  });

  it('does not put back the products of a filter left since', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'zh-CN' });
    screenshotOnFailure(page, 'search-late-catalogue');
    await page.goto('/products');
    await page.locator('[data-test=catalog-list][aria-busy=false] [data-test=product-card]').first().waitFor();
    const late = await holdFirst(page, (u) => u.pathname === '/api/v1/products' && u.searchParams.has('town'));
    const towns = page.locator('[data-test=facet-towns] [data-test=facet-town]');
    // Towns as the facet names them, without the count after the name.
    const [first, second] = (await towns.allInnerTexts()).map((x) => x.replace(/\s*\d+$/, '').trim());
    await towns.nth(0).click();
    await late.asked;
    await towns.filter({ hasText: second! }).click();
    await page.locator('[data-test=product-card]', { hasText: second }).first().waitFor();
    await page.locator('[data-test=catalog-list][aria-busy=false]').waitFor();
    late.release();
    await late.delivered;
    await expect(page.locator('[data-test=catalog-list]').getAttribute('aria-busy')).resolves.toBe('false');
    const cards = await page.locator('[data-test=product-card] .name + .muted').allInnerTexts();
    expect(cards.length).toBeGreaterThan(0);
    for (const c of cards) expect(c).toContain(second);
    expect(cards.join()).not.toContain(first);
    await context.close();
  });
});

describe('the catalogue on a phone', () => {
  for (const locale of ['zh-CN', 'en'] as const)
    it(`shows products on the first screen, the facets as rows that scroll sideways (${locale})`, async () => {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale, viewport: MOBILE });
      screenshotOnFailure(page, `catalog-phone-${locale}`);
      await page.goto('/products');
      const firstCard = page.locator('[data-test=product-card]').first();
      await firstCard.waitFor();
      // Every town is still offered, in one row.
      const towns = page.locator('[data-test=facet-towns]');
      expect(await towns.locator('[data-test=facet-town]').count()).toBeGreaterThan(10);
      expect((await towns.boundingBox())!.height).toBeLessThan(60);
      const card = (await firstCard.boundingBox())!;
      expect(card.y).toBeLessThan(MOBILE.height);
      // The rows scroll inside themselves: the page and its cards stay within the screen.
      expect(card.x + card.width).toBeLessThanOrEqual(MOBILE.width);
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
      ).toBeLessThanOrEqual(0);
      mkdirSync(TEST_OUTPUT, { recursive: true });
      await page.screenshot({ path: join(TEST_OUTPUT, `catalog-phone-${locale}.png`) });
      await context.close();
    });
});
