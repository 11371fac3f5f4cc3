import { beforeAll, describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { and, eq } from 'drizzle-orm';
import { orderNo } from '@shanhai/domain';
import {
  appendSales,
  foldAll,
  type freezeMonthlyUnitSnapshot,
  freezeUnitSnapshot,
  schema,
  unitProgressRows,
  unitYearSettings,
} from '@shanhai/db';
import { createOrg, createOrgWithUser, createUser, useTestDatabase } from '@shanhai/db/testing';
import { processNotifySchedule } from './notify-schedule';

const handle = useTestDatabase('empty', { max: 4 });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2026-07-08T02:00:00Z');

interface BuyerOrg {
  orgId: string;
  owner: string;
  manager: string;
  member: string;
}
let buyerA: BuyerOrg;
let buyerB: BuyerOrg;
let coop: { orgId: string; owner: string };
let office: { owner: string; member: string };
let townT: string;
let townU: string;

async function buyerOrg(): Promise<BuyerOrg> {
  const { org, user } = await createOrgWithUser(handle.db, { kind: 'buyer', role: 'owner' });
  return {
    orgId: org.id,
    owner: user.id,
    manager: (await createUser(handle.db, { orgId: org.id, role: 'manager' })).id,
    member: (await createUser(handle.db, { orgId: org.id, role: 'member' })).id,
  };
}

beforeAll(async () => {
  const db = handle.db;
  const [county] = await db
    .insert(schema.counties)
    .values({ code: 'c1', nameZh: '阳山县', nameEn: 'Yangshan' })
    .returning();
  const towns = await db
    .insert(schema.towns)
    .values([
      { code: 't', countyId: county!.id, nameZh: '甲镇', nameEn: 'Jia', sortOrder: 1 },
      { code: 'u', countyId: county!.id, nameZh: '乙镇', nameEn: 'Yi', sortOrder: 2 },
    ])
    .returning();
  townT = towns[0]!.id;
  townU = towns[1]!.id;
  buyerA = await buyerOrg();
  buyerB = await buyerOrg();
  const c = await createOrgWithUser(db, { kind: 'cooperative', townCode: 't', name: '甲镇蜂蜜社' });
  coop = { orgId: c.org.id, owner: c.user.id };
  const o = await createOrg(db, { kind: 'office' });
  office = {
    owner: (await createUser(db, { orgId: o.id, role: 'owner' })).id,
    member: (await createUser(db, { orgId: o.id, role: 'member' })).id,
  };
});

let refs = 0;
/** A purchase of buyer org `b` placed by its member, with one order of the cooperative. */
async function purchase(
  b: BuyerOrg,
  p: {
    status: 'awaiting_payment' | 'paid';
    method?: 'transfer' | 'card';
    expiresAt?: Date;
    paidAt?: Date;
    totalFen?: number;
    order?: { status: 'paid' | 'delivered' | 'disputed'; deliveredAt?: Date };
  },
) {
  const [row] = await handle.db
    .insert(schema.purchases)
    .values({
      buyerOrgId: b.orgId,
      createdBy: b.member,
      status: p.status,
      paymentMethod: p.method ?? 'transfer',
      totalFen: p.totalFen ?? 30_000,
      remittanceRef: `SH${++refs}`,
      deliveryAddress: 'addr',
      expiresAt: p.expiresAt ?? NOW,
      paidAt: p.paidAt ?? null,
    })
    .returning();
  const [order] = await handle.db
    .insert(schema.orders)
    .values({
      purchaseId: row!.id,
      buyerOrgId: b.orgId,
      cooperativeId: coop.orgId,
      status: p.order?.status ?? (p.status === 'paid' ? 'paid' : 'awaiting_payment'),
      totalFen: p.totalFen ?? 30_000,
      deliveredAt: p.order?.deliveredAt ?? null,
    })
    .returning();
  return { id: row!.id, ref: row!.remittanceRef, orderId: order!.id, orderNo: orderNo(order!.createdAt, order!.seq) };
}

async function told(kind: string, subjectId?: string) {
  const rows = await handle.db
    .select({ userId: schema.notifications.userId, params: schema.notifications.params })
    .from(schema.notifications)
    .where(
      subjectId
        ? and(eq(schema.notifications.kind, kind), eq(schema.notifications.subjectId, subjectId))
        : eq(schema.notifications.kind, kind),
    );
  return rows.sort((a, b) => a.userId.localeCompare(b.userId));
}
const sorted = (...ids: string[]) => [...ids].sort();
const run = (data: unknown, now = NOW) => processNotifySchedule(handle.db, { id: 'j', data }, now);

describe('notify-schedule: reminders', () => {
  it('a transfer purchase unpaid within 24 h of expiry → its purchaser, once; later, card, paid → nobody', async () => {
    const soon = await purchase(buyerA, { status: 'awaiting_payment', expiresAt: new Date(NOW.getTime() + 10 * HOUR) });
    const later = await purchase(buyerA, {
      status: 'awaiting_payment',
      expiresAt: new Date(NOW.getTime() + 30 * HOUR),
    });
    const card = await purchase(buyerB, {
      status: 'awaiting_payment',
      method: 'card',
      expiresAt: new Date(NOW.getTime() + 10 * 60_000),
    });
    const paid = await purchase(buyerB, { status: 'paid', expiresAt: new Date(NOW.getTime() + 10 * HOUR) });

    const [first, second] = [await run({ task: 'reminders' }), await run({ task: 'reminders' })];
    expect(first).toEqual({ expiring: 1, autoAcceptSoon: 0 });
    expect(second).toEqual({ expiring: 0, autoAcceptSoon: 0 });
    expect(await told('purchase.expiring', soon.id)).toEqual([
      // 12:00 UTC is 20:00 in Asia/Shanghai
      { userId: buyerA.member, params: { ref: soon.ref, totalFen: 30_000, expiresAt: '2026-07-08 20:00' } },
    ]);
    for (const p of [later, card, paid]) expect(await told('purchase.expiring', p.id)).toEqual([]);
    // The later one is reminded once its day comes.
    expect(await run({ task: 'reminders' }, new Date(NOW.getTime() + 7 * HOUR))).toEqual({
      expiring: 1,
      autoAcceptSoon: 0,
    });
    expect((await told('purchase.expiring', later.id)).map((r) => r.userId)).toEqual([buyerA.member]);
  });

  it('a delivered order accepted automatically within 24 h → the buyer’s purchaser, owners and managers, once', async () => {
    // The office's default: 7 days after delivery.
    const due = await purchase(buyerB, {
      status: 'paid',
      order: { status: 'delivered', deliveredAt: new Date(NOW.getTime() - 6.5 * DAY) },
    });
    const early = await purchase(buyerB, {
      status: 'paid',
      order: { status: 'delivered', deliveredAt: new Date(NOW.getTime() - 3 * DAY) },
    });
    const disputed = await purchase(buyerB, {
      status: 'paid',
      order: { status: 'disputed', deliveredAt: new Date(NOW.getTime() - 6.5 * DAY) },
    });
    expect(await run({ task: 'reminders' })).toEqual({ expiring: 0, autoAcceptSoon: 3 });
    expect(await run({ task: 'reminders' })).toEqual({ expiring: 0, autoAcceptSoon: 0 });
    const rows = await told('order.auto_accept_soon', due.orderId);
    expect(rows.map((r) => r.userId)).toEqual(sorted(buyerB.owner, buyerB.manager, buyerB.member));
    // Delivered 2026-07-01 22:00 in Shanghai; accepted 7 days later.
    expect(rows[0]!.params).toEqual({
      cooperative: '甲镇蜂蜜社',
      ref: due.ref,
      orderNo: due.orderNo,
      date: '2026-07-08 22:00',
    });
    for (const p of [early, disputed]) expect(await told('order.auto_accept_soon', p.orderId)).toEqual([]);
    // Nobody of the cooperative or of the other buyer heard of it.
    const all = (await told('order.auto_accept_soon')).map((r) => r.userId);
    for (const u of [coop.owner, buyerA.owner, buyerA.manager, buyerA.member]) expect(all).not.toContain(u);
  });

  it('a malformed job fails for good', async () => {
    await expect(run({ task: 'nope' })).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run({ task: 'buyer-monthly-digest', period: '2026-13' })).rejects.toBeInstanceOf(UnrecoverableError);
  });
});

