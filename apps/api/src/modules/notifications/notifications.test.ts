import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { notify, schema } from '@shanhai/db';
import { createOrgWithUser, createProduct, createUser } from '@shanhai/db/testing';
import { fillText, NOTIFICATION_TEXTS, NOTIFY_DISPATCH_DEDUP, QUEUES, textParams } from '@shanhai/domain';
import { tokenCalls } from '../../../test-support/sales';
import { bearer, createTestApp, DEMO_PASSWORD, login, type Session, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let office: Session;
let officeOrgId: string;

interface Org {
  orgId: string;
  owner: Session;
  manager: Session;
  member: Session;
}

/** An org with an owner, a manager and a member, all logged in. */
async function org(kind: 'buyer' | 'cooperative', extra: { townCode?: string; approvalThresholdFen?: number } = {}) {
  const { org: o, user } = await createOrgWithUser(t.app.db, { kind, role: 'owner', ...extra });
  const manager = await createUser(t.app.db, { orgId: o.id, role: 'manager' });
  const member = await createUser(t.app.db, { orgId: o.id, role: 'member' });
  return {
    orgId: o.id,
    owner: await login(t.app, user.email),
    manager: await login(t.app, manager.email),
    member: await login(t.app, member.email),
  } satisfies Org;
}

const post = (s: Session, url: string, payload: unknown = {}, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, headers: { ...bearer(s.token), ...headers }, payload: payload as object });
const get = (s: Session | null, url: string) => t.app.inject({ method: 'GET', url, headers: s ? bearer(s.token) : {} });

/** Who was told of `kind` about `subjectId`: user ids, sorted. */
async function told(kind: string, subjectId: string): Promise<string[]> {
  const rows = await t.app.db
    .select({ userId: schema.notifications.userId })
    .from(schema.notifications)
    .where(and(eq(schema.notifications.kind, kind), eq(schema.notifications.subjectId, subjectId)));
  return rows.map((r) => r.userId).sort();
}
const ids = (...ss: Session[]) => ss.map((s) => s.userId).sort();
let officeUserIds: string[];
/** The office's owners and managers (who approve records and match statement rows), and those but `office`. */
let officeDeciderIds: string[];
let otherDeciderIds: string[];
const { upload } = tokenCalls(() => t);

beforeAll(async () => {
  t = await createTestApp();
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
  officeOrgId = office.orgId;
  officeUserIds = (
    await t.app.db
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(and(eq(schema.users.orgId, officeOrgId), eq(schema.users.status, 'active')))
  )
    .map((r) => r.id)
    .sort();
  officeDeciderIds = (
    await t.app.db
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(
        and(
          eq(schema.users.orgId, officeOrgId),
          eq(schema.users.status, 'active'),
          inArray(schema.users.role, ['owner', 'manager']),
        ),
      )
  )
    .map((r) => r.id)
    .sort();
  otherDeciderIds = officeDeciderIds.filter((id) => id !== office.userId);
});
afterAll(() => t.close());

