import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { createDb, type DbHandle } from './client';
import { dispatchBatch, notify, type NotifyInput, type Undispatched } from './notify';
import { notificationPreferences, notifications } from './schema/notifications';
import { createOrg, createUser, createTestDatabase, type TestDatabase } from '../test-support/testing';

let database: TestDatabase;
let h: DbHandle;
let coop: { id: string };
let other: { id: string };
let owner: { id: string };
let manager: { id: string };
let member: { id: string };
let gone: { id: string };
let stranger: { id: string };

beforeAll(async () => {
  database = await createTestDatabase(inject('pgAdminUrl'), 'empty');
  h = createDb(database.url, { max: 4 });
  coop = await createOrg(h.db, { kind: 'buyer' });
  other = await createOrg(h.db, { kind: 'buyer' });
  owner = await createUser(h.db, { orgId: coop.id, role: 'owner' });
  manager = await createUser(h.db, { orgId: coop.id, role: 'manager' });
  member = await createUser(h.db, { orgId: coop.id, role: 'member' });
  gone = await createUser(h.db, { orgId: coop.id, role: 'manager', status: 'deactivated' });
  stranger = await createUser(h.db, { orgId: other.id, role: 'owner' });
});
afterAll(async () => {
  await h.close();
  await database.drop();
});

let n = 0;
function event(over: Partial<NotifyInput> = {}): NotifyInput {
  n++;
  return {
    kind: 'purchase.approval_needed',
    orgId: coop.id,
    subject: { type: 'purchase', id: `p-${n}` },
    link: `/purchases/p-${n}`,
    params: { member: 'Li', ref: `R${n}`, totalFen: 12_300 },
    ...over,
  };
}

async function recipientsOf(eventKey: string) {
  const rows = await h.db
    .select({ userId: notifications.userId, emailStatus: notifications.emailStatus })
    .from(notifications)
    .where(eq(notifications.eventKey, eventKey));
  return rows;
}

describe('notify(): the outbox row of an event', () => {
  it('tells the active people of the org concerned, nobody of another org, nobody deactivated', async () => {
    const e = event();
    expect(await notify(h.db, e)).toBe(3);
    const rows = await recipientsOf(`${e.kind}:${e.subject.id}`);
    expect(rows.map((r) => r.userId).sort()).toEqual([owner.id, manager.id, member.id].sort());
    expect(rows.map((r) => r.userId)).not.toContain(gone.id);
    expect(rows.map((r) => r.userId)).not.toContain(stranger.id);
  });

  it('narrows by role, by user and leaves out the actor', async () => {
    const byRole = event({ roles: ['owner', 'manager'], exceptUserId: manager.id });
    await notify(h.db, byRole);
    expect((await recipientsOf(`${byRole.kind}:${byRole.subject.id}`)).map((r) => r.userId)).toEqual([owner.id]);
    // A user id of another org is not a recipient even when named: tenancy holds inside notify().
    const byUser = event({ userIds: [member.id, stranger.id] });
    await notify(h.db, byUser);
    expect((await recipientsOf(`${byUser.kind}:${byUser.subject.id}`)).map((r) => r.userId)).toEqual([member.id]);
    expect(await notify(h.db, event({ userIds: [] }))).toBe(0);
  });

  it('the same event twice tells each person once, even at the same moment', async () => {
    const e = event();
    const [a, b] = await Promise.all([notify(h.db, e), notify(h.db, e)]);
    expect(a + b).toBe(3);
    expect(await notify(h.db, e)).toBe(0);
    expect(await recipientsOf(`${e.kind}:${e.subject.id}`)).toHaveLength(3);
  });

  it('a rolled-back transaction tells nobody', async () => {
    const e = event();
    await expect(
      h.db.transaction(async (tx) => {
        expect(await notify(tx, e)).toBe(3);
        throw new Error('the event failed');
      }),
    ).rejects.toThrow('the event failed');
    expect(await recipientsOf(`${e.kind}:${e.subject.id}`)).toEqual([]);
  });

  it('honours in-app-only choices, except an owner’s security notices', async () => {
    await h.db.insert(notificationPreferences).values([
      { userId: member.id, kind: 'purchase.approval_needed', email: false },
      { userId: owner.id, kind: 'security.member_added', email: false },
      { userId: manager.id, kind: 'security.member_added', email: false },
    ]);
    const e = event();
    await notify(h.db, e);
    const byUser = new Map((await recipientsOf(`${e.kind}:${e.subject.id}`)).map((r) => [r.userId, r.emailStatus]));
    expect(byUser.get(member.id)).toBe('off');
    expect(byUser.get(owner.id)).toBe('pending');
    const s = event({ kind: 'security.member_added', params: { by: 'x', member: 'y', email: 'y@z' } });
    await notify(h.db, s);
    const sec = new Map((await recipientsOf(`${s.kind}:${s.subject.id}`)).map((r) => [r.userId, r.emailStatus]));
    expect(sec.get(owner.id)).toBe('pending');
    expect(sec.get(manager.id)).toBe('off');
  });
});

describe('dispatchBatch(): handing committed rows on', () => {
  it('marks rows dispatched only when the hand-on succeeded; a failure leaves them for the sweep', async () => {
    const e = event();
    await notify(h.db, e);
    const ids = (
      await h.db
        .select({ id: notifications.id })
        .from(notifications)
        .where(eq(notifications.eventKey, `${e.kind}:${e.subject.id}`))
    ).map((r) => r.id);
    await expect(
      dispatchBatch(h.db, async () => {
        throw new Error('Redis is down');
      }),
    ).rejects.toThrow('Redis is down');
    const still = await h.db
      .select({ d: notifications.dispatchedAt })
      .from(notifications)
      .where(inArray(notifications.id, ids));
    expect(still.every((r) => r.d === null)).toBe(true);

    const seen: Undispatched[] = [];
    let total = 0;
    for (let k; (k = await dispatchBatch(h.db, async (b) => void seen.push(b))) > 0;) total += k;
    expect(total).toBeGreaterThanOrEqual(3);
    const handed = seen.flatMap((b) => b.notifications.map((x) => x.id));
    expect(handed).toEqual(expect.arrayContaining(ids));
    expect(new Set(handed).size).toBe(handed.length);
    // Nothing is handed on twice.
    expect(await dispatchBatch(h.db, async () => undefined)).toBe(0);
  });

  it('without a mail server the bell still tells and the email is recorded as off', async () => {
    const e = event();
    await notify(h.db, e);
    let emails = 0;
    await dispatchBatch(h.db, async (b) => void (emails += b.notifications.filter((x) => x.email).length), {
      emailEnabled: false,
    });
    expect(emails).toBe(0);
    const rows = await recipientsOf(`${e.kind}:${e.subject.id}`);
    expect(rows.map((r) => r.emailStatus)).toEqual(['off', 'off', 'off']);
  });
});
