/**
 * Notifications end to end, with the real worker and a real SMTP server: a committed event
 * reaches its recipients' open tabs (the one SSE connection) and their mailboxes, in their
 * language, once; a rolled-back one reaches nobody; in-app-only choices send no email.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { notify, schema } from '@shanhai/db';
import { createOrgWithUser, createProduct, createUser } from '@shanhai/db/testing';
import {
  bearer,
  createTestApp,
  DEMO_PASSWORD,
  login,
  type Session,
  type TestApp,
} from '../../apps/api/test-support/testing';
import type { SmtpCapture } from '../support/smtp';
import { startMailingWorker } from '../support/worker';

let t: TestApp;
let smtp: SmtpCapture;
let mailing: Awaited<ReturnType<typeof startMailingWorker>>;
let port: number;
let office: Session;

beforeAll(async () => {
  t = await createTestApp({ template: 'demo' });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
  mailing = await startMailingWorker(t);
  ({ smtp } = mailing);
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
});
afterAll(async () => {
  await mailing?.close();
  await t?.close();
});

const post = (s: Session, url: string, payload: unknown = {}) =>
  t.app.inject({ method: 'POST', url, headers: bearer(s.token), payload: payload as object });

/** A buyer's transfer purchase of one cooperative's product, not yet confirmed. */
async function unpaidPurchase(buyer: Session, productId: string) {
  await t.app.inject({
    method: 'PUT',
    url: '/api/v1/cart',
    headers: bearer(buyer.token),
    payload: { lines: [{ productId, qty: 3 }] },
  });
  const res = await post(buyer, '/api/v1/purchases', { paymentMethod: 'transfer' });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as {
    id: string;
    totalFen: number;
    remittanceRef: string;
    orders: { id: string; orderNo: string }[];
  };
}

const mailsTo = (address: string) => smtp.received.filter((m) => m.to === address);

