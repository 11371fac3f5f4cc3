import { and, eq } from 'drizzle-orm';
import { DEFAULT_BANK_REF, postBankCharge, schema, writeAudit, type Db, type DbOrTx, type Tx } from '@shanhai/db';
import { businessDate, type BankCharge, type BankChargeRequest, type PageQuery } from '@shanhai/domain';
import { cursorKey, keysetPage, pageOf, type Keyset } from '../../lib/cursor';
import { conflict, ruleBroken } from '../../lib/problem';
import type { Principal } from '../../types';

const { bankCharges, users } = schema;

/** Newest booking first; recorded order, then id, breaks ties. */
const BANK_CHARGES_KEYSET: Keyset = {
  name: 'bank-charges',
  keys: [
    { expr: bankCharges.bookedOn, type: 'date' },
    { expr: bankCharges.createdAt, type: 'timestamptz' },
    { expr: bankCharges.id, type: 'uuid' },
  ],
};

/**
 * The journal ref of a standalone charge. The prefix keeps the bank's ids apart from the refs of
 * payouts' charges (`payout:<id>`), whatever a bank writes as a transaction id.
 */
const journalRef = (bankTxnId: string) => `txn:${bankTxnId}`;

async function rows(db: DbOrTx, where: ReturnType<typeof eq> | undefined, page: PageQuery) {
  const found = await keysetPage(
    db
      .select({ c: bankCharges, recordedBy: users.name, cursorKey: cursorKey(BANK_CHARGES_KEYSET) })
      .from(bankCharges)
      .innerJoin(users, eq(users.id, bankCharges.recordedBy))
      .$dynamic(),
    BANK_CHARGES_KEYSET,
    page,
    where,
  );
  return found.map(({ c, recordedBy, cursorKey }) => ({
    id: c.id,
    bankTxnId: c.bankTxnId,
    amountFen: c.amountFen,
    bookedOn: c.bookedOn,
    memo: c.memo,
    entryId: c.entryId,
    recordedBy,
    createdAt: c.createdAt.toISOString(),
    cursorKey,
  }));
}

async function byTxn(tx: DbOrTx, bankTxnId: string): Promise<BankCharge | null> {
  const where = and(eq(bankCharges.bankRef, DEFAULT_BANK_REF), eq(bankCharges.bankTxnId, bankTxnId));
  const [found] = await rows(tx, where, { limit: 1 });
  if (!found) return null;
  const { cursorKey: _, ...charge } = found;
  return charge;
}

/** The answer to a charge recorded already: the same amount is the same charge; another is a conflict. */
function existing(charge: BankCharge, body: BankChargeRequest): { created: false; charge: BankCharge } {
  if (charge.amountFen !== body.amountFen)
    throw conflict(
      'bank_charge_amount_differs',
      `Bank transaction ${charge.bankTxnId} was recorded already with another amount (${charge.amountFen} fen)`,
      { bankChargeId: charge.id, recordedAmountFen: charge.amountFen },
    );
  return { created: false, charge };
}

/**
 * Records a charge the bank took outside a payout: the row, its `bank_charge` entry (bank charges
 * debited, the platform's bank credited) and the audit row, in one transaction. Once per bank
 * transaction id (the natural idempotency key, so no Idempotency-Key header is needed): the entry's
 * unique key makes a concurrent second call wait for the first to commit, then find its charge
 * (`created: false`); another amount is a 409.
 */
export async function recordBankCharge(
  db: Db,
  who: Principal,
  body: BankChargeRequest,
): Promise<{ created: boolean; charge: BankCharge }> {
  if (body.bookedOn > businessDate()) throw ruleBroken('body.bookedOn', 'period_in_future');
  return db.transaction((tx) => record(tx, who, body));
}

async function record(
  tx: Tx,
  who: Principal,
  body: BankChargeRequest,
): Promise<{ created: boolean; charge: BankCharge }> {
  const before = await byTxn(tx, body.bankTxnId);
  if (before) return existing(before, body);
  const entryId = await postBankCharge(tx, {
    ref: journalRef(body.bankTxnId),
    amountFen: body.amountFen,
    memo: [body.bankTxnId, body.memo].filter(Boolean).join(' '),
    // The expense belongs to the day the bank booked it (start of that business day).
    occurredAt: new Date(`${body.bookedOn}T00:00:00+08:00`),
  });
  if (entryId === null) {
    // Another request posted it and has committed meanwhile (its row came with its entry).
    const other = await byTxn(tx, body.bankTxnId);
    if (!other) throw new Error(`bank charge ${body.bankTxnId}: journal entry without its row`);
    return existing(other, body);
  }
  const [row] = await tx
    .insert(bankCharges)
    .values({
      bankRef: DEFAULT_BANK_REF,
      bankTxnId: body.bankTxnId,
      amountFen: body.amountFen,
      bookedOn: body.bookedOn,
      memo: body.memo,
      entryId,
      recordedBy: who.userId,
    })
    .returning({ id: bankCharges.id });
  await writeAudit(tx, {
    actorUserId: who.userId,
    actorOrgId: who.orgId,
    action: 'bank_charge.record',
    entityType: 'bank_charge',
    entityId: row!.id,
    after: { bankTxnId: body.bankTxnId, amountFen: body.amountFen, bookedOn: body.bookedOn },
    ...(body.memo ? { note: body.memo } : {}),
  });
  return { created: true, charge: (await byTxn(tx, body.bankTxnId))! };
}

/** The standalone bank charges, newest booking first, a page at a time. */
export async function listBankCharges(
  db: DbOrTx,
  page: PageQuery,
): Promise<{ items: BankCharge[]; nextCursor: string | null }> {
  const { items, nextCursor } = pageOf(BANK_CHARGES_KEYSET, await rows(db, undefined, page), page.limit);
  return { items: items.map(({ cursorKey: _, ...c }) => c), nextCursor };
}
