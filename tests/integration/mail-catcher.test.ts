/**
 * `npm start`'s local inbox (issue 17): MailDev, started the way the dev stack starts it, takes
 * an email over SMTP and shows it at the web address `npm start` prints.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { freePort, startMailCatcher, type RunningMailCatcher } from '@shanhai/devstack';

let dir: string;
let catcher: RunningMailCatcher;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shanhai-maildev-'));
  catcher = await startMailCatcher({ dir, smtpPort: await freePort(), webPort: await freePort() });
});
afterAll(async () => {
  await catcher?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the local mail catcher of npm start', () => {
  it('takes an email over SMTP and lists it in the web inbox at the printed address', async () => {
    expect(catcher.webUrl).toMatch(/^http:\/\/localhost:\d+$/);
    const transport = nodemailer.createTransport(catcher.smtpUrl);
    await transport.sendMail({
      from: 'Shanhai <noreply@shanhai.test>',
      to: 'coop@demo.shanhai',
      subject: '新订单待发货 · 山海集市',
      text: '订单已付款，请尽快发货。http://localhost:5173/coop/orders/1',
      html: '<p>订单已付款，请尽快发货。</p>',
    });
    transport.close();
    let mails: { subject: string; to: { address: string }[]; text: string }[] = [];
    const deadline = Date.now() + 20_000;
    while (mails.length === 0 && Date.now() < deadline) {
      mails = (await (await fetch(`${catcher.webUrl}/api/email`)).json()) as typeof mails;
      if (mails.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      subject: '新订单待发货 · 山海集市',
      to: [{ address: 'coop@demo.shanhai' }],
    });
    expect(mails[0]!.text).toContain('请尽快发货');
    // The inbox page itself is served there to a browser (which asks for html).
    const page = await fetch(`${catcher.webUrl}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/MailDev/i);
  });
});
