import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { refreshSearchIndex } from '@shanhai/db';
import { seriousA11yViolations } from './support/a11y';
import { DESKTOP, loginAs, MOBILE, newPage, screenshotOnFailure, WALL } from './support/browser';
import { saveShot } from './support/shots';
import { stackApi } from './support/api';
import { useStackAndBrowser } from './support/suite';

const suite = useStackAndBrowser();

const { api, tokenOf } = stackApi(suite);
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
const daysFromToday = (n: number) =>
  new Date(Date.parse(`${today()}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** A honey sale of the demo buyer in Daping, dated today: recorded by one office user, approved by the other. */
async function creditDapingHoney(amountFen: number, invoiceNo: string) {
  const towns = (await api('/leaderboard?by=town')).rows as { townId: string; code: string }[];
  const me = await api('/me', { token: await tokenOf('buyer@demo.shanhai') });
  const rec = await api('/sales/offline', {
    method: 'POST',
    token: await tokenOf('office2@demo.shanhai'),
    body: {
      townId: towns.find((t) => t.code === 'daping')!.townId,
      buyerOrgId: (me.org as { id: string }).id,
      category: 'honey',
      amountFen,
      businessDate: today(),
      invoiceNo,
    },
  });
  const approved = await api(`/sales/offline/${String(rec.id)}/approve`, {
    method: 'POST',
    token: await tokenOf('office@demo.shanhai'),
  });
  expect(approved.status).toBe('approved');
}

/** Nothing on a wall screen scrolls or spills: every band fits the screen. */
const overflowing = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('.wall, .wall .panel, .wall .kpi')]
      .filter((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
      .map((el) => el.className),
  );

/** A page of the office console, logged in as the demo office user; a failure saves `shot`. */
async function officePage(shot: string, options: Parameters<typeof newPage>[2] = {}) {
  const opened = await newPage(suite.browser, suite.stack.baseUrl, options);
  screenshotOnFailure(opened.page, shot);
  await loginAs(opened.page, 'office@demo.shanhai');
  await opened.page.waitForSelector('[data-test=office-console]');
  return opened;
}

describe('campaigns through the web', () => {
  let campaignId = '';

  it('the office creates a campaign through its form (checked in Chinese), and an edit of its scope is re-attributed on record', async () => {
    const { context, page } = await officePage('campaigns-office');
    await page.click('[data-test=nav-campaigns]');
    await page.waitForSelector('[data-test=campaign-list]');
    // The demo world's two campaigns: 6·30 (past) and the 2027 New Year goods fair (coming).
    const list = page.locator('[data-test=campaign-list]');
    expect(await list.textContent()).toContain('6·30 广东扶贫济困日（2026）');
    expect(await list.textContent()).toContain('年货节（2027 春节）');
    await saveShot(page, 'campaigns-office-list-zh');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.click('[data-test=campaign-new]');
    await page.waitForSelector('[data-test=campaign-form]');
    // Sent empty: the contract's messages, in Chinese, under their fields; nothing is sent.
    await page.click('[data-test=cf-save]');
    const errors = page.locator('[data-test=campaign-form] .el-form-item__error');
    await errors.first().waitFor();
    const said = await errors.allTextContents();
    expect(said).toContain('中文名称不能为空');
    expect(said).toContain('开始日期不能为空');
    expect(said.join('')).not.toMatch(/[A-Za-z]/);
    // The last day before the first: the contract's date rule, worded in Chinese.
    await page.fill('[data-test=cf-nameZh]', 'E2E 冬季蜂蜜节');
    await page.fill('[data-test=cf-nameEn]', 'E2E Winter Honey Week');
    await page.fill('[data-test=cf-startsOn] input', daysFromToday(0));
    await page.keyboard.press('Enter');
    await page.fill('[data-test=cf-endsOn] input', daysFromToday(-1));
    await page.keyboard.press('Enter');
    await page.click('[data-test=cf-save]');
    await page.locator('.el-form-item__error', { hasText: '结束日期不能早于开始日期' }).waitFor();

    await page.fill('[data-test=cf-endsOn] input', daysFromToday(9));
    await page.keyboard.press('Enter');
    await page.click('[data-test=cf-categories]');
    await page.locator('.cf-categories-options .el-select-dropdown__item', { hasText: '蜂蜜' }).click();
    await page.keyboard.press('Escape');
    await page.fill('[data-test=cf-target] input', '200000');
    await page.fill('[data-test=cf-bannerZh]', '冬日暖心蜂蜜，山海同心助农');
    await page.fill('[data-test=cf-bannerEn]', 'Warm winter honey from the hills of Qingyuan');
    await saveShot(page, 'campaigns-office-form-zh');
    await page.click('[data-test=cf-save]');
    await page.waitForURL((u) => /^\/office\/campaigns\/[0-9a-f-]{36}$/.test(u.pathname));
    campaignId = new URL(page.url()).pathname.split('/').pop()!;
    await page.waitForSelector('[data-test=campaign-title]');
    expect(await page.textContent('[data-test=campaign-title]')).toBe('E2E 冬季蜂蜜节');

    // A sale in scope counts for it; then narrowing it to Daping re-attributes on record.
    await creditDapingHoney(300_000_00, 'E2E-CAMPAIGN-1');
    const towns = (await api('/regions')).counties as { towns: { id: string; code: string; nameZh: string }[] }[];
    const daping = towns.flatMap((c) => c.towns).find((t) => t.code === 'daping')!;
    await page.click('[data-test=cf-towns]');
    await page.locator('.cf-towns-options .el-select-dropdown__item', { hasText: daping.nameZh }).first().click();
    await page.keyboard.press('Escape');
    await page.click('[data-test=cf-save]');
    // Newest first: the edit's record under the one made at creation (a campaign begun today counts today's sales in).
    await page.locator('[data-test=reattributions] li').nth(1).waitFor();
    await page.waitForSelector('[data-test=reattributions] li:first-child[data-test=reattribution-done]', {
      timeout: 60_000,
    });
    const history = page.locator('[data-test=reattributions] li').first();
    expect(await history.textContent()).toContain(`帮扶镇：全部帮扶镇 → ${daping.nameZh}`);
    expect(await history.textContent()).toContain('指挥部 演示账号');
    expect(await history.locator('[data-test=reattribution-result]').textContent()).toMatch(/计入 \d+ 笔/);
    await saveShot(page, 'campaigns-office-edit-zh');
    // Checked as the office sees it just after saving: the pointer still on the save button, the
    // saved message showing (or leaving), the bell with its unread count.
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });

  it('the office pages in English on a phone', async () => {
    const { context, page } = await officePage('campaigns-office-phone', { viewport: MOBILE, locale: 'en' });
    await page.goto('/office/campaigns');
    await page.waitForSelector(`[data-test=campaign-${campaignId}]`);
    expect(await page.textContent(`[data-test=campaign-${campaignId}] [data-test=campaign-name]`)).toBe(
      'E2E Winter Honey Week',
    );
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(MOBILE.width);
    await saveShot(page, 'campaigns-office-list-en-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.goto(`/office/campaigns/${campaignId}`);
    await page.waitForSelector('[data-test=reattribution-done]');
    expect(await page.textContent('[data-test=reattributions]')).toContain('Towns: Every town → Daping');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(MOBILE.width);
    await saveShot(page, 'campaigns-office-edit-en-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });

  for (const [locale, viewport, tag] of [
    ['zh-CN', DESKTOP, 'zh-desktop'],
    ['en', MOBILE, 'en-phone'],
  ] as const) {
    it(`the store home leads to the campaign's landing page with its banner, progress and products (${tag})`, async () => {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport, locale });
      screenshotOnFailure(page, `campaigns-landing-${tag}`);
      await page.goto('/');
      const card = page.locator(`[data-test=store-campaign-${campaignId}]`);
      await card.waitFor();
      // The coming 年货节 is shown too; the past 6·30 is not.
      const strip = await page.textContent('[data-test=store-campaigns]');
      expect(strip).toContain(locale === 'en' ? 'New Year Goods Fair' : '年货节');
      expect(strip).not.toContain(locale === 'en' ? 'Poverty Relief Day' : '6·30');
      await saveShot(page, `campaigns-store-home-${tag}`, true);
      await card.click();
      await page.waitForURL(`**/campaigns/${campaignId}`);
      await page.waitForSelector('[data-test=landing-products] [data-test=product-card]');
      expect(await page.textContent('[data-test=landing-name]')).toBe(
        locale === 'en' ? 'E2E Winter Honey Week' : 'E2E 冬季蜂蜜节',
      );
      expect(await page.textContent('[data-test=landing-banner]')).toBe(
        locale === 'en' ? 'Warm winter honey from the hills of Qingyuan' : '冬日暖心蜂蜜，山海同心助农',
      );
      // Over its 200,000 元 target with the 300,000 元 Daping sale (in scope after the edit too).
      const pct = ((await api(`/campaigns/${campaignId}/leaderboard`)).progressPct as number).toFixed(1);
      expect(Number(pct)).toBeGreaterThanOrEqual(150);
      expect(await page.textContent('[data-test=landing-progress]')).toContain(`${pct}%`);
      // Its shelf: Daping's honey only, as catalogue cards.
      const cards = page.locator('[data-test=landing-products] [data-test=product-card]');
      for (const text of await cards.allTextContents())
        expect(text).toContain(locale === 'en' ? 'Daping · Honey' : '大坪镇 · 蜂蜜');
      if (viewport === MOBILE)
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(MOBILE.width);
      await saveShot(page, `campaigns-landing-${tag}`);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await context.close();
    });
  }

  it('the campaign leaderboard ranks its towns and units (zh desktop, en phone)', async () => {
    for (const [locale, viewport, tag] of [
      ['zh-CN', DESKTOP, 'zh-desktop'],
      ['en', MOBILE, 'en-phone'],
    ] as const) {
      const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport, locale });
      screenshotOnFailure(page, `campaigns-board-${tag}`);
      await page.goto(`/campaigns/${campaignId}`);
      await page.click('[data-test=landing-to-board]');
      await page.waitForSelector('[data-test=board-town-1]');
      expect(await page.textContent('[data-test=board-town-1]')).toContain(locale === 'en' ? 'Daping' : '大坪镇');
      expect(await page.textContent('[data-test=board-unit-1]')).toContain('广州山海示范采购集团');
      const pct = ((await api(`/campaigns/${campaignId}/leaderboard`)).progressPct as number).toFixed(1);
      expect(await page.textContent('[data-test=board-progress]')).toContain(`${pct}%`);
      if (locale === 'zh-CN') {
        // Live: a sale in scope moves the open board without a reload, to the api's new figure.
        const before = await page.textContent('[data-test=board-progress]');
        await creditDapingHoney(50_000_00, 'E2E-CAMPAIGN-BOARD');
        await page.waitForFunction(
          (b) => document.querySelector('[data-test=board-progress]')?.textContent !== b,
          before,
          { timeout: 20_000 },
        );
        const now = ((await api(`/campaigns/${campaignId}/leaderboard`)).progressPct as number).toFixed(1);
        await page.locator('[data-test=board-progress]', { hasText: `${now}%` }).waitFor();
      }
      if (viewport === MOBILE)
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(MOBILE.width);
      await saveShot(page, `campaigns-board-${tag}`);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await context.close();
    }
  });

  it('the campaign wall fills 1920×1080 and moves live when a sale in scope is credited (en, zh)', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport: WALL, locale: 'en' });
    screenshotOnFailure(page, 'campaigns-wall');
    await page.goto(`/campaigns/${campaignId}/wall`);
    await page.waitForSelector('[data-test=cwall-live].on');
    await page.waitForSelector('[data-test=cwall-town-1]');
    expect(await page.textContent('[data-test=cwall-town-1] .name')).toBe('Daping');
    expect(await page.textContent('[data-test=cwall-unit-1]')).toContain('广州山海示范采购集团');
    expect(await overflowing(page)).toEqual([]);
    const before = await page.textContent('[data-test=cwall-sales]');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
    await creditDapingHoney(100_000_00, 'E2E-CAMPAIGN-2');
    await page.waitForFunction((b) => document.querySelector('[data-test=cwall-sales]')?.textContent !== b, before, {
      timeout: 20_000,
    });
    const pct = ((await api(`/campaigns/${campaignId}/leaderboard`)).progressPct as number).toFixed(1);
    expect(Number(pct)).toBeGreaterThanOrEqual(200);
    await page.locator('[data-test=cwall-completion]', { hasText: `${pct}%` }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(7);
    await saveShot(page, 'campaigns-wall-en', true);
    await context.close();

    // The past 6·30 campaign, in Chinese: every town ranked, the demo sales it holds, nothing spilling.
    const zh = await newPage(suite.browser, suite.stack.baseUrl, { viewport: WALL, locale: 'zh-CN' });
    screenshotOnFailure(zh.page, 'campaigns-wall-630');
    const past = ((await api('/campaigns?phase=past')).items as { id: string; nameZh: string }[]).find((c) =>
      c.nameZh.startsWith('6·30'),
    )!;
    await zh.page.goto(`/campaigns/${past.id}/wall`);
    await zh.page.waitForSelector('[data-test=cwall-town-24]');
    expect(await zh.page.textContent('[data-test=cwall-name]')).toBe('6·30 广东扶贫济困日（2026）');
    expect(await overflowing(zh.page)).toEqual([]);
    await saveShot(zh.page, 'campaigns-wall-630-zh', true);
    await zh.context.close();
  });
});

