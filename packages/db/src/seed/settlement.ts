import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { businessDate } from '@shanhai/domain';
import { anyOf, type Tx } from '../client';
import type { SeedStep } from './index';
import { writeAudit, writeAudits, type AuditEntry } from '../audit';
import { postAcceptance, postPayment, postPayout } from '../journal';
import { appendSales, lineSales } from '../ledger';
import { products } from '../schema/catalog';
import { users } from '../schema/identity';
import { orderLines, orders, orderTransitions, payments, purchases } from '../schema/orders';
import { payoutAccounts, payouts, settlementItems, settlements, settlementStatements } from '../schema/settlements';

/**
 * A past settled month for the demo cooperatives (coop@ and coop2@), so that their statements,
 * payouts and balances, and the office's settlements page, are not empty on first start: two
 * transfer purchases per cooperative, paid, shipped, delivered and accepted in that month, a
 * monthly settlement of it with one statement each, and its payouts marked paid early the next month.
 *
 * Everything that moves money goes through the journal's own functions (postPayment,
 * postAcceptance, postPayout), at the instants the events happened, so the running balances and
 * the journal reconcile agree with the orders and payments (the seed test runs the reconcile).
 * The statements and payouts are written with the figures the settlement's SQL (settlements-service
 * in the api) would compute for a month with nothing before it: opening 0, closing and payout the
 * month's accepted totals less fees. Idempotent: its purchases' remittance references (…DEMST…)
 * mark it done.
 *
 * A seed step (`npm start` passes it to seedDemo), not part of every seed: the tests' demo
 * template stays without it, so tests that settle a period or read the demo cooperatives'
 * balances start from an empty journal.
 */
export const pastSettlementStep: SeedStep = ({ tx, orgIds }) => seedPastSettlement(tx, orgIds);

