/**
 * Notifications when their helpers fail: Redis stopped at the moment of the commit (the
 * notification is in PostgreSQL; once Redis is back the sweep sends it), and a mail server that
 * is down (the business action succeeds; the email is retried with backoff and sent once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrgWithUser, createProduct } from '@shanhai/db/testing';
import { startRedis, type RunningRedis } from '@shanhai/devstack';
import {
  bearer,
  createTestApp,
  DEMO_PASSWORD,
  login,
  type Session,
  type TestApp,
} from '../../apps/api/test-support/testing';
import type { Runtime } from '@shanhai/worker/runtime';
import { startSmtp, type SmtpCapture } from '../support/smtp';
import { startWorkerFor } from '../support/worker';

let dir: string;
let redis: RunningRedis;
let t: TestApp;
let smtp: SmtpCapture;
let worker: Runtime;
let office: Session;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shanhai-redis-'));
  redis = await startRedis({ dir, persistent: true });
  t = await createTestApp({ template: 'demo', config: { redisUrl: redis.url } });
  smtp = await startSmtp();
  worker = await startWorkerFor(t, { smtpUrl: smtp.url, appUrl: 'http://shanhai.test', emailConcurrency: 2 });
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
});
afterAll(async () => {
  await worker?.close();
  await smtp?.close();
  await t?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until(pred: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const post = (s: Session, url: string, payload: unknown = {}) =>
  t.app.inject({ method: 'POST', url, headers: bearer(s.token), payload: payload as object });

/** A paid-for purchase waiting for the office's confirmation, its cooperative's owner. */
async function awaitingConfirmation() {
  const coop = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' });
  const buyer = await createOrgWithUser(t.app.db, { kind: 'buyer' });
  const product = await createProduct(t.app.db, { cooperativeId: coop.org.id });
  const b = await login(t.app, buyer.user.email);
  await t.app.inject({
    method: 'PUT',
    url: '/api/v1/cart',
    headers: bearer(b.token),
    payload: { lines: [{ productId: product.id, qty: 2 }] },
  });
  const p = (await post(b, '/api/v1/purchases', { paymentMethod: 'transfer' })).json();
  return { coop, buyer, b, p: p as { id: string; totalFen: number; orders: { id: string }[] } };
}

const paidNotice = (coopOrgId: string) =>
  t.app.db
    .select({
      dispatchedAt: schema.notifications.dispatchedAt,
      emailStatus: schema.notifications.emailStatus,
      attempts: schema.notifications.emailAttempts,
    })
    .from(schema.notifications)
    .where(and(eq(schema.notifications.orgId, coopOrgId), eq(schema.notifications.kind, 'order.paid')));

describe('notifications when Redis or the mail server fail', () => {
  it('Redis down at commit: the payment is confirmed and its notice kept; once Redis is back the sweep sends it', async () => {
    const { coop, p } = await awaitingConfirmation();
    await redis.stop();
    const confirm = await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.json().status).toBe('paid');
    expect(await paidNotice(coop.org.id)).toEqual([{ dispatchedAt: null, emailStatus: 'pending', attempts: 0 }]);

    redis = await startRedis({ dir, port: redis.port, persistent: true });
    await until(() => smtp.received.some((m) => m.to === coop.user.email));
    // The row is marked sent after the server's answer reaches the worker: a moment after it got the mail.
    await until(async () => (await paidNotice(coop.org.id))[0]?.emailStatus === 'sent');
    expect(await paidNotice(coop.org.id)).toEqual([
      { dispatchedAt: expect.any(Date), emailStatus: 'sent', attempts: 1 },
    ]);
    expect(smtp.received.filter((m) => m.to === coop.user.email)).toHaveLength(1);
  });

  it('mail server down: the order flow goes on; the email is retried with backoff and sent once', async () => {
    const { coop, b, p } = await awaitingConfirmation();
    await smtp.down();
    try {
      const confirm = await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen });
      expect(confirm.statusCode).toBe(200);
      const c = await login(t.app, coop.user.email);
      const orderId = p.orders[0]!.id;
      expect((await post(c, `/api/v1/orders/${orderId}/ship`, { carrier: 'EMS', trackingNo: 'E1' })).statusCode).toBe(
        200,
      );
      expect((await post(c, `/api/v1/orders/${orderId}/deliver`)).statusCode).toBe(200);
      expect((await post(b, `/api/v1/orders/${orderId}/accept`)).statusCode).toBe(200);
      // The first try failed and let go of the email; it is still pending.
      await until(async () => (await paidNotice(coop.org.id))[0]?.attempts === 1);
      await until(async () => {
        const [r] = await t.app.db
          .select({ e: schema.notifications.emailError })
          .from(schema.notifications)
          .where(and(eq(schema.notifications.orgId, coop.org.id), eq(schema.notifications.kind, 'order.paid')));
        return r?.e !== null && r?.e !== undefined;
      });
      expect((await paidNotice(coop.org.id))[0]!.emailStatus).toBe('pending');
    } finally {
      await smtp.up();
    }
    await until(() => smtp.received.some((m) => m.to === coop.user.email && m.subject.startsWith('新订单待发货')));
    await until(async () => (await paidNotice(coop.org.id))[0]?.emailStatus === 'sent');
    const [r] = await paidNotice(coop.org.id);
    expect(r!.emailStatus).toBe('sent');
    expect(r!.attempts).toBeGreaterThanOrEqual(2);
    expect(smtp.received.filter((m) => m.to === coop.user.email && m.subject.startsWith('新订单待发货'))).toHaveLength(
      1,
    );
  });
});
