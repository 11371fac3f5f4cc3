import { and, eq, gte, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Category } from '@shanhai/domain';
import type { DbOrTx, Tx } from './client';
import { accountBalances, feeRates, journalEntries, journalLines, moneySettings } from './schema/journal';
import { payouts } from './schema/settlements';

export type JournalAccount = (typeof journalLines.$inferSelect)['account'];
export type JournalEntryKind = (typeof journalEntries.$inferSelect)['kind'];

/** The platform bank account every transfer lands in, until there are several. */
export const DEFAULT_BANK_REF = 'default';
/** Fee rates are basis points: 10,000 bps = 100%. */
export const BPS = 10_000;

export interface PostLine {
  account: JournalAccount;
  orgId?: string | null;
  bankRef?: string | null;
  orderId?: string | null;
  debitFen?: number;
  creditFen?: number;
}

export interface PostEntry {
  kind: JournalEntryKind;
  /** The row the event happened to; with `kind` it makes the idempotency key. */
  sourceType: string;
  sourceId: string;
  lines: PostLine[];
  memo?: string | null;
  reversesEntryId?: number | null;
  occurredAt?: Date;
}

/** An entry whose lines do not balance, or a line that is not a positive safe integer on one side. */
export class UnbalancedEntryError extends Error {
  override name = 'UnbalancedEntryError';
}

export function entryKey(e: Pick<PostEntry, 'kind' | 'sourceType' | 'sourceId'>): string {
  return `${e.kind}:${e.sourceType}:${e.sourceId}`;
}

function checkLines(lines: PostLine[]): PostLine[] {
  let debits = 0;
  let credits = 0;
  const kept: PostLine[] = [];
  for (const l of lines) {
    const d = l.debitFen ?? 0;
    const c = l.creditFen ?? 0;
    if (!Number.isSafeInteger(d) || !Number.isSafeInteger(c) || d < 0 || c < 0 || (d > 0 && c > 0))
      throw new UnbalancedEntryError(
        `a journal line carries a debit or a credit of whole, non-negative fen: ${d}/${c}`,
      );
    // A zero line (a fee of 0, say) says nothing: it is left out.
    if (d === 0 && c === 0) continue;
    debits += d;
    credits += c;
    kept.push(l);
  }
  if (debits !== credits) throw new UnbalancedEntryError(`debits ${debits} fen ≠ credits ${credits} fen`);
  return kept;
}

/** Rows per insert of entries and lines: far below PostgreSQL's 65,535 parameters a statement. */
const POST_CHUNK = 1_000;

/**
 * Posts one balanced entry in the caller's transaction (a transaction: the database checks the
 * balance at its commit, so an entry cannot be posted statement by statement) and adds its lines to the running
 * balances. Refuses an unbalanced entry (and the database refuses one at commit too). The same
 * event (kind, source) posts once: a second call returns null and changes nothing, so duplicate
 * webhooks, double clicks and two workers post once. Balance rows are updated in a fixed order,
 * so two posts never deadlock on them. Returns the new entry id.
 */
export async function postEntry(tx: Tx, e: PostEntry): Promise<number | null> {
  return (await postEntries(tx, [e]))[0]!;
}

/**
 * postEntry for many events at once, the same rules for each (an entry posts once per event, a
 * second one of the same event in the list too gets null), in a few statements whatever their
 * number: the entries, their lines, and one upsert of the running balances they touch, summed per
 * balance row and in the fixed order. Returns each entry's id or null, in the order given.
 */
