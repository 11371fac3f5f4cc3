/**
 * Accounts that look after themselves: changing one's password, resetting a forgotten one through
 * an emailed single-use link, and setting one from an invitation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrgWithUser, createUser } from '@shanhai/db/testing';
import { bearer, createTestApp, emailedLink, login, type TestApp } from '../../../test-support/testing';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ template: 'empty' });
});
afterAll(() => t.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers });
const canLogIn = async (email: string, password: string) =>
  (await post('/api/v1/auth/login', { email, password })).statusCode === 200;
const linksOf = (userId: string) =>
  t.app.db.select().from(schema.accountTokens).where(eq(schema.accountTokens.userId, userId));

describe('POST /api/v1/auth/password', () => {
  it('401 without a token; 400 naming the field for a wrong current password or a short new one', async () => {
    const { user } = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, user.email);
    const body = { currentPassword: 'correct-horse-battery', newPassword: 'a-brand-new-password' };
    expect((await post('/api/v1/auth/password', body)).statusCode).toBe(401);
    const wrong = await post('/api/v1/auth/password', { ...body, currentPassword: 'not-it-at-all' }, bearer(s.token));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors).toEqual([
      expect.objectContaining({ field: 'body.currentPassword', code: 'wrong_password' }),
    ]);
    const short = await post('/api/v1/auth/password', { ...body, newPassword: 'short' }, bearer(s.token));
    expect(short.statusCode).toBe(400);
    expect(short.json().errors[0].field).toBe('body.newPassword');
    expect(await canLogIn(user.email, 'a-brand-new-password')).toBe(false);
  });

  it('changes it, ends every other session, and gives this device a new one', async () => {
    const { user } = await createOrgWithUser(t.app.db, { kind: 'cooperative' });
    const here = await login(t.app, user.email);
    const elsewhere = await login(t.app, user.email);
    const res = await post(
      '/api/v1/auth/password',
      { currentPassword: 'correct-horse-battery', newPassword: 'a-brand-new-password' },
      bearer(here.token),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().user.email).toBe(user.email);
    const cookie = res.cookies.find((c) => c.name === 'shanhai_rt')!;
    expect(cookie.value).toBeTruthy();
    // The other device's refresh token is dead; this device's new one works.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          headers: { cookie: elsewhere.refreshCookie },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          headers: { cookie: `shanhai_rt=${cookie.value}` },
        })
      ).statusCode,
    ).toBe(200);
    expect(await canLogIn(user.email, 'correct-horse-battery')).toBe(false);
    expect(await canLogIn(user.email, 'a-brand-new-password')).toBe(true);
    const audit = await t.app.db
      .select()
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.entityId, user.id), eq(schema.auditLog.action, 'account.password_change')));
    expect(audit).toHaveLength(1);
  });
});

describe('forgotten password', () => {
  it('answers the same for a known, an unknown and a deactivated address; only the known one gets a link', async () => {
    const { org, user } = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const gone = await createUser(t.app.db, { orgId: org.id, role: 'member', status: 'deactivated' });
    const answers = [];
    for (const email of [user.email.toUpperCase(), 'nobody-here@test.shanhai', gone.email]) {
      const res = await post('/api/v1/auth/password-reset', { email });
      answers.push([res.statusCode, res.body]);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual([202, JSON.stringify({ accepted: true })]);
    expect((await linksOf(user.id)).map((l) => l.purpose)).toEqual(['password_reset']);
    expect(await linksOf(gone.id)).toEqual([]);
    const bad = await post('/api/v1/auth/password-reset', { email: 'not an email' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.email');
  });

  it('sends one link a minute however often the form is sent, also twice at once', async () => {
    const { user } = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    await Promise.all([1, 2, 3].map(() => post('/api/v1/auth/password-reset', { email: user.email })));
    expect(await linksOf(user.id)).toHaveLength(1);
  });

  it('the link sets a new password once, ends every session, and is refused when reused or expired', async () => {
    const { user } = await createOrgWithUser(t.app.db, { kind: 'cooperative' });
    const before = await login(t.app, user.email);
    await post('/api/v1/auth/password-reset', { email: user.email });
    const token = await emailedLink(t.app.db, user.id, 'password_reset');
    // Used twice at the same moment: one wins.
    const [a, b] = await Promise.all([
      post('/api/v1/auth/set-password', { token, newPassword: 'reset-password-one' }),
      post('/api/v1/auth/set-password', { token, newPassword: 'reset-password-two' }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 400]);
    const winner = a.statusCode === 200 ? 'reset-password-one' : 'reset-password-two';
    const loser = a.statusCode === 200 ? b : a;
    expect(loser.json().errors).toEqual([expect.objectContaining({ field: 'body.token', code: 'link_spent' })]);
    expect(await canLogIn(user.email, winner)).toBe(true);
    expect(await canLogIn(user.email, 'correct-horse-battery')).toBe(false);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: before.refreshCookie } }))
        .statusCode,
    ).toBe(401);

    // An expired link is refused and changes nothing.
    await t.app.db.delete(schema.accountTokens).where(eq(schema.accountTokens.userId, user.id));
    await post('/api/v1/auth/password-reset', { email: user.email });
    const late = await emailedLink(t.app.db, user.id, 'password_reset');
    await t.app.db
      .update(schema.accountTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(schema.accountTokens.userId, user.id));
    expect(
      (await post('/api/v1/auth/set-password', { token: late, newPassword: 'too-late-password' })).statusCode,
    ).toBe(400);
    expect(await canLogIn(user.email, winner)).toBe(true);
  });

  it('a token that was never sent, or is malformed, is a 400 naming body.token', async () => {
    const unknown = await post('/api/v1/auth/set-password', {
      token: 'A'.repeat(43),
      newPassword: 'whatever-password',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0]).toMatchObject({ field: 'body.token', code: 'link_spent' });
    const malformed = await post('/api/v1/auth/set-password', { token: 'short', newPassword: 'whatever-password' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors[0].field).toBe('body.token');
  });

  it('changing the password kills a reset link still in the mail', async () => {
    const { user } = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    await post('/api/v1/auth/password-reset', { email: user.email });
    const token = await emailedLink(t.app.db, user.id, 'password_reset');
    const s = await login(t.app, user.email);
    await post(
      '/api/v1/auth/password',
      { currentPassword: 'correct-horse-battery', newPassword: 'changed-on-purpose' },
      bearer(s.token),
    );
    expect((await post('/api/v1/auth/set-password', { token, newPassword: 'attacker-password' })).statusCode).toBe(400);
    expect(await canLogIn(user.email, 'changed-on-purpose')).toBe(true);
  });
});
