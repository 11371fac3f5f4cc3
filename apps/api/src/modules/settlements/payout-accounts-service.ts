import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { notify, schema, writeAudit, type Db, type DbOrTx } from '@shanhai/db';
import type {
  MyPayoutAccount,
  PageQuery,
  PayoutAccount,
  PayoutAccountChange,
  PayoutAccountRequest,
} from '@shanhai/domain';
import { afterCursor, cursorKey, keysetOrder, pageOf, type Keyset } from '../../lib/cursor';
import { conflict } from '../../lib/problem';
import type { Principal } from '../../types';

const { payoutAccounts, orgs, users } = schema;

/** What the audit log and the security notice show of an account number: its last four digits. */
const accountTail = (accountNo: string) => accountNo.slice(-4);

/** Payout accounts oldest request first: the office decides changes in the order they came. */
const ACCOUNTS_KEYSET: Keyset = {
  name: 'payout-account-changes',
  keys: [
    { expr: payoutAccounts.createdAt, type: 'timestamptz', order: 'asc' },
    { expr: payoutAccounts.id, type: 'uuid', order: 'asc' },
  ],
};

/** Accounts `where` names, oldest first: one page from the cursor when `page` is given, else all. */
async function loadPaged(db: DbOrTx, where: SQL | undefined, page?: PageQuery) {
  const query = db
    .select({
      a: payoutAccounts,
      cooperativeName: orgs.name,
      requestedBy: users.name,
      cursorKey: cursorKey(ACCOUNTS_KEYSET),
    })
    .from(payoutAccounts)
    .innerJoin(orgs, eq(orgs.id, payoutAccounts.cooperativeId))
    .innerJoin(users, eq(users.id, payoutAccounts.requestedBy))
    .where(and(where, afterCursor(ACCOUNTS_KEYSET, page?.cursor)))
    .orderBy(...keysetOrder(ACCOUNTS_KEYSET))
    .$dynamic();
  const rows = await (page ? query.limit(page.limit + 1) : query);
  const { items, nextCursor } = pageOf(ACCOUNTS_KEYSET, rows, page?.limit ?? rows.length);
  return { items: items.map(accountOut), nextCursor };
}

async function load(db: DbOrTx, where: SQL | undefined): Promise<PayoutAccount[]> {
  return (await loadPaged(db, where)).items;
}

function accountOut({
  a,
  cooperativeName,
  requestedBy,
}: {
  a: typeof payoutAccounts.$inferSelect;
  cooperativeName: string;
  requestedBy: string;
}): PayoutAccount {
  return {
    id: a.id,
    cooperativeId: a.cooperativeId,
    cooperativeName,
    status: a.status,
    accountName: a.accountName,
    bankName: a.bankName,
    branch: a.branch,
    accountNo: a.accountNo,
    requestedBy,
    requestedAt: a.createdAt.toISOString(),
    decidedAt: a.decidedAt?.toISOString() ?? null,
    rejectReason: a.rejectReason,
  };
}

export async function myPayoutAccount(db: DbOrTx, cooperativeId: string): Promise<MyPayoutAccount> {
  const list = await load(
    db,
    and(eq(payoutAccounts.cooperativeId, cooperativeId), sql`${payoutAccounts.status} in ('active', 'pending')`),
  );
  return {
    active: list.find((a) => a.status === 'active') ?? null,
    pending: list.find((a) => a.status === 'pending') ?? null,
  };
}

/**
 * A cooperative asks for its payouts to go to a new account. It takes effect only when the office
 * confirms it; a change still waiting is withdrawn. The org's owners are told at once (a security
 * notice, by email whatever their preferences), so a change they did not make is seen before it
 * takes effect. Audited with the last four digits only.
 */
