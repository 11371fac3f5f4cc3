import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { DEFAULT_PAGE, MAX_PAGE } from '@shanhai/domain';
import { cloneRow, createOrgWithUser, createProduct, createUser, TEST_PASSWORD } from '@shanhai/db/testing';
import {
  bearer,
  caller,
  createTestApp,
  DEMO_PASSWORD,
  emailedLink,
  login,
  type Session,
  type TestApp,
} from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let dakunId: string;
beforeAll(async () => {
  t = await createTestApp();
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
  dakunId = (await t.app.db.select().from(schema.towns).where(eq(schema.towns.code, 'dakun')))[0]!.id;
});
afterAll(() => t.close());
const call = caller(() => t.app);
/** An invitation of a new member into an org. */
const inviteMember = (s: Session, orgId: string, body: object) =>
  call(s, 'POST', `/api/v1/orgs/${orgId}/members`, body);
/** The audit entries of one action on one entity. */
const auditOf = (action: string, entityId: string) =>
  t.app.db
    .select()
    .from(schema.auditLog)
    .where(and(eq(schema.auditLog.action, action), eq(schema.auditLog.entityId, entityId)));

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
    const res = await call(null, 'POST', '/api/v1/orgs', body);
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
    const audit = await auditOf('org.sign_up', org.id);
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
    const ok = await call(null, 'POST', '/api/v1/orgs', { ...coop, townId: dakunId });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({
      kind: 'cooperative',
      townId: dakunId,
      creditCode: '93441823MA4ABCDE12',
      status: 'pending',
    });

    const bad = await call(null, 'POST', '/api/v1/orgs', {
      ...coop,
      creditCode: '93441823MA4ABCDE13',
      owner: { ...coop.owner, email: 'c2@example.cn' },
      townId: '00000000-0000-4000-8000-000000000000',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      { field: 'body.townId', message: 'is not a town of the programme', code: 'not_a_town', params: {} },
    ]);

    const missing = await call(null, 'POST', '/api/v1/orgs', {
      ...coop,
      owner: { ...coop.owner, email: 'c3@example.cn' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors.map((e: { field: string }) => e.field)).toEqual(['body.townId']);
  });

  it('refuses status, id or other unknown fields (mass assignment) with 400 naming them', async () => {
    const res = await call(
      null,
      'POST',
      '/api/v1/orgs',
      buyerSignup({ status: 'active', id: '00000000-0000-4000-8000-000000000000' }),
    );
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
    const res = await call(
      null,
      'POST',
      '/api/v1/orgs',
      buyerSignup({ taxId: 'ABC', owner: { email: 'x@example.cn', name: 'x', password: 'short' } }),
    );
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.owner.password', 'body.taxId']);
    const kind = await call(null, 'POST', '/api/v1/orgs', buyerSignup({ kind: 'office' }));
    expect(kind.statusCode).toBe(400);
    expect(kind.json().errors[0].field).toBe('body.kind');
  });

  it('the same owner email twice at once: one 201, one 409 naming body.owner.email', async () => {
    const email = 'race@example.cn';
    const [a, b] = await Promise.all([
      call(
        null,
        'POST',
        '/api/v1/orgs',
        buyerSignup({ owner: { email, name: 'a', password: 'a-long-enough-password' } }),
      ),
      call(
        null,
        'POST',
        '/api/v1/orgs',
        buyerSignup({ owner: { email, name: 'b', password: 'a-long-enough-password' } }),
      ),
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
    const res = await call(office, 'GET', '/api/v1/orgs?status=pending');
    expect(res.statusCode).toBe(200);
    expect(res.json().length).toBeGreaterThan(0);
    expect(res.json().every((o: { status: string }) => o.status === 'pending')).toBe(true);

    expect((await call(null, 'GET', '/api/v1/orgs?status=pending')).statusCode).toBe(401);
    const buyer = await login(t.app, 'buyer@demo.shanhai', DEMO_PASSWORD);
    expect((await call(buyer, 'GET', '/api/v1/orgs?status=pending')).statusCode).toBe(403);
    expect((await call(office, 'GET', '/api/v1/orgs?status=weird')).json().errors[0].field).toBe('query.status');
  });

  it('reject needs a reason; transitions are checked; each decision is audited', async () => {
    const { org } = await createOrgWithUser(t.app.db, { kind: 'cooperative', status: 'pending', townCode: 'daping' });
    const noReason = await call(office, 'POST', `/api/v1/orgs/${org.id}/reject`, {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors[0].field).toBe('body.reason');

    const rejected = await call(office, 'POST', `/api/v1/orgs/${org.id}/reject`, { reason: '营业执照不清晰' });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ status: 'rejected', statusReason: '营业执照不清晰' });

    const suspendRejected = await call(office, 'POST', `/api/v1/orgs/${org.id}/suspend`, { reason: 'x y' });
    expect(suspendRejected.statusCode).toBe(409);
    expect(suspendRejected.json()).toMatchObject({ code: 'invalid_transition', from: 'rejected', to: 'suspended' });

    const audit = await auditOf('org.reject', org.id);
    expect(audit).toEqual([
      expect.objectContaining({
        actorUserId: office.userId,
        before: { status: 'pending' },
        after: { status: 'rejected' },
        note: '营业执照不清晰',
      }),
    ]);

    // Letting an org in and shutting it out change who may act: both are in the log too.
    const other = (await createOrgWithUser(t.app.db, { kind: 'buyer', status: 'pending' })).org;
    expect((await call(office, 'POST', `/api/v1/orgs/${other.id}/activate`, {})).statusCode).toBe(200);
    expect((await call(office, 'POST', `/api/v1/orgs/${other.id}/suspend`, { reason: '违规转售' })).statusCode).toBe(
      200,
    );
    const decisions = await t.app.db
      .select({ action: schema.auditLog.action, before: schema.auditLog.before, after: schema.auditLog.after })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.entityId, other.id))
      .orderBy(schema.auditLog.at, schema.auditLog.id);
    expect(decisions.map((d) => [d.action, d.before, d.after])).toEqual([
      ['org.activate', { status: 'pending' }, { status: 'active' }],
      ['org.suspend', { status: 'active' }, { status: 'suspended' }],
    ]);
  });

  it('a buyer cannot activate anyone (403) and an unknown org is 404', async () => {
    const { org } = await createOrgWithUser(t.app.db, { kind: 'buyer', status: 'pending' });
    const buyer = await login(t.app, 'buyer@demo.shanhai', DEMO_PASSWORD);
    expect((await call(buyer, 'POST', `/api/v1/orgs/${org.id}/activate`)).statusCode).toBe(403);
    expect((await call(office, 'POST', '/api/v1/orgs/00000000-0000-4000-8000-000000000000/activate')).statusCode).toBe(
      404,
    );
    expect((await call(office, 'POST', '/api/v1/orgs/not-a-uuid/activate')).json().errors[0].field).toBe('params.id');
  });

  it('an org sees itself but another org answers 404', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const b = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    expect((await call(s, 'GET', `/api/v1/orgs/${a.org.id}`)).statusCode).toBe(200);
    expect((await call(s, 'GET', `/api/v1/orgs/${b.org.id}`)).statusCode).toBe(404);
  });

  it('owners and managers edit their own org’s settings; a member cannot (403)', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const member = await createUser(t.app.db, { orgId: a.org.id, role: 'member' });
    const s = await login(t.app, a.user.email);
    const res = await call(s, 'PATCH', `/api/v1/orgs/${a.org.id}`, { approvalThresholdFen: 5_000_000 });
    expect(res.statusCode).toBe(200);
    expect(res.json().approvalThresholdFen).toBe(5_000_000);
    const m = await login(t.app, member.email);
    expect((await call(m, 'PATCH', `/api/v1/orgs/${a.org.id}`, { contactName: 'x' })).statusCode).toBe(403);
    const neg = await call(s, 'PATCH', `/api/v1/orgs/${a.org.id}`, { approvalThresholdFen: -1 });
    expect(neg.json().errors[0].field).toBe('body.approvalThresholdFen');
  });
});

