import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@shanhai/db/testing';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { testConfig } from '../test-support/testing';

let app: FastifyInstance;
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('pgAdminUrl'), 'empty');
  app = await buildApp(testConfig(database.url), { logger: false });
  app.get('/api/v1/__boom', async () => {
    throw new Error('connection string postgres://secret@db leaked?');
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

describe('errors and hardening', () => {
  it('a 500 says only that something failed, with the request id, never the internal message', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/__boom', headers: { 'x-request-id': 'req-abc-123' } });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      code: 'internal',
      detail: 'Something went wrong on our side; the request id helps us find it.',
      requestId: 'req-abc-123',
    });
    expect(res.body).not.toContain('secret');
    expect(res.headers['x-request-id']).toBe('req-abc-123');
  });

  it('an unknown route is a 404 problem', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/nowhere' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('refuses prototype-poisoning payloads with 400', async () => {
    for (const payload of [
      '{"email":"a@b.cn","password":"x","__proto__":{"admin":true}}',
      '{"email":"a@b.cn","password":"x","constructor":{"prototype":{"admin":true}}}',
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().status).toBe(400);
    }
  });

  it('refuses bodies over the limit with 413, and malformed JSON with 400', async () => {
    const big = JSON.stringify({ email: 'a@b.cn', password: 'x'.repeat(1024 * 1024 + 10) });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: big,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('ctp_body_too_large');
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expect(bad.statusCode).toBe(400);
  });

  it('sends helmet’s page headers outside the API', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toContain('max-age=');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
  });

  it('sends the API set (OWASP REST) on every /api/ answer, errors included', async () => {
    for (const url of ['/api/v1/regions', '/api/v1/nowhere', '/api/v1/__boom']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.headers).toMatchObject({
        'content-security-policy': "default-src 'none';frame-ancestors 'none'",
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'cross-origin-resource-policy': 'same-origin',
        'referrer-policy': 'no-referrer',
      });
      // Headers that only guard a rendered page are not sent with JSON.
      for (const page of [
        'cross-origin-opener-policy',
        'origin-agent-cluster',
        'x-dns-prefetch-control',
        'x-download-options',
        'x-permitted-cross-domain-policies',
        'x-xss-protection',
      ]) {
        expect(res.headers[page]).toBeUndefined();
      }
    }
  });
});
