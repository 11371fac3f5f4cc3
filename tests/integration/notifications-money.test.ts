/**
 * The money notices (issue 17) person by person: a settlement statement, its payout paid or
 * bounced, an invoice requested and issued. Each reaches exactly the people its rule names (of
 * the org the event is about: the cooperative's owners and managers for statements and payouts,
 * all of the cooperative for an invoice request, the requester and the buyer's owners and
 * managers for an issued invoice), never another org's people, the wrong roles or deactivated
 * users; and each person's choice of in-app only or in-app and email decides whether the real
 * worker mails it to the real SMTP server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrgWithUser, createProduct, createUser } from '@shanhai/db/testing';
import { businessDate, NOTIFICATION_TEXTS, type NotificationKind } from '@shanhai/domain';
import { shop } from '../../apps/api/test-support/shop';
import {
  bearer,
  createTestApp,
  DEMO_PASSWORD,
  login,
  multipartBody,
  type Session,
  type TestApp,
} from '../../apps/api/test-support/testing';
import type { SmtpCapture } from '../support/smtp';
import { startMailingWorker } from '../support/worker';

let t: TestApp;
let smtp: SmtpCapture;
let mailing: Awaited<ReturnType<typeof startMailingWorker>>;
let office: Session;
const { paid, confirmedPayoutAccount, accepted } = shop(() => t);

beforeAll(async () => {
  t = await createTestApp({ template: 'demo' });
  mailing = await startMailingWorker(t);
  ({ smtp } = mailing);
  office = await login(t.app, 'office@demo.shanhai', DEMO_PASSWORD);
});
afterAll(async () => {
  await mailing?.close();
  await t?.close();
});

interface Person extends Session {
  email: string;
}

/** An org's people: an owner, a manager, two members, all logged in, and a deactivated manager. */
interface Org {
  orgId: string;
  owner: Person;
  manager: Person;
  member: Person;
  otherMember: Person;
  /** Deactivated: never told, whatever their role. */
  gone: { userId: string; email: string };
  everyone: Person[];
}

async function org(kind: 'buyer' | 'cooperative', townCode?: string): Promise<Org> {
  const { org: o, user } = await createOrgWithUser(t.app.db, {
    kind,
    role: 'owner',
    ...(kind === 'buyer' ? { approvalThresholdFen: null } : { townCode }),
  });
  const person = async (u: { id: string; email: string }) => ({ ...(await login(t.app, u.email)), email: u.email });
  const owner = await person(user);
  const manager = await person(await createUser(t.app.db, { orgId: o.id, role: 'manager' }));
  const member = await person(await createUser(t.app.db, { orgId: o.id, role: 'member' }));
  const otherMember = await person(await createUser(t.app.db, { orgId: o.id, role: 'member' }));
  const gone = await createUser(t.app.db, { orgId: o.id, role: 'manager', status: 'deactivated' });
  return {
    orgId: o.id,
    owner,
    manager,
    member,
    otherMember,
    gone: { userId: gone.id, email: gone.email },
    everyone: [owner, manager, member, otherMember],
  };
}

const post = (s: Session, url: string, payload: unknown = {}) =>
  t.app.inject({ method: 'POST', url, headers: bearer(s.token), payload: payload as object });
const ids = (...ss: { userId: string }[]) => ss.map((s) => s.userId).sort();

/** Sets `who`'s delivery of `kind` through the settings endpoint, as the preferences page does. */
async function choose(who: Session, kind: NotificationKind, delivery: 'in_app' | 'email') {
  const res = await t.app.inject({
    method: 'PUT',
    url: '/api/v1/me/notification-settings',
    headers: bearer(who.token),
    payload: { preferences: [{ kind, delivery }] },
  });
  expect(res.statusCode, res.body).toBe(200);
}

interface Told {
  id: string;
  userId: string;
  orgId: string;
  emailStatus: string;
}

/** Who was told of `kind` about `subjectId` (every row, of any org), by user id. */
async function told(kind: NotificationKind, subjectId: string): Promise<Told[]> {
  const rows = await t.app.db
    .select({
      id: schema.notifications.id,
      userId: schema.notifications.userId,
      orgId: schema.notifications.orgId,
      emailStatus: schema.notifications.emailStatus,
    })
    .from(schema.notifications)
    .where(and(eq(schema.notifications.kind, kind), eq(schema.notifications.subjectId, subjectId)));
  return rows.sort((a, b) => a.userId.localeCompare(b.userId));
}