export async function postEntries(tx: Tx, es: PostEntry[]): Promise<(number | null)[]> {
  const checked = es.map((e) => {
    const lines = checkLines(e.lines);
    if (lines.length === 1) throw new UnbalancedEntryError('an entry needs at least two lines');
    return { e, key: entryKey(e), lines, occurredAt: e.occurredAt ?? new Date() };
  });
  const toPost = checked.filter((c) => c.lines.length > 0);
  const ids = new Map<string, number>();
  for (let i = 0; i < toPost.length; i += POST_CHUNK) {
    const added = await tx
      .insert(journalEntries)
      .values(
        toPost.slice(i, i + POST_CHUNK).map(({ e, key, occurredAt }) => ({
          kind: e.kind,
          sourceType: e.sourceType,
          sourceId: e.sourceId,
          idempotencyKey: key,
          reversesEntryId: e.reversesEntryId ?? null,
          memo: e.memo ?? null,
          occurredAt,
        })),
      )
      .onConflictDoNothing({ target: journalEntries.idempotencyKey })
      .returning({ id: journalEntries.id, key: journalEntries.idempotencyKey });
    for (const a of added) ids.set(a.key, a.id);
  }
  // The first of the list for each event is the one posted; a repeat of it gets null like a replay.
  const out: (number | null)[] = [];
  const posted: ((typeof checked)[number] & { id: number })[] = [];
  for (const c of checked) {
    const id = ids.get(c.key);
    if (id === undefined) {
      out.push(null);
      continue;
    }
    ids.delete(c.key);
    out.push(id);
    posted.push({ ...c, id });
  }
  const rows = posted.flatMap((c) =>
    c.lines.map((l) => ({
      entryId: c.id,
      account: l.account,
      orgId: l.orgId ?? null,
      bankRef: l.bankRef ?? null,
      orderId: l.orderId ?? null,
      debitFen: l.debitFen ?? 0,
      creditFen: l.creditFen ?? 0,
      occurredAt: c.occurredAt,
    })),
  );
  for (let i = 0; i < rows.length; i += POST_CHUNK) await tx.insert(journalLines).values(rows.slice(i, i + POST_CHUNK));
  const totals = new Map<
    string,
    { account: JournalAccount; orgId: string | null; bankRef: string | null; d: number; c: number; n: number }
  >();
  for (const l of posted.flatMap((c) => c.lines)) {
    const k = `${l.account}|${l.orgId ?? ''}|${l.bankRef ?? ''}`;
    const t = totals.get(k) ?? {
      account: l.account,
      orgId: l.orgId ?? null,
      bankRef: l.bankRef ?? null,
      d: 0,
      c: 0,
      n: 0,
    };
    t.d += l.debitFen ?? 0;
    t.c += l.creditFen ?? 0;
    t.n += 1;
    totals.set(k, t);
  }
  if (totals.size > 0) {
    // One statement, its rows in the fixed order of the keys (unnest keeps the arrays' order).
    const ts = [...totals.keys()].sort().map((k) => totals.get(k)!);
    await tx.execute(sql`
      insert into account_balances (account, org_id, bank_ref, debit_fen, credit_fen, line_count, updated_at)
      select t.account::journal_account, t.org_id, t.bank_ref, t.d, t.c, t.n, now()
      from unnest(${sql.param(ts.map((t) => t.account))}::text[], ${sql.param(ts.map((t) => t.orgId))}::uuid[],
        ${sql.param(ts.map((t) => t.bankRef))}::text[], ${sql.param(ts.map((t) => t.d))}::bigint[],
        ${sql.param(ts.map((t) => t.c))}::bigint[], ${sql.param(ts.map((t) => t.n))}::int[])
        with ordinality as t(account, org_id, bank_ref, d, c, n, ord)
      order by t.ord
      on conflict on constraint account_balances_key do update set
        debit_fen = account_balances.debit_fen + excluded.debit_fen,
        credit_fen = account_balances.credit_fen + excluded.credit_fen,
        line_count = account_balances.line_count + excluded.line_count,
        updated_at = now()`);
  }
  return out;
}

/** Posts the mirror of an entry (debits become credits), pointing at it. Once per entry. */
export async function reverseEntry(tx: Tx, entryId: number, memo: string): Promise<number | null> {
  const lines = await tx.select().from(journalLines).where(eq(journalLines.entryId, entryId));
  if (lines.length === 0) return null;
  return postEntry(tx, {
    kind: 'reversal',
    sourceType: 'entry',
    sourceId: String(entryId),
    reversesEntryId: entryId,
    memo,
    lines: lines.map((l) => ({
      account: l.account,
      orgId: l.orgId,
      bankRef: l.bankRef,
      orderId: l.orderId,
      debitFen: l.creditFen,
      creditFen: l.debitFen,
    })),
  });
}

export interface PaidOrder {
  id: string;
  cooperativeId: string;
  totalFen: number;
}

/**
 * Payment received (transfer confirmed or card succeeded): the money is in the platform's bank
 * (or Stripe's clearing) and each cooperative is owed its order, pending the buyer's acceptance.
 */
export function paymentEntry(p: {
  purchaseId: string;
  method: 'transfer' | 'card';
  orders: PaidOrder[];
  occurredAt?: Date;
}): PostEntry {
  const total = p.orders.reduce((s, o) => s + o.totalFen, 0);
  return {
    kind: 'payment',
    sourceType: 'purchase',
    sourceId: p.purchaseId,
    ...(p.occurredAt ? { occurredAt: p.occurredAt } : {}),
    lines: [
      p.method === 'transfer'
        ? { account: 'platform_bank', bankRef: DEFAULT_BANK_REF, debitFen: total }
        : { account: 'card_clearing', debitFen: total },
      ...p.orders.map((o) => ({
        account: 'coop_payable_pending' as const,
        orgId: o.cooperativeId,
        orderId: o.id,
        creditFen: o.totalFen,
      })),
    ],
  };
}