describe('notify-schedule: digests', () => {
  it('the office’s weekly digest names the towns behind pace, to everyone at the office, once per week', async () => {
    // Targets of 36,500 元; no history, so expected to date is linear: by Sunday 2026-07-05 (day
    // 186), 18,600 元. Town T sold 1,000 元 (behind), town U 20,000 元 (ahead).
    await handle.db.insert(schema.townTargets).values([
      { townId: townT, year: 2026, targetFen: 3_650_000 },
      { townId: townU, year: 2026, targetFen: 3_650_000 },
    ]);
    await handle.db.insert(schema.dailyTownSales).values([
      { townId: townT, day: '2026-03-01', amountFen: 100_000, rowCount: 1 },
      { townId: townU, day: '2026-03-01', amountFen: 2_000_000, rowCount: 1 },
      // After the digest's day: not counted.
      { townId: townT, day: '2026-07-07', amountFen: 5_000_000, rowCount: 1 },
    ]);
    const [a, b] = [
      await run({ task: 'office-weekly-digest', period: '2026-07-08' }),
      await run({ task: 'office-weekly-digest', period: '2026-07-06' }),
    ];
    expect(a).toEqual({ period: '2026-07-06' });
    expect(b).toEqual({ period: '2026-07-06' });
    const rows = await told('digest.office_weekly');
    expect(rows.map((r) => r.userId)).toEqual(sorted(office.owner, office.member));
    expect(rows[0]!.params).toEqual({ date: '2026-07-05', behind: 1, townsZh: '甲镇', townsEn: 'Jia' });
    // The next week is another digest (T caught up on 07-07: nobody is behind).
    await run({ task: 'office-weekly-digest' }, new Date('2026-07-13T01:00:00Z'));
    const next = await told('digest.office_weekly', 'office-weekly:2026-07-13');
    expect(next.map((r) => r.params)).toEqual([
      { date: '2026-07-12', behind: 0, townsZh: '无', townsEn: 'none' },
      { date: '2026-07-12', behind: 0, townsZh: '无', townsEn: 'none' },
    ]);
    const buyerSide = (await told('digest.office_weekly')).map((r) => r.userId);
    expect(buyerSide).not.toContain(buyerA.owner);
  });

  it('the buyer’s monthly digest counts what each org paid that month, to its owners and managers, once', async () => {
    // Shanghai dates: 2026-06-01 07:00 and 2026-06-30 23:00 are June; 2026-07-01 00:30 is July.
    await purchase(buyerA, { status: 'paid', paidAt: new Date('2026-05-31T23:00:00Z'), totalFen: 10_000 });
    await purchase(buyerA, { status: 'paid', paidAt: new Date('2026-06-30T15:00:00Z'), totalFen: 25_000 });
    await purchase(buyerA, { status: 'paid', paidAt: new Date('2026-06-30T16:30:00Z'), totalFen: 99_000 });
    await purchase(buyerB, { status: 'paid', paidAt: new Date('2026-05-20T00:00:00Z'), totalFen: 50_000 });
    const first = await run({ task: 'buyer-monthly-digest' }, new Date('2026-07-01T01:00:00Z'));
    const again = await run({ task: 'buyer-monthly-digest', period: '2026-06' });
    expect(first).toEqual({ period: '2026-06', orgs: 1 });
    expect(again).toEqual({ period: '2026-06', orgs: 1 });
    const rows = await told('digest.buyer_monthly');
    expect(rows.map((r) => r.userId)).toEqual(sorted(buyerA.owner, buyerA.manager));
    expect(rows[0]!.params).toEqual({ month: '2026-06', purchases: 2, totalFen: 35_000 });
  });
});

