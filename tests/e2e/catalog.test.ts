import { describe, expect, it } from 'vitest';
import { loginAs, newPage, screenshotOnFailure } from './support/browser';
import { PNG } from './support/fixtures';
import { useStackAndBrowser } from './support/suite';

const suite = useStackAndBrowser();

describe('catalogue', () => {
  it('a cooperative lists a product with a photo, the office approves it, a buyer finds it in Chinese and sees the tier price', async () => {
    const name = '瑶山野生岩蜂蜜';

    // The cooperative creates the product with two tiers and a photo, then submits it.
    const coop = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(coop.page, 'catalog-coop');
    await loginAs(coop.page, 'coop2@demo.shanhai');
    await coop.page.waitForSelector('[data-test=user-menu]');
    await coop.page.goto('/coop/products');
    await coop.page.click('[data-test=product-create]');
    await coop.page.fill('[data-test=pf-nameZh]', name);
    await coop.page.fill('[data-test=pf-nameEn]', 'Yao mountain rock honey');
    await coop.page.fill('[data-test=pf-unit]', '瓶');
    await coop.page.fill('[data-test=pf-unit-spec]', '500 g/瓶');
    await coop.page.locator('[data-test=pf-stock] input').fill('300');
    await coop.page.locator('[data-test=tier-price-0] input').fill('50');
    await coop.page.click('[data-test=tier-add]');
    await coop.page.locator('[data-test=tier-min-1] input').fill('5');
    await coop.page.locator('[data-test=tier-price-1] input').fill('40');
    await coop.page.setInputFiles('[data-test=pf-photo-input]', {
      name: 'honey.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    await coop.page.waitForSelector('[data-test=pf-photo-preview]');
    await expect(coop.page.locator('[data-test=tier-editor] [data-test=tier-min-1] input').inputValue()).resolves.toBe(
      '5',
    );
    await coop.page.click('[data-test=pf-save]');
    const row = coop.page.locator('[data-test=my-products-table] tr', { hasText: name });
    await expect(row.locator('[data-test=status-chip]').textContent()).resolves.toBe('草稿');
    await row.locator('[data-test=product-submit]').click();
    await coop.page.waitForFunction(
      (n) =>
        [...document.querySelectorAll('[data-test=my-products-table] tr')].some(
          (r) => r.textContent?.includes(n) && r.textContent.includes('待审核'),
        ),
      name,
    );
    await coop.context.close();

    // The office approves it from the listing review queue.
    const office = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(office.page, 'catalog-office');
    await loginAs(office.page, 'office@demo.shanhai');
    await office.page.waitForSelector('[data-test=listing-queue]');
    await office.page
      .locator('[data-test=listing-queue] tr', { hasText: name })
      .locator('[data-test=listing-approve]')
      .click();
    // Approving asks first, with a preview of what goes on sale.
    const preview = office.page.locator('[data-test=approve-preview]');
    expect(await preview.innerText()).toContain(name);
    await office.page.locator('.confirm-approve .el-message-box__btns .el-button--primary').click();
    await office.page.locator('.el-message--success', { hasText: '已通过审核' }).waitFor();
    await office.page.waitForFunction(
      (n) => ![...document.querySelectorAll('[data-test=listing-queue] tr')].some((r) => r.textContent?.includes(n)),
      name,
    );
    await office.context.close();

    // A buyer searches in Chinese, opens it and picks a quantity in the second tier.
    const buyer = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(buyer.page, 'catalog-buyer');
    await loginAs(buyer.page, 'buyer@demo.shanhai');
    await buyer.page.waitForSelector('[data-test=user-menu]');
    await buyer.page.goto('/products');
    await buyer.page.fill('[data-test=catalog-search]', '岩蜂蜜');
    await buyer.page.click('[data-test=catalog-search-go]');
    await buyer.page.waitForURL((u) => u.searchParams.get('q') === '岩蜂蜜');
    const card = buyer.page.locator('[data-test=product-card]', { hasText: name });
    await card.click();
    await buyer.page.waitForSelector('[data-test=tier-table]');
    await expect(buyer.page.locator('[data-test=product-name]').textContent()).resolves.toContain(name);
    expect(await buyer.page.locator('[data-test=product-photo]').getAttribute('src')).toMatch(
      /^\/media\/[0-9a-f]{64}\.png$/,
    );
    await expect(buyer.page.locator('[data-test=calc-unit-price]').textContent()).resolves.toBe('¥50.00');
    const qty = buyer.page.locator('[data-test=quantity-input] input');
    await qty.fill('6');
    await qty.blur();
    await buyer.page.waitForFunction(
      () => document.querySelector('[data-test=calc-unit-price]')?.textContent === '¥40.00',
    );
    await expect(buyer.page.locator('[data-test=calc-line-total]').textContent()).resolves.toBe('¥240.00');
    expect(await buyer.page.locator('[data-test=add-to-cart-slot]').getAttribute('data-quantity')).toBe('6');

    // The chosen quantity goes into the buyer's cart at the same tier price.
    await buyer.page.click('[data-test=add-to-cart]');
    await buyer.page.waitForSelector('.el-message--success');
    await buyer.page.goto('/cart');
    const line = buyer.page.locator('[data-test=cart-lines] tr', { hasText: name });
    await line.waitFor();
    await expect(line.textContent()).resolves.toContain('¥240.00');
    await buyer.context.close();
  });
});
