import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '@shanhai/db/testing';
import { bearer, createTestApp, DEMO_PASSWORD, login, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let officeToken: string;
let buyerToken: string;
let officeManagerToken: string;
const METRICS_TOKEN = 'ops-test-metrics-token';
beforeAll(async () => {
  t = await createTestApp({ config: { metricsToken: METRICS_TOKEN } });
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

describe('Bull Board', () => {
  const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

  it('/admin/queues is for office owners only', async () => {
    expect((await get('/admin/queues')).statusCode).toBe(401);
    expect((await get('/admin/queues', bearer(buyerToken))).statusCode).toBe(403);
    expect((await get('/admin/queues', bearer(officeManagerToken))).statusCode).toBe(403);
    expect((await get('/admin/queues/api/queues', bearer(officeManagerToken))).statusCode).toBe(403);
    expect((await get('/admin/queues', bearer(officeToken))).statusCode).toBe(200);
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