describe('notify-schedule: reserved share behind pace', () => {
  it('each active budget unit behind its pace at the month’s end tells its owners and managers once; email by preference', async () => {
    const db = handle.db;
    // A reserved share of 36,500 元 (365,000 元 × 10%) with no history: linear, so by 2026-06-30
    // (day 181) 18,100 元 is expected. C is behind too but suspended; D has only a draft; E is not a budget unit.
    const behind = await buyerOrg();
    const ahead = await buyerOrg();
    const suspended = await buyerOrg();
    const draftOnly = await buyerOrg();
    const notBudget = await buyerOrg();
    for (const u of [behind, ahead, suspended, draftOnly])
      await db.insert(schema.budgetUnitYears).values({ year: 2026, buyerOrgId: u.orgId });
    // A budget unit of 2025 only is not told about 2026.
    await db.insert(schema.budgetUnitYears).values({ year: 2025, buyerOrgId: notBudget.orgId });
    await db.update(schema.orgs).set({ status: 'suspended' }).where(eq(schema.orgs.id, suspended.orgId));
    for (const u of [behind, ahead, suspended, draftOnly, notBudget])
      await db.insert(schema.unitDeclarations).values({
        buyerOrgId: u.orgId,
        year: 2026,
        version: 1,
        status: u === draftOnly ? 'draft' : 'approved',
        totalFen: 36_500_000,
        ratioBp: 1000,
        createdBy: u.owner,
      });
    await db.insert(schema.partnerDailySales).values([
      { buyerOrgId: behind.orgId, townId: townT, day: '2026-05-10', amountFen: 1_000_000, rowCount: 1 },
      // After the month: not counted for June.
      { buyerOrgId: behind.orgId, townId: townT, day: '2026-07-02', amountFen: 9_000_000, rowCount: 1 },
      { buyerOrgId: ahead.orgId, townId: townU, day: '2026-06-30', amountFen: 2_000_000, rowCount: 1 },
      { buyerOrgId: suspended.orgId, townId: townT, day: '2026-06-01', amountFen: 1, rowCount: 1 },
      { buyerOrgId: notBudget.orgId, townId: townT, day: '2026-06-01', amountFen: 1, rowCount: 1 },
    ]);
    // The year tallies the fold writes with those days (progress reads whole months there, migration 0034).
    await db.insert(schema.partnerTallies).values([
      {
        buyerOrgId: behind.orgId,
        townId: townT,
        year: 2026,
        amountFen: 10_000_000,
        rowCount: 2,
        month05Fen: 1_000_000,
        month07Fen: 9_000_000,
      },
      { buyerOrgId: ahead.orgId, townId: townU, year: 2026, amountFen: 2_000_000, rowCount: 1, month06Fen: 2_000_000 },
      { buyerOrgId: suspended.orgId, townId: townT, year: 2026, amountFen: 1, rowCount: 1, month06Fen: 1 },
      { buyerOrgId: notBudget.orgId, townId: townT, year: 2026, amountFen: 1, rowCount: 1, month06Fen: 1 },
    ]);
    // The behind unit's manager wants this kind in the app only.
    await db
      .insert(schema.notificationPreferences)
      .values({ userId: behind.manager, kind: 'reserved_share.behind', email: false });

    const first = await run({ task: 'units-behind-pace' }, new Date('2026-07-01T01:30:00Z'));
    const again = await run({ task: 'units-behind-pace', period: '2026-06' });
    expect(first).toEqual({ period: '2026-06', units: 1 });
    expect(again).toEqual({ period: '2026-06', units: 1 });
    const rows = await handle.db
      .select()
      .from(schema.notifications)
      .where(eq(schema.notifications.kind, 'reserved_share.behind'));
    expect(rows.map((r) => r.userId).sort()).toEqual(sorted(behind.owner, behind.manager));
    expect(Object.fromEntries(rows.map((r) => [r.userId, r.emailStatus]))).toEqual({
      [behind.owner]: 'pending',
      [behind.manager]: 'off',
    });
    expect(rows[0]!.params).toEqual({
      year: 2026,
      date: '2026-06-30',
      pct: 27.4,
      progressFen: 1_000_000,
      expectedFen: 1_810_000,
      reservedFen: 3_650_000,
    });
    expect(rows[0]!.link).toBe('/unit?year=2026');
    // July is another month: by 07-31 (day 212, 21,200 元 expected) the first unit caught up (100,000 元)
    // and the other fell behind (20,000 元): only its people are told, and June's notice stays single.
    expect(await run({ task: 'units-behind-pace', period: '2026-07' })).toEqual({ period: '2026-07', units: 1 });
    const july = await told('reserved_share.behind', ahead.orgId);
    expect(july.map((r) => r.userId)).toEqual(sorted(ahead.owner, ahead.manager));
    expect(await told('reserved_share.behind', behind.orgId)).toHaveLength(2);
    // A January run judges December of the year before.
    expect(await run({ task: 'units-behind-pace' }, new Date('2027-01-01T02:00:00Z'))).toEqual({
      period: '2026-12',
      units: 1,
    });
    expect(await run({ task: 'units-behind-pace', period: '2026-6' }).catch((e) => e)).toBeInstanceOf(
      UnrecoverableError,
    );
  });
});

