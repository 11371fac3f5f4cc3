/**
 * Test support for api integration tests (imported by *.test.ts only): an app on its own cloned
 * database and Redis prefix, and helpers to log in and call it.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { claimAccountEmail, newAccountToken, schema, type Db } from '@shanhai/db';
import { createTestDatabase, TEST_PASSWORD, type TestDatabase } from '@shanhai/db/testing';
import { buildApp } from '../src/app';
import type { ApiConfig } from '../src/env';

export interface TestApp {
  app: FastifyInstance;
  config: ApiConfig;
  database: TestDatabase;
  close(): Promise<void>;
}

/** Every test app serves /metrics to this token (send `scrapeHeaders`). */
const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';
export const scrapeHeaders = { authorization: `Bearer ${TEST_METRICS_TOKEN}` };

export function testConfig(databaseUrl: string, overrides: Partial<ApiConfig> = {}): ApiConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    databaseUrl,
    databasePoolMax: 10,
    redisUrl: inject('redisUrl'),
    redisPrefix: `t${randomBytes(5).toString('hex')}`,
    jwtSecret: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    logLevel: 'silent',
    trustProxy: false,
    loginLimits: { perAccount: 1000, perIp: 1000, windowMs: 60_000 },
    publicQueryLimit: { max: 100_000, windowMs: 60_000 },
    metricsToken: TEST_METRICS_TOKEN,
    ...overrides,
  };
}

export async function createTestApp(
  options: { template?: 'empty' | 'demo'; config?: Partial<ApiConfig> } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(inject('pgAdminUrl'), options.template ?? 'demo');
  const config = testConfig(database.url, options.config);
  const app = await buildApp(config, { logger: false });
  await app.ready();
  // As a load balancer would (/readyz): tests start once the start-up catch-ups are done.
  await app.startupSettled();
  return {
    app,
    config,
    database,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

export const DEMO_PASSWORD = 'shanhai-demo';

export interface Session {
  token: string;
  /** The refresh cookie as a `name=value` pair. */
  refreshCookie: string;
  userId: string;
  orgId: string;
}

export async function login(app: FastifyInstance, email: string, password = TEST_PASSWORD): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login ${email} failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return {
    token: body.accessToken,
    refreshCookie: refreshCookieOf(res)!,
    userId: body.user.id,
    orgId: body.user.org.id,
  };
}

export function refreshCookieOf(res: LightMyRequestResponse): string | null {
  const c = res.cookies.find((x) => x.name === 'shanhai_rt');
  return c && c.value ? `${c.name}=${c.value}` : null;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A multipart/form-data body for inject: text fields, then an optional file in the field `file`. */
export function multipartBody(fields: Record<string, string>, file?: { name: string; bytes: Buffer; type: string }) {
  const boundary = '----shanhai' + randomBytes(8).toString('hex');
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file)
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/**
 * `call(s, method, url, body?)`: one request to the app as `s` (null: without a token), with a JSON
 * body when one is given. `app` is read at call time, so a file can make its caller before
 * `beforeAll` builds the app.
 */
export function caller(app: () => FastifyInstance) {
  return (s: Session | null, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    app().inject({
      method,
      url,
      ...(s ? { headers: bearer(s.token) } : {}),
      ...(payload ? { payload: payload as object } : {}),
    });
}

/** A real 1×1 PNG, for upload tests. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * The token of the newest account link (reset or invitation) of a user, as the email job makes it:
 * a fresh token whose hash is stored by the same claim the worker runs before it sends the mail.
 */
export async function emailedLink(db: Db, userId: string, purpose: 'password_reset' | 'invitation'): Promise<string> {
  const [row] = await db
    .select({ id: schema.accountTokens.id })
    .from(schema.accountTokens)
    .where(and(eq(schema.accountTokens.userId, userId), eq(schema.accountTokens.purpose, purpose)))
    .orderBy(desc(schema.accountTokens.createdAt))
    .limit(1);
  if (!row) throw new Error(`no ${purpose} link for ${userId}`);
  const { token, hash } = newAccountToken();
  if (!(await claimAccountEmail(db, row.id, hash))) throw new Error(`the ${purpose} link of ${userId} cannot be sent`);
  return token;
}
