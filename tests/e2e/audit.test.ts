import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loginAs, MOBILE, newPage, screenshotOnFailure, TEST_OUTPUT } from './support/browser';
import { useStackAndBrowser } from './support/suite';

const suite = useStackAndBrowser();

/** Sets Dakun's 2030 target through the api as the office would, so the log has a known entry. */
async function setTarget(yuan: number) {
  const api = suite.stack.api;
  const login = await api.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: 'office@demo.shanhai', password: 'shanhai-demo' },
  });
  const token = login.json().accessToken as string;
  const regions = await api.inject({ method: 'GET', url: '/api/v1/regions' });
  const dakun = regions
    .json()
    .counties.flatMap((c: { towns: { id: string; code: string }[] }) => c.towns)
    .find((x: { code: string }) => x.code === 'dakun');
  const put = await api.inject({
    method: 'PUT',
    url: `/api/v1/towns/${dakun.id}/targets/2030`,
    headers: { authorization: `Bearer ${token}` },
    payload: { targetFen: yuan * 100 },
  });
  expect(put.statusCode).toBe(200);
}

describe('the office’s audit log', () => {
  it('lists who set a target, filters by action in the URL, and exports the CSV (zh)', async () => {
    await setTarget(12_000_000);
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'audit-zh');
    await loginAs(page, 'office@demo.shanhai');
    await page.waitForSelector('[data-test=office-console]');
    await page.click('[data-test=nav-audit]');
    await page.waitForSelector('[data-test=audit-table]');
    const row = page.locator('[data-test=audit-table] tr', { hasText: '设置镇街目标' }).first();
    expect(await row.innerText()).toContain('指挥部 演示账号');
    expect(await row.innerText()).toContain('镇街目标');
    // The object reads by its name (the town and year), not by an id an auditor cannot look up.
    expect(await row.locator('[data-test=audit-object-name]').innerText()).toBe('大崑镇 2030 年');

    // Filter by action: the choice lands in the URL, so a reload or a shared link keeps it.
    await page.click('[data-test=audit-action]');
    await page.locator('.audit-action-options .el-select-dropdown__item', { hasText: '设置镇街目标' }).click();
    await page.click('[data-test=audit-apply]');
    await page.waitForURL((u) => u.searchParams.get('action') === 'town_target.set');
    await page.reload();
    await page.waitForSelector('[data-test=audit-table]');
    const actions = await page.locator('[data-test=audit-table] tbody tr td:nth-child(3)').allInnerTexts();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['设置镇街目标']));
    // No English or field paths in the Chinese page.
    expect(await page.locator('[data-test=audit-log]').innerText()).not.toMatch(/town_target|undefined|query\./);
    mkdirSync(TEST_OUTPUT, { recursive: true });
    await page.screenshot({ path: join(TEST_OUTPUT, 'audit-log-zh.png'), fullPage: true });

    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=audit-export]')]);
    expect(saved.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await saved.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      '\uFEFFid,at,actor,actor_email,actor_org,action,object_type,object_id,object_name,before,after,note',
    );
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((l) => l.includes(',town_target.set,'))).toBe(true);

    // An object's name opens its own history: the log filtered to that object, in the URL and the form.
    const link = page.locator('[data-test=audit-table] tbody tr [data-test=audit-object-name]').first();
    const id = await link.getAttribute('title');
    await link.click();
    await page.waitForURL(
      (u) => u.searchParams.get('entityType') === 'town_target' && u.searchParams.get('entityId') === id,
    );
    expect(await page.inputValue('#audit-object')).toBe(id);
    await context.close();
  });

  it('filters by who, object and dates from the form and the URL (issue 13)', async () => {
    await setTarget(12_500_000);
    const api = suite.stack.api;
    const token = (
      await api.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'office@demo.shanhai', password: 'shanhai-demo' },
      })
    ).json().accessToken as string;
    const latest = (
      await api.inject({
        method: 'GET',
        url: '/api/v1/audit?action=town_target.set&limit=1',
        headers: { authorization: `Bearer ${token}` },
      })
    ).json().items[0] as { entityId: string; at: string };
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl);
    screenshotOnFailure(page, 'audit-filters-zh');
    await loginAs(page, 'office@demo.shanhai');
    await page.waitForSelector('[data-test=office-console]');
    await page.goto('/office/audit');
    await page.waitForSelector('[data-test=audit-table]');

    // Who and which object, typed into the form: both land in the URL and every row matches.
    await page.fill('#audit-actor', 'office@demo.shanhai');
    await page.fill('#audit-object', latest.entityId);
    await page.click('[data-test=audit-apply]');
    await page.waitForURL(
      (u) =>
        u.searchParams.get('actor') === 'office@demo.shanhai' && u.searchParams.get('entityId') === latest.entityId,
    );
    // The filtered answer has replaced the first page once every row is of that object.
    // (The object reads by its name; its whole id is the name's title.)
    await page.waitForFunction((id) => {
      const rows = [...document.querySelectorAll('[data-test=audit-table] tbody tr')];
      return (
        rows.length > 0 &&
        rows.every((r) => r.querySelector('[data-test=audit-object-name]')?.getAttribute('title') === id)
      );
    }, latest.entityId);
    const matched = await page.locator('[data-test=audit-table] tbody tr').allInnerTexts();
    for (const row of matched) {
      expect(row).toContain('指挥部 演示账号');
      expect(row).toContain('大崑镇 2030 年');
    }

    // Dates (Shanghai business days, both ends included) from a shared link: a day without the
    // entry shows nothing, the entry's own day shows it.
    const day = new Date(latest.at).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    const [none] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/audit?') && r.url().includes('from=2000-01-01')),
      page.goto(`/office/audit?entityId=${latest.entityId}&from=2000-01-01&to=2000-01-02`),
    ]);
    expect(new URL(none.url()).searchParams.get('to')).toBe('2000-01-02');
    expect((await none.json()).items).toEqual([]);
    // Loaded and empty: the page says so instead of drawing the table.
    await page.waitForSelector('[data-test=audit-log] .el-empty');
    expect(await page.locator('[data-test=audit-table] tbody tr').count()).toBe(0);
    await page.goto(`/office/audit?entityId=${latest.entityId}&from=${day}&to=${day}`);
    await page.waitForSelector('[data-test=audit-table] tbody tr');
    expect(await page.locator('[data-test=audit-table] tbody tr', { hasText: '设置镇街目标' }).count()).toBeGreaterThan(
      0,
    );
    await context.close();
  });

  it('speaks English on a phone', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'en', viewport: MOBILE });
    screenshotOnFailure(page, 'audit-en-mobile');
    await loginAs(page, 'office@demo.shanhai');
    await page.waitForSelector('[data-test=office-console]');
    await page.goto('/office/audit');
    await page.waitForSelector('[data-test=audit-table]');
    expect(await page.locator('h1').innerText()).toBe('Audit log');
    expect(await page.locator('[data-test=audit-table]').innerText()).toContain('Town target set');
    expect(await page.locator('[data-test=audit-table]').innerText()).toContain('Town target Dakun 2030');
    await page.screenshot({ path: join(TEST_OUTPUT, 'audit-log-en-390.png'), fullPage: true });
    await context.close();
  });
});