describe('notify-schedule: the monthly 通报', () => {
  const sale = (ref: string, orgId: string, amountFen: number, businessDate: string) => ({
    source: 'order' as const,
    sourceRef: ref,
    kind: 'sale' as const,
    townId: townU,
    buyerOrgId: orgId,
    category: 'honey' as const,
    amountFen,
    businessDate,
  });
  /** The job as the worker runs it, typed as the freeze's answer. */
  const freeze = (data: unknown, now = NOW) =>
    run(data, now) as Promise<Awaited<ReturnType<typeof freezeMonthlyUnitSnapshot>>>;
  const snapshots = (period: string) =>
    handle.db.select().from(schema.unitSnapshots).where(eq(schema.unitSnapshots.period, period));

  it('on the 1st the system freezes last month’s ranking as of its last day, once per month; later sales leave it unchanged', async () => {
    const db = handle.db;
    const unit = await buyerOrg();
    await db.insert(schema.budgetUnitYears).values({ year: 2026, buyerOrgId: unit.orgId });
    await db.insert(schema.unitDeclarations).values({
      buyerOrgId: unit.orgId,
      year: 2026,
      version: 1,
      status: 'approved',
      totalFen: 50_000_000,
      ratioBp: 1000,
      createdBy: unit.owner,
    });
    await appendSales(db, [sale('tongbao-1', unit.orgId, 400_000, '2026-11-10')]);
    await foldAll(db);

    // 2026-12-01 09:15 in Shanghai: November's 通报, as of 2026-11-30.
    const first = await freeze({ task: 'units-monthly-snapshot' }, new Date('2026-12-01T01:15:00Z'));
    expect(first).toEqual({ period: '2026-11', snapshotId: expect.any(String), created: true });
    const [snap] = await snapshots('2026-11');
    expect(snap).toMatchObject({
      id: first.snapshotId,
      title: '2026年11月 预留份额完成情况通报',
      year: 2026,
      asOf: '2026-11-30',
      createdBy: null,
    });
    const expected = await unitProgressRows(db, 2026, '2026-11-30', {});
    expect((snap!.payload as { rows: unknown }).rows).toEqual(expected.rows);
    expect((snap!.payload as { settings: unknown }).settings).toEqual(await unitYearSettings(db, 2026));
    expect(expected.rows.find((r) => r.unitId === unit.orgId)).toMatchObject({ salesFen: 400_000 });
    const audit = await db.select().from(schema.auditLog).where(eq(schema.auditLog.entityId, first.snapshotId));
    expect(audit.map((a) => [a.action, a.actorUserId, a.actorOrgId, a.after])).toEqual([
      [
        'unit_snapshot.create',
        null,
        null,
        {
          title: '2026年11月 预留份额完成情况通报',
          year: 2026,
          asOf: '2026-11-30',
          units: expected.rows.length,
          period: '2026-11',
        },
      ],
    ]);

    // A retry, and the month named: the same one.
    expect(await freeze({ task: 'units-monthly-snapshot', period: '2026-11' })).toEqual({ ...first, created: false });
    expect(await snapshots('2026-11')).toHaveLength(1);

    // A sale of November credited late moves the live ranking, not the frozen one.
    await appendSales(db, [sale('tongbao-2', unit.orgId, 100_000, '2026-11-20')]);
    await foldAll(db);
    const live = await unitProgressRows(db, 2026, '2026-11-30', {});
    expect(live.rows.find((r) => r.unitId === unit.orgId)).toMatchObject({ salesFen: 500_000 });
    const [still] = await snapshots('2026-11');
    expect((still!.payload as { rows: unknown }).rows).toEqual(expected.rows);

    // A January run freezes December of the year before.
    const dec = await freeze({ task: 'units-monthly-snapshot' }, new Date('2027-01-01T01:15:00Z'));
    expect(await snapshots('2026-12')).toEqual([
      expect.objectContaining({
        id: dec.snapshotId,
        title: '2026年12月 预留份额完成情况通报',
        year: 2026,
        asOf: '2026-12-31',
      }),
    ]);
    expect(await freeze({ task: 'units-monthly-snapshot', period: '2026-13' }).catch((e) => e)).toBeInstanceOf(
      UnrecoverableError,
    );
  });

  it('two workers at once store one; a title the office already used gets （系统）', async () => {
    const both = await Promise.all([
      freeze({ task: 'units-monthly-snapshot', period: '2026-10' }),
      freeze({ task: 'units-monthly-snapshot', period: '2026-10' }),
    ]);
    expect(both.map((r) => r.created).sort()).toEqual([false, true]);
    expect(both[0]!.snapshotId).toBe(both[1]!.snapshotId);
    expect(await snapshots('2026-10')).toHaveLength(1);

    const own = await freezeUnitSnapshot(handle.db, {
      title: '2026年9月 预留份额完成情况通报',
      year: 2026,
      asOf: '2026-09-30',
      createdBy: office.owner,
      actorOrgId: null,
    });
    expect(own).not.toBeNull();
    await freeze({ task: 'units-monthly-snapshot', period: '2026-09' });
    expect((await snapshots('2026-09')).map((s) => [s.title, s.createdBy])).toEqual([
      ['2026年9月 预留份额完成情况通报（系统）', null],
    ]);
  });
});