/** The seeded purchases' reference suffix (SH + yyMMdd + DEMST + A–D: no I or O, as checkout's). */
const REF_MARK = 'DEMST';
const DAY_MS = 86_400_000;
const at = (isoDate: string, hour: number) => new Date(`${isoDate}T${String(hour).padStart(2, '0')}:00:00+08:00`);
const addDays = (isoDate: string, n: number) =>
  new Date(Date.parse(`${isoDate}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/**
 * The month to settle: the previous calendar month (Asia/Shanghai), or the one before it in the
 * first days of a month, so that the payouts' dates (the 3rd) are in the past too.
 */
export function demoSettlementMonth(today = businessDate()): { start: string; end: string } {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const back = d >= 5 ? 1 : 2;
  const first = new Date(Date.UTC(y, m - 1 - back, 1));
  const start = first.toISOString().slice(0, 10);
  const end = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
  return { start, end };
}

interface DemoPurchase {
  buyer: string;
  coop: string;
  /** Day of the month it is paid; shipped, delivered and accepted on the three days after. */
  day: number;
  /** Quantities of the cooperative's first two listed products. */
  qty: [number, number];
}

const DEMO_PURCHASES: DemoPurchase[] = [
  { buyer: 'buyer', coop: 'coop', day: 3, qty: [20, 10] },
  { buyer: 'buyer2', coop: 'coop', day: 14, qty: [12, 0] },
  { buyer: 'buyer2', coop: 'coop2', day: 6, qty: [30, 20] },
  { buyer: 'buyer', coop: 'coop2', day: 18, qty: [0, 15] },
];

const DEMO_PAYOUT_ACCOUNTS: Record<
  string,
  { accountName: string; bankName: string; branch: string; accountNo: string }
> = {
  coop: {
    accountName: '阳山县大崑镇肉鸽养殖专业合作社（演示）',
    bankName: '中国农业银行',
    branch: '阳山支行',
    accountNo: '6228480000000000031',
  },
  coop2: {
    accountName: '连山大坪镇蜂蜜猕猴桃专业合作社（演示）',
    bankName: '广东农村信用社',
    branch: '连山大坪分社',
    accountNo: '6230000000000000042',
  },
};

async function seedPastSettlement(tx: Tx, orgIds: Map<string, string>): Promise<void> {
  // Done already, or a database where the office has settled for real: a seeded settlement beside
  // it could overlap a period it settled.
  const done = await tx.execute(
    sql`select 1 where exists (select 1 from purchases where remittance_ref like ${`SH______${REF_MARK}_`})
          or exists (select 1 from settlements)`,
  );
  if (done.rows.length > 0) return;
  const office = await userOf(tx, 'office@demo.shanhai');
  const officeOrg = orgIds.get('office') ?? (await orgOf(tx, 'office@demo.shanhai'));
  const creators = new Map([
    ['buyer', await userOf(tx, 'buyer@demo.shanhai')],
    ['buyer2', await userOf(tx, 'buyer2@demo.shanhai')],
  ]);
  const coopOwners = new Map([
    ['coop', await userOf(tx, 'coop@demo.shanhai')],
    ['coop2', await userOf(tx, 'coop2@demo.shanhai')],
  ]);
  const month = demoSettlementMonth();

  // Payout accounts in force (requested by the cooperative, confirmed by the office): the
  // settlement pays only a cooperative with one.
  for (const [key, account] of Object.entries(DEMO_PAYOUT_ACCOUNTS)) {
    const coopId = orgIds.get(key)!;
    const [made] = await tx
      .insert(payoutAccounts)
      .values({
        cooperativeId: coopId,
        status: 'active',
        ...account,
        requestedBy: coopOwners.get(key)!,
        decidedBy: office,
        decidedAt: at(month.start, 9),
        createdAt: at(month.start, 8),
      })
      .onConflictDoNothing()
      .returning({ id: payoutAccounts.id });
    if (!made) continue;
    // Requested by the cooperative, confirmed by the office: both in the audit log, as the api writes them.
    await writeAudit(tx, {
      actorUserId: coopOwners.get(key)!,
      actorOrgId: coopId,
      action: 'payout_account.request',
      entityType: 'payout_account',
      entityId: made.id,
      before: null,
      after: {
        accountName: account.accountName,
        bankName: account.bankName,
        branch: account.branch,
        accountTail: account.accountNo.slice(-4),
      },
      at: at(month.start, 8),
    });
    await writeAudit(tx, {
      actorUserId: office,
      actorOrgId: officeOrg,
      action: 'payout_account.confirm',
      entityType: 'payout_account',
      entityId: made.id,
      before: { status: 'pending', replaces: null },
      after: { status: 'active', cooperativeId: coopId },
      at: at(month.start, 9),
    });
  }

  for (const [i, p] of DEMO_PURCHASES.entries()) {
    const buyerOrgId = orgIds.get(p.buyer)!;
    const cooperativeId = orgIds.get(p.coop)!;
    const listed = await tx
      .select()
      .from(products)
      .where(and(eq(products.cooperativeId, cooperativeId), eq(products.status, 'listed')))
      .orderBy(asc(products.createdAt), asc(products.id))
      .limit(2);
    const lines = listed
      .map((prod, j) => ({ prod, qty: p.qty[j] ?? 0 }))
      .filter((l) => l.qty > 0 && l.prod.basePriceFen !== null);
    if (lines.length === 0) continue;
    const totalFen = lines.reduce((s, l) => s + l.qty * l.prod.basePriceFen!, 0);
    const paidDay = addDays(month.start, p.day - 1);
    const placedAt = at(addDays(paidDay, -1), 10);
    const paidAt = at(paidDay, 11);
    const [shippedAt, deliveredAt, acceptedAt] = [1, 2, 3].map((n) => at(addDays(paidDay, n), 15));
    const ref = `SH${paidDay.slice(2).replaceAll('-', '')}${REF_MARK}${'ABCD'[i]}`;
    const [purchase] = await tx
      .insert(purchases)
      .values({
        buyerOrgId,
        createdBy: creators.get(p.buyer)!,
        status: 'paid',
        paymentMethod: 'transfer',
        totalFen,
        remittanceRef: ref,
        deliveryAddress: '广州市（演示地址）',
        expiresAt: at(addDays(paidDay, 6), 10),
        paidAt,
        createdAt: placedAt,
        updatedAt: paidAt,
      })
      .returning({ id: purchases.id });
    const [order] = await tx
      .insert(orders)
      .values({
        purchaseId: purchase!.id,
        buyerOrgId,
        cooperativeId,
        status: 'accepted',
        totalFen,
        carrier: '顺丰速运',
        trackingNo: `SF${paidDay.replaceAll('-', '')}${i + 1}`,
        shippedAt,
        deliveredAt,
        acceptedAt,
        createdAt: placedAt,
        updatedAt: acceptedAt!,
      })
      .returning({ id: orders.id });
    const orderId = order!.id;
    const inserted = await tx
      .insert(orderLines)
      .values(
        lines.map(({ prod, qty }) => ({
          orderId,
          productId: prod.id,
          townId: prod.townId,
          category: prod.category,
          nameZh: prod.nameZh,
          nameEn: prod.nameEn,
          unitLabel: prod.unitLabel,
          unitSpec: prod.unitSpec,
          unitLabelEn: prod.unitLabelEn,
          unitSpecEn: prod.unitSpecEn,
          qty,
          unitPriceFen: prod.basePriceFen!,
          lineTotalFen: qty * prod.basePriceFen!,
        })),
      )
      .returning();
    await tx.insert(payments).values({
      purchaseId: purchase!.id,
      method: 'transfer',
      status: 'succeeded',
      amountFen: totalFen,
      submittedAmountFen: totalFen,
      submittedReference: ref,
      submittedAt: at(paidDay, 9),
      confirmedBy: office,
      confirmedAt: paidAt,
      createdAt: placedAt,
      updatedAt: paidAt,
    });
    await writeAudit(tx, {
      actorUserId: office,
      actorOrgId: officeOrg,
      action: 'payment.confirm_transfer',
      entityType: 'purchase',
      entityId: purchase!.id,
      before: { status: 'awaiting_payment' },
      after: { status: 'paid', submittedAmountFen: totalFen },
      note: ref,
      at: paidAt,
    });
    const buyerUser = creators.get(p.buyer)!;
    const coopUser = coopOwners.get(p.coop)!;
    await tx.insert(orderTransitions).values([
      { orderId, fromStatus: null, toStatus: 'awaiting_payment', actorUserId: buyerUser, actor: 'user', at: placedAt },
      { orderId, fromStatus: 'awaiting_payment', toStatus: 'paid', actorUserId: office, actor: 'user', at: paidAt },
      { orderId, fromStatus: 'paid', toStatus: 'shipped', actorUserId: coopUser, actor: 'user', at: shippedAt! },
      { orderId, fromStatus: 'shipped', toStatus: 'delivered', actorUserId: coopUser, actor: 'user', at: deliveredAt! },
      {
        orderId,
        fromStatus: 'delivered',
        toStatus: 'accepted',
        actorUserId: buyerUser,
        actor: 'user',
        at: acceptedAt!,
      },
    ]);
    // The sales ledger credits a paid order line by line, as markPaidTx does.
    await appendSales(
      tx,
      lineSales(inserted, () => ({ buyerOrgId, cooperativeId }), 'sale', paidDay),
    );
    await postPayment(tx, {
      purchaseId: purchase!.id,
      method: 'transfer',
      orders: [{ id: orderId, cooperativeId, totalFen }],
      occurredAt: paidAt,
    });
    await postAcceptance(tx, {
      id: orderId,
      cooperativeId,
      totalFen,
      lines: inserted.map((l) => ({ category: l.category, lineTotalFen: l.lineTotalFen })),
      occurredAt: acceptedAt!,
    });
  }

  // The settlement of the month, run on the 2nd of the next, its payouts paid on the 3rd.
  const nextMonth = addDays(month.end, 1);
  const runAt = at(addDays(nextMonth, 1), 10);
  const paidOn = at(addDays(nextMonth, 2), 16);
  const coopIds = ['coop', 'coop2'].map((k) => orgIds.get(k)!);
  const items = await tx.execute<{
    coop: string;
    entry_id: number;
    kind: 'acceptance';
    order_id: string;
    gross: string;
    fee: string;
    net: string;
    occurred_at: Date;
  }>(sql`
    select l.org_id as coop, l.entry_id, e.kind, (array_agg(l.order_id))[1] as order_id,
      coalesce(sum(l.debit_fen) filter (where l.account = 'coop_payable_pending'), 0) as gross,
      coalesce(sum(l.credit_fen) filter (where l.account = 'fee_revenue'), 0) as fee,
      coalesce(sum(l.credit_fen) filter (where l.account = 'coop_payable_available'), 0) as net,
      min(l.occurred_at) as occurred_at
    from journal_lines l join journal_entries e on e.id = l.entry_id
    where e.kind = 'acceptance' and ${anyOf(sql`l.org_id`, coopIds, 'uuid')}
      and l.occurred_at >= ${at(month.start, 0)} and l.occurred_at < ${at(nextMonth, 0)}
    group by l.org_id, l.entry_id, e.kind
    order by min(l.occurred_at), l.entry_id`);
  const number = `JS-${addDays(nextMonth, 1).replaceAll('-', '')}-1`;
  const [s] = await tx
    .insert(settlements)
    .values({
      number,
      cadence: 'monthly',
      periodStart: month.start,
      periodEnd: month.end,
      startAt: at(month.start, 0),
      endAt: at(nextMonth, 0),
      createdBy: office,
      createdAt: runAt,
      updatedAt: runAt,
    })
    .returning({ id: settlements.id });
  const accounts = await tx
    .select()
    .from(payoutAccounts)
    .where(and(inArray(payoutAccounts.cooperativeId, coopIds), eq(payoutAccounts.status, 'active')));
  let payoutTotal = 0;
  let statementCount = 0;
  const paid: AuditEntry[] = [];
  for (const [seq, key] of ['coop', 'coop2'].entries()) {
    const coopId = orgIds.get(key)!;
    const own = items.rows.filter((r) => r.coop === coopId);
    if (own.length === 0) continue;
    const accepted = own.reduce((t, r) => t + Number(r.gross), 0);
    const fees = own.reduce((t, r) => t + Number(r.fee), 0);
    const net = own.reduce((t, r) => t + Number(r.net), 0);
    const [st] = await tx
      .insert(settlementStatements)
      .values({
        settlementId: s!.id,
        cooperativeId: coopId,
        openingFen: 0,
        closingFen: net,
        acceptedFen: accepted,
        feesFen: fees,
        refundsFen: 0,
        payoutsFen: 0,
        adjustmentsFen: 0,
        owedFen: net,
        payoutFen: net,
        createdAt: runAt,
        updatedAt: runAt,
      })
      .returning({ id: settlementStatements.id });
    statementCount += 1;
    await tx.insert(settlementItems).values(
      own.map((r) => ({
        statementId: st!.id,
        entryId: Number(r.entry_id),
        kind: r.kind,
        orderId: r.order_id,
        grossFen: Number(r.gross),
        feeFen: Number(r.fee),
        netFen: Number(r.net),
        occurredAt: new Date(r.occurred_at),
      })),
    );
    const account = accounts.find((a) => a.cooperativeId === coopId)!;
    const bankReference = `DEMO${addDays(nextMonth, 2).replaceAll('-', '')}${seq + 1}`;
    const [payout] = await tx
      .insert(payouts)
      .values({
        settlementId: s!.id,
        statementId: st!.id,
        cooperativeId: coopId,
        seq: seq + 1,
        amountFen: net,
        status: 'paid',
        payoutAccountId: account.id,
        accountName: account.accountName,
        bankName: account.bankName,
        branch: account.branch,
        accountNo: account.accountNo,
        bankReference,
        paidBy: office,
        paidAt: paidOn,
        createdAt: runAt,
        updatedAt: paidOn,
      })
      .returning({ id: payouts.id });
    await postPayout(tx, {
      payoutId: payout!.id,
      cooperativeId: coopId,
      amountFen: net,
      bankReference,
      occurredAt: paidOn,
    });
    paid.push({
      actorUserId: office,
      actorOrgId: officeOrg,
      action: 'payout.paid',
      entityType: 'payout',
      entityId: payout!.id,
      before: { status: 'pending' },
      after: { status: 'paid', bankReference, amountFen: net, bankChargeFen: 0 },
      at: paidOn,
    });
    payoutTotal += net;
  }
  await tx.update(settlements).set({ statementCount, payoutTotalFen: payoutTotal }).where(eq(settlements.id, s!.id));
  // The office's settlement run and its payouts, in its audit log as the settlements service writes them.
  await writeAudit(tx, {
    actorUserId: office,
    actorOrgId: officeOrg,
    action: 'settlement.create',
    entityType: 'settlement',
    entityId: s!.id,
    after: {
      number,
      cadence: 'monthly',
      periodStart: month.start,
      periodEnd: month.end,
      statements: statementCount,
      payouts: paid.length,
      payoutTotalFen: payoutTotal,
    },
    at: runAt,
  });
  await writeAudits(tx, paid);
}

async function orgOf(tx: Tx, email: string): Promise<string> {
  const [u] = await tx.select({ orgId: users.orgId }).from(users).where(eq(users.email, email));
  if (!u) throw new Error(`the demo user ${email} is missing`);
  return u.orgId;
}

async function userOf(tx: Tx, email: string): Promise<string> {
  const [u] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (!u) throw new Error(`the demo user ${email} is missing`);
  return u.id;
}
