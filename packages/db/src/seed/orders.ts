import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { businessDate, lineTotalFen, unitPriceFor, type PriceTier } from '@shanhai/domain';
import type { Db, Tx } from '../client';
import { writeAudit } from '../audit';
import { appendSales, lineSales } from '../ledger';
import { postAcceptance, postPayment } from '../journal';
import { notifyOrderMoved, notifyPurchasePaid } from '../notify-events';
import { orgs, users } from '../schema/identity';
import { products } from '../schema/catalog';
import { orderLines, orders, orderTransitions, payments, purchases } from '../schema/orders';
import type { SeedContext, SeedStep } from './index';

/**
 * Current demo orders for the demo cooperatives (npm start only, see `DEMO_ORDER_STEPS`): without
 * them coop@ and coop2@ open a dashboard of zeros. Purchases of the demo buyers, paid by transfer
 * and confirmed by the office, then moved along as the api would move them: some paid (to ship),
 * some shipped, one delivered waiting for 验收, one disputed, one accepted, all this month.
 *
 * Each purchase is written as checkout and the order paths write it: stock taken by
 * `shanhai_take_stock` (stock + sold stays what was received), tier prices from the product's
 * tiers, order numbers from the orders' own sequence, every transition recorded with its actor,
 * one ledger row per line when paid (business date of the payment), the payment and acceptance
 * journal entries, the office's audit row of each transfer it confirmed, and the notifications of
 * the final state. Keyed by the remittance reference
 * (`SHDEMO…`): a second run adds nothing, and a purchase whose products are no longer listed or in
 * stock (a long-used demo database) is skipped rather than forced.
 */

type Stage = 'paid' | 'shipped' | 'delivered' | 'disputed' | 'accepted';

interface DemoPurchase {
  ref: string;
  buyer: 'buyer' | 'buyer2';
  /** Lines: a listed product of a demo cooperative by its Chinese name, and how many order steps above its MOQ. */
  lines: { coop: 'coop' | 'coop2'; product: string; stepsAboveMoq: number }[];
  /** Hours before the seed the purchase was placed; each later step follows it. */
  placedHoursAgo: number;
  stage: Stage;
  carrier?: string;
  trackingNo?: string;
  problemNote?: string;
}

export const DEMO_PURCHASES: DemoPurchase[] = [
  {
    ref: 'SHDEMO000001',
    buyer: 'buyer',
    lines: [{ coop: 'coop', product: '大崑乳鸽', stepsAboveMoq: 2 }],
    placedHoursAgo: 5,
    stage: 'paid',
  },
  {
    ref: 'SHDEMO000002',
    buyer: 'buyer2',
    lines: [
      { coop: 'coop2', product: '大坪山花蜂蜜', stepsAboveMoq: 8 },
      { coop: 'coop', product: '大崑乳鸽', stepsAboveMoq: 1 },
    ],
    placedHoursAgo: 9,
    stage: 'paid',
  },
  {
    ref: 'SHDEMO000003',
    buyer: 'buyer',
    lines: [{ coop: 'coop2', product: '大坪猕猴桃', stepsAboveMoq: 15 }],
    placedHoursAgo: 30,
    stage: 'shipped',
    carrier: '顺丰速运',
    trackingNo: 'SF1452036987412',
  },
  {
    ref: 'SHDEMO000004',
    buyer: 'buyer2',
    lines: [{ coop: 'coop', product: '大崑乳鸽', stepsAboveMoq: 4 }],
    placedHoursAgo: 28,
    stage: 'shipped',
    carrier: '中国邮政 EMS',
    trackingNo: '1186523047791',
  },
  {
    ref: 'SHDEMO000005',
    buyer: 'buyer',
    lines: [{ coop: 'coop2', product: '大坪山花蜂蜜', stepsAboveMoq: 18 }],
    placedHoursAgo: 50,
    stage: 'delivered',
    carrier: '京东物流',
    trackingNo: 'JDVA20260001245',
  },
  {
    ref: 'SHDEMO000006',
    buyer: 'buyer2',
    lines: [{ coop: 'coop', product: '大崑乳鸽', stepsAboveMoq: 0 }],
    placedHoursAgo: 60,
    stage: 'disputed',
    carrier: '顺丰速运',
    trackingNo: 'SF1452036990026',
    problemNote: '到货 20 只中有 3 只包装破损、冰袋已化，请核实后补发或退款。',
  },
  {
    ref: 'SHDEMO000007',
    buyer: 'buyer',
    lines: [
      { coop: 'coop', product: '大崑乳鸽', stepsAboveMoq: 8 },
      { coop: 'coop2', product: '大坪山花蜂蜜', stepsAboveMoq: 38 },
    ],
    placedHoursAgo: 90,
    stage: 'accepted',
    carrier: '顺丰速运',
    trackingNo: 'SF1452036975530',
  },
];