/** Posts a payment's entry (paymentEntry). */
export function postPayment(
  tx: Tx,
  p: { purchaseId: string; method: 'transfer' | 'card'; orders: PaidOrder[]; occurredAt?: Date },
) {
  return postEntry(tx, paymentEntry(p));
}

/** The fee (fen) on an order's lines: each line at its cooperative's rate, else its category's, else 0. */
export async function orderFeeFen(
  tx: DbOrTx,
  cooperativeId: string,
  lines: { category: Category; lineTotalFen: number }[],
): Promise<number> {
  const rates = await tx
    .select({ cooperativeId: feeRates.cooperativeId, category: feeRates.category, rateBps: feeRates.rateBps })
    .from(feeRates)
    .where(
      or(
        eq(feeRates.cooperativeId, cooperativeId),
        and(isNull(feeRates.cooperativeId), inArray(feeRates.category, [...new Set(lines.map((l) => l.category))])),
      ),
    );
  const own = rates.find((r) => r.cooperativeId === cooperativeId)?.rateBps;
  const byCategory = new Map(rates.filter((r) => r.category).map((r) => [r.category!, r.rateBps]));
  let fee = 0;
  for (const l of lines) {
    const bps = own ?? byCategory.get(l.category) ?? 0;
    // Half up to the fen, per line, so a statement's fee column adds up line by line.
    fee += Math.floor((l.lineTotalFen * bps + BPS / 2) / BPS);
  }
  return fee;
}

/**
 * Buyer acceptance (验收, by the buyer or automatically): the cooperative's share becomes
 * available, less the platform's fee. Returns the entry id (null if posted already) and the fee.
 */
export async function postAcceptance(
  tx: Tx,
  o: PaidOrder & { lines: { category: Category; lineTotalFen: number }[]; occurredAt?: Date },
): Promise<{ entryId: number | null; feeFen: number }> {
  const feeFen = await orderFeeFen(tx, o.cooperativeId, o.lines);
  const entryId = await postEntry(tx, {
    kind: 'acceptance',
    sourceType: 'order',
    sourceId: o.id,
    ...(o.occurredAt ? { occurredAt: o.occurredAt } : {}),
    lines: [
      { account: 'coop_payable_pending', orgId: o.cooperativeId, orderId: o.id, debitFen: o.totalFen },
      {
        account: 'coop_payable_available',
        orgId: o.cooperativeId,
        orderId: o.id,
        creditFen: o.totalFen - feeFen,
      },
      { account: 'fee_revenue', orgId: o.cooperativeId, orderId: o.id, creditFen: feeFen },
    ],
  });
  return { entryId, feeFen };
}

/**
 * A refund of a paid, not accepted order (a post-payment cancellation or a disputed delivery):
 * the cooperative is no longer owed it. A card refund goes back through Stripe at once; a transfer
 * refund is owed to the buyer until the office sends it.
 */
export function postRefund(tx: Tx, r: { order: PaidOrder & { buyerOrgId: string }; method: 'transfer' | 'card' }) {
  const o = r.order;
  return postEntry(tx, {
    kind: 'refund',
    sourceType: 'order',
    sourceId: o.id,
    lines: [
      { account: 'coop_payable_pending', orgId: o.cooperativeId, orderId: o.id, debitFen: o.totalFen },
      r.method === 'card'
        ? { account: 'card_clearing', orderId: o.id, creditFen: o.totalFen }
        : { account: 'refunds_payable', orgId: o.buyerOrgId, orderId: o.id, creditFen: o.totalFen },
    ],
  });
}

/**
 * A card payment that arrived after its purchase ended, refunded whole at once: the money came in
 * for no order and went straight back. Both legs are posted so the journal shows it passed through.
 */
export function postLatePaymentRefund(tx: Tx, r: { paymentIntentId: string; buyerOrgId: string; amountFen: number }) {
  return postEntry(tx, {
    kind: 'late_payment_refund',
    sourceType: 'payment_intent',
    sourceId: r.paymentIntentId,
    lines: [
      { account: 'card_clearing', debitFen: r.amountFen },
      { account: 'buyer_funds_held', orgId: r.buyerOrgId, creditFen: r.amountFen },
      { account: 'buyer_funds_held', orgId: r.buyerOrgId, debitFen: r.amountFen },
      { account: 'card_clearing', creditFen: r.amountFen },
    ],
  });
}

