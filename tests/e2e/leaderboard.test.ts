import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { businessYear } from '@shanhai/domain';
import { atRest, DESKTOP, holdFirst, loginAs, MOBILE, newPage, screenshotOnFailure, WALL } from './support/browser';
import { PNG } from './support/fixtures';
import { saveShot } from './support/shots';
import { stackApi } from './support/api';
import { useStackAndBrowser } from './support/suite';

const suite = useStackAndBrowser();

const { api, tokenOf } = stackApi(suite);

/**
 * The office's second user records an offline sale for Dakun dated today, through the api (pending until
 * approved); `token` is the office owner's, who may approve it (the recorder may not: four eyes).
 */
async function recordDakunSale(amountFen: number, invoiceNo: string) {
  const recorder = await tokenOf('office2@demo.shanhai');
  const token = await tokenOf('office@demo.shanhai');
  const towns = (await api('/leaderboard?by=town')).rows as { townId: string; code: string }[];
  const dakun = towns.find((t) => t.code === 'dakun')!.townId;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const rec = await api('/sales/offline', {
    method: 'POST',
    token: recorder,
    body: { townId: dakun, category: 'fruit', amountFen, businessDate: today, invoiceNo },
  });
  return { rec, token };
}

/**
 * How the wall's money reads, column by column (run in the page): each column's texts with the set of
 * their decimals (one number of decimals per column), every ticker amount in whole 元, the KPI tiles
 * whose figure is cut, and the empty band under the ticker's last whole row.
 */
function wallMoney() {
  const texts = (selector: string) => [...document.querySelectorAll(selector)].map((e) => e.textContent!.trim());
  const decimals = (xs: string[]) => [...new Set(xs.map((x) => /\.(\d+)/.exec(x)?.[1]?.length ?? 0))];
  const columns = {
    kpis: texts('[data-test=wall-total], [data-test=wall-target] .value'),
    towns: texts('[data-test=wall-towns] .amount'),
    counties: texts('[data-test=wall-counties] .amount'),
    ticker: texts('[data-test=wall-ticker] .amt'),
  };
  // The ticker's list, or its one line saying no sale has come in yet.
  const ticks = document.querySelector('[data-test=wall-ticker] .ticks, [data-test=wall-ticker] .empty')!;
  const list = ticks.getBoundingClientRect();
  const shown = [...document.querySelectorAll('[data-test=wall-ticker] .ticks li')]
    .map((li) => li.getBoundingClientRect())
    .filter((r) => r.left < list.right && r.bottom <= list.bottom + 1);
  return {
    columns,
    decimals: Object.fromEntries(Object.entries(columns).map(([k, xs]) => [k, decimals(xs)])),
    cutKpis: [...document.querySelectorAll('[data-test=wall-kpis] .kpi .value')]
      .filter((v) => v.scrollWidth > v.clientWidth + 1)
      .map((v) => v.textContent),
    tickerRows: shown.length,
    tickerSales: document.querySelectorAll('[data-test=wall-ticker] .ticks li').length,
    bandUnderTicker: shown.length ? Math.round(list.bottom - Math.max(...shown.map((r) => r.bottom))) : 0,
    // The side column (counties over the ticker) ends where the towns' panel does.
    sideShort: Math.round(
      document.querySelector('[data-test=wall-towns]')!.getBoundingClientRect().bottom -
        document.querySelector('[data-test=wall-ticker]')!.getBoundingClientRect().bottom,
    ),
  };
}

/**
 * The wall's money as it reads once the ticker's rows have stopped moving. A new sale slides in over
 * 0.6 s (from 16 px above its place), so a row measured mid-slide would read as an empty band under
 * the last one; the layout rule is about where the rows come to rest.
 */
async function wallMoneyAtRest(page: Page) {
  await atRest(page, '[data-test=wall-ticker]');
  return page.evaluate(wallMoney);
}

/** A fresh browser context logged in as the demo office, on its console. */
async function officePage(name: string) {
  const opened = await newPage(suite.browser, suite.stack.baseUrl);
  screenshotOnFailure(opened.page, name);
  await loginAs(opened.page, 'office@demo.shanhai');
  await opened.page.waitForSelector('[data-test=office-console]');
  return opened;
}