describe('the bell: GET /notifications and friends', () => {
  it('401 without a token', async () => {
    for (const url of [
      '/api/v1/notifications',
      '/api/v1/notifications/unread-count',
      '/api/v1/me/notification-settings',
    ])
      expect((await get(null, url)).statusCode).toBe(401);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/notifications/read', payload: { all: true } });
    expect(res.statusCode).toBe(401);
  });

  it('lists only the caller’s own, newest first, in cursor pages; marks read one, some or all', async () => {
    const a = await org('buyer');
    const b = await org('buyer');
    for (let i = 0; i < 5; i++) {
      await notify(t.app.db, {
        kind: 'purchase.expired',
        orgId: a.orgId,
        userIds: [a.member.userId],
        subject: { type: 'purchase', id: `p${i}` },
        link: `/purchases/p${i}`,
        params: { ref: `R${i}` },
      });
    }
    await notify(t.app.db, {
      kind: 'purchase.expired',
      orgId: b.orgId,
      subject: { type: 'purchase', id: 'other' },
      link: '/purchases/other',
      params: { ref: 'X' },
    });
    const first = await get(a.member, '/api/v1/notifications?limit=2');
    expect(first.statusCode).toBe(200);
    const p1 = first.json();
    expect(p1.unreadCount).toBe(5);
    expect(p1.items.map((x: { params: { ref: string } }) => x.params.ref)).toEqual(['R4', 'R3']);
    expect(p1.items[0]).toEqual({
      id: expect.any(String),
      kind: 'purchase.expired',
      params: { ref: 'R4' },
      link: '/purchases/p4',
      readAt: null,
      createdAt: expect.any(String),
    });
    const p2 = (await get(a.member, `/api/v1/notifications?limit=2&cursor=${p1.nextCursor}`)).json();
    const p3 = (await get(a.member, `/api/v1/notifications?limit=2&cursor=${p2.nextCursor}`)).json();
    expect([...p2.items, ...p3.items].map((x: { params: { ref: string } }) => x.params.ref)).toEqual([
      'R2',
      'R1',
      'R0',
    ]);
    expect(p3.nextCursor).toBeNull();
    // Another user of the same org sees none of them.
    expect((await get(a.owner, '/api/v1/notifications')).json().items).toEqual([]);

    // Another user's notification answers 404 and stays unread.
    const mine = p1.items[0].id;
    expect((await post(b.owner, `/api/v1/notifications/${mine}/read`)).statusCode).toBe(404);
    const one = await post(a.member, `/api/v1/notifications/${mine}/read`);
    expect(one.json()).toEqual({ marked: 1, unreadCount: 4 });
    const some = await post(a.member, '/api/v1/notifications/read', { ids: [p2.items[0].id, p2.items[1].id] });
    expect(some.json()).toEqual({ marked: 2, unreadCount: 2 });
    expect((await get(a.member, '/api/v1/notifications?unread=true')).json().items).toHaveLength(2);
    const all = await post(a.member, '/api/v1/notifications/read', { all: true });
    expect(all.json()).toEqual({ marked: 2, unreadCount: 0 });
    expect((await get(a.member, '/api/v1/notifications/unread-count')).json()).toEqual({ unreadCount: 0 });
    // b's own notification is untouched by a's "all".
    expect((await get(b.owner, '/api/v1/notifications/unread-count')).json()).toEqual({ unreadCount: 1 });
  });

  it('400 naming the field for a bad cursor, limit or id', async () => {
    const a = await org('buyer');
    const bad = await get(a.owner, '/api/v1/notifications?cursor=not-a-cursor');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('query.cursor');
    const big = await get(a.owner, '/api/v1/notifications?limit=1000');
    expect(big.statusCode).toBe(400);
    expect(big.json().errors[0].field).toBe('query.limit');
    expect((await post(a.owner, '/api/v1/notifications/nope/read')).json().errors[0].field).toBe('params.id');
    const empty = await post(a.owner, '/api/v1/notifications/read', { ids: [] });
    expect(empty.statusCode).toBe(400);
  });

  it('settings: per-kind delivery for the caller’s kinds; an owner’s security notices stay on email', async () => {
    const c = await org('cooperative', { townCode: 'dakun' });
    const s = (await get(c.owner, '/api/v1/me/notification-settings')).json();
    expect(s.locale).toBe('zh-CN');
    const kinds = s.preferences.map((p: { kind: string }) => p.kind);
    expect(kinds).toContain('order.paid');
    expect(kinds).not.toContain('purchase.approval_needed');
    expect(s.preferences.find((p: { kind: string }) => p.kind === 'security.member_added')).toEqual({
      kind: 'security.member_added',
      delivery: 'email',
      locked: true,
    });
    const put = (who: Session, payload: unknown) =>
      t.app.inject({
        method: 'PUT',
        url: '/api/v1/me/notification-settings',
        headers: bearer(who.token),
        payload: payload as object,
      });
    const locked = await put(c.owner, { preferences: [{ kind: 'security.member_added', delivery: 'in_app' }] });
    expect(locked.statusCode).toBe(400);
    expect(locked.json().errors[0].field).toBe('body.preferences.0.delivery');
    const foreign = await put(c.owner, { preferences: [{ kind: 'purchase.approval_needed', delivery: 'in_app' }] });
    expect(foreign.json().errors[0].field).toBe('body.preferences.0.kind');
    expect((await put(c.owner, { locale: 'fr' })).json().errors[0].field).toBe('body.locale');
    const ok = await put(c.member, { locale: 'en', preferences: [{ kind: 'order.paid', delivery: 'in_app' }] });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().locale).toBe('en');
    expect(ok.json().preferences.find((p: { kind: string }) => p.kind === 'order.paid').delivery).toBe('in_app');
    // A manager may turn security notices off for themselves: only owners are held to them.
    const m = await put(c.manager, { preferences: [{ kind: 'security.member_added', delivery: 'in_app' }] });
    expect(m.statusCode).toBe(200);
  });
});

