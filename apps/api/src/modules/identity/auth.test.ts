import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrgWithUser, TEST_PASSWORD } from '@shanhai/db/testing';
import {
  bearer,
  createTestApp,
  DEMO_PASSWORD,
  login,
  refreshCookieOf,
  type TestApp,
} from '../../../test-support/testing';
import { hashToken, REFRESH_REUSE_GRACE_MS } from './auth-service';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());
/** POST /auth/login with this body, on the test app or another one. */
const tryLogin = (payload: object, on: TestApp = t) =>
  on.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });

function b64url(o: unknown) {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}
/** Builds a JWT by hand, so tests can make every kind of bad token. */
function craftJwt(header: object, payload: object, secret: string | null) {
  const head = `${b64url(header)}.${b64url(payload)}`;
  if (secret === null) return `${head}.`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

describe('POST /api/v1/auth/login', () => {
  it('logs in a demo buyer and answers the session user, with a rotating refresh cookie', async () => {
    const res = await tryLogin({ email: 'Buyer@Demo.Shanhai', password: DEMO_PASSWORD });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      accessToken: expect.any(String),
      expiresIn: 900,
      user: {
        id: expect.any(String),
        email: 'buyer@demo.shanhai',
        name: '陈采购',
        role: 'owner',
        org: { id: expect.any(String), kind: 'buyer', name: '广州山海示范采购集团（演示）', status: 'active' },
      },
    });
    const cookie = res.cookies.find((c) => c.name === 'shanhai_rt')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    expect(cookie.path).toBe('/api/v1/auth');
    expect(cookie.value).toMatch(/^[\w-]{43}$/);
    // The refresh token is stored hashed, never as itself.
    const stored = await t.app.db
      .select()
      .from(schema.refreshTokens)
      .where(eq(schema.refreshTokens.userId, body.user.id));
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).not.toContain(cookie.value);
    expect(stored[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers 401 for a wrong password and for an unknown email alike', async () => {
    const wrong = await tryLogin({ email: 'buyer@demo.shanhai', password: 'not-the-password' });
    const unknown = await tryLogin({ email: 'nobody@demo.shanhai', password: 'not-the-password' });
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 401, code: 'invalid_credentials', detail: 'Wrong email or password' });
    }
  });

  it('answers 400 naming the field for bad input, and refuses unknown fields', async () => {
    const noEmail = await tryLogin({ password: 'x' });
    expect(noEmail.statusCode).toBe(400);
    // Each field error carries what a client needs to word it in its own language.
    expect(noEmail.json().errors).toEqual([
      {
        field: 'body.email',
        message: 'is required',
        code: 'invalid_type',
        params: { expected: 'string', received: 'missing' },
      },
    ]);

    const badEmail = await tryLogin({ email: 'not-an-email', password: 'x' });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.json().errors[0].field).toBe('body.email');

    const extra = await tryLogin({ email: 'buyer@demo.shanhai', password: DEMO_PASSWORD, role: 'owner' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'body.role', message: 'is not an accepted field', code: 'unrecognized_keys' }],
    });
  });
});

describe('access tokens', () => {
  it('GET /api/v1/me answers the user for a valid token and 401 without one', async () => {
    const s = await login(t.app, 'coop@demo.shanhai', DEMO_PASSWORD);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(s.token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      email: 'coop@demo.shanhai',
      role: 'owner',
      org: { kind: 'cooperative', status: 'active' },
    });

    const anon = await t.app.inject({ method: 'GET', url: '/api/v1/me' });
    expect(anon.statusCode).toBe(401);
    expect(anon.json().code).toBe('invalid_token');
  });

  it('refuses expired, tampered, alg:none, wrong-audience, wrong-issuer and wrong-secret tokens', async () => {
    const s = await login(t.app, 'coop@demo.shanhai', DEMO_PASSWORD);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: s.userId, org: s.orgId, iss: 'shanhai-market', aud: 'shanhai-api', iat: now, exp: now + 600 };
    const secret = t.config.jwtSecret;
    const valid = craftJwt({ alg: 'HS256', typ: 'JWT' }, claims, secret);
    // Sanity: the hand-made token is accepted, so each rejection below is about its one defect.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(valid) })).statusCode).toBe(200);

    const [h, , sig] = valid.split('.');
    const bad = {
      expired: craftJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 1000, exp: now - 60 }, secret),
      tampered: `${h}.${b64url({ ...claims, org: '00000000-0000-4000-8000-000000000000' })}.${sig}`,
      algNone: craftJwt({ alg: 'none', typ: 'JWT' }, claims, null),
      wrongAudience: craftJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, aud: 'someone-else' }, secret),
      wrongIssuer: craftJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iss: 'evil' }, secret),
      wrongSecret: craftJwt({ alg: 'HS256', typ: 'JWT' }, claims, 'another-secret-that-is-long-enough-0123456789'),
      hs512: craftJwt({ alg: 'HS512', typ: 'JWT' }, claims, secret),
    };
    for (const [name, token] of Object.entries(bad)) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
      expect({ name, status: res.statusCode, code: res.json().code }).toEqual({
        name,
        status: 401,
        code: 'invalid_token',
      });
    }
  });

  it('a deactivated user’s still-unexpired token stops working at once', async () => {
    const { user } = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, user.email);
    await t.app.db.update(schema.users).set({ status: 'deactivated' }).where(eq(schema.users.id, user.id));
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(s.token) });
    expect(res.statusCode).toBe(401);
  });
});