describe('live leaderboard', () => {
  it('approving an offline record moves the town’s bar on an open leaderboard page without a reload', async () => {
    const { context, page } = await officePage('leaderboard-live');
    await page.goto('/office/leaderboard');
    const bar = page.locator('[data-test=bar-dakun]');
    await bar.waitFor();
    await page.waitForSelector('[data-test=live-tag].el-tag--success');
    const before = Number(await bar.getAttribute('data-progress'));
    // Mark the page: a reload would lose this.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    // An office clerk records a 1,000,000 元 offline sale for Dakun (10% of its target) …
    const { rec } = await recordDakunSale(100_000_000, 'E2E-1');

    // … and approves it in the approval queue of another window.
    const other = await officePage('leaderboard-approve');
    await other.page.goto('/office/sales');
    await other.page.click(`[data-test=approve-${String(rec.id)}]`);
    await other.page.locator('.confirm-sale-approve .el-message-box__btns .el-button--primary').click();

    await page.waitForFunction(
      (b) => Number(document.querySelector('[data-test=bar-dakun]')?.getAttribute('data-progress')) >= b + 9.99,
      before,
      { timeout: 15_000 },
    );
    const after = Number(await bar.getAttribute('data-progress'));
    expect(Math.round((after - before) * 100) / 100).toBe(10);
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    await other.context.close();
    await context.close();
  });

  it('the wall screen shows the year’s figures, every town by pace, the counties, and a sale in its ticker live (en, then zh names; wall size)', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport: WALL, locale: 'en' });
    screenshotOnFailure(page, 'leaderboard-wall');
    await loginAs(page, 'office@demo.shanhai');
    await page.waitForSelector('[data-test=office-console]');
    await page.goto('/office/wall');
    await page.waitForSelector('[data-test=wall-live].on');
    const total = page.locator('[data-test=wall-total]');
    const before = String(await total.textContent());
    // English money on the wall: compact yuan, not 万元.
    expect(before).toMatch(/^¥[\d.]+M$/);
    // Five figures across the top, each with its label.
    await expect(page.locator('[data-test=wall-kpis] .kpi .label').allTextContents()).resolves.toEqual([
      'Sales this year',
      'Yearly target',
      'Completion',
      'Year on year',
      'Left this year',
    ]);
    expect(await page.locator('[data-test=wall-days] .value').textContent()).toMatch(/^\d+ days$/);
    // Every demo town has a bar labelled with its completion and sales, coloured by pace.
    const towns = page.locator('[data-test=wall-towns] li');
    expect(await towns.count()).toBe(24);
    const dakun = page.locator('[data-test=wall-town-dakun]');
    expect(await dakun.locator('.name').textContent()).toBe('Dakun');
    expect(await dakun.locator('.fig').textContent()).toMatch(/^\d+\.\d%$/);
    expect(await dakun.locator('.amount').textContent()).toMatch(/^¥[\d.]+M$/);
    expect(['ahead', 'behind']).toContain(await dakun.getAttribute('data-pace'));
    expect(await page.locator('[data-test=wall-counties] li').count()).toBeGreaterThan(1);
    // Nothing on the wall scrolls or spills: every band fits 1920×1080.
    expect(
      await page.evaluate(() =>
        [...document.querySelectorAll('.wall, .wall .panel')]
          .filter((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
          .map((el) => el.className),
      ),
    ).toEqual([]);
    expect(await page.locator('[data-test=wall-days] .sub').textContent()).toMatch(/^\d+ towns? behind pace$/);
    // Every name whole, every bar to its panel's scale (the highest completion fills it, so 161%
    // and 110% read apart), and no sale in the ticker cut in half at the panel's foot.
    const wallReads = () => {
      const cut = [...document.querySelectorAll('.wall .bars .name')]
        .filter((n) => n.scrollWidth > n.clientWidth + 1)
        .map((n) => n.textContent);
      const off = [...document.querySelectorAll('[data-test=wall-towns], [data-test=wall-counties]')].flatMap(
        (list) => {
          const rows = [...list.querySelectorAll('li')].map((li) => ({
            pct: parseFloat(li.querySelector('.fig')!.textContent!),
            fill: li.querySelector('.fill')!.getBoundingClientRect().width / li.querySelector('.track')!.clientWidth,
          }));
          const top = Math.max(100, ...rows.map((r) => r.pct));
          return rows.filter((r) => Math.abs(r.fill - r.pct / top) > 0.02).map((r) => r.pct);
        },
      );
      const ticks = document.querySelector('[data-test=wall-ticker] .ticks')?.getBoundingClientRect();
      const halfShown = ticks
        ? [...document.querySelectorAll('[data-test=wall-ticker] .ticks li')].filter((li) => {
            const r = li.getBoundingClientRect();
            return r.left < ticks.right && r.top < ticks.bottom && r.bottom > ticks.bottom + 1;
          }).length
        : 0;
      return { cut, off, halfShown };
    };
    await expect.poll(() => page.evaluate(wallReads)).toEqual({ cut: [], off: [], halfShown: 0 });
    // One scale and one number of decimals per money column: ¥…M with two decimals for the sums,
    // whole yuan with separators on every row of the ticker (never ¥11.2K above ¥3,300); no KPI
    // figure cut, and the ticker's rows fill its panel (no empty band under the last one).
    const en = await wallMoneyAtRest(page);
    for (const column of [en.columns.kpis, en.columns.towns, en.columns.counties])
      for (const x of column) expect(x).toMatch(/^¥\d+\.\d\dM$/);
    for (const x of en.columns.ticker) expect(x).toMatch(/^¥\d{1,3}(,\d{3})*$/);
    expect(en.decimals).toMatchObject({ kpis: [2], towns: [2], counties: [2] });
    expect(en.cutKpis).toEqual([]);
    // With few sales yet the ticker is as tall as they are and the counties take the rest.
    expect(en.tickerRows).toBe(en.tickerSales);
    expect(en.bandUnderTicker).toBeLessThanOrEqual(2);
    expect(Math.abs(en.sideShort)).toBeLessThanOrEqual(1);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));

    // A 5,000,000 元 offline sale for Dakun is recorded and approved elsewhere …
    const { rec, token } = await recordDakunSale(500_000_000, 'E2E-WALL');
    await api(`/sales/offline/${String(rec.id)}/approve`, { method: 'POST', token });

    // … and the wall's total grows by ¥5M without a reload, and the sale heads the ticker.
    const millions = (text: string) => Number(text.replace(/[¥M]/g, ''));
    await page.waitForFunction((b) => document.querySelector('[data-test=wall-total]')?.textContent !== b, before, {
      timeout: 15_000,
    });
    expect(Math.round((millions(String(await total.textContent())) - millions(before)) * 100) / 100).toBe(5);
    const first = page.locator('[data-test=wall-ticker] li').first();
    await first.waitFor({ timeout: 15_000 });
    expect((await first.locator('.where').textContent())?.trim()).toBe('Dakun');
    expect((await first.locator('.what').textContent())?.trim()).toBe('Fruit · offline');
    expect((await first.locator('.amt').textContent())?.trim()).toBe('¥5,000,000');
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(7);
    expect(
      await page.evaluate(() => getComputedStyle(document.querySelector('[data-test=big-screen]')!).backgroundColor),
    ).toBe('rgb(13, 26, 20)');
    // Sales of ¥11,200 and ¥3,300 alternate until the ticker has more than fits: one scale in its
    // column (whole yuan), the rows that fit fill the panel and no empty band is left under them.
    const recorder = await tokenOf('office2@demo.shanhai');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const dakunId = ((await api('/leaderboard?by=town')).rows as { townId: string; code: string }[]).find(
      (t) => t.code === 'dakun',
    )!.townId;
    for (let i = 0; i < 9; i++) {
      const sale = await api('/sales/offline', {
        method: 'POST',
        token: recorder,
        body: {
          townId: dakunId,
          category: 'fruit',
          amountFen: i % 2 ? 330_000 : 1_120_000,
          businessDate: today,
          invoiceNo: `E2E-TICK-${String(i)}`,
        },
      });
      await api(`/sales/offline/${String(sale.id)}/approve`, { method: 'POST', token });
    }
    await expect
      .poll(() => page.locator('[data-test=wall-ticker] .amt').allTextContents(), { timeout: 15_000 })
      .toEqual(['¥11,200', '¥3,300', '¥11,200', '¥3,300', '¥11,200', '¥3,300', '¥11,200', '¥3,300', '¥11,200']);
    const full = await wallMoneyAtRest(page);
    expect(full.decimals.ticker).toEqual([0]);
    expect(full.tickerRows).toBeGreaterThan(2);
    expect(full.tickerRows).toBeLessThan(full.tickerSales);
    expect(full.bandUnderTicker).toBeLessThanOrEqual(2);
    expect(Math.abs(full.sideShort)).toBeLessThanOrEqual(1);
    expect(await page.evaluate(wallReads)).toEqual({ cut: [], off: [], halfShown: 0 });
    await saveShot(page, 'wall-en', true);
    // In Chinese the county names are the longest (连山壮族瑶族自治县): whole as well.
    await context.close();
    const zh = await newPage(suite.browser, suite.stack.baseUrl, { viewport: WALL });
    screenshotOnFailure(zh.page, 'leaderboard-wall-zh');
    await loginAs(zh.page, 'office@demo.shanhai');
    await zh.page.waitForSelector('[data-test=office-console]');
    await zh.page.goto('/office/wall');
    await zh.page.waitForSelector('[data-test=wall-live].on');
    expect(await zh.page.locator('[data-test=wall-days] .sub').textContent()).toMatch(/^\d+ 个镇落后序时进度$/);
    await expect.poll(() => zh.page.evaluate(wallReads)).toEqual({ cut: [], off: [], halfShown: 0 });
    // In Chinese: 万元 with two decimals in every sum (469.70 beside 1,429.79, never 469.7), the
    // ticker in whole 元; the rows fill the ticker's panel here too (fewer fit: the counties are
    // taller, and a row's worth of space was left empty under the last one).
    await zh.page.locator('[data-test=wall-ticker] li').first().waitFor();
    const zhMoney = await wallMoneyAtRest(zh.page);
    for (const column of [zhMoney.columns.kpis, zhMoney.columns.towns, zhMoney.columns.counties])
      for (const x of column) expect(x).toMatch(/^\d{1,3}(,\d{3})*\.\d\d 万元$/);
    for (const x of zhMoney.columns.ticker) expect(x).toMatch(/^\d{1,3}(,\d{3})* 元$/);
    expect(zhMoney.columns.ticker.slice(0, 2)).toEqual(['11,200 元', '3,300 元']);
    expect(zhMoney.decimals).toEqual({ kpis: [2], towns: [2], counties: [2], ticker: [0] });
    expect(zhMoney.cutKpis).toEqual([]);
    expect(zhMoney.tickerRows).toBeGreaterThan(2);
    expect(zhMoney.tickerRows).toBeLessThan(zhMoney.tickerSales);
    expect(zhMoney.bandUnderTicker).toBeLessThanOrEqual(2);
    expect(Math.abs(zhMoney.sideShort)).toBeLessThanOrEqual(1);
    await saveShot(zh.page, 'wall-zh-CN', true);
    await zh.context.close();
  });

  it('the wall screen opened on a phone (390 px) stacks its tiles and panels: nothing cut, nothing sideways (zh)', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport: MOBILE });
    screenshotOnFailure(page, 'leaderboard-wall-phone');
    await loginAs(page, 'office@demo.shanhai');
    await page.waitForSelector('[data-test=office-console]');
    await page.goto('/office/wall');
    await page.waitForSelector('[data-test=wall-live].on');
    await page.locator('[data-test=wall-towns] li').first().waitFor();
    const reads = () =>
      page.evaluate(() => ({
        sideways: document.documentElement.scrollWidth > window.innerWidth,
        cut: [
          ...document.querySelectorAll('.wall .kpi .label, .wall .kpi .value, .wall .bars .name, .wall .bars .amount'),
        ]
          .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > window.innerWidth)
          .map((e) => e.textContent),
        towns: document.querySelectorAll('[data-test=wall-towns] li').length,
      }));
    await expect.poll(reads).toEqual({ sideways: false, cut: [], towns: 24 });
    await saveShot(page, 'wall-zh-CN-phone');
    await context.close();
  });

  it('an office clerk records an offline sale by a cooperative to a partner unit, with an invoice photo, in the web form, and rejects it with a reason (en)', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'en' });
    screenshotOnFailure(page, 'leaderboard-offline-form');
    await loginAs(page, 'office@demo.shanhai');
    await page.waitForSelector('[data-test=office-console]');
    await page.goto('/office/sales');
    await page.click('[data-test=offline-town]');
    await page.getByRole('option', { name: 'Dakun' }).click();
    // The cooperative picker offers the chosen town's cooperatives only; the partner unit is any active one.
    await page.click('[data-test=offline-coop]');
    const coops = page.locator('.offline-coop-options .el-select-dropdown__item');
    await coops.first().waitFor();
    expect(await coops.allInnerTexts()).toEqual(['阳山县大崑镇肉鸽养殖专业合作社（演示）']);
    await coops.first().click();
    await page.click('[data-test=offline-buyer]');
    await page.getByRole('option', { name: '广州市示范机关工会（演示）' }).click();
    await page.fill('[data-test=offline-amount] input', '2500');
    await page.fill('[data-test=offline-invoice]', 'E2E-FORM-1');
    await page.fill('[data-test=offline-note]', 'Trade union autumn order');
    // The file picker speaks the page's language, and names the chosen file.
    expect(await page.locator('.file-picker').first().innerText()).toContain('No file chosen');
    await page.setInputFiles('[data-test=offline-evidence]', {
      name: 'invoice.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    expect(await page.locator('.file-picker').first().innerText()).toContain('invoice.png');
    await page.click('[data-test=offline-submit]');
    // The record is listed as pending, with its evidence, and the picker is ready for the next one.
    await page.waitForSelector('[data-test=evidence-E2E-FORM-1]');
    const row = page.locator('[data-test=offline-queue] tr', { hasText: 'E2E-FORM-1' });
    const text = await row.innerText();
    expect(text).toContain('Pending');
    // Who sold and who bought came back from the api with the record.
    expect(text).toContain('阳山县大崑镇肉鸽养殖专业合作社（演示）');
    expect(text).toContain('广州市示范机关工会（演示）');
    expect(text).toContain('Trade union autumn order');
    // Four eyes: the recorder is offered no Approve button on their own record, only the reason why.
    expect(text).toContain('Recorded by you: another manager approves it');
    expect(await row.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await page.locator('.file-picker').first().innerText()).toContain('No file chosen');
    // Evidence is private: fetched with the signed-in user's token and saved, never a public link.
    const [saved] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-test=evidence-E2E-FORM-1]').click(),
    ]);
    expect(saved.suggestedFilename()).toBe('E2E-FORM-1-1.png');
    expect(readFileSync(await saved.path()).equals(PNG)).toBe(true);
    // Rejected with a reason: the queue says why, for whoever recorded it.
    await row.getByRole('button', { name: 'Reject' }).click();
    await page.fill('.el-message-box input', 'Invoice amount does not match');
    await page.click('.el-message-box__btns .el-button--primary');
    await page.waitForSelector('[data-test=reason-E2E-FORM-1]');
    expect(await row.innerText()).toContain('Rejected');
    expect(await page.locator('[data-test=reason-E2E-FORM-1]').innerText()).toBe('Invoice amount does not match');
    await context.close();
  });

  it('a late answer for the view left since does not replace the board chosen after it', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'zh-CN' });
    screenshotOnFailure(page, 'board-late-answer');
    await page.goto('/leaderboard');
    const townRows = page.locator('[data-test=leaderboard-table] [data-test^=town-]');
    await townRows.first().waitFor();
    const towns = await townRows.count();
    const late = await holdFirst(
      page,
      (u) => u.pathname === '/api/v1/leaderboard' && u.searchParams.get('by') === 'county',
    );
    await page.click('[data-test=by-county]');
    await late.asked;
    const townAnswer = page.waitForResponse((r) => new URL(r.url()).searchParams.get('by') === 'town');
    await page.click('[data-test=by-town]');
    await townAnswer;
    late.release();
    await late.delivered;
    expect(await page.locator('[data-test=by-town]').getAttribute('class')).toContain('is-active');
    expect(await townRows.count()).toBe(towns);
    await context.close();
  });

  it('the office console shows the tally health and opens Bull Board in a tab', async () => {
    const { context, page } = await officePage('leaderboard-queues');
    const session = page.waitForResponse((r) => r.url().endsWith('/api/v1/admin/queues/session') && r.status() === 204);
    await page.goto('/office/leaderboard');
    await page.waitForSelector('[data-test=tally-waiting]');
    await session;
    const [tab] = await Promise.all([context.waitForEvent('page'), page.click('[data-test=open-queues]')]);
    await tab.waitForLoadState();
    expect(new URL(tab.url()).pathname).toBe('/admin/queues');
    // Bull Board's own app renders the queue list (helmet's CSP must let its scripts run).
    await tab.waitForFunction(() => document.body.innerText.includes('purchase-expiry'), undefined, {
      timeout: 15_000,
    });
    await context.close();
  });

  it('the office sets a town’s target for next year on its console: typed in 元, read back in 万元 before saving (zh)', async () => {
    const { context, page } = await officePage('leaderboard-target');
    const next = businessYear() + 1;
    await page.click('[data-test=target-year]');
    await page.locator('.el-select-dropdown__item:visible', { hasText: String(next) }).click();
    const row = page.locator('[data-test=town-targets] tbody tr', { hasText: '大崑镇' });
    await row.locator('[data-test=target-input] input').fill('12000000');
    await expect.poll(() => row.locator('[data-test=target-reads]').textContent()).toBe('1,200.00 万元');
    await row.locator('[data-test=target-save]').click();
    await page.locator('.el-message--success', { hasText: '1,200.00 万元' }).waitFor();
    // Saved: the row shows the target, the box is empty again, and the year's target is stored in fen.
    await expect.poll(() => row.textContent()).toContain('1,200.00 万元');
    expect(await row.locator('[data-test=target-reads]').count()).toBe(0);
    const stored = await suite.stack.api.pool.query<{ target_fen: string }>(
      "select target_fen from town_targets tt join towns t on t.id = tt.town_id where t.name_zh = '大崑镇' and tt.year = $1",
      [next],
    );
    expect(stored.rows.map((r) => Number(r.target_fen))).toEqual([1_200_000_000]);
    await context.close();
  });

  it('ranks products and lists a town’s top products on its dashboard', async () => {
    const { context, page } = await officePage('leaderboard-products');
    await page.goto('/office/leaderboard');
    await page.waitForSelector('[data-test=bar-dakun]');
    await page.click('[data-test=by-product]');
    const first = page.locator('[data-test=leaderboard-table] tbody tr').first().locator('a[href^="/products/"]');
    await first.waitFor();
    expect(await first.innerText()).not.toBe('');

    await page.goto('/office/leaderboard');
    await page.click('[data-test=town-dakun]');
    const top = page.locator('[data-test=top-products] li');
    await top.first().waitFor();
    expect(await top.count()).toBeGreaterThan(0);
    // Dakun's 2026 target, 10 million 元, in the unit of targets, with the decimals of every sum.
    expect(await page.locator('[data-test=town-target]').innerText()).toBe('年度目标：1,000.00 万元');
    // Each entry links to its product page.
    await top.first().locator('a').click();
    await page.waitForURL(/\/products\//);
    await context.close();
  });

  for (const [locale, viewport, tag] of [
    ['zh-CN', DESKTOP, 'zh-CN'],
    ['en', DESKTOP, 'en'],
    ['zh-CN', MOBILE, 'zh-CN-phone'],
    ['en', MOBILE, 'en-phone'],
  ] as const)
    it(`a town's monthly chart sits under its heading and names its scale once; 0 reads 0 (${tag})`, async () => {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport, locale });
      screenshotOnFailure(page, `town-chart-${tag}`);
      await loginAs(page, 'office@demo.shanhai');
      await page.waitForSelector('[data-test=office-console]');
      await page.goto('/office/leaderboard');
      await page.click('[data-test=town-dakun]');
      await page.locator('[data-test=monthly-chart] svg text').first().waitFor();
      const chart = await page.evaluate(() => {
        const box = document.querySelector('[data-test=monthly-chart]')!;
        const heading = box.previousElementSibling!.getBoundingClientRect();
        // What the chart draws: its texts and shapes with a size (not the empty frame).
        const drawn = [...box.querySelectorAll('svg text, svg path')]
          .map((e) => e.getBoundingClientRect())
          .filter((r) => r.width > 0 && r.height > 0);
        const texts = [...box.querySelectorAll('svg text')].map((e) => ({
          text: e.textContent!.trim(),
          box: e.getBoundingClientRect(),
        }));
        // The y axis's ticks: the numbers right-aligned at the plot's left edge, top to bottom (the
        // months under the bars are numbers too, each further right).
        const numbers = texts.filter((x) => /^[\d.,]+$/.test(x.text));
        const edge = Math.min(...numbers.map((x) => x.box.right));
        const ticks = numbers
          .filter((x) => Math.abs(x.box.right - edge) < 2)
          .sort((a, b) => a.box.top - b.box.top)
          .map((x) => x.text);
        const named = texts.filter((x) => /元|¥/.test(x.text));
        return {
          band: Math.round(Math.min(...drawn.map((r) => r.top)) - heading.bottom),
          ticks,
          names: named.map((x) => x.text),
          nameAboveTicks: named.length === 1 && named[0]!.box.bottom <= Math.min(...numbers.map((x) => x.box.top)),
        };
      });
      // No blank band between the heading and the chart: the first thing drawn is the axis's name.
      expect(chart.band).toBeGreaterThanOrEqual(0);
      expect(chart.band).toBeLessThan(32);
      // The scale named once, above the ticks (Dakun's months run past ¥2M); the ticks bare numbers, 0 at the foot.
      expect(chart.names).toEqual([locale === 'en' ? '¥ million' : '万元']);
      expect(chart.nameAboveTicks).toBe(true);
      expect(chart.ticks.length).toBeGreaterThan(3);
      expect(chart.ticks.at(-1)).toBe('0');
      for (const tick of chart.ticks) expect(tick).toMatch(/^\d+(\.\d+)?$/);
      // The sources' legend: one scale for its amounts (万元; whole yuan in English, where ¥…M would
      // read a town's ¥12,200 of orders as ¥0.01M), and no source with a share reads 0.
      const legend = page.locator('[data-test=share-chart] svg text', { hasText: locale === 'en' ? '¥' : '万元' });
      await expect.poll(() => legend.count()).toBe(3);
      const amount = locale === 'en' ? /¥(\d{1,3}(?:,\d{3})*)\s+(\d+\.\d)%$/ : /([\d,]+\.\d\d) 万元\s+(\d+\.\d)%$/;
      for (const line of await legend.allTextContents()) {
        const [, figure, share] = amount.exec(line.trim()) ?? [];
        expect(figure, line).toBeDefined();
        if (Number(share) > 0) expect(Number(figure!.replace(/,/g, '')), line).toBeGreaterThan(0);
      }
      await saveShot(page, `town-dashboard-chart-${tag}`);
      await context.close();
    });

  for (const locale of ['zh-CN', 'en'] as const)
    it(`every money column of the leaderboard reads in one scale with one number of decimals, on every board (${locale})`, async () => {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale });
      screenshotOnFailure(page, `leaderboard-columns-${locale}`);
      await loginAs(page, 'office@demo.shanhai');
      await page.waitForSelector('[data-test=office-console]');
      /** Each column whose figures are money: its heading, the scales and the decimals its cells use. */
      const moneyColumns = () =>
        page.evaluate(() => {
          const table = document.querySelector('[data-test=leaderboard-table]')!;
          const heads = [...table.querySelectorAll('.el-table__header th')].map((th) => th.textContent!.trim());
          const rows = [...table.querySelectorAll('.el-table__body tbody tr')].map((tr) =>
            [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim()),
          );
          return heads.flatMap((head, i) => {
            const cells = rows.map((r) => r[i] ?? '').filter((c) => c !== '—');
            if (!cells.length || !cells.every((c) => /¥|元/.test(c))) return [];
            const scale = (c: string) => /(M|K|万元|元)$/.exec(c)?.[1] ?? '¥';
            const decimals = (c: string) => /\.(\d+)/.exec(c)?.[1]?.length ?? 0;
            return [{ head, scales: [...new Set(cells.map(scale))], decimals: [...new Set(cells.map(decimals))] }];
          });
        });
      const expected: Record<string, number> = { town: 4, county: 4, buyer: 3, category: 2, product: 1 };
      for (const [by, count] of Object.entries(expected)) {
        await page.goto(`/office/leaderboard?by=${by}`);
        await page.locator('[data-test=leaderboard-table] .el-table__body tbody tr').first().waitFor();
        const columns = await moneyColumns();
        expect(columns.map((c) => c.head).length, by).toBe(count);
        for (const c of columns) {
          expect(c.scales, `${by}: ${c.head}`).toHaveLength(1);
          expect(c.decimals, `${by}: ${c.head}`).toHaveLength(1);
        }
      }
      await context.close();
    });
});
