import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';
import { createDb } from '@shanhai/db';
import { createTestDatabase, createUser } from '@shanhai/db/testing';
import { QUEUES } from '@shanhai/domain';
import { buildApp } from '../../app';
import { bearer, createTestApp, DEMO_PASSWORD, login, testConfig, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let officeToken: string;
let buyerToken: string;
let officeManagerToken: string;
const METRICS_TOKEN = 'ops-test-metrics-token';
beforeAll(async () => {
  t = await createTestApp({
    config: {
      metricsToken: METRICS_TOKEN,
      // Card payments on, so the webhook route answers; nothing here reaches Stripe.
      stripe: {
        secretKey: 'sk_test_ops',
        webhookSecret: 'whsec_ops_test',
        publishableKey: 'pk_test_ops',
        apiBase: 'http://127.0.0.1:9',
      },
    },
  });
  const office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
  officeToken = office.token;
  buyerToken = (await login(t.app, 'buyer@demo.shanhai', DEMO_PASSWORD)).token;
  officeManagerToken = (
    await login(t.app, (await createUser(t.app.db, { orgId: office.orgId, role: 'manager' })).email)
  ).token;
});
afterAll(() => t.close());

describe('ops endpoints', () => {
  it('GET /healthz answers ok', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz checks PostgreSQL and Redis', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', postgres: 'ok', redis: 'ok' });
  });

  it('GET /metrics serves Prometheus text with request durations, to the scraper’s token only', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    // A user's access token is not the scraper's token, not even the office owner's.
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(officeToken) })).statusCode).toBe(401);
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('shanhai_api_http_request_duration_seconds_bucket');
    expect(res.body).toContain('route="/healthz"');
  });

  it('GET /metrics counts each queue’s jobs by state and the webhook deliveries that failed', async () => {
    const scrape = async () =>
      (await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) })).body;
    const line = (body: string, name: string) => body.split('\n').find((l) => l.startsWith(`${name} `));
    // A delayed job, and one that failed for good (a worker of this app's prefix throws on it).
    await t.app.queues.enqueue(
      QUEUES.housekeeping,
      'later',
      { task: 'purge-expired-idempotency-keys' },
      { delay: 3_600_000 },
    );
    const prefix = `${t.config.redisPrefix}:bull`;
    const [c1, c2] = [1, 2].map(() => t.app.redis.duplicate({ maxRetriesPerRequest: null })) as [Redis, Redis];
    const events = new QueueEvents(QUEUES.journalReconcile, { connection: c1, prefix });
    await events.waitUntilReady();
    const failing = new Worker(
      QUEUES.journalReconcile,
      async () => {
        throw new UnrecoverableError('broken on purpose');
      },
      { connection: c2, prefix },
    );
    const job = await (await t.app.queues.get(QUEUES.journalReconcile)).add('manual', { trigger: 'manual' });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow('broken on purpose');
    await failing.close();
    await events.close();
    c1.disconnect();
    c2.disconnect();

    const body = await scrape();
    expect(line(body, 'shanhai_queue_jobs{queue="housekeeping",state="delayed"}')).toBe(
      'shanhai_queue_jobs{queue="housekeeping",state="delayed"} 1',
    );
    expect(line(body, 'shanhai_queue_jobs{queue="journal-reconcile",state="failed"}')).toBe(
      'shanhai_queue_jobs{queue="journal-reconcile",state="failed"} 1',
    );
    expect(line(body, 'shanhai_queue_jobs{queue="tally",state="waiting"}')).toBe(
      'shanhai_queue_jobs{queue="tally",state="waiting"} 0',
    );

    // A delivery without a valid signature is rejected and counted.
    const hook = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/stripe',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=forged' },
      payload: JSON.stringify({ id: 'evt_forged', type: 'payment_intent.succeeded' }),
    });
    expect(hook.statusCode).toBe(400);
    expect(line(await scrape(), 'shanhai_api_webhook_failures_total{provider="stripe",reason="rejected"}')).toBe(
      'shanhai_api_webhook_failures_total{provider="stripe",reason="rejected"} 1',
    );
  });

  it('GET /docs/json is the OpenAPI document generated from the zod schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema.required).toEqual([
      'email',
      'password',
    ]);
  });
});