/**
 * Waits until every notice of the event is handed on and every email it asked for is sent (an
 * in-app-only row never gets an email job, so none can follow), then answers its rows and the
 * emails the SMTP server received for them.
 */
async function delivered(kind: NotificationKind, subjectId: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await t.app.db
      .select({ dispatchedAt: schema.notifications.dispatchedAt, status: schema.notifications.emailStatus })
      .from(schema.notifications)
      .where(and(eq(schema.notifications.kind, kind), eq(schema.notifications.subjectId, subjectId)));
    if (rows.length > 0 && rows.every((r) => r.dispatchedAt && r.status !== 'pending')) break;
    if (Date.now() > deadline) throw new Error(`${kind} ${subjectId}: not delivered in time: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const rows = await told(kind, subjectId);
  const mine = new Set(rows.map((r) => `<notification-${r.id}@shanhai-market>`));
  return { rows, mails: smtp.received.filter((m) => mine.has(m.messageId)) };
}

/** Nobody in `people` has a notice of one of `kinds` in their bell. */
async function noneOf(people: Session[], kinds: NotificationKind[]) {
  for (const s of people) {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/notifications?limit=100', headers: bearer(s.token) });
    expect(res.statusCode).toBe(200);
    const got = (res.json().items as { kind: string }[]).map((n) => n.kind).filter((k) => kinds.includes(k as never));
    expect({ user: s.userId, got }).toEqual({ user: s.userId, got: [] });
  }
}

const subjectOf = (kind: NotificationKind) => `${NOTIFICATION_TEXTS['zh-CN'][kind].title} · 山海集市`;

describe('money notices, person by person', () => {
  let buyerA: Org;
  let buyerB: Org;
  let coopA: Org;
  let coopB: Org;

  beforeAll(async () => {
    buyerA = await org('buyer');
    buyerB = await org('buyer');
    coopA = await org('cooperative', 'dakun');
    coopB = await org('cooperative', 'daping');
  });

  /** An order of `coop` bought by `buyer`'s `by`, paid by transfer and confirmed by the office. */
  async function paidOrder(coop: Org, by: Session) {
    const product = await createProduct(t.app.db, {
      cooperativeId: coop.orgId,
      stock: 100,
      priceTiers: [{ minQty: 1, unitPriceFen: 12_345 }],
    });
    const p = await paid({ s: by }, [{ id: product.id, qty: 2 }], office);
    return { purchaseId: p.id as string, orderId: p.orders[0].id as string };
  }

  it('a statement and its payout, paid then bounced → the cooperative’s owners and managers only; email as each chose', async () => {
    // Both cooperatives earn something this period; only A has an account to be paid into.
    await confirmedPayoutAccount({ orgId: coopA.orgId, s: coopA.owner }, office);
    const a = await paidOrder(coopA, buyerA.member);
    await accepted(a.orderId, { s: coopA.member }, { s: buyerA.member });
    const b = await paidOrder(coopB, buyerB.member);
    await accepted(b.orderId, { s: coopB.member }, { s: buyerB.member });
    // A's owner reads statements in the app only, its manager by email too; for payouts the other way round.
    await choose(coopA.owner, 'settlement.issued', 'in_app');
    await choose(coopA.manager, 'payout.paid', 'in_app');

    const settled = await post(office, '/api/v1/settlements', { cadence: 'on_demand', periodEnd: businessDate() });
    expect(settled.statusCode, settled.body).toBe(201);
    const s = settled.json() as {
      statements: { id: string; cooperativeId: string }[];
      payouts: { id: string; cooperativeId: string }[];
    };
    const stA = s.statements.find((x) => x.cooperativeId === coopA.orgId)!;
    const stB = s.statements.find((x) => x.cooperativeId === coopB.orgId)!;
    expect(stA && stB).toBeTruthy();

    // Each statement: its own cooperative's owner and manager; not its members, not the deactivated
    // manager, nobody of the other cooperative or of a buyer.
    const issuedA = await delivered('settlement.issued', stA.id);
    expect(issuedA.rows.map((r) => r.userId)).toEqual(ids(coopA.owner, coopA.manager));
    expect(new Set(issuedA.rows.map((r) => r.orgId))).toEqual(new Set([coopA.orgId]));
    expect((await delivered('settlement.issued', stB.id)).rows.map((r) => r.userId)).toEqual(
      ids(coopB.owner, coopB.manager),
    );
    // The owner chose in-app only: its row is in the bell, no email; the manager's went out.
    expect(issuedA.rows.find((r) => r.userId === coopA.owner.userId)!.emailStatus).toBe('off');
    expect(issuedA.rows.find((r) => r.userId === coopA.manager.userId)!.emailStatus).toBe('sent');
    expect(issuedA.mails.map((m) => ({ to: m.to, subject: m.subject }))).toEqual([
      { to: coopA.manager.email, subject: subjectOf('settlement.issued') },
    ]);
    expect(issuedA.mails[0]!.text).toContain(`http://shanhai.test/coop/statements/${stA.id}`);

    const pay = s.payouts.find((x) => x.cooperativeId === coopA.orgId)!;
    expect(s.payouts.find((x) => x.cooperativeId === coopB.orgId)).toBeUndefined();
    const marked = await post(office, `/api/v1/payouts/${pay.id}/mark-paid`, { bankReference: 'NOTE-PAY-1' });
    expect(marked.statusCode, marked.body).toBe(200);
    const paidOut = await delivered('payout.paid', pay.id);
    expect(paidOut.rows.map((r) => r.userId)).toEqual(ids(coopA.owner, coopA.manager));
    expect(paidOut.rows.find((r) => r.userId === coopA.owner.userId)!.emailStatus).toBe('sent');
    expect(paidOut.rows.find((r) => r.userId === coopA.manager.userId)!.emailStatus).toBe('off');
    expect(paidOut.mails.map((m) => ({ to: m.to, subject: m.subject }))).toEqual([
      { to: coopA.owner.email, subject: subjectOf('payout.paid') },
    ]);
    expect(paidOut.mails[0]!.text).toContain('NOTE-PAY-1');

    const bounced = await post(office, `/api/v1/payouts/${pay.id}/bounce`, { reason: '账户已销户' });
    expect(bounced.statusCode, bounced.body).toBe(200);
    // No choice made for bounces: both get it by email (the default).
    const back = await delivered('payout.bounced', pay.id);
    expect(back.rows.map((r) => ({ userId: r.userId, emailStatus: r.emailStatus }))).toEqual(
      ids(coopA.owner, coopA.manager).map((userId) => ({ userId, emailStatus: 'sent' })),
    );
    expect(back.mails.map((m) => m.to).sort()).toEqual([coopA.owner.email, coopA.manager.email].sort());
    expect(back.mails.every((m) => m.subject === subjectOf('payout.bounced') && m.text.includes('账户已销户'))).toBe(
      true,
    );

    // Nobody else heard of any of it, in the bell or by email.
    const kinds: NotificationKind[] = ['settlement.issued', 'payout.paid', 'payout.bounced'];
    await noneOf([coopA.member, coopA.otherMember, ...buyerA.everyone, ...buyerB.everyone], kinds);
    // B's owner and manager were told of their own statement, and of no payout of A's.
    await noneOf(coopB.everyone, ['payout.paid', 'payout.bounced']);
    await noneOf([coopB.member, coopB.otherMember], kinds);
    const strangers = [
      coopA.member,
      coopA.otherMember,
      coopA.gone,
      coopB.member,
      coopB.otherMember,
      coopB.gone,
      ...buyerA.everyone,
      ...buyerB.everyone,
    ];
    const strayRows = await t.app.db
      .select({ kind: schema.notifications.kind, userId: schema.notifications.userId })
      .from(schema.notifications)
      .where(
        and(
          inArray(schema.notifications.kind, kinds),
          inArray(
            schema.notifications.userId,
            strangers.map((p) => p.userId),
          ),
        ),
      );
    expect(strayRows).toEqual([]);
    const strangerAddresses = new Set(strangers.map((p) => p.email));
    expect(
      smtp.received.filter((m) => strangerAddresses.has(m.to) && kinds.some((k) => m.subject === subjectOf(k))),
    ).toEqual([]);
  });

  it('an invoice requested → all of the cooperative; issued → the requester and the buyer’s owners and managers; email as each chose', async () => {
    // Bought by one member, whose invoice it is; the other member of the same buyer is not told.
    const o = await paidOrder(coopA, buyerA.member);
    await choose(coopA.member, 'invoice.requested', 'in_app');
    await choose(buyerA.manager, 'invoice.issued', 'in_app');

    const asked = await post(buyerA.member, `/api/v1/orders/${o.orderId}/invoice`, { kind: 'normal' });
    expect(asked.statusCode, asked.body).toBe(201);
    const invoice = asked.json() as { id: string; ref: string; dueFen: number };
    const requested = await delivered('invoice.requested', invoice.id);
    expect(requested.rows.map((r) => r.userId)).toEqual(
      ids(coopA.owner, coopA.manager, coopA.member, coopA.otherMember),
    );
    expect(new Set(requested.rows.map((r) => r.orgId))).toEqual(new Set([coopA.orgId]));
    const byEmail = requested.rows.filter((r) => r.emailStatus === 'sent').map((r) => r.userId);
    expect(byEmail).toEqual(ids(coopA.owner, coopA.manager, coopA.otherMember));
    expect(requested.rows.find((r) => r.userId === coopA.member.userId)!.emailStatus).toBe('off');
    expect(requested.mails.map((m) => m.to).sort()).toEqual(
      [coopA.owner.email, coopA.manager.email, coopA.otherMember.email].sort(),
    );
    for (const m of requested.mails) {
      expect(m.subject).toBe(subjectOf('invoice.requested'));
      expect(m.text).toContain(invoice.ref);
      expect(m.text).toContain(`http://shanhai.test/coop/orders/${o.orderId}`);
    }

    const form = multipartBody(
      { invoiceNo: '24442000000087654321', amountFen: String(invoice.dueFen) },
      {
        name: 'fp.pdf',
        bytes: Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'),
        type: 'application/pdf',
      },
    );
    const issued = await t.app.inject({
      method: 'POST',
      url: `/api/v1/invoices/${invoice.id}/issue`,
      headers: { ...bearer(coopA.member.token), ...form.headers },
      payload: form.payload,
    });
    expect(issued.statusCode, issued.body).toBe(200);
    const done = await delivered('invoice.issued', invoice.id);
    // The requester (a member) and the buyer's owner and manager; not its other member.
    expect(done.rows.map((r) => r.userId)).toEqual(ids(buyerA.owner, buyerA.manager, buyerA.member));
    expect(new Set(done.rows.map((r) => r.orgId))).toEqual(new Set([buyerA.orgId]));
    expect(Object.fromEntries(done.rows.map((r) => [r.userId, r.emailStatus]))).toEqual({
      [buyerA.owner.userId]: 'sent',
      [buyerA.manager.userId]: 'off',
      [buyerA.member.userId]: 'sent',
    });
    expect(done.mails.map((m) => m.to).sort()).toEqual([buyerA.owner.email, buyerA.member.email].sort());
    for (const m of done.mails) {
      expect(m.subject).toBe(subjectOf('invoice.issued'));
      expect(m.text).toContain(`http://shanhai.test/purchases/${o.purchaseId}`);
    }

    // Nobody of another org, the other member or a deactivated user heard of either.
    const kinds: NotificationKind[] = ['invoice.requested', 'invoice.issued'];
    await noneOf([buyerA.otherMember, ...buyerB.everyone, ...coopB.everyone], kinds);
    await noneOf(coopA.everyone, ['invoice.issued']);
    await noneOf([buyerA.owner, buyerA.manager, buyerA.member], ['invoice.requested']);
    const rows = await t.app.db
      .select({ userId: schema.notifications.userId })
      .from(schema.notifications)
      .where(and(inArray(schema.notifications.kind, kinds), eq(schema.notifications.subjectId, invoice.id)));
    expect(rows.map((r) => r.userId)).not.toContain(coopA.gone.userId);
    expect(rows.map((r) => r.userId)).not.toContain(buyerA.gone.userId);
    expect(rows.map((r) => r.userId)).not.toContain(buyerA.otherMember.userId);
    expect(rows).toHaveLength(4 + 3);
  });
});