describe('email', () => {
  it('a confirmed payment emails each cooperative member in their language: a plain-text part, a link, no token', async () => {
    const coop = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' });
    const en = await createUser(t.app.db, { orgId: coop.org.id, role: 'member' });
    await t.app.db.update(schema.users).set({ locale: 'en' }).where(eq(schema.users.id, en.id));
    const buyer = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const product = await createProduct(t.app.db, {
      cooperativeId: coop.org.id,
      priceTiers: [{ minQty: 1, unitPriceFen: 12_345 }],
    });
    const p = await unpaidPurchase(await login(t.app, buyer.user.email), product.id);
    const confirm = await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen });
    expect(confirm.statusCode).toBe(200);

    await smtp.waitFor(1);
    const deadline = Date.now() + 20_000;
    while ((mailsTo(coop.user.email).length === 0 || mailsTo(en.email).length === 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const [zh] = mailsTo(coop.user.email);
    const [english] = mailsTo(en.email);
    const orderLink = `http://shanhai.test/coop/orders/${p.orders[0]!.id}`;
    expect(zh!.subject).toBe('新订单待发货 · 山海集市');
    const no = p.orders[0]!.orderNo;
    expect(no).toMatch(/^\d{8}-\d{6,}$/);
    expect(zh!.text).toContain(`的订单 ${no}（采购单 ${p.remittanceRef}）已付款，金额 ¥370.35，请尽快发货。`);
    expect(zh!.text).toContain(orderLink);
    expect(zh!.html).toContain(`href="${orderLink}"`);
    expect(english!.subject).toBe('New paid order to ship · Shanhai Market');
    expect(english!.text).toContain(`Order ${no} from`);
    expect(english!.text).toContain(`(purchase ${p.remittanceRef}) is paid`);
    expect(english!.text).toContain('is paid (¥370.35). Please ship it.');
    expect(english!.messageId).toMatch(/^<notification-[0-9a-f-]{36}@shanhai-market>$/);
    // The only link is the object's page: no token, no other address.
    expect(zh!.text).toContain('「通知设置」');
    expect(english!.text).toContain('Account › Notifications');
    for (const m of [zh!, english!]) {
      expect(m.text.match(/https?:\/\/\S+/g)).toEqual([orderLink]);
      expect(m.text).not.toMatch(/token|password|密码/i);
    }
    // The job marks a notification sent after the server took the mail: wait for that, not for a time.
    const statuses = () =>
      t.app.db
        .select({ status: schema.notifications.emailStatus, attempts: schema.notifications.emailAttempts })
        .from(schema.notifications)
        .where(and(eq(schema.notifications.kind, 'order.paid'), eq(schema.notifications.orgId, coop.org.id)));
    let rows = await statuses();
    while (rows.some((r) => r.status === 'pending')) {
      await new Promise((r) => setTimeout(r, 50));
      rows = await statuses();
    }
    expect(rows).toEqual([
      { status: 'sent', attempts: 1 },
      { status: 'sent', attempts: 1 },
    ]);
  });

  it('a rolled-back event sends nothing; a committed one right after it does', async () => {
    const buyer = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const event = (id: string) => ({
      kind: 'purchase.expired' as const,
      orgId: buyer.org.id,
      subject: { type: 'purchase', id },
      link: `/purchases/${id}`,
      params: { ref: id },
    });
    await expect(
      t.app.db.transaction(async (tx) => {
        await notify(tx, event('ROLLED-BACK'));
        throw new Error('the event failed');
      }),
    ).rejects.toThrow();
    await notify(t.app.db, event('COMMITTED'));
    await t.app.queues.notifySoon();
    const deadline = Date.now() + 20_000;
    while (mailsTo(buyer.user.email).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Both would have been dispatched in the same sweep: only the committed one exists to send.
    await new Promise((r) => setTimeout(r, 1_500));
    const mails = mailsTo(buyer.user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('COMMITTED');
  });

  it('in-app only sends no email; the same email job twice sends once', async () => {
    const buyer = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const quiet = await createUser(t.app.db, { orgId: buyer.org.id, role: 'member' });
    await t.app.db
      .insert(schema.notificationPreferences)
      .values({ userId: quiet.id, kind: 'purchase.expired', email: false });
    await notify(t.app.db, {
      kind: 'purchase.expired',
      orgId: buyer.org.id,
      subject: { type: 'purchase', id: 'Q1' },
      link: '/purchases/Q1',
      params: { ref: 'Q1' },
    });
    await t.app.queues.notifySoon();
    const deadline = Date.now() + 20_000;
    while (mailsTo(buyer.user.email).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const [row] = await t.app.db
      .select({ id: schema.notifications.id, status: schema.notifications.emailStatus })
      .from(schema.notifications)
      .where(eq(schema.notifications.userId, quiet.id));
    expect(row!.status).toBe('off');
    // The owner's email was sent; running its job again (a redelivery) sends nothing more.
    const [sent] = await t.app.db
      .select({ id: schema.notifications.id })
      .from(schema.notifications)
      .where(eq(schema.notifications.userId, buyer.user.id));
    const q = await t.app.queues.get('email');
    await q.add('email', { notificationId: sent!.id }, { jobId: `again-${sent!.id}` });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(mailsTo(buyer.user.email)).toHaveLength(1);
    expect(mailsTo(quiet.email)).toHaveLength(0);
  });
});

describe('account emails', () => {
  it('a reset link is mailed in the reader’s language; only the token’s hash is stored, for 30 minutes, and it works once', async () => {
    const { user } = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    await t.app.db.update(schema.users).set({ locale: 'en' }).where(eq(schema.users.id, user.id));
    const askedAt = Date.now();
    const asked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: user.email },
    });
    const answeredAt = Date.now();
    expect(asked.statusCode).toBe(202);
    const deadline = Date.now() + 20_000;
    while (mailsTo(user.email).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const [mail] = mailsTo(user.email);
    // The link is the mail's only address, in the plain-text part and the html alike.
    const links = mail!.text.match(/https?:\/\/\S+/g);
    expect(links).toHaveLength(1);
    const link = links![0]!;
    const token = link.match(/^http:\/\/shanhai\.test\/reset-password#token=([\w-]{43})$/)?.[1];
    expect(token, link).toBeDefined();
    expect(mail!.html).toContain(link);
    expect(mail!.text).not.toMatch(/[\u4e00-\u9fff]/);
    // Notification choices cannot stop it, so its footer does not point at them.
    expect(mail!.text).toContain('notification choices do not apply to it');
    expect(mail!.text).not.toContain('Account › Notifications');

    // The database holds the token's SHA-256, never the token.
    const rows = await t.app.db.select().from(schema.accountTokens).where(eq(schema.accountTokens.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(createHash('sha256').update(token!).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token!);
    // Short-lived: it expires 30 minutes after it was asked for.
    expect(rows[0]!.expiresAt.getTime()).toBeGreaterThanOrEqual(askedAt + 30 * 60_000);
    expect(rows[0]!.expiresAt.getTime()).toBeLessThanOrEqual(answeredAt + 30 * 60_000);

    const set = (newPassword: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token, newPassword } });
    expect((await set('a-fresh-password-1')).statusCode).toBe(200);
    expect((await set('a-fresh-password-2')).statusCode).toBe(400);
    expect((await login(t.app, user.email, 'a-fresh-password-1')).token).toEqual(expect.any(String));
  });
});

describe('the live stream', () => {
  /** Opens GET /api/v1/stream (with a token: notifications too) and collects what it says. */
  function open(token?: string) {
    return new Promise<{ text: () => string; close: () => void; status: number }>((resolve) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/api/v1/stream', headers: token ? { authorization: `Bearer ${token}` } : {} },
        (res) => {
          const chunks: string[] = [];
          res.on('data', (d: Buffer) => chunks.push(d.toString()));
          resolve({ text: () => chunks.join(''), close: () => req.destroy(), status: res.statusCode! });
        },
      );
      req.end();
    });
  }

  it('one connection carries the board for everyone and, with a token, pings for that user only', async () => {
    const coop = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'daping' });
    const other = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'daping' });
    const mine = await open((await login(t.app, coop.user.email)).token);
    const theirs = await open((await login(t.app, other.user.email)).token);
    const anonymous = await open();
    expect(mine.status).toBe(200);
    expect((await open('not-a-token')).status).toBe(401);
    const until = async (pred: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    };
    await until(() => mine.text().includes('event: notification') && anonymous.text().includes('event: hello'));
    // On open: the board's hello and the caller's unread count.
    expect(mine.text()).toContain('event: hello');
    expect(mine.text()).toContain('event: notification\ndata: {"unreadCount":0}');
    expect(anonymous.text()).toContain('event: hello');
    expect(anonymous.text()).not.toContain('notification');

    await notify(t.app.db, {
      kind: 'order.accepted',
      orgId: coop.org.id,
      subject: { type: 'order', id: 'live-1' },
      link: '/coop/orders/live-1',
      params: { buyer: 'x', ref: 'y', note: '' },
    });
    await t.app.queues.notifySoon();
    await until(() => mine.text().split('event: notification').length > 2);
    expect(mine.text().split('event: notification').length).toBe(3);
    expect(theirs.text().split('event: notification').length).toBe(2);
    expect(anonymous.text()).not.toContain('notification');
    for (const s of [mine, theirs, anonymous]) s.close();
  });
});