describe('events → the right people, and nobody else', () => {
  let buyerA: Org;
  let buyerB: Org;
  let coopA: Org;
  let coopB: Org;
  let honeyA: { id: string };
  let teaB: { id: string };

  beforeAll(async () => {
    buyerA = await org('buyer', { approvalThresholdFen: 1_000 });
    buyerB = await org('buyer');
    coopA = await org('cooperative', { townCode: 'dakun' });
    coopB = await org('cooperative', { townCode: 'daping' });
    honeyA = await createProduct(t.app.db, { cooperativeId: coopA.orgId, stock: 1_000 });
    teaB = await createProduct(t.app.db, { cooperativeId: coopB.orgId, stock: 1_000 });
  });

  async function purchase(s: Session, productId: string, qty = 2) {
    await t.app.inject({
      method: 'PUT',
      url: '/api/v1/cart',
      headers: bearer(s.token),
      payload: { lines: [{ productId, qty }] },
    });
    const res = await post(s, '/api/v1/purchases', { paymentMethod: 'transfer' });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as {
      id: string;
      status: string;
      totalFen: number;
      remittanceRef: string;
      orders: { id: string }[];
    };
  }

  it('the purchase lifecycle: approval, decision, transfer, payment, shipping, delivery, acceptance', async () => {
    const p = await purchase(buyerA.member, honeyA.id);
    expect(p.status).toBe('pending_approval');
    expect(await told('purchase.approval_needed', p.id)).toEqual(ids(buyerA.owner, buyerA.manager));
    // The request names the member who bought (read by checkout's own query), the reference and the total.
    const [member] = await t.app.db
      .select({ name: schema.users.name })
      .from(schema.users)
      .where(eq(schema.users.id, buyerA.member.userId));
    const asked = await t.app.db
      .select({ params: schema.notifications.params })
      .from(schema.notifications)
      .where(and(eq(schema.notifications.kind, 'purchase.approval_needed'), eq(schema.notifications.subjectId, p.id)));
    expect(asked.map((a) => a.params)).toEqual(
      Array(2).fill({ member: member!.name, ref: p.remittanceRef, totalFen: p.totalFen }),
    );

    expect((await post(buyerA.manager, `/api/v1/purchases/${p.id}/approve`)).statusCode).toBe(200);
    expect(await told('purchase.approved', p.id)).toEqual(ids(buyerA.member));

    const pay = await post(buyerA.member, `/api/v1/purchases/${p.id}/pay`, { amountFen: p.totalFen, reference: 'B1' });
    expect(pay.statusCode).toBe(200);
    expect(await told('payment.to_confirm', p.id)).toEqual(officeUserIds);

    const confirm = await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen });
    expect(confirm.statusCode).toBe(200);
    const orderId = p.orders[0]!.id;
    expect(await told('order.paid', orderId)).toEqual(ids(coopA.owner, coopA.manager, coopA.member));
    expect(await told('payment.confirmed', p.id)).toEqual(ids(buyerA.owner, buyerA.manager, buyerA.member));
    // Confirming again changes nothing and tells nobody again.
    await post(office, `/api/v1/payments/${p.id}/confirm-transfer`, { amountFen: p.totalFen });
    expect(await told('order.paid', orderId)).toHaveLength(3);

    const no = (await get(coopA.member, `/api/v1/orders/${orderId}`)).json().orderNo as string;
    expect(no).toMatch(/^\d{8}-\d{6,}$/);
    const [paidRow] = await t.app.db
      .select({ params: schema.notifications.params })
      .from(schema.notifications)
      .where(and(eq(schema.notifications.kind, 'order.paid'), eq(schema.notifications.userId, coopA.owner.userId)));
    expect(paidRow!.params).toMatchObject({ orderNo: no, totalFen: p.totalFen });
    // The bell's text names the order by its number, in each language.
    const bell = (await get(coopA.owner, '/api/v1/notifications'))
      .json()
      .items.find((n: { kind: string }) => n.kind === 'order.paid');
    expect(
      fillText(NOTIFICATION_TEXTS['zh-CN']['order.paid'].body, textParams(bell.params, 'zh-CN', String)),
    ).toContain(`的订单 ${no}（采购单 `);
    expect(fillText(NOTIFICATION_TEXTS.en['order.paid'].body, textParams(bell.params, 'en', String))).toContain(
      `Order ${no} from`,
    );

    await post(coopA.member, `/api/v1/orders/${orderId}/ship`, { carrier: '顺丰速运', trackingNo: 'SF123' });
    expect(await told('order.shipped', orderId)).toEqual(ids(buyerA.owner, buyerA.manager, buyerA.member));
    const [shipped] = await t.app.db
      .select({ params: schema.notifications.params, link: schema.notifications.link })
      .from(schema.notifications)
      .where(
        and(eq(schema.notifications.kind, 'order.shipped'), eq(schema.notifications.userId, buyerA.member.userId)),
      );
    expect(shipped).toEqual({
      params: {
        cooperative: expect.any(String),
        ref: expect.any(String),
        orderNo: no,
        carrierZh: '顺丰速运',
        carrierEn: 'SF Express',
        trackingNo: 'SF123',
      },
      link: `/purchases/${p.id}`,
    });

    expect(fillText(NOTIFICATION_TEXTS.en['order.shipped'].body, textParams(shipped!.params, 'en', String))).toContain(
      `shipped order ${no} (purchase `,
    );
    expect(fillText(NOTIFICATION_TEXTS.en['order.shipped'].body, textParams(shipped!.params, 'en', String))).toContain(
      'with SF Express, tracking number SF123.',
    );
    expect(
      fillText(NOTIFICATION_TEXTS['zh-CN']['order.shipped'].body, textParams(shipped!.params, 'zh-CN', String)),
    ).toContain(`已发出订单 ${no}（采购单 `);
    await post(coopA.member, `/api/v1/orders/${orderId}/deliver`);
    expect(await told('order.delivered', orderId)).toEqual(ids(buyerA.owner, buyerA.manager, buyerA.member));
    await post(buyerA.member, `/api/v1/orders/${orderId}/report`, { note: '少了两箱' });
    // The actor is not told of their own act; the cooperative is.
    expect(await told('order.disputed', orderId)).toEqual(ids(coopA.owner, coopA.manager, coopA.member));
    await post(buyerA.member, `/api/v1/orders/${orderId}/accept`);
    expect(await told('order.accepted', orderId)).toEqual(ids(coopA.owner, coopA.manager, coopA.member));

    // Nobody of another org heard anything about it.
    for (const s of [buyerB.owner, buyerB.manager, buyerB.member, coopB.owner, coopB.manager, coopB.member]) {
      expect((await get(s, '/api/v1/notifications')).json().items).toEqual([]);
    }
    const coopLink = await t.app.db
      .select({ link: schema.notifications.link })
      .from(schema.notifications)
      .where(and(eq(schema.notifications.kind, 'order.paid'), eq(schema.notifications.userId, coopA.owner.userId)));
    expect(coopLink).toEqual([{ link: `/coop/orders/${orderId}` }]);
  });

  it('a rejected purchase tells its purchaser; a purchase without approval tells nobody yet', async () => {
    const p = await purchase(buyerA.member, honeyA.id);
    await post(buyerA.owner, `/api/v1/purchases/${p.id}/reject`, { note: '预算不足' });
    expect(await told('purchase.rejected', p.id)).toEqual(ids(buyerA.member));
    const [row] = await t.app.db
      .select({ params: schema.notifications.params })
      .from(schema.notifications)
      .where(and(eq(schema.notifications.kind, 'purchase.rejected'), eq(schema.notifications.subjectId, p.id)));
    expect(row!.params).toMatchObject({ note: '预算不足' });
    const direct = await purchase(buyerB.owner, teaB.id);
    expect(direct.status).toBe('awaiting_payment');
    const rows = await t.app.db
      .select({ id: schema.notifications.id })
      .from(schema.notifications)
      .where(eq(schema.notifications.subjectId, direct.id));
    expect(rows).toEqual([]);
  });

  it('listings: submitted → the office; approved or rejected (with the reason) → the cooperative', async () => {
    const draft = await createProduct(t.app.db, { cooperativeId: coopA.orgId, status: 'draft' });
    expect((await post(coopA.member, `/api/v1/products/${draft.id}/submit`)).statusCode).toBe(200);
    expect(await told('listing.review_needed', draft.id)).toEqual(officeUserIds);
    const rej = await post(office, `/api/v1/products/${draft.id}/reject`, { reason: '缺少检测报告' });
    expect(rej.statusCode).toBe(200);
    expect(await told('listing.rejected', draft.id)).toEqual(ids(coopA.owner, coopA.manager, coopA.member));
    // The rejection carries the office's reason into the text, in each language.
    const [rejected] = await t.app.db
      .select({ params: schema.notifications.params, link: schema.notifications.link })
      .from(schema.notifications)
      .where(and(eq(schema.notifications.kind, 'listing.rejected'), eq(schema.notifications.subjectId, draft.id)));
    expect(rejected!.params).toMatchObject({ reason: '缺少检测报告' });
    expect(rejected!.link).toBe(`/coop/products?product=${draft.id}`);
    for (const locale of ['zh-CN', 'en'] as const)
      expect(
        fillText(NOTIFICATION_TEXTS[locale]['listing.rejected'].body, textParams(rejected!.params, locale, String)),
      ).toContain('缺少检测报告');
    // Fixed and submitted again: a second review, then approval.
    await post(coopA.member, `/api/v1/products/${draft.id}/submit`);
    expect(await told('listing.review_needed', draft.id)).toEqual([...officeUserIds, ...officeUserIds].sort());
    await post(office, `/api/v1/products/${draft.id}/approve`);
    expect(await told('listing.approved', draft.id)).toEqual(ids(coopA.owner, coopA.manager, coopA.member));
    expect(await told('listing.approved', draft.id)).not.toContain(coopB.owner.userId);
  });

  it('an offline record → the office’s deciders but its recorder; twice with one key → told once', async () => {
    const owner = office;
    const [town] = await t.app.db
      .select({ id: schema.towns.id })
      .from(schema.towns)
      .where(eq(schema.towns.code, 'dakun'));
    const body = { townId: town!.id, category: 'tea', amountFen: 123_456, businessDate: '2026-03-05' };
    const byBuyer = await post(buyerA.manager, '/api/v1/sales/offline', body, { 'idempotency-key': 'offline-note-1' });
    expect(byBuyer.statusCode, byBuyer.body).toBe(201);
    await post(buyerA.manager, '/api/v1/sales/offline', body, { 'idempotency-key': 'offline-note-1' });
    expect(otherDeciderIds.length).toBeGreaterThan(0);
    expect(await told('offline.approval_needed', byBuyer.json().id)).toEqual(officeDeciderIds);
    const [row] = await t.app.db
      .select({ params: schema.notifications.params, link: schema.notifications.link })
      .from(schema.notifications)
      .where(
        and(eq(schema.notifications.kind, 'offline.approval_needed'), eq(schema.notifications.userId, owner.userId)),
      );
    expect(row).toEqual({
      params: { buyer: expect.any(String), townZh: '大崑镇', townEn: expect.any(String), amountFen: 123_456 },
      link: '/office/sales',
    });
    // Recorded by the office's owner: the other decider is asked, not the recorder.
    const byOffice = await post(owner, '/api/v1/sales/offline', body);
    expect(await told('offline.approval_needed', byOffice.json().id)).toEqual(otherDeciderIds);
    // Nobody of a buyer org hears of the office's queue.
    for (const s of [buyerA.owner, buyerA.manager, buyerB.owner])
      expect((await get(s, '/api/v1/notifications')).json().items.map((n: { kind: string }) => n.kind)).not.toContain(
        'offline.approval_needed',
      );
  });

  it('a statement whose rows match nothing → one notice per upload to the office’s deciders but its uploader; a re-upload tells nobody again', async () => {
    const owner = office;
    const file = Buffer.from(
      [
        '交易日期,交易流水号,对方户名,对方账号,借方金额,贷方金额,摘要,附言',
        '2026-12-03,NOTE-TX-1,广州市测试采购单位,44001234567890,,1234.56,网银转账,no such reference',
        '2026-12-03,NOTE-TX-2,广州市测试采购单位,44001234567890,,100.00,网银转账,',
        '2026-12-03,NOTE-TX-3,广州市另一单位,44009876543210,,0.44,网银转账,SH261203ABCDEF',
      ].join('\n'),
    );
    const res = await upload('/api/v1/bank-statements?dryRun=false', owner.token, file);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().queuedRows).toBe(3);
    const statementId: string = res.json().statementId;
    expect(await told('statement.unmatched', statementId)).toEqual(otherDeciderIds);
    const notices = await t.app.db
      .select({
        subjectType: schema.notifications.subjectType,
        params: schema.notifications.params,
        link: schema.notifications.link,
      })
      .from(schema.notifications)
      .where(eq(schema.notifications.kind, 'statement.unmatched'));
    // One notice per decider for the whole upload, none per row.
    expect(notices).toHaveLength(otherDeciderIds.length);
    for (const n of notices)
      expect(n).toEqual({
        subjectType: 'bank_statement',
        params: { rows: 3, amountFen: 123_456 + 10_000 + 44 },
        link: '/office/bank',
      });
    expect(
      fillText(
        NOTIFICATION_TEXTS['zh-CN']['statement.unmatched'].body,
        textParams(notices[0]!.params, 'zh-CN', String),
      ),
    ).toBe('新上传的银行流水中有 3 笔（共 133500）未能自动匹配，请人工核对。');
    // The same file again adds no row, so it tells nobody.
    const again = await upload('/api/v1/bank-statements?dryRun=false', owner.token, file);
    expect(again.json().newRows).toBe(0);
    expect(await t.app.db.$count(schema.notifications, eq(schema.notifications.kind, 'statement.unmatched'))).toBe(
      otherDeciderIds.length,
    );
  });

  it('a sign-up → the office; a new member → the owners (a security notice, by email)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      payload: {
        kind: 'buyer',
        name: '广州测试单位',
        contactName: '张三',
        contactPhone: '020-12345678',
        address: '广州市天河区测试路 1 号',
        invoiceTitle: '广州测试单位',
        taxId: '81440104MC1234567X',
        owner: { email: 'signup-owner@test.shanhai', name: '张三', password: 'a-long-password' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(await told('org.review_needed', res.json().id)).toEqual(officeUserIds);

    const add = await post(buyerA.manager, `/api/v1/orgs/${buyerA.orgId}/members`, {
      email: 'new-member@test.shanhai',
      name: '新成员',
      role: 'member',
    });
    expect(add.statusCode, add.body).toBe(201);
    expect(await told('security.member_added', add.json().id)).toEqual(ids(buyerA.owner));
    const [row] = await t.app.db
      .select({ email: schema.notifications.emailStatus })
      .from(schema.notifications)
      .where(eq(schema.notifications.subjectId, add.json().id));
    expect(row!.email).toBe('pending');
  });
});

describe('notifySoon', () => {
  it('a burst of commits makes one kick at once and one after the dedup window, each a job of its own', async () => {
    // Earlier tests' kicks (and any trailing one) have had their window.
    await new Promise((r) => setTimeout(r, NOTIFY_DISPATCH_DEDUP.ttl * 2));
    const q = await t.app.queues.get(QUEUES.notifyDispatch);
    const queued = () => q.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
    const before = await queued();
    const add = vi.spyOn(q, 'add');
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => t.app.queues.notifySoon()));
      expect(answers).toEqual(Array(20).fill(true));
      expect(add).toHaveBeenCalledTimes(1);
      await vi.waitFor(() => expect(add).toHaveBeenCalledTimes(2), { timeout: 10_000, interval: 20 });
      // The trailing kick was sent after BullMQ's dedup window had lapsed: a job, not dropped.
      await vi.waitFor(async () => expect(await queued()).toBe(before + 2), { timeout: 10_000, interval: 20 });
    } finally {
      add.mockRestore();
    }
  });
});