describe('the campaign form on a catalogue larger than one page (10,000 products in an office)', () => {
  it('a product past the first page of matches is found by search and 加载更多, and keeps its name when the form is reopened', async () => {
    // 60 listed products share a word: the picker asks 50 at a time and says more match.
    const pool = suite.stack.api.pool;
    const coop = (
      await pool.query<{ id: string }>(
        `select id from orgs where kind = 'cooperative' and status = 'active' order by name limit 1`,
      )
    ).rows[0]!;
    await pool.query(
      `insert into products (cooperative_id, town_id, category, name_zh, name_en, unit_label, price_tiers, status)
       select $1, (select town_id from orgs where id = $1), 'other', '翻页检索土产' || lpad(g::text, 3, '0'),
              'Paging probe ' || g, '箱', '[{"minQty":1,"unitPriceFen":100}]', 'listed'
       from generate_series(1, 60) g`,
      [coop.id],
    );
    await refreshSearchIndex(suite.stack.api.db);

    const { context, page } = await officePage('campaigns-product-picker');
    await page.goto('/office/campaigns');
    await page.click('[data-test=campaign-new]');
    await page.waitForSelector('[data-test=campaign-form]');
    await page.click('[data-test=cf-products]');
    // The typed search answers after its debounce: wait for it, so "load more" pages its list.
    const searched = page.waitForResponse((r) => new URL(r.url()).searchParams.get('q') === '翻页检索土产');
    await page.keyboard.type('翻页检索土产');
    await searched;
    const options = page.locator('.el-select-dropdown__item:visible', { hasText: '翻页检索土产' });
    const more = page.locator('[data-test=products-more]:visible');
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBe(50);
    expect(await more.textContent()).toContain('还有更多匹配的商品');
    await saveShot(page, 'campaigns-product-picker-zh', true);
    const firstPage = await options.allTextContents();
    await more.locator('[data-test=products-load-more]').click();
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBe(60);
    await expect.poll(() => more.count()).toBe(0);
    // One of the ten that only the second page brought.
    const later = (await options.allTextContents()).filter((x) => !firstPage.includes(x));
    expect(later).toHaveLength(10);
    const name = later[0]!.split(' · ')[0]!.trim();
    await options.filter({ hasText: name }).click();
    await page.keyboard.press('Escape');
    await expect
      .poll(() => page.locator('[data-test=cf-products] .el-tag').allTextContents())
      .toEqual([expect.stringContaining(name)]);

    await page.fill('[data-test=cf-nameZh]', 'E2E 翻页选品周');
    await page.fill('[data-test=cf-nameEn]', 'E2E Paging Pick Week');
    await page.fill('[data-test=cf-startsOn] input', daysFromToday(30));
    await page.keyboard.press('Enter');
    await page.fill('[data-test=cf-endsOn] input', daysFromToday(36));
    await page.keyboard.press('Enter');
    await page.click('[data-test=cf-save]');
    await page.waitForURL((u) => /^\/office\/campaigns\/[0-9a-f-]{36}$/.test(u.pathname));
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const picked = (await pool.query<{ id: string }>('select id from products where name_zh = $1', [name])).rows[0]!;
    const saved = await api(`/campaigns/${id}`, { token: await tokenOf('office@demo.shanhai') });
    expect(saved.productIds).toEqual([picked.id]);

    // Reopened for editing: the chosen product is named, though no search has shown it yet.
    await page.reload();
    await page.waitForSelector('[data-test=campaign-form]');
    await expect
      .poll(() => page.locator('[data-test=cf-products] .el-tag').allTextContents(), { timeout: 15_000 })
      .toEqual([expect.stringContaining(name)]);
    await context.close();
  }, 180_000);
});