describe('readiness while the start-up catch-ups run', () => {
  it('/healthz answers at once, /readyz is 503 starting until the search index has caught up, then 200', async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    const handle = createDb(database.url, { max: 1 });
    const holder = await handle.pool.connect();
    const app = await buildApp(testConfig(database.url), { logger: false });
    try {
      // A product renamed by a writer that did not index it (the trigger clears its words); its row
      // held by another transaction, so that the api's catch-up waits on it.
      const { rows } = await holder.query<{ id: string }>(
        `update products set name_zh = '大崑镇高山茶油' where id = (select id from products order by id limit 1) returning id`,
      );
      const id = rows[0]!.id;
      await holder.query('begin');
      await holder.query('select 1 from products where id = $1 for update', [id]);

      await app.ready();
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const starting = await app.inject({ method: 'GET', url: '/readyz' });
      expect(starting.statusCode).toBe(503);
      expect(starting.json()).toEqual({ status: 'starting', postgres: 'ok', redis: 'ok', starting: ['search-index'] });

      await holder.query('rollback');
      await app.startupSettled();
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ok', postgres: 'ok', redis: 'ok' });
      const indexed = await holder.query('select 1 from products where id = $1 and search is not null', [id]);
      expect(indexed.rowCount).toBe(1);
    } finally {
      await app.close();
      holder.release();
      await handle.close();
      await database.drop();
    }
  });

  it('a failed start-up task is retried; /readyz stays 503 until it succeeds', async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    const app = await buildApp(testConfig(database.url), { logger: false });
    let attempts = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    app.startupTask('flaky', async () => {
      attempts++;
      if (attempts === 1) throw new Error('not yet');
      await released;
    });
    try {
      await app.ready();
      const starting = await app.inject({ method: 'GET', url: '/readyz' });
      expect(starting.statusCode).toBe(503);
      expect(starting.json().status).toBe('starting');
      expect(starting.json().starting).toContain('flaky');
      release();
      await app.startupSettled();
      expect(attempts).toBe(2);
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await database.drop();
    }
  });
});

describe('Bull Board', () => {
  const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

  it('/admin/queues is for office owners only', async () => {
    expect((await get('/admin/queues')).statusCode).toBe(401);
    expect((await get('/admin/queues', bearer(buyerToken))).statusCode).toBe(403);
    expect((await get('/admin/queues', bearer(officeManagerToken))).statusCode).toBe(403);
    expect((await get('/admin/queues/api/queues', bearer(officeManagerToken))).statusCode).toBe(403);
    expect((await get('/admin/queues', bearer(officeToken))).statusCode).toBe(200);
  });

  it('queue administration (pause, retry, clean) is refused to a manager with nothing changed; an owner may', async () => {
    const send = (method: 'PUT', url: string, token: string) => t.app.inject({ method, url, headers: bearer(token) });
    const queue = QUEUES.tally;
    const paused = async () =>
      (
        (await get('/admin/queues/api/queues', bearer(officeToken))).json() as {
          queues: { name: string; isPaused: boolean }[];
        }
      ).queues.find((q) => q.name === queue)!.isPaused;
    for (const action of ['pause', 'retry/failed', 'clean/completed'])
      expect((await send('PUT', `/admin/queues/api/queues/${queue}/${action}`, officeManagerToken)).statusCode).toBe(
        403,
      );
    expect((await send('PUT', '/admin/queues/api/queues/pause', officeManagerToken)).statusCode).toBe(403);
    expect(await paused()).toBe(false);
    expect((await send('PUT', `/admin/queues/api/queues/${queue}/pause`, officeToken)).statusCode).toBe(200);
    expect(await paused()).toBe(true);
    expect((await send('PUT', `/admin/queues/api/queues/${queue}/resume`, officeToken)).statusCode).toBe(200);
    expect(await paused()).toBe(false);
  });

  it('lists every queue of the contract (attached on the first visit, not at start)', async () => {
    const res = await get('/admin/queues/api/queues', bearer(officeToken));
    expect(res.statusCode, res.body).toBe(200);
    const names = (res.json() as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(Object.values(QUEUES).sort());
  });

  it('a browser tab opens /admin/queues with the cookie from /admin/queues/session (office owners only)', async () => {
    const session = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/api/v1/admin/queues/session', headers });
    expect((await session({})).statusCode).toBe(401);
    expect((await session(bearer(buyerToken))).statusCode).toBe(403);
    expect((await session(bearer(officeManagerToken))).statusCode).toBe(403);
    expect((await get('/admin/queues', { cookie: `shanhai_queues=${officeManagerToken}` })).statusCode).toBe(403);
    const buyerCookie = `shanhai_queues=${buyerToken}`;
    expect((await get('/admin/queues', { cookie: buyerCookie })).statusCode).toBe(403);
    const ok = await session(bearer(officeToken));
    expect(ok.statusCode).toBe(204);
    const cookie = ok.cookies.find((c) => c.name === 'shanhai_queues')!;
    expect(cookie).toMatchObject({ path: '/admin/queues', httpOnly: true, sameSite: 'Strict' });
    expect((await get('/admin/queues', { cookie: `shanhai_queues=${cookie.value}` })).statusCode).toBe(200);
    expect((await get('/admin/queues', { cookie: 'shanhai_queues=not-a-token' })).statusCode).toBe(401);
  });
});
