import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loginAs, newPage, screenshotOnFailure } from './support/browser';
import { stackApi } from './support/api';
import { saveShot } from './support/shots';
import { useStackAndBrowser } from './support/suite';

const suite = useStackAndBrowser();

const { api, tokenOf } = stackApi(suite);

describe('budget units’ reserved share', () => {
  it('a unit changes its declaration, the office approves it, a purchase moves its progress live, the office ranks it', async () => {
    const unit = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(unit.page, 'units-unit');
    await loginAs(unit.page, 'buyer@demo.shanhai');
    // Wait for the login to land before navigating, or the navigation cancels it.
    await unit.page.waitForURL((u) => u.pathname === '/');
    await unit.page.goto('/unit');
    await unit.page.waitForSelector('[data-test=declaration-form]');
    // The demo unit's 2026 declaration is approved (version 1): a change starts version 2.
    await unit.page.fill('[data-test=decl-total] input', '40000000');
    // Eight digits in a box are easy to miscount: the total reads back with separators and in 万元.
    await expect
      .poll(() => unit.page.locator('[data-test=decl-total-reads]').textContent())
      .toBe('即 ¥40,000,000.00（4,000.00 万元）');
    await unit.page.click('[data-test=decl-save]');
    await unit.page.waitForSelector('[data-test=decl-status-2]');
    await unit.page.click('[data-test=decl-submit]');
    await unit.page.waitForSelector('[data-test=declaration-form]', { state: 'detached' });

    const office = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(office.page, 'units-office');
    await loginAs(office.page, 'office@demo.shanhai');
    await office.page.waitForSelector('[data-test=office-console]');
    await office.page.goto('/office/units');
    await office.page.click('[data-test=pending-declarations] [data-test=decl-approve]');
    await office.page.locator('.confirm-declaration-approve .el-message-box__btns .el-button--primary').click();
    await office.page.waitForSelector('[data-test=pending-declarations]', { state: 'detached' });

    // The unit's page now has 40,000,000 × 15% = 6,000,000 元 in force.
    await unit.page.reload();
    await unit.page.waitForSelector('[data-test=unit-reserved]');
    expect(await unit.page.textContent('[data-test=unit-reserved]')).toContain('600');
    // The console shows the year's months against last year's as a drawn chart, and what the unit
    // bought by town and by category: the towns and categories of its progress, biggest first.
    const me0 = await api('/me', { token: await tokenOf('buyer@demo.shanhai') });
    const year = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date());
    const detail = (await api(`/units/${(me0.org as { id: string }).id}/progress/${year}`, {
      token: await tokenOf('buyer@demo.shanhai'),
    })) as { byTown: { nameZh: string }[]; byCategory: { category: string }[]; monthly: unknown[] };
    expect(detail.monthly).toHaveLength(12);
    expect(detail.byTown.length).toBeGreaterThan(0);
    const chart = unit.page.locator('[data-test=unit-monthly-chart] svg').first();
    await chart.waitFor();
    const box = (await chart.boundingBox())!;
    expect(box.width).toBeGreaterThan(200);
    expect(box.height).toBeGreaterThan(100);
    const townsListed = await unit.page.locator('[data-test=unit-by-town] li').allTextContents();
    expect(townsListed.map((x) => x.split(' — ')[0])).toEqual(detail.byTown.map((x) => x.nameZh));
    expect(await unit.page.locator('[data-test=unit-by-category] li').count()).toBe(detail.byCategory.length);
    const bought = async () => (await unit.page.textContent('[data-test=unit-bought]'))!.trim();
    const before = await bought();

    // A 1,000,000 元 offline purchase of the unit, recorded and approved by two office users.
    const me = await api('/me', { token: await tokenOf('buyer@demo.shanhai') });
    const towns = (await api('/leaderboard?by=town')).rows as { townId: string; code: string }[];
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const rec = await api('/sales/offline', {
      method: 'POST',
      token: await tokenOf('office2@demo.shanhai'),
      body: {
        townId: towns.find((t) => t.code === 'dakun')!.townId,
        buyerOrgId: (me.org as { id: string }).id,
        category: 'fruit',
        amountFen: 100_000_000,
        businessDate: today,
        invoiceNo: 'E2E-UNIT-1',
      },
    });
    await api(`/sales/offline/${String(rec.id)}/approve`, {
      method: 'POST',
      token: await tokenOf('office@demo.shanhai'),
    });
    await unit.page.waitForFunction(
      (b) => document.querySelector('[data-test=unit-bought]')?.textContent?.trim() !== b,
      before,
      { timeout: 20_000 },
    );

    await office.page.goto('/office/units');
    const row = office.page.locator('[data-test=ranking-table] tr', { hasText: '广州山海示范采购集团' });
    await row.waitFor();
    expect(await row.textContent()).toContain('600');
    // Its change on last year reads as a change, signed, as the leaderboard's and the wall's do.
    expect(await row.locator('[data-test=unit-change]').textContent()).toMatch(/^[+-]\d+\.\d%$/);
    // The trade union has not declared by 20 February: its row is marked late, as the legend says.
    const union = office.page.locator('[data-test=ranking-table] tr', { hasText: '广州市示范机关工会' });
    expect(await union.getAttribute('class')).toContain('late-row');
    expect(await row.getAttribute('class')).not.toContain('late-row');

    // The office freezes last month's 通报 and exports it: zh headers, the unit among the rows.
    await office.page.click('[data-test=to-reports]');
    await office.page.waitForSelector('[data-test=report-form]');
    await office.page.fill('[data-test=report-title]', 'E2E 预留份额通报');
    await office.page.click('[data-test=report-take]');
    await office.page.waitForSelector('[data-test=report-rows]');
    const reportRow = office.page.locator('[data-test=reports] tr', { hasText: 'E2E 预留份额通报' });
    const [csv] = await Promise.all([
      office.page.waitForEvent('download'),
      reportRow.locator('[data-test=report-csv]').click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/^E2E 预留份额通报-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await readFile((await csv.path())!, 'utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(
      '\uFEFF排名,单位,单位类型,申报状态,预留金额（元）,已采购（元）,完成率（%）,序时应完成（元）,超前/落后（元）,去年同期（元）,同比（%）,进度,逾期未申报',
    );
    expect(lines.slice(1).join('\n')).toMatch(/^\d+,广州山海示范采购集团（演示）,机关,已通过,6000000,/m);
    await unit.context.close();
    await office.context.close();
  });

  it('the office changes a pairing’s pledge and the unit’s page shows it; it classifies units in bulk and one by one', async () => {
    const office = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(office.page, 'units-pairings');
    await loginAs(office.page, 'office@demo.shanhai');
    await office.page.waitForSelector('[data-test=office-console]');
    await office.page.goto('/office/pairings');
    // The demo group leads Dakun with a 1,500,000 元 pledge: raise it to 1,800,000 元.
    const row = office.page.locator('[data-test=pairings-table] tr', { hasText: '广州山海示范采购集团' });
    await row.first().waitFor();
    expect(await row.first().textContent()).toContain('150');
    await row.first().locator('[data-test=pairing-edit]').click();
    await office.page.fill('[data-test=pairing-form-pledge] input', '1800000');
    await office.page.click('[data-test=pairing-save]');
    await office.page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-test=pairings-table] tr')].some(
          (tr) => tr.textContent?.includes('广州山海示范采购集团') && tr.textContent.includes('180'),
        ),
      undefined,
      { timeout: 15_000 },
    );
    // The change is in the audit log with what it was before.
    const token = await tokenOf('office@demo.shanhai');
    const audit = (await api('/audit?action=pairing.update', { token })) as { items?: { before: unknown }[] };
    expect(JSON.stringify(audit.items ?? audit)).toContain('150000000');

    // The unit's page (the office's view of it) shows the new pledge against what it bought from Dakun.
    await row.first().locator('[data-test=pairing-unit]').click();
    await office.page.waitForSelector('[data-test=unit-pairings]');
    const pairing = office.page.locator('[data-test=unit-pairings] tr', { hasText: '大崑镇' });
    await pairing.waitFor();
    expect(await pairing.textContent()).toContain('180');

    // Classify: the trade union is unmarked in bulk, then marked again with its row's toggle.
    await office.page.goto('/office/units/classify');
    await office.page.fill('input[data-test=classify-search], [data-test=classify-search] input', '机关工会');
    const union = office.page.locator('[data-test=classify-table] .el-table__body tr', {
      hasText: '广州市示范机关工会',
    });
    await office.page.waitForFunction(
      () => document.querySelectorAll('[data-test=classify-table] .el-table__body tr').length === 1,
      undefined,
      { timeout: 15_000 },
    );
    expect(await union.locator('[data-test=classify-flag]').textContent()).toContain('是');
    await union.locator('.el-checkbox').click();
    await office.page.click('[data-test=classify-unmark]');
    await office.page.waitForFunction(
      () => document.querySelector('[data-test=classify-table] [data-test=classify-flag]')?.textContent?.includes('否'),
      undefined,
      { timeout: 15_000 },
    );
    const listed = async () =>
      ((await api(`/units?q=${encodeURIComponent('机关工会')}`, { token })).items as { isBudgetUnit: boolean }[])[0]!
        .isBudgetUnit;
    expect(await listed()).toBe(false);
    await union.locator('[data-test=classify-toggle]').click();
    await office.page.waitForFunction(
      () => document.querySelector('[data-test=classify-table] [data-test=classify-flag]')?.textContent?.includes('是'),
      undefined,
      { timeout: 15_000 },
    );
    expect(await listed()).toBe(true);
    // Status is per year: next year it is not a budget unit until the office says so.
    const next = String(new Date().getUTCFullYear() + 1);
    await office.page.click('[data-test=classify-year]');
    await office.page.locator('.el-select-dropdown__item:visible', { hasText: next }).click();
    await office.page.waitForFunction(
      () => document.querySelector('[data-test=classify-table] [data-test=classify-flag]')?.textContent?.includes('否'),
      undefined,
      { timeout: 15_000 },
    );
    await office.page.getByRole('heading', { name: `${next} 年度预算单位` }).waitFor();
    expect(
      (
        (await api(`/units?year=${next}&q=${encodeURIComponent('机关工会')}`, { token })).items as {
          isBudgetUnit: boolean;
        }[]
      )[0]!.isBudgetUnit,
    ).toBe(false);
    expect(await listed()).toBe(true);
    await office.context.close();
  });
});