describe('members of an org', () => {
  it('owners list, invite and deactivate their own members', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    const invited = await inviteMember(s, a.org.id, {
      email: 'New.Member@Example.cn',
      name: '新同事',
      role: 'member',
    });
    expect(invited.statusCode).toBe(201);
    expect(invited.json()).toMatchObject({
      email: 'new.member@example.cn',
      role: 'member',
      status: 'active',
      lastLoginAt: null,
    });

    // No password was chosen for them: the invitation email's link sets it.
    expect(
      (
        await call(null, 'POST', '/api/v1/auth/login', {
          email: 'new.member@example.cn',
          password: 'initial-password-1',
        })
      ).statusCode,
    ).toBe(401);
    const link = await emailedLink(t.app.db, invited.json().id, 'invitation');
    const set = await call(null, 'POST', '/api/v1/auth/set-password', {
      token: link,
      newPassword: 'initial-password-1',
    });
    expect(set.json()).toEqual({ email: 'new.member@example.cn', purpose: 'invitation' });
    const m = await login(t.app, 'new.member@example.cn', 'initial-password-1');
    const list = await call(s, 'GET', `/api/v1/orgs/${a.org.id}/members`);
    expect(list.json().map((u: { email: string }) => u.email)).toEqual([a.user.email, 'new.member@example.cn']);
    expect(list.json()[0]).not.toHaveProperty('passwordHash');

    const off = await call(s, 'POST', `/api/v1/orgs/${a.org.id}/members/${m.userId}/deactivate`);
    expect(off.statusCode).toBe(200);
    expect(off.json().status).toBe('deactivated');
    // Their token and refresh token die with the account.
    expect((await call(m, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: m.refreshCookie } }))
        .statusCode,
    ).toBe(401);
    const again = await call(null, 'POST', '/api/v1/auth/login', {
      email: 'new.member@example.cn',
      password: 'initial-password-1',
    });
    expect(again.statusCode).toBe(403);
    expect(again.json().code).toBe('account_deactivated');

    // Each member change is in the audit log: who, what, before and after (issue 13).
    const on = await call(s, 'POST', `/api/v1/orgs/${a.org.id}/members/${m.userId}/reactivate`);
    expect(on.json().status).toBe('active');
    const entry = (action: string) =>
      auditOf(action, m.userId).then((rows) =>
        rows.map((r) => ({ actor: r.actorUserId, org: r.actorOrgId, before: r.before, after: r.after })),
      );
    expect(await entry('member.invite')).toEqual([
      { actor: a.user.id, org: a.org.id, before: null, after: { email: 'new.member@example.cn', role: 'member' } },
    ]);
    expect(await entry('member.deactivate')).toEqual([
      { actor: a.user.id, org: a.org.id, before: { status: 'active' }, after: { status: 'deactivated' } },
    ]);
    expect(await entry('member.reactivate')).toEqual([
      { actor: a.user.id, org: a.org.id, before: { status: 'deactivated' }, after: { status: 'active' } },
    ]);
  });

  it("an owner changes a member's role: audited, their sessions end, the other owners are told; nobody else may (401, 403, 404, 400)", async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const coOwner = await createUser(t.app.db, { orgId: a.org.id, role: 'owner' });
    const manager = await createUser(t.app.db, { orgId: a.org.id, role: 'manager' });
    const member = await createUser(t.app.db, { orgId: a.org.id, role: 'member' });
    const other = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const owner = await login(t.app, a.user.email);
    const mg = await login(t.app, manager.email);
    const ms = await login(t.app, member.email);
    const patch = (token: string | null, orgId: string, userId: string, payload: unknown) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/v1/orgs/${orgId}/members/${userId}`,
        headers: token ? bearer(token) : {},
        payload: payload as object,
      });
    const roleOf = async (id: string) =>
      (await t.app.db.select({ r: schema.users.role }).from(schema.users).where(eq(schema.users.id, id)))[0]!.r;

    expect((await patch(null, a.org.id, member.id, { role: 'manager' })).statusCode).toBe(401);
    expect((await patch(mg.token, a.org.id, member.id, { role: 'manager' })).statusCode).toBe(403);
    expect((await patch(ms.token, a.org.id, member.id, { role: 'manager' })).statusCode).toBe(403);
    expect((await patch(owner.token, other.org.id, other.user.id, { role: 'member' })).statusCode).toBe(404);
    expect((await patch(owner.token, a.org.id, other.user.id, { role: 'member' })).statusCode).toBe(404);
    const bad = await patch(owner.token, a.org.id, member.id, { role: 'admin' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.role');
    expect((await patch(owner.token, a.org.id, a.user.id, { role: 'member' })).statusCode).toBe(403);
    expect(await roleOf(member.id)).toBe('member');
    expect(await roleOf(other.user.id)).toBe('owner');
    expect(await roleOf(a.user.id)).toBe('owner');

    const up = await patch(owner.token, a.org.id, member.id, { role: 'manager' });
    expect(up.statusCode, up.body).toBe(200);
    expect(up.json()).toMatchObject({ id: member.id, role: 'manager', status: 'active' });
    expect(await roleOf(member.id)).toBe('manager');
    // The old role's session ends: the new role holds from the next sign-in.
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: ms.refreshCookie } }))
        .statusCode,
    ).toBe(401);
    const audit = await auditOf('member.role', member.id);
    expect(audit).toEqual([
      expect.objectContaining({
        actorUserId: a.user.id,
        actorOrgId: a.org.id,
        entityType: 'user',
        before: { role: 'member' },
        after: { role: 'manager' },
      }),
    ]);
    const told = await t.app.db
      .select({ userId: schema.notifications.userId, params: schema.notifications.params })
      .from(schema.notifications)
      .where(eq(schema.notifications.kind, 'security.member_role_changed'));
    expect(told).toEqual([
      {
        userId: coOwner.id,
        params: expect.objectContaining({ member: member.name, fromZh: '成员', toZh: '管理员', toEn: 'manager' }),
      },
    ]);
    // The same role again changes nothing and tells nobody.
    expect((await patch(owner.token, a.org.id, member.id, { role: 'manager' })).statusCode).toBe(200);
    expect(await t.app.db.$count(schema.auditLog, eq(schema.auditLog.action, 'member.role'))).toBe(1);
  });

  describe('removing a member (DELETE /orgs/:id/members/:userId)', () => {
    const del = (token: string | null, orgId: string, userId: string) =>
      t.app.inject({
        method: 'DELETE',
        url: `/api/v1/orgs/${orgId}/members/${userId}`,
        headers: token ? bearer(token) : {},
      });
    const statusOf = async (id: string) =>
      (await t.app.db.select({ s: schema.users.status }).from(schema.users).where(eq(schema.users.id, id)))[0]!.s;
    const removals = (id: string) =>
      t.app.db.$count(
        schema.auditLog,
        and(eq(schema.auditLog.action, 'member.remove'), eq(schema.auditLog.entityId, id)),
      );

    it('401 without a token, 403 for a manager or a member, 404 for another org’s member; nothing changed', async () => {
      const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
      const manager = await createUser(t.app.db, { orgId: a.org.id, role: 'manager' });
      const member = await createUser(t.app.db, { orgId: a.org.id, role: 'member' });
      const other = await createOrgWithUser(t.app.db, { kind: 'buyer' });
      const otherMember = await createUser(t.app.db, { orgId: other.org.id, role: 'member' });
      const owner = await login(t.app, a.user.email);
      const mg = await login(t.app, manager.email);
      const ms = await login(t.app, member.email);

      expect((await del(null, a.org.id, member.id)).statusCode).toBe(401);
      const byManager = await del(mg.token, a.org.id, member.id);
      expect(byManager.statusCode).toBe(403);
      expect(byManager.json().code).toBe('forbidden');
      expect((await del(ms.token, a.org.id, manager.id)).statusCode).toBe(403);
      // Another org's member, whether named under its own org id or under ours.
      expect((await del(owner.token, other.org.id, otherMember.id)).statusCode).toBe(404);
      expect((await del(owner.token, a.org.id, otherMember.id)).statusCode).toBe(404);
      const bad = await call(owner, 'DELETE', `/api/v1/orgs/${a.org.id}/members/not-a-uuid`);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0].field).toBe('params.userId');
      for (const id of [member.id, manager.id, otherMember.id]) expect(await statusOf(id)).toBe('active');
      expect(await t.app.db.$count(schema.auditLog, eq(schema.auditLog.action, 'member.remove'))).toBe(0);
    });

    it('an owner removes a member: audited, their sessions end, gone from the list, the other owners are told', async () => {
      const a = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' });
      const coOwner = await createUser(t.app.db, { orgId: a.org.id, role: 'owner' });
      const member = await createUser(t.app.db, { orgId: a.org.id, role: 'member' });
      const owner = await login(t.app, a.user.email);
      const ms = await login(t.app, member.email);

      const res = await del(owner.token, a.org.id, member.id);
      expect(res.statusCode, res.body).toBe(204);
      expect(await statusOf(member.id)).toBe('removed');
      // Their access token and their refresh token stop working at once, and they cannot sign in again.
      expect((await call(ms, 'GET', '/api/v1/me')).statusCode).toBe(401);
      expect(
        (await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: ms.refreshCookie } }))
          .statusCode,
      ).toBe(401);
      const relogin = await call(null, 'POST', '/api/v1/auth/login', { email: member.email, password: TEST_PASSWORD });
      expect(relogin.statusCode).toBe(403);
      expect(relogin.json().code).toBe('account_deactivated');
      const list = await call(owner, 'GET', `/api/v1/orgs/${a.org.id}/members`);
      expect(list.json().map((m: { id: string }) => m.id)).toEqual([a.user.id, coOwner.id]);
      // A removed member is gone: removing, reactivating or promoting them again is a 404.
      expect((await del(owner.token, a.org.id, member.id)).statusCode).toBe(404);
      expect((await call(owner, 'POST', `/api/v1/orgs/${a.org.id}/members/${member.id}/reactivate`)).statusCode).toBe(
        404,
      );
      expect(
        (await call(owner, 'PATCH', `/api/v1/orgs/${a.org.id}/members/${member.id}`, { role: 'manager' })).statusCode,
      ).toBe(404);
      const audit = await auditOf('member.remove', member.id);
      expect(audit).toEqual([
        expect.objectContaining({
          actorUserId: a.user.id,
          actorOrgId: a.org.id,
          entityType: 'user',
          before: { status: 'active', role: 'member' },
          after: { status: 'removed' },
        }),
      ]);
      const told = await t.app.db
        .select({ userId: schema.notifications.userId, params: schema.notifications.params })
        .from(schema.notifications)
        .where(and(eq(schema.notifications.kind, 'security.member_removed'), eq(schema.notifications.orgId, a.org.id)));
      expect(told).toEqual([
        {
          userId: coOwner.id,
          params: expect.objectContaining({
            member: member.name,
            email: member.email,
            roleZh: '成员',
            roleEn: 'member',
          }),
        },
      ]);
      // Another owner may be removed while one stays.
      expect((await del(owner.token, a.org.id, coOwner.id)).statusCode).toBe(204);
      expect(await statusOf(coOwner.id)).toBe('removed');
    });

    it('the last owner can be neither removed nor demoted (409); nobody removes themself (403)', async () => {
      const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
      const coOwner = await createUser(t.app.db, { orgId: a.org.id, role: 'owner' });
      const owner = await login(t.app, a.user.email);

      // With a second owner, removing oneself is simply not how it is done.
      const self = await del(owner.token, a.org.id, a.user.id);
      expect(self.statusCode).toBe(403);
      expect((await del(owner.token, a.org.id, coOwner.id)).statusCode).toBe(204);
      // Now the sole owner: the answer says why.
      const last = await del(owner.token, a.org.id, a.user.id);
      expect(last.statusCode).toBe(409);
      expect(last.json().code).toBe('last_owner');
      const demote = await call(owner, 'PATCH', `/api/v1/orgs/${a.org.id}/members/${a.user.id}`, { role: 'manager' });
      expect(demote.statusCode).toBe(409);
      expect(demote.json().code).toBe('last_owner');
      expect(await statusOf(a.user.id)).toBe('active');
      expect(await removals(a.user.id)).toBe(0);
    });

    it('the same member removed twice at once: one 204, one 404, one audit entry, one notice', async () => {
      const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
      const coOwner = await createUser(t.app.db, { orgId: a.org.id, role: 'owner' });
      const member = await createUser(t.app.db, { orgId: a.org.id, role: 'manager' });
      const [o1, o2] = await Promise.all([login(t.app, a.user.email), login(t.app, coOwner.email)]);
      const codes = (await Promise.all([del(o1.token, a.org.id, member.id), del(o2.token, a.org.id, member.id)]))
        .map((r) => r.statusCode)
        .sort();
      expect(codes).toEqual([204, 404]);
      expect(await statusOf(member.id)).toBe('removed');
      expect(await removals(member.id)).toBe(1);
    });

    it('two owners removing each other at once: exactly one goes, the org keeps an owner', async () => {
      for (let round = 0; round < 3; round++) {
        const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
        const coOwner = await createUser(t.app.db, { orgId: a.org.id, role: 'owner' });
        const [o1, o2] = await Promise.all([login(t.app, a.user.email), login(t.app, coOwner.email)]);
        const [r1, r2] = await Promise.all([del(o1.token, a.org.id, coOwner.id), del(o2.token, a.org.id, a.user.id)]);
        const codes = [r1.statusCode, r2.statusCode];
        expect(codes.filter((c) => c === 204)).toHaveLength(1);
        // The loser was no longer an owner: refused by the guard (401, its account is gone) or, if it
        // passed the guard first, under the owner locks (409: it would remove the last owner).
        expect([401, 409]).toContain(codes.find((c) => c !== 204));
        const owners = await t.app.db
          .select({ id: schema.users.id })
          .from(schema.users)
          .where(
            and(eq(schema.users.orgId, a.org.id), eq(schema.users.role, 'owner'), eq(schema.users.status, 'active')),
          );
        expect(owners).toHaveLength(1);
      }
    });

    it('two owners demoting each other at once: the org keeps an owner', async () => {
      const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
      const coOwner = await createUser(t.app.db, { orgId: a.org.id, role: 'owner' });
      const [o1, o2] = await Promise.all([login(t.app, a.user.email), login(t.app, coOwner.email)]);
      const patch = (token: string, userId: string) =>
        t.app.inject({
          method: 'PATCH',
          url: `/api/v1/orgs/${a.org.id}/members/${userId}`,
          headers: bearer(token),
          payload: { role: 'member' },
        });
      const codes = (await Promise.all([patch(o1.token, coOwner.id), patch(o2.token, a.user.id)])).map(
        (r) => r.statusCode,
      );
      expect(codes.filter((c) => c === 200)).toHaveLength(1);
      expect([403, 409]).toContain(codes.find((c) => c !== 200));
      const owners = await t.app.db
        .select({ id: schema.users.id })
        .from(schema.users)
        .where(and(eq(schema.users.orgId, a.org.id), eq(schema.users.role, 'owner')));
      expect(owners).toHaveLength(1);
    });
  });

  it('nobody reaches another org’s members: 404, nothing changed', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const b = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' });
    const bMember = await createUser(t.app.db, { orgId: b.org.id, role: 'member' });
    const s = await login(t.app, a.user.email);
    expect((await call(s, 'GET', `/api/v1/orgs/${b.org.id}/members`)).statusCode).toBe(404);
    const invite = await inviteMember(s, b.org.id, {
      email: 'intruder@example.cn',
      name: 'x',
      role: 'member',
    });
    expect(invite.statusCode).toBe(404);
    // Another org's user id under one's own org path is also not found.
    const off = await call(s, 'POST', `/api/v1/orgs/${a.org.id}/members/${bMember.id}/deactivate`);
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
    expect((await call(ms, 'GET', `/api/v1/orgs/${a.org.id}/members`)).statusCode).toBe(403);
    const mg = await login(t.app, manager.email);
    const addManager = await inviteMember(mg, a.org.id, {
      email: 'm2@example.cn',
      name: 'x',
      role: 'manager',
    });
    expect(addManager.statusCode).toBe(403);
    expect((await call(mg, 'POST', `/api/v1/orgs/${a.org.id}/members/${a.user.id}/deactivate`)).statusCode).toBe(403);
    expect((await call(mg, 'POST', `/api/v1/orgs/${a.org.id}/members/${member.id}/deactivate`)).statusCode).toBe(200);
    const self = await call(mg, 'POST', `/api/v1/orgs/${a.org.id}/members/${mg.userId}/deactivate`);
    expect(self.statusCode).toBe(403);
  });

  it('an invite with a taken email is 409 naming body.email; a bad one is 400', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    const taken = await inviteMember(s, a.org.id, {
      email: 'buyer@demo.shanhai',
      name: 'x',
      role: 'member',
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().errors).toEqual([
      { field: 'body.email', message: 'is already registered', code: 'already_registered' },
    ]);
    const bad = await inviteMember(s, a.org.id, {
      email: 'x@example.cn',
      name: 'x',
      role: 'owner',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.role');
  });
});

describe('organisation settings: invoice defaults and the delivery address book', () => {
  const patch = (s: Session, orgId: string, payload: unknown) =>
    call(s, 'PATCH', `/api/v1/orgs/${orgId}`, payload as object);
  const home = { address: '广州市天河区某路 1 号 3 楼', contactName: '李会计', contactPhone: '13900000001' };

  it('an owner sets the 专票 details, audit-logged with before and after; a bad account number is a 400 naming it', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    const details = {
      invoiceAddress: '广州市越秀区府前路 1 号',
      invoicePhone: '020-83123456',
      invoiceBank: '中国工商银行广州越秀支行',
      invoiceBankAccount: '3602 0001 0900 1234 567',
    };
    const ok = await patch(s, a.org.id, details);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject(details);
    const [audit] = await auditOf('org.update', a.org.id);
    expect(audit).toMatchObject({
      before: { invoiceAddress: null, invoicePhone: null, invoiceBank: null, invoiceBankAccount: null },
      after: details,
    });
    const bad = await patch(s, a.org.id, { invoiceBankAccount: 'IBAN-12' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.invoiceBankAccount');
    const cleared = await patch(s, a.org.id, { invoiceBank: null });
    expect(cleared.json().invoiceBank).toBeNull();
  });

  it('a cooperative has no invoice defaults (400 naming the body)', async () => {
    const c = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' });
    const s = await login(t.app, c.user.email);
    const res = await patch(s, c.org.id, { invoiceBank: '中国银行' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('body');
  });

  it('401 without a token, 404 for another org, 403 for a member or a cooperative, 400 naming the field', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const b = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const member = await createUser(t.app.db, { orgId: a.org.id, role: 'member' });
    const c = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' });
    const s = await login(t.app, a.user.email);
    const url = `/api/v1/orgs/${a.org.id}/addresses`;
    expect((await call(null, 'GET', url)).statusCode).toBe(401);
    expect((await call(null, 'POST', url, home)).statusCode).toBe(401);
    expect((await call(await login(t.app, b.user.email), 'GET', url)).statusCode).toBe(404);
    expect((await call(await login(t.app, b.user.email), 'POST', url, home)).statusCode).toBe(404);
    const m = await login(t.app, member.email);
    expect((await call(m, 'POST', url, home)).statusCode).toBe(403);
    expect(
      (await call(await login(t.app, c.user.email), 'POST', `/api/v1/orgs/${c.org.id}/addresses`, home)).statusCode,
    ).toBe(403);
    const bad = await call(s, 'POST', url, { ...home, contactPhone: 'call me' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.contactPhone');
    const added = (await call(s, 'POST', url, home)).json();
    // A member reads the book (the settings page is read-only for them) but cannot change it.
    expect((await call(m, 'GET', url)).json()).toHaveLength(1);
    expect((await call(m, 'POST', `${url}/${added.id}/default`)).statusCode).toBe(403);
    expect((await call(m, 'DELETE', `${url}/${added.id}`)).statusCode).toBe(403);
    // Another org's address id under one's own org is not found.
    const other = (
      await call(await login(t.app, b.user.email), 'POST', `/api/v1/orgs/${b.org.id}/addresses`, home)
    ).json();
    expect((await call(s, 'POST', `${url}/${other.id}/default`)).statusCode).toBe(404);
    expect((await call(s, 'PATCH', `${url}/${other.id}`, { contactName: '某' })).statusCode).toBe(404);
    expect((await call(s, 'DELETE', `${url}/${other.id}`)).statusCode).toBe(404);
  });

  it('the first address is the default; switching, editing and removing keep exactly one default; all audited', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    const url = `/api/v1/orgs/${a.org.id}/addresses`;
    const first = await call(s, 'POST', url, home);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ ...home, isDefault: true });
    const second = (
      await call(s, 'POST', url, { ...home, address: '广州市海珠区某路 2 号仓库', isDefault: true })
    ).json();
    expect(second.isDefault).toBe(true);
    const third = (await call(s, 'POST', url, { ...home, address: '广州市白云区某路 3 号' })).json();
    expect(third.isDefault).toBe(false);
    let list = (await call(s, 'GET', url)).json();
    expect(list.map((x: { id: string; isDefault: boolean }) => [x.id, x.isDefault])).toEqual([
      [second.id, true],
      [first.json().id, false],
      [third.id, false],
    ]);
    const edited = await call(s, 'PATCH', `${url}/${third.id}`, { contactName: '赵仓管' });
    expect(edited.json()).toMatchObject({ contactName: '赵仓管', isDefault: false });
    expect((await call(s, 'DELETE', `${url}/${second.id}`)).statusCode).toBe(204);
    list = (await call(s, 'GET', url)).json();
    expect(list.filter((x: { isDefault: boolean }) => x.isDefault).map((x: { id: string }) => x.id)).toEqual([
      first.json().id,
    ]);
    const actions = await t.app.db
      .select({ action: schema.auditLog.action })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.actorOrgId, a.org.id))
      .orderBy(schema.auditLog.id);
    expect(actions.map((x) => x.action)).toEqual([
      'org.address_add',
      'org.address_add',
      'org.address_add',
      'org.address_update',
      'org.address_remove',
    ]);
  });

  it('two concurrent switches of the default end with exactly one default', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    const url = `/api/v1/orgs/${a.org.id}/addresses`;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await call(s, 'POST', url, { ...home, address: `广州市某路 ${i} 号` })).json().id);
    for (let round = 0; round < 3; round++) {
      const res = await Promise.all(ids.map((id) => call(s, 'POST', `${url}/${id}/default`)));
      expect(res.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
      const defaults = await t.app.db
        .select({ id: schema.orgAddresses.id })
        .from(schema.orgAddresses)
        .where(and(eq(schema.orgAddresses.orgId, a.org.id), eq(schema.orgAddresses.isDefault, true)));
      expect(defaults).toHaveLength(1);
    }
  });

  it('checkout delivers to the default address with its contact when no address is given', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const c = await createOrgWithUser(t.app.db, { kind: 'cooperative', townCode: 'dakun' });
    const product = await createProduct(t.app.db, { cooperativeId: c.org.id, stock: 10 });
    const s = await login(t.app, a.user.email);
    await call(s, 'POST', `/api/v1/orgs/${a.org.id}/addresses`, home);
    const res = await call(s, 'POST', '/api/v1/purchases', {
      paymentMethod: 'transfer',
      lines: [{ productId: product.id, qty: 1 }],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().deliveryAddress).toBe('广州市天河区某路 1 号 3 楼（李会计 13900000001）');
  });
});

describe('an org’s members and address book, a page at a time (issue 13)', () => {
  const home = { address: '广州市天河区某路 1 号 3 楼', contactName: '李会计', contactPhone: '13900000001' };

  /** Every row of a plain-array list, page after page (the next cursor in x-next-cursor). */
  async function walk(s: Session, url: string, limit: number) {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await call(s, 'GET', `${url}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().map((r: { id: string }) => r.id));
      cursor = res.headers['x-next-cursor'] as string | undefined;
      pages++;
    } while (cursor);
    return { seen, pages };
  }
  async function fieldOf(s: Session, url: string) {
    const res = await call(s, 'GET', url);
    expect(res.statusCode, res.body).toBe(400);
    return res.json().errors[0].field as string;
  }

  it('members: a walk returns each member once, oldest first (the id breaking ties), never a removed one; bad limit or cursor, another list’s cursor: 400', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    // 240 more members, three to an instant (only the id orders those), and 9 removed ones.
    await cloneRow(t.app.db, 'users', a.user.id, 240, {
      email: `'pg-' || g || '-' || src.email`,
      role: `'member'`,
      created_at: `src.created_at + (g / 3) * interval '1 second'`,
    });
    await cloneRow(t.app.db, 'users', a.user.id, 9, {
      email: `'gone-' || g || '-' || src.email`,
      role: `'member'`,
      status: `'removed'`,
      created_at: `src.created_at + g * interval '1 second'`,
    });
    const expected = (
      await t.app.db.execute<{ id: string }>(sql`
        select id from users where org_id = ${a.org.id} and status <> 'removed' order by created_at, id`)
    ).rows.map((r) => r.id);
    expect(expected).toHaveLength(241);
    const url = `/api/v1/orgs/${a.org.id}/members`;
    const all = await walk(s, url, 50);
    expect(all.pages).toBe(5);
    expect(all.seen).toEqual(expected);
    // Without a limit: the default page of 200 and a cursor to the rest.
    const first = await call(s, 'GET', url);
    expect(first.json()).toHaveLength(DEFAULT_PAGE);
    expect(first.headers['x-next-cursor']).toEqual(expect.any(String));

    expect(await fieldOf(s, `${url}?limit=${MAX_PAGE + 1}`)).toBe('query.limit');
    expect(await fieldOf(s, `${url}?limit=0`)).toBe('query.limit');
    expect(await fieldOf(s, `${url}?cursor=not-a-cursor`)).toBe('query.cursor');
    // GET /orgs' cursor has the same shape (a time, an id) but is another list's.
    const orgsCursor = (await call(office, 'GET', '/api/v1/orgs?limit=1')).headers['x-next-cursor'] as string;
    expect(orgsCursor).toEqual(expect.any(String));
    expect(await fieldOf(s, `${url}?cursor=${orgsCursor}`)).toBe('query.cursor');
    // A cursor altered to carry no time.
    const altered = Buffer.from(JSON.stringify(['members', 'yesterday', a.user.id])).toString('base64url');
    expect(await fieldOf(s, `${url}?cursor=${altered}`)).toBe('query.cursor');

    const page = `${url}?limit=10`;
    const b = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const member = await createUser(t.app.db, { orgId: a.org.id, role: 'member' });
    expect((await call(null, 'GET', page)).statusCode).toBe(401);
    expect((await call(await login(t.app, member.email), 'GET', page)).statusCode).toBe(403);
    expect((await call(await login(t.app, b.user.email), 'GET', page)).statusCode).toBe(404);
  });

  it('addresses: a walk returns the default first, then the others oldest first, each once; bad limit or cursor, the members’ cursor: 400', async () => {
    const a = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    const s = await login(t.app, a.user.email);
    const url = `/api/v1/orgs/${a.org.id}/addresses`;
    const seed = (await call(s, 'POST', url, home)).json();
    // 40 more (two to an instant), then the default moves to one in the middle.
    const clones = await cloneRow(t.app.db, 'org_addresses', seed.id, 40, {
      address: `src.address || ' 之' || g`,
      is_default: 'false',
      created_at: `src.created_at + (g / 2) * interval '1 second'`,
    });
    expect((await call(s, 'POST', `${url}/${clones[20]}/default`)).statusCode).toBe(200);
    const expected = (
      await t.app.db.execute<{ id: string }>(sql`
        select id from org_addresses where org_id = ${a.org.id} order by is_default desc, created_at, id`)
    ).rows.map((r) => r.id);
    expect(expected[0]).toBe(clones[20]);
    expect(expected).toHaveLength(41);
    const all = await walk(s, url, 7);
    expect(all.pages).toBe(6);
    expect(all.seen).toEqual(expected);
    expect((await call(s, 'GET', url)).headers['x-next-cursor']).toBeUndefined();

    expect(await fieldOf(s, `${url}?limit=${MAX_PAGE + 1}`)).toBe('query.limit');
    expect(await fieldOf(s, `${url}?limit=x`)).toBe('query.limit');
    expect(await fieldOf(s, `${url}?cursor=not-a-cursor`)).toBe('query.cursor');
    // The members list's cursor (the org has two members) is refused here.
    await createUser(t.app.db, { orgId: a.org.id, role: 'member' });
    const membersCursor = (await call(s, 'GET', `/api/v1/orgs/${a.org.id}/members?limit=1`)).headers['x-next-cursor'];
    expect(membersCursor).toEqual(expect.any(String));
    expect(await fieldOf(s, `${url}?cursor=${membersCursor as string}`)).toBe('query.cursor');
    // This list's cursor with a default that is no boolean.
    const altered = Buffer.from(JSON.stringify(['addresses', 'yes', seed.createdAt, seed.id])).toString('base64url');
    expect(await fieldOf(s, `${url}?cursor=${altered}`)).toBe('query.cursor');

    const b = await createOrgWithUser(t.app.db, { kind: 'buyer' });
    expect((await call(null, 'GET', `${url}?limit=5`)).statusCode).toBe(401);
    expect((await call(await login(t.app, b.user.email), 'GET', `${url}?limit=5`)).statusCode).toBe(404);
  });
});