/**
 * A charge the bank took from the platform's account (`ref`: what makes it one charge: `payout:<id>`
 * for a payout's, `txn:<the bank's transaction id>` for one recorded on its own).
 */
export function postBankCharge(
  tx: Tx,
  c: { ref: string; amountFen: number; bankRef?: string; memo?: string | null; occurredAt?: Date },
) {
  const bankRef = c.bankRef ?? DEFAULT_BANK_REF;
  return postEntry(tx, {
    kind: 'bank_charge',
    sourceType: 'bank_charge',
    sourceId: `${bankRef}:${c.ref}`,
    memo: c.memo ?? null,
    ...(c.occurredAt ? { occurredAt: c.occurredAt } : {}),
    lines: [
      { account: 'bank_charges', bankRef, debitFen: c.amountFen },
      { account: 'platform_bank', bankRef, creditFen: c.amountFen },
    ],
  });
}

export interface CooperativeBalance {
  /** Paid, not yet accepted (fen). */
  pendingFen: number;
  /** Accepted, less fees and payouts (fen). */
  availableFen: number;
  /** Paid out since 1 January (Asia/Shanghai) of `year`. */
  paidOutThisYearFen: number;
}

/**
 * A cooperative's balance from the running totals (two row reads) and its payouts paid this year
 * (the payouts table by its (cooperative, status) index; a bounced payout no longer counts): no
 * scan of the journal.
 */
export async function cooperativeBalance(db: DbOrTx, cooperativeId: string, year: number): Promise<CooperativeBalance> {
  const rows = await db
    .select({ account: accountBalances.account, d: accountBalances.debitFen, c: accountBalances.creditFen })
    .from(accountBalances)
    .where(
      and(
        inArray(accountBalances.account, ['coop_payable_pending', 'coop_payable_available']),
        eq(accountBalances.orgId, cooperativeId),
        isNull(accountBalances.bankRef),
      ),
    );
  const credit = (a: JournalAccount) => {
    const r = rows.find((x) => x.account === a);
    return r ? r.c - r.d : 0;
  };
  const yearStart = new Date(`${year}-01-01T00:00:00+08:00`);
  const [paid] = await db
    .select({ s: sql<string>`coalesce(sum(${payouts.amountFen}), 0)` })
    .from(payouts)
    .where(and(eq(payouts.cooperativeId, cooperativeId), eq(payouts.status, 'paid'), gte(payouts.paidAt, yearStart)));
  return {
    pendingFen: credit('coop_payable_pending'),
    availableFen: credit('coop_payable_available'),
    paidOutThisYearFen: Number(paid?.s ?? 0),
  };
}

/**
 * A payout sent to a cooperative's bank account: what it was owed leaves the platform's bank
 * (`ref`: our payout id, so marking it twice posts once).
 */
export function postPayout(
  tx: Tx,
  p: {
    payoutId: string;
    cooperativeId: string;
    amountFen: number;
    bankReference: string;
    bankRef?: string;
    occurredAt?: Date;
  },
) {
  const bankRef = p.bankRef ?? DEFAULT_BANK_REF;
  return postEntry(tx, {
    kind: 'payout',
    sourceType: 'payout',
    sourceId: p.payoutId,
    memo: p.bankReference,
    ...(p.occurredAt ? { occurredAt: p.occurredAt } : {}),
    lines: [
      { account: 'coop_payable_available', orgId: p.cooperativeId, debitFen: p.amountFen },
      { account: 'platform_bank', bankRef, creditFen: p.amountFen },
    ],
  });
}

/**
 * The bank returned a payout (a closed account, a wrong name): the money is back in the
 * platform's bank and owed to the cooperative again, so the next settlement pays it.
 */
export function postPayoutBounce(
  tx: Tx,
  p: { payoutId: string; cooperativeId: string; amountFen: number; reason: string; bankRef?: string },
) {
  const bankRef = p.bankRef ?? DEFAULT_BANK_REF;
  return postEntry(tx, {
    kind: 'payout_bounce',
    sourceType: 'payout',
    sourceId: p.payoutId,
    memo: p.reason,
    lines: [
      { account: 'platform_bank', bankRef, debitFen: p.amountFen },
      { account: 'coop_payable_available', orgId: p.cooperativeId, creditFen: p.amountFen },
    ],
  });
}

/** The office's automatic-acceptance period in days (the migration inserts the row). */
export async function autoAcceptDays(db: DbOrTx): Promise<number> {
  const [s] = await db.select({ d: moneySettings.autoAcceptDays }).from(moneySettings).limit(1);
  return s?.d ?? 7;
}
