/**
 * Screenshots of a running marketplace, for looking at the pages you build:
 *   pnpm --filter @shanhai/tests exec tsx tools/screenshot.ts --url http://localhost:3000 \
 *     --path /office --login office@demo.shanhai --locale en --viewport mobile --out /tmp/office.png
 * Viewports: desktop (1366×900), mobile (390×844), wall (1920×1080). `--click <selector>` clicks
 * something first (a tab, a toggle) and may be repeated. `--fake-stripe` serves the browser
 * tests' stand-in for Stripe.js (this machine cannot reach js.stripe.com), to look at the card form.
 */
import { parseArgs } from 'node:util';
import { DESKTOP, launchBrowser, loginAs, MOBILE, newPage, WALL } from '../e2e/support/browser';
import { fakeStripeJs } from '../e2e/support/fake-stripe-js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:3000' },
    path: { type: 'string', default: '/' },
    login: { type: 'string' },
    locale: { type: 'string', default: 'zh-CN' },
    viewport: { type: 'string', default: 'desktop' },
    out: { type: 'string', default: 'screenshot.png' },
    wait: { type: 'string', default: '1500' },
    full: { type: 'boolean', default: false },
    click: { type: 'string', multiple: true, default: [] },
    'fake-stripe': { type: 'boolean', default: false },
  },
});
const viewport = { desktop: DESKTOP, mobile: MOBILE, wall: WALL }[values.viewport as 'desktop'] ?? DESKTOP;
const browser = await launchBrowser();
try {
  const { page } = await newPage(browser, values.url, { viewport, locale: values.locale === 'en' ? 'en' : 'zh-CN' });
  if (values['fake-stripe']) await fakeStripeJs(page);
  if (values.login) {
    await loginAs(page, values.login);
    await page.waitForURL((u) => u.pathname !== '/login');
  }
  await page.goto(values.path);
  for (const selector of values.click) {
    await page.click(selector);
  }
  await page.waitForTimeout(Number(values.wait));
  await page.screenshot({ path: values.out, fullPage: values.full });
  console.log(`saved ${values.out}`);
} finally {
  await browser.close();
}