describe('the office’s campaigns, more than one page of cards (issue 13)', () => {
  it('shows the first 30 with 加载更多, which brings the rest, each once', async () => {
    // 40 past campaigns of long ago (nothing counted for them): with the others, more than a page.
    const pool = suite.stack.api.pool;
    await pool.query(
      `insert into campaigns (name_zh, name_en, starts_on, ends_on)
       select '往届集市' || lpad(g::text, 2, '0'), 'Past fair ' || g, date '2019-01-01' + g, date '2019-01-01' + g
       from generate_series(1, 40) g`,
    );
    const total = Number((await pool.query<{ n: string }>('select count(*) as n from campaigns')).rows[0]!.n);
    expect(total).toBeGreaterThan(40);
    expect(total).toBeLessThanOrEqual(60);

    const { context, page } = await officePage('campaigns-office-paged');
    await page.goto('/office/campaigns');
    const cards = page.locator('[data-test=campaign-list] > li');
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(30);
    // The latest start first: the oldest of the past fairs is not on the first page.
    expect(await page.textContent('[data-test=campaign-list]')).not.toContain('往届集市01');
    expect(await page.textContent('[data-test=load-more]')).toContain('加载更多');
    await page.click('[data-test=load-more]');
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(total);
    const names = await page.locator('[data-test=campaign-list] [data-test=campaign-name]').allTextContents();
    expect(new Set(names).size).toBe(total);
    expect(names.at(-1)).toBe('往届集市01');
    expect(await page.locator('[data-test=load-more]').count()).toBe(0);
    await context.close();
  }, 120_000);
});
