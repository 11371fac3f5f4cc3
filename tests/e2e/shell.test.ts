import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loginAs, newPage, screenshotOnFailure } from './support/browser';
import { useStackAndBrowser } from './support/suite';

const suite = useStackAndBrowser();

describe('web shell', () => {
  const landings = [
    { email: 'buyer@demo.shanhai', path: '/', marker: '[data-test=town-cards]' },
    { email: 'coop@demo.shanhai', path: '/coop', marker: '[data-test=coop-console]' },
    { email: 'office@demo.shanhai', path: '/office', marker: '[data-test=office-console]' },
  ];
  for (const { email, path, marker } of landings) {
    it(`${email} logs in and lands on their console (${path})`, async () => {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
      screenshotOnFailure(page, `login-${email}`);
      await loginAs(page, email);
      await page.waitForURL((u) => u.pathname === path);
      await page.waitForSelector(marker);
      await expect(page.locator('[data-test=user-menu]').textContent()).resolves.toContain('（演示）');
      await context.close();
    });
  }

  it('a page whose data does not load says so instead of staying blank (the network dropped; zh)', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'shell-load-failed');
    await loginAs(page, 'coop@demo.shanhai');
    await page.waitForSelector('[data-test=coop-console]');
    // The connection drops as the balance page asks for its figures.
    await page.route('**/api/v1/balances/mine*', (route) => route.abort('internetdisconnected'), { times: 1 });
    await page.goto('/coop/balance');
    await page.locator('.el-message--error', { hasText: '网络异常，请稍后重试' }).waitFor({ timeout: 10_000 });
    // Back online, opening it again shows the figures.
    await page.reload();
    await page.locator('[data-test=balance-available]').waitFor();
    await context.close();
  });

  it('a wrong password shows the error and stays on the login page', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'login-wrong-password');
    await loginAs(page, 'buyer@demo.shanhai', 'wrong-password');
    await expect(page.locator('[data-test=login-error]').textContent()).resolves.toContain('邮箱或密码不正确');
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });

  it('a logged-in session survives a reload (refresh cookie), and a buyer cannot open the office console', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'session-reload');
    await loginAs(page, 'buyer@demo.shanhai');
    await page.waitForSelector('[data-test=town-cards]');
    await page.reload();
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto('/office');
    await page.waitForURL((u) => u.pathname === '/');
    await context.close();
  });

  it('switches language and remembers the choice', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'language-switch');
    await page.goto('/login');
    await expect(page.locator('h1').textContent()).resolves.toBe('登录山海集市');
    await page.click('[data-test=language-switch]');
    await expect(page.locator('h1').textContent()).resolves.toBe('Log in to Shanhai Market');
    await page.reload();
    await expect(page.locator('h1').textContent()).resolves.toBe('Log in to Shanhai Market');
    await page.click('[data-test=language-switch]');
    await expect(page.locator('h1').textContent()).resolves.toBe('登录山海集市');
    await context.close();
  });

  it('serves the built JavaScript pre-compressed: brotli or gzip when accepted, the plain bytes when not', async () => {
    // Plain node:http: fetch would ask for (and undo) compression itself.
    const get = (path: string, acceptEncoding?: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = request(
          `${suite.stack.baseUrl}${path}`,
          { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });
    const page = await get('/');
    const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(page.body.toString('utf8'))?.[1];
    expect(script, 'index.html names its entry script').toBeTruthy();

    const plain = await get(script!);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-type']).toMatch(/javascript/);
    expect(plain.headers['cache-control']).toContain('immutable');

    const br = await get(script!, 'gzip, deflate, br');
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toMatch(/accept-encoding/i);
    expect(br.headers['cache-control']).toContain('immutable');
    expect(br.body.length).toBeLessThan(plain.body.length / 2);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);

    const gz = await get(script!, 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);

    expect((await get(script!, 'identity')).headers['content-encoding']).toBeUndefined();
  });
});