const HOUR = 3_600_000;
/** The statuses an order passes through to reach each stage, after `paid`. */
const PATH: Record<Stage, ('shipped' | 'delivered' | 'disputed' | 'accepted')[]> = {
  paid: [],
  shipped: ['shipped'],
  delivered: ['shipped', 'delivered'],
  disputed: ['shipped', 'delivered', 'disputed'],
  accepted: ['shipped', 'delivered', 'accepted'],
};

/** First instant of the current month in Asia/Shanghai (UTC+8, no daylight saving). */
function monthStart(now: Date): number {
  const day = businessDate(now);
  return Date.parse(`${day.slice(0, 8)}01T00:00:00+08:00`);
}

/**
 * `hours` before `now`, kept inside the current month (so this month's sales and orders show
 * whatever day the demo starts on) and in the same order as the hours given.
 */
function hoursAgo(now: Date, hours: number): Date {
  const floor = monthStart(now) + (100 - hours) * 60_000;
  const t = Math.max(now.getTime() - hours * HOUR, floor);
  return new Date(Math.min(t, now.getTime() - hours * 1000));
}

/** The demo orders step: registered by `npm start` (devstack), never part of the test template. */
export const seedDemoOrders: SeedStep = async ({ tx, orgIds }: SeedContext) => {
  const now = new Date();
  const userOf = async (email: string) =>
    (await tx.select({ id: users.id }).from(users).where(eq(users.email, email)))[0]?.id;
  const office = await userOf('office@demo.shanhai');
  const [officeUser] = await tx
    .select({ orgId: users.orgId })
    .from(users)
    .where(eq(users.email, 'office@demo.shanhai'));
  const staff = {
    buyer: await userOf('buyer@demo.shanhai'),
    buyer2: await userOf('buyer2@demo.shanhai'),
    coop: await userOf('coop@demo.shanhai'),
    coop2: await userOf('coop2@demo.shanhai'),
  };
  if (!office || Object.values(staff).some((u) => !u)) return;
  const coopUserOf = (cooperativeId: string) => (cooperativeId === orgIds.get('coop') ? staff.coop! : staff.coop2!);

  for (const d of DEMO_PURCHASES) {
    const [done] = await tx.select({ id: purchases.id }).from(purchases).where(eq(purchases.remittanceRef, d.ref));
    if (done) continue;
    const buyerOrgId = orgIds.get(d.buyer)!;
    const [buyer] = await tx.select().from(orgs).where(eq(orgs.id, buyerOrgId));
    if (!buyer) continue;

    // The lines as checkout prices them: the product as listed now, the tier for the quantity.
    const wanted = await tx
      .select()
      .from(products)
      .where(
        and(
          inArray(
            products.cooperativeId,
            d.lines.map((l) => orgIds.get(l.coop)!),
          ),
          inArray(
            products.nameZh,
            d.lines.map((l) => l.product),
          ),
          eq(products.status, 'listed'),
        ),
      )
      .orderBy(asc(products.id));
    const lines = d.lines.map((l) => {
      const p = wanted.find((w) => w.nameZh === l.product && w.cooperativeId === orgIds.get(l.coop));
      if (!p) return null;
      const qty = p.moq + p.orderStep * l.stepsAboveMoq;
      const unit = unitPriceFor(p.priceTiers as PriceTier[], qty);
      return unit === null || p.stock < qty ? null : { p, qty, unit, total: lineTotalFen(unit, qty) };
    });
    if (lines.some((l) => l === null)) continue;
    const ls = lines as NonNullable<(typeof lines)[number]>[];

    const placedAt = hoursAgo(now, d.placedHoursAgo);
    const paidAt = hoursAgo(now, d.placedHoursAgo - 1);
    // Each later step a share of the time left, the last well before now.
    const steps = PATH[d.stage];
    const stepAt = steps.map((_, i) =>
      hoursAgo(now, Math.max(1, Math.round((d.placedHoursAgo - 1) * (1 - (i + 1) / (steps.length + 1))))),
    );
    const byCoop = new Map<string, typeof ls>();
    for (const l of ls) byCoop.set(l.p.cooperativeId, [...(byCoop.get(l.p.cooperativeId) ?? []), l]);
    const totalFen = ls.reduce((s, l) => s + l.total, 0);
    const purchaseId = randomUUID();

    await tx.insert(purchases).values({
      id: purchaseId,
      buyerOrgId,
      createdBy: staff[d.buyer]!,
      status: 'paid',
      paymentMethod: 'transfer',
      totalFen,
      remittanceRef: d.ref,
      deliveryAddress: buyer.address ?? '（演示地址）',
      invoiceTitle: buyer.invoiceTitle,
      taxId: buyer.taxId,
      note: '演示订单',
      expiresAt: new Date(placedAt.getTime() + 72 * HOUR),
      paidAt,
      createdAt: placedAt,
      updatedAt: paidAt,
    });
    // Checkout's last statement: takes every line's stock or raises (checked above, so it takes).
    const sorted = [...ls].sort((a, b) => (a.p.id < b.p.id ? -1 : 1));
    await tx.execute(
      sql`select shanhai_take_stock(${`{${sorted.map((l) => l.p.id).join(',')}}`}::uuid[], ${`{${sorted.map((l) => l.qty).join(',')}}`}::int[])`,
    );
    await tx.insert(payments).values({
      purchaseId,
      method: 'transfer',
      status: 'succeeded',
      amountFen: totalFen,
      submittedAmountFen: totalFen,
      submittedReference: `${d.ref} 转账`,
      submittedAt: paidAt,
      confirmedBy: office,
      confirmedAt: paidAt,
      createdAt: placedAt,
      updatedAt: paidAt,
    });
    // The office's confirmation, in its audit log as confirmTransfersTx writes it.
    await writeAudit(tx, {
      actorUserId: office,
      actorOrgId: officeUser!.orgId,
      action: 'payment.confirm_transfer',
      entityType: 'purchase',
      entityId: purchaseId,
      before: { status: 'awaiting_payment' },
      after: { status: 'paid', submittedAmountFen: totalFen },
      note: d.ref,
      at: paidAt,
    });

    const final = steps.at(-1) ?? 'paid';
    const at = (s: string) => stepAt[steps.indexOf(s as (typeof steps)[number])] ?? null;
    const made: { id: string; cooperativeId: string; totalFen: number; lines: typeof ls }[] = [];
    for (const [cooperativeId, coopLines] of byCoop) {
      const orderTotal = coopLines.reduce((s, l) => s + l.total, 0);
      const [o] = await tx
        .insert(orders)
        .values({
          purchaseId,
          buyerOrgId,
          cooperativeId,
          status: final,
          totalFen: orderTotal,
          carrier: steps.length ? (d.carrier ?? null) : null,
          trackingNo: steps.length ? (d.trackingNo ?? null) : null,
          problemNote: d.stage === 'disputed' ? (d.problemNote ?? null) : null,
          shippedAt: at('shipped'),
          deliveredAt: at('delivered'),
          acceptedAt: at('accepted'),
          createdAt: placedAt,
          updatedAt: stepAt.at(-1) ?? paidAt,
        })
        .returning({ id: orders.id });
      made.push({ id: o!.id, cooperativeId, totalFen: orderTotal, lines: coopLines });
      const lineRows = await tx
        .insert(orderLines)
        .values(
          coopLines.map((l) => ({
            orderId: o!.id,
            productId: l.p.id,
            townId: l.p.townId,
            category: l.p.category,
            nameZh: l.p.nameZh,
            nameEn: l.p.nameEn,
            unitLabel: l.p.unitLabel,
            unitSpec: l.p.unitSpec,
            unitLabelEn: l.p.unitLabelEn,
            unitSpecEn: l.p.unitSpecEn,
            qty: l.qty,
            unitPriceFen: l.unit,
            lineTotalFen: l.total,
          })),
        )
        .returning();
      // Who moved it, as the api records it: the buyer placed, the office confirmed the transfer,
      // the cooperative shipped and delivered, the buyer accepted or reported a problem.
      const actorOf = (to: string) =>
        to === 'shipped' || to === 'delivered' ? coopUserOf(cooperativeId) : staff[d.buyer]!;
      const chain: { from: Stage | 'awaiting_payment' | null; to: string; by: string; at: Date; note?: string }[] = [
        { from: null, to: 'awaiting_payment', by: staff[d.buyer]!, at: placedAt },
        { from: 'awaiting_payment', to: 'paid', by: office, at: paidAt },
        ...steps.map((to, i) => ({
          from: (i === 0 ? 'paid' : steps[i - 1]!) as Stage,
          to,
          by: actorOf(to),
          at: stepAt[i]!,
          ...(to === 'disputed' && d.problemNote ? { note: d.problemNote } : {}),
        })),
      ];
      await tx.insert(orderTransitions).values(
        chain.map((c) => ({
          orderId: o!.id,
          fromStatus: c.from,
          toStatus: c.to as Stage,
          actorUserId: c.by,
          actor: 'user',
          note: c.note ?? null,
          at: c.at,
        })),
      );
      // Credited when paid: one ledger row per line, on the payment's business date.
      await appendSales(
        tx,
        lineSales(lineRows, () => ({ buyerOrgId, cooperativeId }), 'sale', businessDate(paidAt)),
      );
    }
    // The money as markPaid and 验收 post it: in the bank, owed to each cooperative pending
    // acceptance; an accepted order's share becomes available, less the platform's fee.
    await postPayment(tx, { purchaseId, method: 'transfer', orders: made, occurredAt: paidAt });
    if (final === 'accepted')
      for (const o of made)
        await postAcceptance(tx, {
          id: o.id,
          cooperativeId: o.cooperativeId,
          totalFen: o.totalFen,
          lines: o.lines.map((l) => ({ category: l.p.category, lineTotalFen: l.total })),
        });
    // Told as the final state would have told them (paid orders: the cooperative, to ship).
    if (final === 'paid') await notifyPurchasePaid(tx, purchaseId, office);
    else
      for (const o of made)
        await notifyOrderMoved(
          tx,
          o.id,
          final,
          final === 'shipped' || final === 'delivered' ? coopUserOf(o.cooperativeId) : staff[d.buyer]!,
        );
  }
};

/** The steps `npm start` adds to the demo seed (the test template has none of them). */
export const DEMO_ORDER_STEPS: SeedStep[] = [seedDemoOrders];

/** Runs the demo orders step on its own, in one transaction (tests, or a database seeded before it). */
export async function seedDemoOrdersInto(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    const keys = ['buyer', 'buyer2', 'coop', 'coop2'] as const;
    const emails = keys.map((k) => `${k}@demo.shanhai`);
    const rows = await tx
      .select({ email: users.email, orgId: users.orgId })
      .from(users)
      .where(inArray(users.email, emails));
    const orgIds = new Map(rows.map((r) => [r.email.split('@')[0]!, r.orgId]));
    await seedDemoOrders({ tx: tx as Tx, townIds: new Map(), orgIds });
  });
}