/** `n` more active buyer orgs named `name` and a number (001…), so that their names sort together. */
const addBuyerOrgs = (name: string, n: number) =>
  suite.stack.api.pool.query(
    `insert into orgs (kind, status, name, address, contact_name, contact_phone, invoice_title, tax_id)
     select 'buyer', 'active', $1::text || lpad(g::text, 3, '0'), '测试地址', '联系人', '020-12345678', $1::text, '91440101MA5TESTX01'
     from generate_series(1, $2::int) g`,
    [name, n],
  );

describe('a units list longer than one page (issue 13: every list paged)', () => {
  it('the classify page shows the first 200 units by name with 加载更多 and loads the rest', async () => {
    // 230 more buyer orgs whose names sort together: the search answers more than one page.
    await addBuyerOrgs('分页测试单位', 230);
    const office = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(office.page, 'units-paged');
    await loginAs(office.page, 'office@demo.shanhai');
    await office.page.waitForSelector('[data-test=office-console]');
    await office.page.goto('/office/units/classify');
    // The typed search answers after its debounce: wait for it, so "load more" pages its list and not
    // the opening list of all units (200 rows too, and led by these names as well).
    const searched = office.page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/api/v1/units' && new URL(r.url()).searchParams.get('q') === '分页测试单位',
    );
    await office.page.fill('input[data-test=classify-search], [data-test=classify-search] input', '分页测试单位');
    await searched;
    const rows = () => office.page.locator('[data-test=classify-table] .el-table__body tr').count();
    await office.page.waitForFunction(
      () => document.querySelectorAll('[data-test=classify-table] .el-table__body tr').length === 200,
      undefined,
      { timeout: 15_000 },
    );
    expect(await office.page.textContent('[data-test=classify-table] .el-table__body tr')).toContain('分页测试单位001');
    await office.page.click('[data-test=load-more]');
    await office.page.waitForFunction(
      () => document.querySelectorAll('[data-test=classify-table] .el-table__body tr').length === 230,
      undefined,
      { timeout: 15_000 },
    );
    expect(await rows()).toBe(230);
    expect(await office.page.locator('[data-test=load-more]').count()).toBe(0);
    await office.context.close();
  });

  it('no header, tag or figure of the pairings table is cut, in either language, at desktop and phone width', async () => {
    for (const locale of ['en', 'zh-CN'] as const)
      for (const viewport of [
        { width: 1280, height: 900 },
        { width: 390, height: 844 },
      ]) {
        const office = await newPage(suite.browser, suite.stack.baseUrl, { locale, viewport });
        screenshotOnFailure(office.page, `units-pairings-cut-${locale}-${viewport.width}`);
        await loginAs(office.page, 'office@demo.shanhai');
        await office.page.waitForSelector('[data-test=office-console]');
        await office.page.goto('/office/pairings');
        await office.page.locator('[data-test=pairings-table] tbody .el-tag').first().waitFor();
        // A cell's content wider than the cell is clipped by it (Element Plus hides a cell's
        // overflow); a whole column scrolling sideways inside the table is fine.
        const cut = await office.page.evaluate(() =>
          [...document.querySelectorAll('[data-test=pairings-table] .cell')].flatMap((cell) => {
            const box = cell.getBoundingClientRect();
            const parts = [cell, ...cell.querySelectorAll('.el-tag, .el-button, a, span')];
            return parts.some(
              (e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > box.right + 1,
            )
              ? [(cell as HTMLElement).innerText.trim()]
              : [];
          }),
        );
        expect(cut, `${locale} ${viewport.width}px`).toEqual([]);
        await saveShot(office.page, `pairings-${locale}-${viewport.width}`);
        await office.context.close();
      }
  });

  it('the pairings dialog and filter find a unit past the first page of matches: a hint, 加载更多, and the unit picked', async () => {
    // 120 buyer orgs share a word: the picker asks 50 at a time and says more match.
    await addBuyerOrgs('结对检索单位', 120);
    const office = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(office.page, 'units-pairing-search');
    await loginAs(office.page, 'office@demo.shanhai');
    await office.page.waitForSelector('[data-test=office-console]');
    await office.page.goto('/office/pairings');
    await office.page.click('[data-test=pairing-new]');
    await office.page.waitForSelector('[data-test=pairing-dialog] form');
    await office.page.click('[data-test=pairing-form-unit]');
    // The typed search answers after its debounce: wait for it, so "load more" pages its list.
    let searched = office.page.waitForResponse((r) => new URL(r.url()).searchParams.get('q') === '结对检索单位');
    await office.page.keyboard.type('结对检索单位');
    await searched;
    const options = office.page.locator('.el-select-dropdown__item:visible', { hasText: '结对检索单位' });
    const more = office.page.locator('[data-test=units-more]:visible');
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBe(50);
    expect(await more.textContent()).toContain('还有更多匹配的单位');
    await saveShot(office.page, 'units-pairing-unit-search', true);
    await more.locator('[data-test=units-load-more]').click();
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBe(100);
    await more.locator('[data-test=units-load-more]').click();
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBe(120);
    // The last page: no hint any more, and the last unit by name can be picked.
    await expect.poll(() => more.count()).toBe(0);
    await options.filter({ hasText: '结对检索单位120' }).click();
    await expect
      .poll(() => office.page.locator('[data-test=pairing-form-unit]').textContent())
      .toContain('结对检索单位120');
    await expect.poll(() => office.page.locator('.el-select-dropdown__item:visible').count()).toBe(0);
    await office.page.click('[data-test=pairing-form-town]');
    await office.page.locator('.el-select-dropdown__item:visible').first().click();
    await office.page.click('[data-test=pairing-save]');
    await office.page.locator('[data-test=pairing-dialog]').waitFor({ state: 'hidden' });

    // The list's unit filter is the same picker: the unit past the first page filters the list.
    await office.page.click('[data-test=pairings-unit]');
    searched = office.page.waitForResponse((r) => new URL(r.url()).searchParams.get('q') === '结对检索单位');
    await office.page.keyboard.type('结对检索单位');
    await searched;
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBe(50);
    await more.locator('[data-test=units-load-more]').click();
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBe(100);
    await more.locator('[data-test=units-load-more]').click();
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBe(120);
    await options.filter({ hasText: '结对检索单位120' }).click();
    const listed = office.page.locator('[data-test=pairings-table] [data-test=pairing-unit]');
    await expect.poll(() => listed.allTextContents(), { timeout: 15_000 }).toEqual(['结对检索单位120']);
    // Opened for a change, the dialog names the unit (its picker has searched nothing yet).
    await office.page.click('[data-test=pairing-edit]');
    await expect
      .poll(() => office.page.locator('[data-test=pairing-dialog] [data-test=pairing-form-unit]').textContent())
      .toContain('结对检索单位120');
    await office.context.close();
  }, 180_000);

  it('the pairings table shows the first 200 pairings with 加载更多 and loads the rest', async () => {
    // 210 more current pairings: with the demo's, more than the default page of 200.
    await addBuyerOrgs('分页结对单位', 210);
    await suite.stack.api.pool.query(
      `insert into pairings (buyer_org_id, town_id, role, starts_on)
       select o.id, (select id from towns order by sort_order, code limit 1), 'member', date '2020-01-01'
       from orgs o where o.name like '分页结对单位%'`,
    );
    const token = await tokenOf('office@demo.shanhai');
    let total = 0;
    let cursor: string | null = null;
    do {
      const page = (await api(`/pairings?state=current&limit=500${cursor ? `&cursor=${cursor}` : ''}`, {
        token,
      })) as { items: unknown[]; nextCursor: string | null };
      total += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(total).toBeGreaterThan(210);
    expect(total).toBeLessThanOrEqual(400);

    const office = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(office.page, 'units-pairings-paged');
    await loginAs(office.page, 'office@demo.shanhai');
    await office.page.waitForSelector('[data-test=office-console]');
    await office.page.goto('/office/pairings');
    const rows = office.page.locator('[data-test=pairings-table] .el-table__body tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(200);
    await office.page.click('[data-test=load-more]');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(total);
    expect(await office.page.locator('[data-test=load-more]').count()).toBe(0);
    await office.context.close();
  }, 120_000);

  it('the declaration’s shared-canteen picker searches the year’s budget units a page at a time and names the choice on reopen', async () => {
    // 60 budget units of this year share a word: the picker asks 50 at a time and says more match.
    const year = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date());
    await addBuyerOrgs('共用食堂单位', 60);
    await suite.stack.api.pool.query(
      `insert into budget_unit_years (year, buyer_org_id) select $1::int, id from orgs where name like '共用食堂单位%'`,
      [Number(year)],
    );
    const unit = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(unit.page, 'units-shared-canteen');
    await loginAs(unit.page, 'buyer@demo.shanhai');
    await unit.page.waitForURL((u) => u.pathname === '/');
    await unit.page.goto('/unit');
    await unit.page.waitForSelector('[data-test=declaration-form]');
    await unit.page.click('[data-test=decl-shared]');
    await unit.page.click('[data-test=decl-shared-org]');
    // Opening the picker lists every budget unit; the typed search answers after its debounce. Wait
    // for that answer, or "load more" may page the opening list that the search then replaces.
    const searched = unit.page.waitForResponse(
      (r) => r.url().includes('/budget-units') && new URL(r.url()).searchParams.get('q') === '共用食堂单位',
    );
    await unit.page.keyboard.type('共用食堂单位');
    await searched;
    const options = unit.page.locator('.el-select-dropdown__item:visible', { hasText: '共用食堂单位' });
    const more = unit.page.locator('[data-test=shared-canteens-more]:visible');
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBe(50);
    expect(await more.textContent()).toContain('还有更多匹配的预算单位');
    await more.locator('[data-test=shared-canteens-load-more]').click();
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBe(60);
    await expect.poll(() => more.count()).toBe(0);
    await options.filter({ hasText: '共用食堂单位060' }).click();
    await unit.page.click('[data-test=decl-save]');

    const token = await tokenOf('buyer@demo.shanhai');
    const orgId = ((await api('/me', { token })).org as { id: string }).id;
    await expect
      .poll(
        async () =>
          (
            (await api(`/units/${orgId}/declarations/${year}`, { token })).versions as {
              sharedCanteenOrgName: string;
            }[]
          )[0]?.sharedCanteenOrgName,
        { timeout: 15_000 },
      )
      .toBe('共用食堂单位060');
    // Reopened, the picker names the saved choice before any search.
    await unit.page.reload();
    await unit.page.waitForSelector('[data-test=declaration-form]');
    await expect
      .poll(() => unit.page.locator('[data-test=decl-shared-org]').textContent(), { timeout: 15_000 })
      .toContain('共用食堂单位060');
    await unit.context.close();
  }, 120_000);
});
