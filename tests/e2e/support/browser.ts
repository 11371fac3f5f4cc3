import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect, onTestFailed } from 'vitest';

export const TEST_OUTPUT = fileURLToPath(new URL('../../../test-results', import.meta.url));

/** Debian's Chromium (or CHROMIUM_PATH); `npm test` checked it exists before starting. */
function chromiumPath(): string {
  // The test runner passes the browser it found.
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/**
 * Headless Chromium. As root it needs --no-sandbox; the network flags stop it from calling home,
 * which this closed network would refuse many times a second.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface Viewport {
  width: number;
  height: number;
}
export const DESKTOP: Viewport = { width: 1366, height: 900 };
export const MOBILE: Viewport = { width: 390, height: 844 };
export const WALL: Viewport = { width: 1920, height: 1080 };

export async function newPage(
  browser: Browser,
  baseURL: string,
  options: { viewport?: Viewport; locale?: 'zh-CN' | 'en' } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL,
    viewport: options.viewport ?? DESKTOP,
    locale: options.locale ?? 'zh-CN',
  });
  const page = await context.newPage();
  if (options.locale === 'en') await page.addInitScript(() => localStorage.setItem('shanhai.locale', 'en'));
  return { context, page };
}

/**
 * Holds back the server's answer to the first request `matches` picks until `release()`;
 * `delivered` settles once the page has had that answer and a moment to draw it.
 */
export async function holdFirst(page: Page, matches: (u: URL) => boolean) {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let url: string | undefined;
  await page.route(
    (u) => (url === undefined || url === u.href) && matches(u),
    async (route) => {
      url ??= route.request().url();
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
    },
  );
  const asked = page.waitForRequest((r) => matches(new URL(r.url())));
  const delivered = page
    .waitForEvent('requestfinished', { predicate: (r) => r.url() === url, timeout: 60_000 })
    .then(() => page.evaluate(() => new Promise((r) => setTimeout(r, 200))));
  // Awaited by the test; a test that fails first leaves them to reject unheard when its page closes.
  for (const p of [asked, delivered]) p.catch(() => undefined);
  return { asked, release, delivered };
}

/**
 * Waits until nothing in `scope` (the whole page by default) is animating: a dialog fading in, a toast
 * sliding in, a ticker row sliding into place. Measured mid-animation, text reads at part opacity
 * (low contrast to axe) and a row sits above its place; the checks are about the page at rest.
 * Endless animations (a live dot's pulse) do not count.
 */
export async function atRest(page: Page, scope?: string) {
  await page.waitForFunction(
    (selector) =>
      (selector ? document.querySelector(selector)!.getAnimations({ subtree: true }) : document.getAnimations()).every(
        (a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity,
      ),
    scope,
  );
}

/** In a test: on failure, save a full-page screenshot of `page` under test-results/. */
export function screenshotOnFailure(page: Page, name: string) {
  onTestFailed(async () => {
    mkdirSync(TEST_OUTPUT, { recursive: true });
    const file = join(TEST_OUTPUT, `${name.replace(/[^\w-]+/g, '_')}-failure.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    process.stderr.write(`screenshot of the failure: ${file}\n`);
  });
}

export async function loginAs(page: Page, email: string, password = 'shanhai-demo') {
  await page.goto('/login');
  await page.fill('[data-test=login-email]', email);
  await page.fill('[data-test=login-password]', password);
  await page.click('[data-test=login-submit]');
}

/** An Element Plus message box (prompt or confirm): type into its input when given, press its primary button. */
export async function answerBox(box: Locator, value?: string) {
  await box.waitFor();
  if (value !== undefined) await box.locator('input').fill(value);
  await box.locator('.el-message-box__btns .el-button--primary').click();
  await box.waitFor({ state: 'hidden' });
}

/** A new page signed in as `email`, once the app shows its user menu; a failure saves it as `shot`. */
export async function signedInPage(
  browser: Browser,
  baseURL: string,
  email: string,
  shot: string,
  options: { viewport?: Viewport; locale?: 'zh-CN' | 'en' } = {},
) {
  const p = await newPage(browser, baseURL, options);
  screenshotOnFailure(p.page, shot);
  await loginAs(p.page, email);
  await p.page.waitForSelector('[data-test=user-menu]');
  return p;
}

/** The signed-in buyer's cart filled by the quick order: `csv` pasted and run, `rows` rows read. */
export async function importToCart(page: Page, csv: string, rows: number) {
  await page.click('[data-test=nav-cart]');
  await page.fill('[data-test=import-csv]', csv);
  await page.click('[data-test=import-run]');
  await expect.poll(() => page.locator('[data-test=import-row]').count()).toBe(rows);
}

/** On a transfer purchase's page: the buyer says it has paid, with the bank's reference. */
export async function submitTransfer(page: Page, reference: string) {
  await page.fill('[data-test=transfer-reference]', reference);
  await page.click('[data-test=submit-transfer]');
  await page.waitForSelector('[data-test=transfer-submitted]');
}

/** From the cart: to checkout, and once the default address is filled in, place the order. Answers the purchase's id. */
export async function placeOrderFromCart(page: Page): Promise<string> {
  await page.click('[data-test=to-checkout]');
  await page.waitForSelector('[data-test=checkout-address]');
  await expect.poll(() => page.locator('[data-test=checkout-address]').inputValue()).not.toBe('');
  await page.click('[data-test=place-order]');
  await page.waitForURL((u) => u.pathname.startsWith('/purchases/'));
  return new URL(page.url()).pathname.split('/')[2]!;
}
