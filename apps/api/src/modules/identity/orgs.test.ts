import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrgWithUser, createUser, TEST_PASSWORD } from '@shanhai/db/testing';
import { bearer, createTestApp, DEMO_PASSWORD, login, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let dakunId: string;
beforeAll(async () => {
  t = await createTestApp();
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
  dakunId = (await t.app.db.select().from(schema.towns).where(eq(schema.towns.code, 'dakun')))[0]!.id;
});
afterAll(() => t.close());

const buyerSignup = (over: Record<string, unknown> = {}) => ({
  kind: 'buyer',
  name: '广州某区机关工会',
  contactName: '王主席',
  contactPhone: '020-88886666',
  address: '广州市越秀区某路 8 号',
  invoiceTitle: '广州某区机关工会',
  taxId: '81440104MC1234567X',
  owner: {
    email: `union-${Math.random().toString(36).slice(2, 8)}@example.cn`,
    name: '王主席',
    password: 'a-long-enough-password',
  },
  ...over,
});

describe('POST /api/v1/orgs (sign-up)', () => {
  it('creates a pending buyer org with its owner, audit-logged', async () => {
    const body = buyerSignup();
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/orgs', payload: body });
    expect(res.statusCode).toBe(201);
    const org = res.json();
    expect(org).toMatchObject({
      kind: 'buyer',
      status: 'pending',
      name: '广州某区机关工会',
      taxId: '81440104MC1234567X',
      townId: null,
      approvalThresholdFen: null,
    });
    const [owner] = await t.app.db.select().from(schema.users).where(eq(schema.users.orgId, org.id));
    expect(owner).toMatchObject({ email: body.owner.email, role: 'owner', status: 'active' });
    expect(owner!.passwordHash).toMatch(/^\$argon2id\$/);
    const audit = await t.app.db
      .select()
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.entityId, org.id), eq(schema.auditLog.action, 'org.sign_up')));
    expect(audit).toHaveLength(1);
  });

  it('a cooperative records its town and credit code; an unknown town is a 400 naming body.townId', async () => {
    const coop = {
      kind: 'cooperative',
      name: '大崑镇某合作社',
      contactName: '黄社长',
      contactPhone: '13800000000',
      address: '阳山县大崑镇某村',
      creditCode: '93441823MA4ABCDE12',
      owner: { email: 'coop-new@example.cn', name: '黄', password: 'a-long-enough-password' },
    };
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/orgs', payload: { ...coop, townId: dakunId } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({
      kind: 'cooperative',
      townId: dakunId,
      creditCode: '93441823MA4ABCDE12',
      status: 'pending',
    });

    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      payload: {
        ...coop,
        creditCode: '93441823MA4ABCDE13',
        owner: { ...coop.owner, email: 'c2@example.cn' },
        townId: '00000000-0000-4000-8000-000000000000',
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      { field: 'body.townId', message: 'is not a town of the programme', code: 'not_a_town', params: {} },
    ]);

    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      payload: { ...coop, owner: { ...coop.owner, email: 'c3@example.cn' } },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors.map((e: { field: string }) => e.field)).toEqual(['body.townId']);
  });

  it('refuses status, id or other unknown fields (mass assignment) with 400 naming them', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      payload: buyerSignup({ status: 'active', id: '00000000-0000-4000-8000-000000000000' }),
    });
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.id', 'body.status']);
    const count = await t.app.db.$count(schema.orgs, eq(schema.orgs.name, '广州某区机关工会'));
    expect(count).toBe(1); // only the first test's org
  });

  it('names bad fields: credit code, short password, kind', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      payload: buyerSignup({ taxId: 'ABC', owner: { email: 'x@example.cn', name: 'x', password: 'short' } }),
    });
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.owner.password', 'body.taxId']);
    const kind = await t.app.inject({ method: 'POST', url: '/api/v1/orgs', payload: buyerSignup({ kind: 'office' }) });
    expect(kind.statusCode).toBe(400);
    expect(kind.json().errors[0].field).toBe('body.kind');
  });

  it('the same owner email twice at once: one 201, one 409 naming body.owner.email', async () => {
    const email = 'race@example.cn';
    const [a, b] = await Promise.all([
      t.app.inject({
        method: 'POST',
        url: '/api/v1/orgs',
        payload: buyerSignup({ owner: { email, name: 'a', password: 'a-long-enough-password' } }),
      }),
      t.app.inject({
        method: 'POST',
        url: '/api/v1/orgs',
        payload: buyerSignup({ owner: { email, name: 'b', password: 'a-long-enough-password' } }),
      }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const conflict = [a, b].find((r) => r.statusCode === 409)!;
    expect(conflict.json()).toMatchObject({
      code: 'email_taken',
      errors: [{ field: 'body.owner.email', message: 'is already registered', code: 'already_registered' }],
    });
    expect(await t.app.db.$count(schema.users, eq(schema.users.email, email))).toBe(1);
  });
});

describe('office review of organisations', () => {
  it('lists pending sign-ups for the office only', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/orgs?status=pending',
      headers: bearer(office.token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().length).toBeGreaterThan(0);
    expect(res.json().every((o: { status: string }) => o.status === 'pending')).toBe(true);

    expect((await t.app.inject({ method: 'GET', url: '/api/v1/orgs?status=pending' })).statusCode).toBe(401);
    const buyer = await login(t.app, 'buyer@demo.shanhai', DEMO_PASSWORD);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/orgs?status=pending', headers: bearer(buyer.token) }))
        .statusCode,
    ).toBe(403);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/orgs?status=weird', headers: bearer(office.token) })).json()
        .errors[0].field,
    ).toBe('query.status');
  });

  it('reject needs a reason; transitions are checked; each decision is audited', async () => {
    const { org } = await createOrgWithUser(t.app.db, { kind: 'cooperative', status: 'pending', townCode: 'daping' });
    const noReason = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/reject`,
      headers: bearer(office.token),
      payload: {},
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors[0].field).toBe('body.reason');

    const rejected = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/reject`,
      headers: bearer(office.token),
      payload: { reason: '营业执照不清晰' },
    });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ status: 'rejected', statusReason: '营业执照不清晰' });

    const suspendRejected = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/suspend`,
      headers: bearer(office.token),
      payload: { reason: 'x y' },
    });
    expect(suspendRejected.statusCode).toBe(409);
    expect(suspendRejected.json()).toMatchObject({ code: 'invalid_transition', from: 'rejected', to: 'suspended' });

    const audit = await t.app.db
      .select()
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.entityId, org.id), eq(schema.auditLog.action, 'org.reject')));
    expect(audit).toEqual([
      expect.objectContaining({
        actorUserId: office.userId,
        before: { status: 'pending' },
        after: { status: 'rejected' },
        note: '营业执照不清晰',
      }),
    ]);
  });

  it('a buyer cannot activate anyone (403) and an unknown org is 404', async () => {
    const { org } = await createOrgWithUser(t.app.db, { kind: 'buyer', status: 'pending' });
    const buyer = await login(t.app, 'buyer@demo.shanhai', DEMO_PASSWORD);
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/activate`, headers: bearer(buyer.token) }))
        .statusCode,
    ).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/orgs/00000000-0000-4000-8000-000000000000/activate',
          headers: bearer(office.token),
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (
        await t.app.inject({ method: 'POST', url: '/api/v1/orgs/not-a-uuid/activate', headers: bearer(office.token) })
      ).json().errors[0].field,
    ).toBe('params.id');
  });

  it('an org sees itself but another org answers 404', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const b = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/orgs/${a.org.id}`, headers: bearer(s.token) })).statusCode,
    ).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/orgs/${b.org.id}`, headers: bearer(s.token) })).statusCode,
    ).toBe(404);
  });

  it('owners and managers edit their own org’s settings; a member cannot (403)', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const member = await createUser(t.app.db, { orgId: a.org.id, role: 'member' });
    const s = await login(t.app, a.user.email);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/orgs/${a.org.id}`,
      headers: bearer(s.token),
      payload: { approvalThresholdFen: 5_000_000 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().approvalThresholdFen).toBe(5_000_000);
    const m = await login(t.app, member.email);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/orgs/${a.org.id}`,
          headers: bearer(m.token),
          payload: { contactName: 'x' },
        })
      ).statusCode,
    ).toBe(403);
    const neg = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/orgs/${a.org.id}`,
      headers: bearer(s.token),
      payload: { approvalThresholdFen: -1 },
    });
    expect(neg.json().errors[0].field).toBe('body.approvalThresholdFen');
  });
});

describe('members of an org', () => {
  it('owners list, invite and deactivate their own members', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    const invited = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${a.org.id}/members`,
      headers: bearer(s.token),
      payload: { email: 'New.Member@Example.cn', name: '新同事', role: 'member', password: 'initial-password-1' },
    });
    expect(invited.statusCode).toBe(201);
    expect(invited.json()).toMatchObject({
      email: 'new.member@example.cn',
      role: 'member',
      status: 'active',
      lastLoginAt: null,
    });

    const m = await login(t.app, 'new.member@example.cn', 'initial-password-1');
    const list = await t.app.inject({
      method: 'GET',
      url: `/api/v1/orgs/${a.org.id}/members`,
      headers: bearer(s.token),
    });
    expect(list.json().map((u: { email: string }) => u.email)).toEqual([a.user.email, 'new.member@example.cn']);
    expect(list.json()[0]).not.toHaveProperty('passwordHash');

    const off = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${a.org.id}/members/${m.userId}/deactivate`,
      headers: bearer(s.token),
    });
    expect(off.statusCode).toBe(200);
    expect(off.json().status).toBe('deactivated');
    // Their token and refresh token die with the account.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(m.token) })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: m.refreshCookie } }))
        .statusCode,
    ).toBe(401);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'new.member@example.cn', password: 'initial-password-1' },
    });
    expect(again.statusCode).toBe(403);
    expect(again.json().code).toBe('account_deactivated');
  });

  it('nobody reaches another org’s members: 404, nothing changed', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const b = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' });
    const bMember = await createUser(t.app.db, { orgId: b.org.id, role: 'member' });
    const s = await login(t.app, a.user.email);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/orgs/${b.org.id}/members`, headers: bearer(s.token) }))
        .statusCode,
    ).toBe(404);
    const invite = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${b.org.id}/members`,
      headers: bearer(s.token),
      payload: { email: 'intruder@example.cn', name: 'x', role: 'member', password: 'initial-password-1' },
    });
    expect(invite.statusCode).toBe(404);
    // Another org's user id under one's own org path is also not found.
    const off = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${a.org.id}/members/${bMember.id}/deactivate`,
      headers: bearer(s.token),
    });
    expect(off.statusCode).toBe(404);
    const [still] = await t.app.db.select().from(schema.users).where(eq(schema.users.id, bMember.id));
    expect(still!.status).toBe('active');
    expect(await t.app.db.$count(schema.users, eq(schema.users.email, 'intruder@example.cn'))).toBe(0);
  });

  it('roles: a member cannot list (403); a manager cannot add a manager or touch the owner (403)', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const manager = await createUser(t.app.db, { orgId: a.org.id, role: 'manager' });
    const member = await createUser(t.app.db, { orgId: a.org.id, role: 'member' });
    const ms = await login(t.app, member.email, TEST_PASSWORD);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/orgs/${a.org.id}/members`, headers: bearer(ms.token) }))
        .statusCode,
    ).toBe(403);
    const mg = await login(t.app, manager.email);
    const addManager = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${a.org.id}/members`,
      headers: bearer(mg.token),
      payload: { email: 'm2@example.cn', name: 'x', role: 'manager', password: 'initial-password-1' },
    });
    expect(addManager.statusCode).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/v1/orgs/${a.org.id}/members/${a.user.id}/deactivate`,
          headers: bearer(mg.token),
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/v1/orgs/${a.org.id}/members/${member.id}/deactivate`,
          headers: bearer(mg.token),
        })
      ).statusCode,
    ).toBe(200);
    const self = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${a.org.id}/members/${mg.userId}/deactivate`,
      headers: bearer(mg.token),
    });
    expect(self.statusCode).toBe(403);
  });

  it('an invite with a taken email is 409 naming body.email; a bad one is 400', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    const taken = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${a.org.id}/members`,
      headers: bearer(s.token),
      payload: { email: 'buyer@demo.shanhai', name: 'x', role: 'member', password: 'initial-password-1' },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().errors).toEqual([
      { field: 'body.email', message: 'is already registered', code: 'already_registered' },
    ]);
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orgs/${a.org.id}/members`,
      headers: bearer(s.token),
      payload: { email: 'x@example.cn', name: 'x', role: 'owner', password: 'initial-password-1' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.role');
  });
});