describe('refresh tokens', () => {
  const refreshWith = (cookie: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie } });
  // Moves a token's rotation into the past, as if the grace interval had gone by.
  const ageRotation = (cookie: string, ms: number) =>
    t.app.db
      .update(schema.refreshTokens)
      .set({ rotatedAt: new Date(Date.now() - ms) })
      .where(eq(schema.refreshTokens.tokenHash, hashToken(cookie.slice(cookie.indexOf('=') + 1))));

  // Every token of the family the cookie's token belongs to.
  const familyOf = async (cookie: string) => {
    const [row] = await t.app.db
      .select({ familyId: schema.refreshTokens.familyId })
      .from(schema.refreshTokens)
      .where(eq(schema.refreshTokens.tokenHash, hashToken(cookie.slice(cookie.indexOf('=') + 1))));
    return t.app.db.select().from(schema.refreshTokens).where(eq(schema.refreshTokens.familyId, row!.familyId));
  };

  it('rotate on every refresh; reusing a rotated token after the grace interval revokes the whole family', async () => {
    const s = await login(t.app, 'buyer2@demo.shanhai', DEMO_PASSWORD);
    const first = await refreshWith(s.refreshCookie);
    expect(first.statusCode).toBe(200);
    expect(first.json().user.email).toBe('buyer2@demo.shanhai');
    const rotated = refreshCookieOf(first)!;
    expect(rotated).not.toBe(s.refreshCookie);
    // The new access token works.
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(first.json().accessToken) })).statusCode,
    ).toBe(200);

    // The old token again, 11 s after its rotation: theft detected.
    await ageRotation(s.refreshCookie, REFRESH_REUSE_GRACE_MS + 1_000);
    const reuse = await refreshWith(s.refreshCookie);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().code).toBe('refresh_token_reused');
    // …and the legitimate successor is dead too.
    const successor = await refreshWith(rotated);
    expect(successor.statusCode).toBe(401);
    const family = await t.app.db.select().from(schema.refreshTokens).where(eq(schema.refreshTokens.userId, s.userId));
    expect(family.every((r) => r.revokedAt !== null)).toBe(true);
  });

  it('within the grace interval the just-rotated token is answered with the same successor', async () => {
    const s = await login(t.app, 'buyer2@demo.shanhai', DEMO_PASSWORD);
    const first = await refreshWith(s.refreshCookie);
    await ageRotation(s.refreshCookie, REFRESH_REUSE_GRACE_MS - 2_000);
    const again = await refreshWith(s.refreshCookie);
    expect(again.statusCode).toBe(200);
    expect(refreshCookieOf(again)).toBe(refreshCookieOf(first));
    // The successor still rotates normally, and nothing was revoked.
    expect((await refreshWith(refreshCookieOf(first)!)).statusCode).toBe(200);
    const family = await familyOf(s.refreshCookie);
    expect(family.filter((r) => r.revokedAt !== null)).toHaveLength(0);
    expect(family).toHaveLength(3);
  });

  it('a just-rotated token whose successor has itself been rotated is reuse, even within the interval', async () => {
    const s = await login(t.app, 'buyer2@demo.shanhai', DEMO_PASSWORD);
    const first = await refreshWith(s.refreshCookie);
    expect((await refreshWith(refreshCookieOf(first)!)).statusCode).toBe(200);
    const replay = await refreshWith(s.refreshCookie);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('refresh_token_reused');
  });

  it('two tabs refreshing with the same token at once both stay logged in, with one successor', async () => {
    const s = await login(t.app, 'buyer2@demo.shanhai', DEMO_PASSWORD);
    const [a, b] = await Promise.all([refreshWith(s.refreshCookie), refreshWith(s.refreshCookie)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(refreshCookieOf(a)).toBe(refreshCookieOf(b));
    const family = await familyOf(s.refreshCookie);
    expect(family).toHaveLength(2);
  });

  it('answers 401 without a cookie and for an unknown token', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh' })).json().code).toBe('no_refresh_token');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { cookie: 'shanhai_rt=made-up' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('logout revokes the session', async () => {
    const s = await login(t.app, 'buyer2@demo.shanhai', DEMO_PASSWORD);
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: s.refreshCookie },
    });
    expect(out.statusCode).toBe(204);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { cookie: s.refreshCookie },
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('organisations that are not active', () => {
  it('a pending org’s user cannot log in until the office activates it', async () => {
    const { user, org } = await createOrgWithUser(t.app.db, {
      kind: 'cooperative',
      status: 'pending',
      townCode: 'dakun',
    });
    const res = await tryLogin({ email: user.email, password: TEST_PASSWORD });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'org_not_active', orgStatus: 'pending' });

    const office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
    const act = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/activate`,
      headers: bearer(office.token),
    });
    expect(act.json()).toMatchObject({ id: org.id, status: 'active' });
    expect(act.statusCode).toBe(200);
    expect((await tryLogin({ email: user.email, password: TEST_PASSWORD })).statusCode).toBe(200);
  });

  it('a suspended org’s existing token cannot act and its refresh fails', async () => {
    const { user, org } = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, user.email);
    await t.app.db.update(schema.orgs).set({ status: 'suspended' }).where(eq(schema.orgs.id, org.id));
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(s.token) });
    expect(me.statusCode).toBe(403);
    expect(me.json().code).toBe('org_not_active');
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: s.refreshCookie } });
    expect(r.statusCode).toBe(401);
  });
});

describe('login rate limits (Redis store)', () => {
  it('per account: the attempt past the limit answers 429 with retry-after', async () => {
    const limited = await createTestApp({ config: { loginLimits: { perAccount: 3, perIp: 100, windowMs: 60_000 } } });
    try {
      const attempt = (email: string) => tryLogin({ email, password: 'wrong-password' }, limited);
      for (let i = 0; i < 3; i++) expect((await attempt('buyer@demo.shanhai')).statusCode).toBe(401);
      const blocked = await attempt('buyer@demo.shanhai');
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().code).toBe('rate_limited');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      // Even the right password is refused while the account is locked…
      const right = await tryLogin({ email: 'buyer@demo.shanhai', password: DEMO_PASSWORD }, limited);
      expect(right.statusCode).toBe(429);
      // …but another account from the same address is not.
      expect((await attempt('buyer2@demo.shanhai')).statusCode).toBe(401);
      // The counters live in Redis under this deployment's prefix.
      const keys = await limited.app.redis.keys(`${limited.config.redisPrefix}:rl-fail:*`);
      expect(keys.some((k) => k.includes('login-account:buyer@demo.shanhai'))).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('counts failures only: a busy office logging in all day is never locked out, and a success clears its account', async () => {
    const limited = await createTestApp({ config: { loginLimits: { perAccount: 3, perIp: 5, windowMs: 60_000 } } });
    try {
      const attempt = (password: string) => tryLogin({ email: 'office@demo.shanhai', password }, limited);
      for (let i = 0; i < 12; i++) expect((await attempt(DEMO_PASSWORD)).statusCode).toBe(200);
      // Two typos, a success, two more typos: the account never reaches three failures in a row.
      for (const p of ['typo-1', 'typo-2']) expect((await attempt(p)).statusCode).toBe(401);
      expect((await attempt(DEMO_PASSWORD)).statusCode).toBe(200);
      for (const p of ['typo-3', 'typo-4']) expect((await attempt(p)).statusCode).toBe(401);
      expect((await attempt(DEMO_PASSWORD)).statusCode).toBe(200);
      // The address's failures still add up (4 so far): the fifth locks the address.
      expect((await attempt('typo-5')).statusCode).toBe(401);
      expect((await attempt(DEMO_PASSWORD)).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('per IP: many accounts from one address hit the limit', async () => {
    const limited = await createTestApp({ config: { loginLimits: { perAccount: 100, perIp: 5, windowMs: 60_000 } } });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: `nobody${i}@test.shanhai`, password: 'wrong-password' },
        });
        expect(res.statusCode).toBe(401);
      }
      const blocked = await tryLogin({ email: 'nobody-else@test.shanhai', password: 'wrong-password' }, limited);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});
