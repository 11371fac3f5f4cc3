/**
 * Accounts that look after themselves, in the browser, with a real SMTP server: a forgotten
 * password reset through the emailed link, a password change, and an invitation's welcome link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startSmtp, type SmtpCapture } from '../support/smtp';
import { loginAs, MOBILE, newPage, screenshotOnFailure } from './support/browser';
import { useStackAndBrowser } from './support/suite';

let smtp: SmtpCapture;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp?.close());
const suite = useStackAndBrowser({ smtpUrl: () => smtp.url });

/** The link of the newest mail to `to`, after waiting for it; a path of this stack's web app. */
async function linkMailedTo(to: string, path: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const mail = smtp.received.filter((m) => m.to === to).at(-1);
    const link = mail?.text.match(new RegExp(`https?://\\S+${path}#token=[\\w-]{43}`))?.[0];
    if (link) return link.replace(suite.stack.baseUrl, '');
    if (Date.now() > deadline) throw new Error(`no ${path} link mailed to ${to}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function setPassword(page: Page, password: string) {
  await page.fill('[data-test=new-password]', password);
  await page.fill('[data-test=confirm-password]', password);
  await page.click('[data-test=set-password]');
}

describe('accounts', () => {
  it('a buyer who forgot the password resets it from the emailed link and logs in with the new one (zh-CN, phone)', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport: MOBILE });
    screenshotOnFailure(page, 'accounts-reset');
    await page.goto('/login');
    await page.click('[data-test=forgot-link]');
    await page.waitForSelector('[data-test=forgot-form]');
    // The form checks the address in the reader's language before sending.
    await page.fill('[data-test=forgot-email]', 'nobody');
    await page.click('[data-test=forgot-submit]');
    expect(await page.locator('[data-test=forgot-form] .el-form-item__error').innerText()).toBe(
      '邮箱应为有效的电子邮箱地址',
    );
    await page.fill('[data-test=forgot-email]', 'buyer2@demo.shanhai');
    await page.click('[data-test=forgot-submit]');
    expect(await page.locator('[data-test=reset-sent]').innerText()).toContain('如果该邮箱已注册');

    const link = await linkMailedTo('buyer2@demo.shanhai', '/reset-password');
    const mail = smtp.received.filter((m) => m.to === 'buyer2@demo.shanhai').at(-1)!;
    expect(mail.subject).toBe('重设您的山海集市密码');
    await page.goto(link);
    await page.waitForSelector('[data-test=set-password-form]');
    // The token leaves the address bar once read.
    expect(new URL(page.url()).hash).toBe('');
    await page.fill('[data-test=new-password]', 'a-new-buyer2-password');
    await page.fill('[data-test=confirm-password]', 'not-the-same-password');
    await page.click('[data-test=set-password]');
    await page.getByText('两次输入的密码不一致').waitFor();
    await setPassword(page, 'a-new-buyer2-password');
    // Back on the login page with the address filled in; the new password works, the old does not.
    await page.waitForURL(/\/login\?email=/);
    expect(await page.inputValue('[data-test=login-email]')).toBe('buyer2@demo.shanhai');
    await page.fill('[data-test=login-password]', 'shanhai-demo');
    await page.click('[data-test=login-submit]');
    await page.waitForSelector('[data-test=login-error]');
    await page.fill('[data-test=login-password]', 'a-new-buyer2-password');
    await page.click('[data-test=login-submit]');
    await page.waitForURL((u) => u.pathname === '/');

    // The same link a second time: spent (the server says so when it is used).
    await page.goto(link);
    await page.waitForSelector('[data-test=set-password-form]');
    await setPassword(page, 'yet-another-password');
    await page.waitForSelector('[data-test=link-spent]');
    expect(await page.locator('[data-test=link-spent]').innerText()).toContain('已过期或已使用');
    await context.close();
  });

  it('a cooperative changes its password from the user menu; a wrong current one is named (en)', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'en' });
    screenshotOnFailure(page, 'accounts-change');
    await loginAs(page, 'coop2@demo.shanhai');
    await page.waitForURL((u) => u.pathname === '/coop');
    await page.click('[data-test=user-menu]');
    await page.click('[data-test=nav-change-password]');
    await page.waitForSelector('[data-test=change-password-form]');
    await page.fill('[data-test=current-password]', 'not-my-password');
    await page.fill('[data-test=new-password]', 'coop2-new-password');
    await page.fill('[data-test=confirm-password]', 'coop2-new-password');
    await page.click('[data-test=change-password]');
    await page.getByText('Current password is not correct').waitFor();
    await page.fill('[data-test=current-password]', 'shanhai-demo');
    await page.click('[data-test=change-password]');
    await page.getByText('Password changed; other devices are logged out').waitFor();
    // Still signed in on this device.
    await page.goto('/coop');
    await page.waitForSelector('[data-test=user-menu]');
    await context.close();
  });

  it('an owner invites a member, who sets a password from the welcome email and logs in', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'en' });
    screenshotOnFailure(page, 'accounts-invite');
    await loginAs(page, 'buyer@demo.shanhai');
    await page.waitForURL((u) => u.pathname === '/');
    await page.goto('/account/members');
    await page.click('[data-test=invite-open]');
    await page.fill('[data-test=invite-form] input[type=email]', 'new-colleague@example.com');
    await page.fill('[data-test=member-name]', '王五');
    expect(await page.locator('[data-test=invite-form] input[type=password]').count()).toBe(0);
    await page.click('[data-test=invite-submit]');
    await page.getByText('Invitation sent to new-colleague@example.com').waitFor();

    const link = await linkMailedTo('new-colleague@example.com', '/welcome');
    const { context: theirs, page: them } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'en' });
    await them.goto(link);
    await them.getByText('Welcome to Shanhai Market').waitFor();
    await setPassword(them, 'colleague-password-1');
    await them.waitForURL(/\/login\?email=/);
    await them.fill('[data-test=login-password]', 'colleague-password-1');
    await them.click('[data-test=login-submit]');
    await them.waitForURL((u) => u.pathname === '/');
    await theirs.close();
    await context.close();
  });
  it('an owner makes a member a manager and then removes them, each after a confirmation (zh-CN, phone)', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport: MOBILE });
    screenshotOnFailure(page, 'accounts-members-owner');
    await loginAs(page, 'coop@demo.shanhai');
    await page.waitForURL((u) => u.pathname === '/coop');
    await page.goto('/account/members');
    await page.click('[data-test=invite-open]');
    await page.fill('[data-test=invite-form] input[type=email]', 'zhao-liu@example.com');
    await page.fill('[data-test=member-name]', '赵六');
    await page.click('[data-test=invite-submit]');
    await page.getByText('已向 zhao-liu@example.com 发送邀请').waitFor();
    const row = page.locator('[data-test=members] tr', { hasText: 'zhao-liu@example.com' });
    // The owner's own row offers nothing to change.
    const own = page.locator('[data-test=members] tr', { hasText: 'coop@demo.shanhai' });
    expect(await own.locator('[data-test^=member-role-], [data-test^=member-remove-]').count()).toBe(0);

    // Role: the choice asks first; thinking again changes nothing.
    await page.click('[data-test="member-role-zhao-liu@example.com"]');
    await page.locator('.member-role-options .el-select-dropdown__item', { hasText: '管理员' }).click();
    const roleBox = page.locator('.confirm-member-role');
    expect(await roleBox.innerText()).toContain('将 赵六（zhao-liu@example.com）的角色由「成员」改为「管理员」');
    await roleBox.locator('.el-message-box__btns button', { hasText: '取消' }).click();
    await roleBox.waitFor({ state: 'hidden' });
    expect(await row.locator('.el-select').innerText()).toContain('成员');
    await page.click('[data-test="member-role-zhao-liu@example.com"]');
    await page.locator('.member-role-options .el-select-dropdown__item', { hasText: '管理员' }).click();
    await page.locator('.confirm-member-role .el-message-box__btns .el-button--primary').click();
    await page.getByText('赵六 现在是管理员，需重新登录后生效').waitFor();
    expect(await row.locator('.el-select').innerText()).toContain('管理员');

    // Removal: a warning that says what happens, then the member is gone from the list.
    await page.click('[data-test="member-remove-zhao-liu@example.com"]');
    const removeBox = page.locator('.confirm-member-remove');
    expect(await removeBox.innerText()).toContain('将 赵六（zhao-liu@example.com）移出本单位？');
    await removeBox.locator('.el-message-box__btns .el-button--primary').click();
    await page.getByText('已将 赵六 移出本单位，其登录已失效').waitFor();
    await row.waitFor({ state: 'detached' });
    // Nothing sideways on a phone, and no English in the Chinese page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await page.locator('main').innerText()).not.toMatch(/\b(owner|manager|member|Remove)\b/);
    await context.close();
  });

  it('a manager sees who may change roles and gets no role or removal controls (en)', async () => {
    const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale: 'en' });
    screenshotOnFailure(page, 'accounts-members-manager');
    await loginAs(page, 'office2@demo.shanhai');
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto('/account/members');
    await page.waitForSelector('[data-test=members] tbody tr');
    await page.getByText('Only an owner changes roles or removes members.').waitFor();
    expect(await page.locator('[data-test^=member-role-], [data-test^=member-remove-]').count()).toBe(0);
    await context.close();
  });
});
