import { and, asc, desc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import {
  notify,
  postBankCharge,
  postPayout,
  postPayoutBounce,
  schema,
  writeAudit,
  type Db,
  type DbOrTx,
  type Tx,
} from '@shanhai/db';
import {
  businessDate,
  DEFAULT_PAGE,
  type MarkPayoutPaidRequest,
  type PageQuery,
  type Payout,
  type PayoutStatus,
  type Settlement,
  type SettlementDetail,
  type SettlementRequest,
  type Statement,
  type StatementItem,
  type StatementSummary,
} from '@shanhai/domain';
import { afterCursor, cursorKey, pageOf, type Keyset, keysetPage } from '../../lib/cursor';
import { amountConflict, conflict, ruleBroken } from '../../lib/problem';
import type { Principal } from '../../types';

const { settlements, settlementStatements, settlementItems, payouts, orgs, orders, orderLines, purchases } = schema;

const DAY_MS = 86_400_000;
/** Number.MAX_SAFE_INTEGER as SQL: the most a sum may reach and still be read back exactly. */
const MAX_SAFE = sql.raw(`${Number.MAX_SAFE_INTEGER}::numeric`);
/** The instant a business day (Asia/Shanghai, UTC+8 all year) starts. */
const dayStart = (isoDate: string) => new Date(`${isoDate}T00:00:00+08:00`);
const addDays = (isoDate: string, n: number) =>
  new Date(Date.parse(`${isoDate}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
/** Settlements run one at a time (transaction-scoped advisory lock): two at once cannot both pay. */
const SETTLEMENT_LOCK = sql`select pg_advisory_xact_lock(hashtext('shanhai:settlements'))`;

const periodLabel = (s: { periodStart: string; periodEnd: string }) =>
  s.periodStart === s.periodEnd ? s.periodStart : `${s.periodStart} ~ ${s.periodEnd}`;

/** Where a settlement's period starts and ends, checked against its cadence. */
async function period(tx: DbOrTx, body: SettlementRequest, now: Date) {
  const today = businessDate(now);
  if (body.periodEnd > today) throw ruleBroken('body.periodEnd', 'period_in_future');
  let periodStart = body.periodStart;
  let startAt: Date;
  if (!periodStart) {
    if (body.cadence !== 'on_demand') throw ruleBroken('body.periodStart', 'required');
    // On demand continues from the end of the last settlement (or from the first journal line).
    const [last] = await tx
      .select({ endAt: settlements.endAt })
      .from(settlements)
      .where(eq(settlements.status, 'issued'))
      .orderBy(desc(settlements.endAt))
      .limit(1);
    const first = last
      ? null
      : (await tx.execute<{ at: Date | string | null }>(sql`select min(occurred_at) as at from journal_lines`)).rows[0];
    startAt = last ? last.endAt : first?.at ? new Date(first.at) : dayStart(today);
    periodStart = businessDate(startAt);
  } else startAt = dayStart(periodStart);
  if (body.cadence === 'weekly' && addDays(periodStart, 6) !== body.periodEnd)
    throw ruleBroken('body.periodEnd', 'week_length');
  if (
    body.cadence === 'monthly' &&
    (!periodStart.endsWith('-01') ||
      body.periodEnd.slice(0, 7) !== periodStart.slice(0, 7) ||
      addDays(body.periodEnd, 1).slice(0, 7) === periodStart.slice(0, 7))
  )
    throw ruleBroken('body.periodEnd', 'calendar_month');
  const dayAfter = dayStart(addDays(body.periodEnd, 1));
  const endAt = dayAfter < now ? dayAfter : now;
  if (!(startAt < endAt) || periodStart > body.periodEnd) throw ruleBroken('body.periodEnd', 'period_empty');
  return { periodStart, periodEnd: body.periodEnd, startAt, endAt };
}

/**
 * Runs a settlement: one statement per cooperative with anything in the period or anything owed,
 * listing every entry of the period that touched its payables, its available balance at the
 * start and end (from the journal), and a payout of what it earned by the end of the period less
 * what earlier payouts (waiting or paid; not bounced or voided) already cover, when it has a
 * confirmed payout account.
 *
 * Settlements take one advisory lock, then compute, write statements, items and payouts in ONE
 * statement (read committed: its snapshot is taken after the lock, so it sees every earlier
 * settlement's payouts). A settlement whose period overlaps an issued one is refused.
 */
export async function createSettlement(tx: DbOrTx, who: Principal, body: SettlementRequest, at?: Date) {
  await tx.execute(SETTLEMENT_LOCK);
  // The clock is read after the lock: a run that waited ends after the one it waited for.
  const now = at ?? new Date();
  const p = await period(tx, body, now);
  const overlapping = await tx
    .select({ number: settlements.number })
    .from(settlements)
    .where(
      and(
        eq(settlements.status, 'issued'),
        sql`${settlements.startAt} < ${p.endAt}`,
        sql`${settlements.endAt} > ${p.startAt}`,
      ),
    )
    .limit(1);
  if (overlapping[0])
    throw conflict('settlement_overlaps', `The period overlaps settlement ${overlapping[0].number}`, {
      settlement: overlapping[0].number,
    });
  const prefix = `JS-${businessDate(now).replaceAll('-', '')}-`;
  const n = await tx.$count(settlements, sql`${settlements.number} like ${`${prefix}%`}`);
  const [s] = await tx
    .insert(settlements)
    .values({
      number: `${prefix}${n + 1}`,
      cadence: body.cadence,
      periodStart: p.periodStart,
      periodEnd: p.periodEnd,
      startAt: p.startAt,
      endAt: p.endAt,
      createdBy: who.userId,
    })
    .returning();
  const res = await tx.execute<{ statements: number; payouts: number; total: string; too_large: string | null }>(sql`
    with
    avail as (
      select l.org_id as coop,
        coalesce(sum(l.credit_fen - l.debit_fen) filter (where l.occurred_at < ${p.startAt}), 0) as opening,
        sum(l.credit_fen - l.debit_fen) as closing,
        coalesce(sum(l.credit_fen - l.debit_fen) filter (where e.kind not in ('payout', 'payout_bounce')), 0) as earned
      from journal_lines l join journal_entries e on e.id = l.entry_id
      where l.account = 'coop_payable_available' and l.occurred_at < ${p.endAt}
      group by l.org_id),
    items as (
      select l.org_id as coop, l.entry_id, e.kind, (array_agg(l.order_id) filter (where l.order_id is not null))[1] as order_id,
        coalesce(sum(l.debit_fen) filter (where l.account = 'coop_payable_pending'), 0) as gross,
        coalesce(sum(l.credit_fen - l.debit_fen) filter (where l.account = 'fee_revenue'), 0) as fee,
        coalesce(sum(l.credit_fen - l.debit_fen) filter (where l.account = 'coop_payable_available'), 0) as net,
        min(l.occurred_at) as occurred_at
      from journal_lines l join journal_entries e on e.id = l.entry_id
      where l.account in ('coop_payable_pending', 'coop_payable_available', 'fee_revenue')
        and l.org_id is not null and e.kind <> 'payment'
        and l.occurred_at >= ${p.startAt} and l.occurred_at < ${p.endAt}
      group by l.org_id, l.entry_id, e.kind),
    sums as (
      select coop,
        coalesce(sum(gross) filter (where kind = 'acceptance'), 0) as accepted,
        coalesce(sum(fee), 0) as fees,
        coalesce(sum(gross) filter (where kind = 'refund'), 0) as refunds,
        coalesce(-sum(net) filter (where kind in ('payout', 'payout_bounce')), 0) as paid,
        coalesce(sum(net) filter (where kind not in ('acceptance', 'payout', 'payout_bounce')), 0) as adjustments
      from items group by coop),
    covered as (
      select cooperative_id as coop, sum(amount_fen) as s from payouts where status in ('pending', 'paid') group by 1),
    st as (
      select c.coop, coalesce(a.opening, 0) as opening, coalesce(a.closing, 0) as closing,
        coalesce(s.accepted, 0) as accepted, coalesce(s.fees, 0) as fees, coalesce(s.refunds, 0) as refunds,
        coalesce(s.paid, 0) as paid, coalesce(s.adjustments, 0) as adjustments,
        coalesce(a.earned, 0) - coalesce(v.s, 0) as owed, pa.id as account_id
      from (select coop from avail union select coop from sums) c
        left join avail a on a.coop = c.coop left join sums s on s.coop = c.coop left join covered v on v.coop = c.coop
        left join payout_accounts pa on pa.cooperative_id = c.coop and pa.status = 'active'
      where s.coop is not null or coalesce(a.closing, 0) <> 0 or coalesce(a.earned, 0) - coalesce(v.s, 0) <> 0),
    -- Every sum is numeric here; each must fit a JS number before anything is written (issue 13).
    too_large as (
      select field from (
        select 1 as k, 'openingFen' as field from st where abs(opening) > ${MAX_SAFE}
        union all select 2, 'closingFen' from st where abs(closing) > ${MAX_SAFE}
        union all select 3, 'acceptedFen' from st where abs(accepted) > ${MAX_SAFE}
        union all select 4, 'feesFen' from st where abs(fees) > ${MAX_SAFE}
        union all select 5, 'refundsFen' from st where abs(refunds) > ${MAX_SAFE}
        union all select 6, 'payoutsFen' from st where abs(paid) > ${MAX_SAFE}
        union all select 7, 'adjustmentsFen' from st where abs(adjustments) > ${MAX_SAFE}
        union all select 8, 'owedFen' from st where abs(owed) > ${MAX_SAFE}
        union all select 9, 'items' from items where greatest(abs(gross), abs(fee), abs(net)) > ${MAX_SAFE}
        union all select 10, 'payoutTotalFen' from st
          having coalesce(sum(owed) filter (where owed > 0 and account_id is not null), 0) > ${MAX_SAFE}
      ) f order by k limit 1),
    ins_st as (
      insert into settlement_statements (settlement_id, cooperative_id, opening_fen, closing_fen, accepted_fen, fees_fen,
        refunds_fen, payouts_fen, adjustments_fen, owed_fen, payout_fen)
      select ${s!.id}, coop, opening, closing, accepted, fees, refunds, paid, adjustments, owed,
        case when owed > 0 and account_id is not null then owed else 0 end
      from st where not exists (select 1 from too_large)
      returning id, cooperative_id, payout_fen),
    ins_items as (
      insert into settlement_items (statement_id, entry_id, kind, order_id, gross_fen, fee_fen, net_fen, occurred_at)
      select t.id, i.entry_id, i.kind, i.order_id, i.gross, i.fee, i.net, i.occurred_at
      from items i join ins_st t on t.cooperative_id = i.coop
      returning 1),
    ins_pay as (
      insert into payouts (settlement_id, statement_id, cooperative_id, seq, amount_fen, payout_account_id,
        account_name, bank_name, branch, account_no)
      select ${s!.id}, t.id, t.cooperative_id, row_number() over (order by o.name, o.id), t.payout_fen, pa.id,
        pa.account_name, pa.bank_name, pa.branch, pa.account_no
      from ins_st t join payout_accounts pa on pa.cooperative_id = t.cooperative_id and pa.status = 'active'
        join orgs o on o.id = t.cooperative_id
      where t.payout_fen > 0
      returning amount_fen)
    select (select count(*) from ins_st)::int as statements, (select count(*) from ins_items)::int as items,
      (select count(*) from ins_pay)::int as payouts, (select coalesce(sum(amount_fen), 0) from ins_pay)::text as total,
      (select field from too_large) as too_large`);
  const r = res.rows[0]!;
  // Nothing was written by the statement; the caller's transaction takes back the settlement row.
  if (r.too_large) throw amountConflict(`settlement.${r.too_large}`);
  await tx
    .update(settlements)
    .set({ statementCount: r.statements, payoutTotalFen: Number(r.total) })
    .where(eq(settlements.id, s!.id));
  await writeAudit(tx, {
    actorUserId: who.userId,
    actorOrgId: who.orgId,
    action: 'settlement.create',
    entityType: 'settlement',
    entityId: s!.id,
    after: {
      number: s!.number,
      cadence: body.cadence,
      periodStart: p.periodStart,
      periodEnd: p.periodEnd,
      statements: r.statements,
      payouts: r.payouts,
      payoutTotalFen: Number(r.total),
    },
  });
  // Each cooperative is told of its statement, with what it will be paid.
  const issued = await tx
    .select({
      id: settlementStatements.id,
      coop: settlementStatements.cooperativeId,
      payoutFen: settlementStatements.payoutFen,
    })
    .from(settlementStatements)
    .where(eq(settlementStatements.settlementId, s!.id));
  for (const st of issued)
    await notify(tx, {
      kind: 'settlement.issued',
      orgId: st.coop,
      roles: ['owner', 'manager'],
      subject: { type: 'statement', id: st.id },
      link: `/coop/statements/${st.id}`,
      params: { period: periodLabel(p), totalFen: st.payoutFen },
    });
  return s!.id;
}

// The outer row is named in full: in a one-table select drizzle writes ${settlements.id} as a bare
// "id", which inside the subquery would be the payout's own id (and count nothing).
const payoutCount = sql<number>`(select count(*) from payouts p where p.settlement_id = settlements.id and p.status <> 'voided')::int`;
const paidCount = sql<number>`(select count(*) from payouts p where p.settlement_id = settlements.id and p.status = 'paid')::int`;

function toSettlement(
  s: typeof settlements.$inferSelect,
  counts: { payoutCount: number; paidCount: number },
): Settlement {
  return {
    id: s.id,
    number: s.number,
    cadence: s.cadence,
    periodStart: s.periodStart,
    periodEnd: s.periodEnd,
    startAt: s.startAt.toISOString(),
    endAt: s.endAt.toISOString(),
    status: s.status,
    statementCount: s.statementCount,
    payoutTotalFen: s.payoutTotalFen,
    payoutCount: counts.payoutCount,
    paidCount: counts.paidCount,
    createdAt: s.createdAt.toISOString(),
    voidedAt: s.voidedAt?.toISOString() ?? null,
    voidReason: s.voidReason,
  };
}

/** Settlements, the newest period first. */
const SETTLEMENTS_KEYSET: Keyset = {
  name: 'settlements',
  keys: [
    { expr: settlements.endAt, type: 'timestamptz' },
    { expr: settlements.createdAt, type: 'timestamptz' },
    { expr: settlements.id, type: 'uuid' },
  ],
};

/** One page of the settlements, the newest period first. */
export async function listSettlements(
  db: DbOrTx,
  page: PageQuery,
): Promise<{ items: Settlement[]; nextCursor: string | null }> {
  const rows = await keysetPage(
    db
      .select({ s: settlements, payoutCount, paidCount, cursorKey: cursorKey(SETTLEMENTS_KEYSET) })
      .from(settlements)
      .$dynamic(),
    SETTLEMENTS_KEYSET,
    page,
  );
  const { items, nextCursor } = pageOf(SETTLEMENTS_KEYSET, rows, page.limit);
  return { items: items.map((r) => toSettlement(r.s, r)), nextCursor };
}

/**
 * The payouts of a settlement still to send, in sequence, fetched a page at a time: the bank file
 * holds every one of them, however many cooperatives a settlement pays.
 */
export async function* pendingPayouts(db: DbOrTx, settlementId: string, batch = 500): AsyncGenerator<Payout> {
  let after = 0;
  for (;;) {
    const page = await loadPayouts(
      db,
      and(eq(payouts.settlementId, settlementId), eq(payouts.status, 'pending'), gt(payouts.seq, after)),
      batch,
    );
    yield* page;
    if (page.length < batch) return;
    after = page.at(-1)!.seq;
  }
}

/** Payouts by settlement, the newest period first, and in their sequence within one. */
const PAYOUTS_KEYSET: Keyset = {
  name: 'payouts',
  keys: [
    { expr: settlements.endAt, type: 'timestamptz' },
    { expr: payouts.settlementId, type: 'uuid' },
    { expr: payouts.seq, type: 'bigint', order: 'asc' },
    { expr: payouts.id, type: 'uuid', order: 'asc' },
  ],
};

/**
 * One settlement's payouts in their bank-file sequence. The settlement's id is in the list's name,
 * so another settlement's cursor (or one of GET /payouts) is foreign here: a 400, never a page of
 * the wrong rows.
 */
const settlementPayoutsKeyset = (settlementId: string): Keyset => ({
  name: `settlement-payouts:${settlementId}`,
  keys: [
    { expr: payouts.seq, type: 'bigint', order: 'asc' },
    { expr: payouts.id, type: 'uuid', order: 'asc' },
  ],
});

/** Payouts as the api shows them, in the keyset's order from the cursor, `limit` + 1 at most. */
async function payoutRows(
  db: DbOrTx,
  where: SQL | undefined,
  page: { cursor?: string | undefined; limit: number },
  ks: Keyset = PAYOUTS_KEYSET,
) {
  const rows = await keysetPage(
    db
      .select({
        p: payouts,
        number: settlements.number,
        cooperativeName: orgs.name,
        cursorKey: cursorKey(ks),
      })
      .from(payouts)
      .innerJoin(settlements, eq(settlements.id, payouts.settlementId))
      .innerJoin(orgs, eq(orgs.id, payouts.cooperativeId))
      .$dynamic(),
    ks,
    page,
    where,
  );
  return rows.map(({ p, number, cooperativeName, cursorKey }) => ({
    ...payoutOut(p, number, cooperativeName),
    cursorKey,
  }));
}

/** Payouts as the api shows them (one statement's, or a batch of a settlement's pending ones), `limit` at most. */
async function loadPayouts(db: DbOrTx, where: SQL | undefined, limit: number): Promise<Payout[]> {
  const rows = await payoutRows(db, where, { limit });
  return rows.slice(0, limit).map(({ cursorKey: _, ...p }) => p);
}

function payoutOut(p: typeof payouts.$inferSelect, number: string, cooperativeName: string): Payout {
  return {
    id: p.id,
    settlementId: p.settlementId,
    settlementNumber: number,
    statementId: p.statementId,
    cooperativeId: p.cooperativeId,
    cooperativeName,
    seq: p.seq,
    amountFen: p.amountFen,
    status: p.status,
    accountName: p.accountName,
    bankName: p.bankName,
    branch: p.branch,
    accountNo: p.accountNo,
    bankReference: p.bankReference,
    bankChargeFen: p.bankChargeFen,
    paidAt: p.paidAt?.toISOString() ?? null,
    bouncedAt: p.bouncedAt?.toISOString() ?? null,
    bounceReason: p.bounceReason,
  };
}

/** One page of the payouts: a cooperative's own, every one for the office; by status. */
export async function listPayouts(
  db: DbOrTx,
  who: Principal,
  f: { status?: PayoutStatus | undefined } & PageQuery,
): Promise<{ items: Payout[]; nextCursor: string | null }> {
  const where = and(
    who.orgKind === 'office' ? undefined : eq(payouts.cooperativeId, who.orgId),
    f.status ? eq(payouts.status, f.status) : undefined,
  );
  const { items, nextCursor } = pageOf(PAYOUTS_KEYSET, await payoutRows(db, where, f), f.limit);
  return { items: items.map(({ cursorKey: _, ...p }) => p), nextCursor };
}

/** Statements by settlement, the newest period first, and by cooperative name within one. */
const STATEMENTS_KEYSET: Keyset = {
  name: 'statements',
  keys: [
    { expr: settlements.endAt, type: 'timestamptz' },
    { expr: settlementStatements.settlementId, type: 'uuid' },
    { expr: orgs.name, type: 'text', order: 'asc' },
    { expr: settlementStatements.id, type: 'uuid', order: 'asc' },
  ],
};

/** One settlement's statements by cooperative name; its id in the name makes other lists' cursors foreign. */
const settlementStatementsKeyset = (settlementId: string): Keyset => ({
  name: `settlement-statements:${settlementId}`,
  keys: [
    { expr: orgs.name, type: 'text', order: 'asc' },
    { expr: settlementStatements.id, type: 'uuid', order: 'asc' },
  ],
});

async function statementRows(
  db: DbOrTx,
  where: SQL | undefined,
  page: { cursor?: string | undefined; limit: number },
  ks: Keyset = STATEMENTS_KEYSET,
) {
  const rows = await keysetPage(
    db
      .select({
        st: settlementStatements,
        s: settlements,
        cooperativeName: orgs.name,
        payoutStatus: payouts.status,
        cursorKey: cursorKey(ks),
      })
      .from(settlementStatements)
      .innerJoin(settlements, eq(settlements.id, settlementStatements.settlementId))
      .innerJoin(orgs, eq(orgs.id, settlementStatements.cooperativeId))
      .leftJoin(payouts, eq(payouts.statementId, settlementStatements.id))
      .$dynamic(),
    ks,
    page,
    where,
  );
  return rows.map((r) => ({ ...statementOut(r), cursorKey: r.cursorKey }));
}

/** One statement as the api shows it (by its id, in the caller's scope). */
async function loadStatement(db: DbOrTx, where: SQL | undefined): Promise<StatementSummary | undefined> {
  const [row] = await statementRows(db, where, { limit: 1 });
  if (!row) return undefined;
  const { cursorKey: _, ...st } = row;
  return st;
}

function statementOut({
  st,
  s,
  cooperativeName,
  payoutStatus,
}: {
  st: typeof settlementStatements.$inferSelect;
  s: typeof settlements.$inferSelect;
  cooperativeName: string;
  payoutStatus: (typeof payouts.$inferSelect)['status'] | null;
}): StatementSummary {
  return {
    id: st.id,
    settlementId: s.id,
    settlementNumber: s.number,
    settlementStatus: s.status,
    cooperativeId: st.cooperativeId,
    cooperativeName,
    periodStart: s.periodStart,
    periodEnd: s.periodEnd,
    openingFen: st.openingFen,
    acceptedFen: st.acceptedFen,
    feesFen: st.feesFen,
    refundsFen: st.refundsFen,
    payoutsFen: st.payoutsFen,
    adjustmentsFen: st.adjustmentsFen,
    closingFen: st.closingFen,
    owedFen: st.owedFen,
    payoutFen: st.payoutFen,
    payoutStatus,
    createdAt: st.createdAt.toISOString(),
  };
}

const settlementExists = async (db: DbOrTx, id: string) =>
  (await db.select({ id: settlements.id }).from(settlements).where(eq(settlements.id, id))).length > 0;

/** One page of a settlement's statements, by cooperative name; null when there is no such settlement. */
export async function settlementStatementsPage(
  db: DbOrTx,
  id: string,
  page: PageQuery,
): Promise<{ items: StatementSummary[]; nextCursor: string | null } | null> {
  const ks = settlementStatementsKeyset(id);
  // The cursor is checked first: a foreign one is a 400 whether or not the settlement exists.
  afterCursor(ks, page.cursor);
  if (!(await settlementExists(db, id))) return null;
  const rows = await statementRows(db, eq(settlementStatements.settlementId, id), page, ks);
  const { items, nextCursor } = pageOf(ks, rows, page.limit);
  return { items: items.map(({ cursorKey: _, ...st }) => st), nextCursor };
}

/** One page of a settlement's payouts, in their bank-file sequence; null when there is no such settlement. */
export async function settlementPayoutsPage(
  db: DbOrTx,
  id: string,
  page: PageQuery,
): Promise<{ items: Payout[]; nextCursor: string | null } | null> {
  const ks = settlementPayoutsKeyset(id);
  afterCursor(ks, page.cursor);
  if (!(await settlementExists(db, id))) return null;
  const rows = await payoutRows(db, eq(payouts.settlementId, id), page, ks);
  const { items, nextCursor } = pageOf(ks, rows, page.limit);
  return { items: items.map(({ cursorKey: _, ...p }) => p), nextCursor };
}

/**
 * A settlement with the first page of its statements and of its payouts, and the cursors of the
 * rest (GET /settlements/{id}/statements and /payouts): never a list cut short without saying so.
 */
export async function settlementDetail(db: DbOrTx, id: string, limit = DEFAULT_PAGE): Promise<SettlementDetail | null> {
  const [row] = await db
    .select({ s: settlements, payoutCount, paidCount })
    .from(settlements)
    .where(eq(settlements.id, id));
  if (!row) return null;
  const statementsPage = (await settlementStatementsPage(db, id, { limit }))!;
  const payoutsPage = (await settlementPayoutsPage(db, id, { limit }))!;
  return {
    ...toSettlement(row.s, row),
    statements: statementsPage.items,
    statementsNextCursor: statementsPage.nextCursor,
    payouts: payoutsPage.items,
    payoutsNextCursor: payoutsPage.nextCursor,
  };
}

/** A cooperative's statements (its own only); the office's of every cooperative. */
export async function listStatements(
  db: DbOrTx,
  who: Principal,
  page: PageQuery,
): Promise<{ items: StatementSummary[]; nextCursor: string | null }> {
  const where = who.orgKind === 'office' ? undefined : eq(settlementStatements.cooperativeId, who.orgId);
  const { items, nextCursor } = pageOf(STATEMENTS_KEYSET, await statementRows(db, where, page), page.limit);
  return { items: items.map(({ cursorKey: _, ...st }) => st), nextCursor };
}

/** One statement with its items (and each accepted order's lines) and its payout; null if not the caller's. */
export async function statementDetail(db: DbOrTx, who: Principal, id: string): Promise<Statement | null> {
  const scope = who.orgKind === 'office' ? undefined : eq(settlementStatements.cooperativeId, who.orgId);
  const summary = await loadStatement(db, and(eq(settlementStatements.id, id), scope));
  if (!summary) return null;
  const items = await db
    .select({ i: settlementItems, ref: purchases.remittanceRef, buyerName: orgs.name })
    .from(settlementItems)
    .leftJoin(orders, eq(orders.id, settlementItems.orderId))
    .leftJoin(purchases, eq(purchases.id, orders.purchaseId))
    .leftJoin(orgs, eq(orgs.id, orders.buyerOrgId))
    .where(eq(settlementItems.statementId, id))
    .orderBy(asc(settlementItems.occurredAt), asc(settlementItems.entryId));
  const orderIds = [...new Set(items.filter((x) => x.i.kind === 'acceptance' && x.i.orderId).map((x) => x.i.orderId!))];
  const lines =
    orderIds.length === 0
      ? []
      : await db
          .select()
          .from(orderLines)
          .where(inArray(orderLines.orderId, orderIds))
          .orderBy(asc(orderLines.orderId), asc(orderLines.id));
  // A statement has one payout at most (payouts_statement_key).
  const [payout] = await loadPayouts(db, eq(payouts.statementId, id), 1);
  return {
    ...summary,
    items: items.map(({ i, ref, buyerName }): StatementItem => ({
      entryId: i.entryId,
      kind: i.kind,
      orderId: i.orderId,
      ref: ref ?? null,
      buyerName: buyerName ?? null,
      grossFen: i.grossFen,
      feeFen: i.feeFen,
      netFen: i.netFen,
      occurredAt: i.occurredAt.toISOString(),
      lines:
        i.kind === 'acceptance'
          ? lines
              .filter((l) => l.orderId === i.orderId)
              .map((l) => ({
                productName: l.nameZh,
                unit: l.unitLabel,
                qty: l.qty,
                unitPriceFen: l.unitPriceFen,
                lineTotalFen: l.lineTotalFen,
              }))
          : [],
    })),
    payout: payout ?? null,
  };
}

/**
 * Voids a settlement whose payouts were not sent: its waiting payouts are voided, so what they
 * covered is owed again and the next settlement pays it. A settlement with a paid payout cannot
 * be voided (bounce the payout first). Waits for marks in progress (they share the row lock).
 */
export async function voidSettlement(db: Db, who: Principal, id: string, reason: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [s] = await tx.select().from(settlements).where(eq(settlements.id, id)).for('update');
    if (!s) return false;
    if (s.status === 'voided') throw conflict('settlement_voided', `Settlement ${s.number} is voided already`);
    const paid = await tx.$count(payouts, and(eq(payouts.settlementId, id), eq(payouts.status, 'paid')));
    if (paid > 0)
      throw conflict('settlement_has_paid_payouts', `${paid} payout(s) of settlement ${s.number} were paid`, { paid });
    await tx
      .update(payouts)
      .set({ status: 'voided' })
      .where(and(eq(payouts.settlementId, id), eq(payouts.status, 'pending')));
    await tx
      .update(settlements)
      .set({ status: 'voided', voidedBy: who.userId, voidedAt: new Date(), voidReason: reason })
      .where(eq(settlements.id, id));
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'settlement.void',
      entityType: 'settlement',
      entityId: id,
      before: { status: 'issued' },
      after: { status: 'voided' },
      note: reason,
    });
    return true;
  });
}

/**
 * Locks a payout for a decision: its settlement first (shared, so a void waits and marks of
 * other payouts do not), then the payout. null when there is none.
 */
async function lockPayout(tx: Tx, id: string) {
  const [ref] = await tx.select({ settlementId: payouts.settlementId }).from(payouts).where(eq(payouts.id, id));
  if (!ref) return null;
  const [s] = await tx.select().from(settlements).where(eq(settlements.id, ref.settlementId)).for('share');
  const [p] = await tx.select().from(payouts).where(eq(payouts.id, id)).for('update');
  return { s: s!, p: p! };
}

/**
 * The office sent a payout: marked paid with the bank's reference, and the payout entry (and the
 * bank's charge, if any) posted in the same transaction. Marking twice, or a payout of a voided
 * settlement, is refused (409).
 */
export async function markPaid(db: Db, who: Principal, id: string, body: MarkPayoutPaidRequest): Promise<boolean> {
  return db.transaction(async (tx) => {
    const locked = await lockPayout(tx, id);
    if (!locked) return false;
    const { s, p } = locked;
    if (s.status === 'voided') throw conflict('settlement_voided', `Settlement ${s.number} was voided`);
    if (p.status !== 'pending')
      throw conflict('payout_not_pending', `This payout is ${p.status}`, { payoutStatus: p.status });
    const now = new Date();
    await tx
      .update(payouts)
      .set({
        status: 'paid',
        bankReference: body.bankReference,
        bankChargeFen: body.bankChargeFen,
        paidBy: who.userId,
        paidAt: now,
      })
      .where(eq(payouts.id, id));
    await postPayout(tx, {
      payoutId: id,
      cooperativeId: p.cooperativeId,
      amountFen: p.amountFen,
      bankReference: body.bankReference,
    });
    if (body.bankChargeFen > 0)
      await postBankCharge(tx, {
        ref: `payout:${id}`,
        amountFen: body.bankChargeFen,
        memo: `payout ${s.number}/${p.seq} ${body.bankReference}`,
      });
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'payout.paid',
      entityType: 'payout',
      entityId: id,
      before: { status: 'pending' },
      after: {
        status: 'paid',
        bankReference: body.bankReference,
        amountFen: p.amountFen,
        bankChargeFen: body.bankChargeFen,
      },
    });
    await notify(tx, {
      kind: 'payout.paid',
      orgId: p.cooperativeId,
      roles: ['owner', 'manager'],
      subject: { type: 'payout', id },
      link: `/coop/statements/${p.statementId}`,
      params: { period: periodLabel(s), amountFen: p.amountFen, bankRef: body.bankReference },
    });
    return true;
  });
}

/** The bank returned a paid payout: recorded, and the amount is available again (the next settlement pays it). */
export async function bounce(db: Db, who: Principal, id: string, reason: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const locked = await lockPayout(tx, id);
    if (!locked) return false;
    const { s, p } = locked;
    if (p.status !== 'paid')
      throw conflict('payout_not_paid', `Only a paid payout can bounce; this one is ${p.status}`, {
        payoutStatus: p.status,
      });
    await tx
      .update(payouts)
      .set({ status: 'bounced', bouncedAt: new Date(), bounceReason: reason })
      .where(eq(payouts.id, id));
    await postPayoutBounce(tx, { payoutId: id, cooperativeId: p.cooperativeId, amountFen: p.amountFen, reason });
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'payout.bounce',
      entityType: 'payout',
      entityId: id,
      before: { status: 'paid' },
      after: { status: 'bounced', amountFen: p.amountFen },
      note: reason,
    });
    await notify(tx, {
      kind: 'payout.bounced',
      orgId: p.cooperativeId,
      roles: ['owner', 'manager'],
      subject: { type: 'payout', id },
      link: `/coop/statements/${p.statementId}`,
      params: { period: periodLabel(s), amountFen: p.amountFen, reason },
    });
    return true;
  });
}