export async function requestPayoutAccount(db: Db, who: Principal, body: PayoutAccountRequest): Promise<PayoutAccount> {
  const accountNo = body.accountNo.replace(/[\s-]/g, '');
  const id = await db.transaction(async (tx) => {
    // One request of an org at a time: the second waits, then withdraws the first.
    await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, who.orgId)).for('update');
    const withdrawn = await tx
      .update(payoutAccounts)
      .set({ status: 'withdrawn', decidedAt: new Date(), decidedBy: who.userId })
      .where(and(eq(payoutAccounts.cooperativeId, who.orgId), eq(payoutAccounts.status, 'pending')))
      .returning({ id: payoutAccounts.id });
    const [row] = await tx
      .insert(payoutAccounts)
      .values({
        cooperativeId: who.orgId,
        accountName: body.accountName,
        bankName: body.bankName,
        branch: body.branch,
        accountNo,
        requestedBy: who.userId,
      })
      .returning({ id: payoutAccounts.id });
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'payout_account.request',
      entityType: 'payout_account',
      entityId: row!.id,
      before: withdrawn.length > 0 ? { withdrawn: withdrawn.map((w) => w.id) } : null,
      after: {
        accountName: body.accountName,
        bankName: body.bankName,
        branch: body.branch,
        accountTail: accountTail(accountNo),
      },
    });
    const [by] = await tx.select({ name: users.name }).from(users).where(eq(users.id, who.userId));
    await notify(tx, {
      kind: 'security.payout_account_changed',
      orgId: who.orgId,
      roles: ['owner'],
      subject: { type: 'payout_account', id: row!.id },
      link: '/coop/payout-account',
      params: { by: by?.name ?? '', accountTail: accountTail(accountNo) },
    });
    return row!.id;
  });
  const [a] = await load(db, eq(payoutAccounts.id, id));
  return a!;
}

/** One page of the changes waiting for the office, oldest first, each beside the account it would replace. */
export async function pendingChanges(
  db: DbOrTx,
  page: PageQuery,
): Promise<{ items: PayoutAccountChange[]; nextCursor: string | null }> {
  const pending = await loadPaged(db, eq(payoutAccounts.status, 'pending'), page);
  const coops = [...new Set(pending.items.map((p) => p.cooperativeId))];
  const active =
    coops.length === 0
      ? []
      : await load(db, and(eq(payoutAccounts.status, 'active'), inArray(payoutAccounts.cooperativeId, coops)));
  return {
    items: pending.items.map((p) => ({
      ...p,
      current: active.find((a) => a.cooperativeId === p.cooperativeId) ?? null,
    })),
    nextCursor: pending.nextCursor,
  };
}

/**
 * The office decides on a waiting change. Confirming puts it in force (the previous account is
 * superseded; settlements from now on pay there); rejecting leaves the old one. Audited. null
 * when there is no such request; 409 when it was decided or withdrawn already.
 */
export async function decidePayoutAccount(
  db: Db,
  who: Principal,
  id: string,
  decision: { confirm: true } | { confirm: false; reason: string },
): Promise<PayoutAccount | null> {
  const done = await db.transaction(async (tx) => {
    const [a] = await tx.select().from(payoutAccounts).where(eq(payoutAccounts.id, id)).for('update');
    if (!a) return false;
    if (a.status !== 'pending')
      throw conflict('payout_account_not_pending', `This payout account is ${a.status}, not waiting for a decision`);
    const now = new Date();
    let replaced: string | null = null;
    if (decision.confirm) {
      const [old] = await tx
        .update(payoutAccounts)
        .set({ status: 'superseded' })
        .where(and(eq(payoutAccounts.cooperativeId, a.cooperativeId), eq(payoutAccounts.status, 'active')))
        .returning({ id: payoutAccounts.id });
      replaced = old?.id ?? null;
    }
    await tx
      .update(payoutAccounts)
      .set(
        decision.confirm
          ? { status: 'active', decidedBy: who.userId, decidedAt: now }
          : { status: 'rejected', decidedBy: who.userId, decidedAt: now, rejectReason: decision.reason },
      )
      .where(eq(payoutAccounts.id, id));
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: decision.confirm ? 'payout_account.confirm' : 'payout_account.reject',
      entityType: 'payout_account',
      entityId: id,
      before: { status: 'pending', replaces: replaced },
      after: { status: decision.confirm ? 'active' : 'rejected', cooperativeId: a.cooperativeId },
      ...(decision.confirm ? {} : { note: decision.reason }),
    });
    return true;
  });
  if (!done) return null;
  const [a] = await load(db, eq(payoutAccounts.id, id));
  return a!;
}
