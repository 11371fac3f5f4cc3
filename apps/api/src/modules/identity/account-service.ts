import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { hashAccountToken, hashPassword, schema, verifyPassword, writeAudit, type Db, type DbOrTx } from '@shanhai/db';
import { revokeUserSessions } from './auth-service';

const { users, accountTokens } = schema;

/** A forgotten-password link works for 30 minutes; an invitation for 7 days. Each works once. */
const PASSWORD_RESET_TTL_MS = 30 * 60_000;
const INVITATION_TTL_MS = 7 * 24 * 3600_000;
/** One reset email per account per minute, however often the form is sent. */
const RESET_EMAIL_GAP_MS = 60_000;

/**
 * Changes the signed-in user's password after checking the current one. Every session of the
 * user ends (the caller then starts a fresh one for this device). Returns false for a wrong password.
 */
export async function changePassword(
  db: Db,
  who: { userId: string; orgId: string },
  currentPassword: string,
  newPassword: string,
): Promise<boolean> {
  const [user] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, who.userId));
  if (!user || !(await verifyPassword(user.hash, currentPassword))) return false;
  const passwordHash = await hashPassword(newPassword);
  await db.transaction(async (tx) => {
    await replacePassword(tx, who, passwordHash, 'account.password_change');
  });
  return true;
}

/**
 * Queues a reset link for an active account with this email, at most one a minute. Says nothing
 * about whether the account exists: the caller answers the same either way.
 */
export async function requestPasswordReset(db: Db, email: string): Promise<void> {
  const [user] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.email, email.toLowerCase()), eq(users.status, 'active')));
  if (!user) return;
  await db.transaction(async (tx) => {
    // Serialises two requests for one account, so the gap holds under a double submit too.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, user.id)).for('update');
    const [recent] = await tx
      .select({ id: accountTokens.id })
      .from(accountTokens)
      .where(
        and(
          eq(accountTokens.userId, user.id),
          eq(accountTokens.purpose, 'password_reset'),
          gt(accountTokens.createdAt, new Date(Date.now() - RESET_EMAIL_GAP_MS)),
        ),
      );
    if (recent) return;
    await tx
      .insert(accountTokens)
      .values({ userId: user.id, purpose: 'password_reset', expiresAt: new Date(Date.now() + PASSWORD_RESET_TTL_MS) });
  });
}

/** Queues an invitation link for a user just created (in the transaction that created them). */
export async function queueInvitation(tx: DbOrTx, userId: string): Promise<void> {
  await tx
    .insert(accountTokens)
    .values({ userId, purpose: 'invitation', expiresAt: new Date(Date.now() + INVITATION_TTL_MS) });
}

/** A password nobody knows: an invited user cannot log in until they follow their link. */
export function unusablePassword(): Promise<string> {
  return hashPassword(randomBytes(32).toString('base64url'));
}

export type SetPasswordResult = { ok: true; email: string; purpose: 'password_reset' | 'invitation' } | { ok: false };

/**
 * Sets a password from an emailed link: the token must be unused, unexpired and its account active.
 * The link is spent (a second use, even at the same moment, fails), every other open link of the
 * account dies with it, and every session ends.
 */
export async function setPasswordWithToken(db: Db, token: string, newPassword: string): Promise<SetPasswordResult> {
  const passwordHash = await hashPassword(newPassword);
  return db.transaction(async (tx) => {
    const [link] = await tx
      .select()
      .from(accountTokens)
      .where(eq(accountTokens.tokenHash, hashAccountToken(token)))
      .for('update');
    if (!link || link.usedAt || link.expiresAt.getTime() <= Date.now()) return { ok: false };
    const [user] = await tx.select().from(users).where(eq(users.id, link.userId));
    if (!user || user.status !== 'active') return { ok: false };
    await tx.update(accountTokens).set({ usedAt: new Date() }).where(eq(accountTokens.id, link.id));
    await replacePassword(
      tx,
      { userId: user.id, orgId: user.orgId },
      passwordHash,
      link.purpose === 'invitation' ? 'account.invitation_accept' : 'account.password_reset',
    );
    return { ok: true, email: user.email, purpose: link.purpose };
  });
}

/**
 * A user's new password, by their own hand (a change, a reset, an accepted invitation): every
 * session of theirs ends and every open link dies, and the audit log says which it was.
 */
async function replacePassword(
  tx: DbOrTx,
  who: { userId: string; orgId: string },
  passwordHash: string,
  action: 'account.password_change' | 'account.password_reset' | 'account.invitation_accept',
): Promise<void> {
  await tx.update(users).set({ passwordHash }).where(eq(users.id, who.userId));
  await revokeUserSessions(tx, who.userId);
  await expireLinks(tx, who.userId);
  await writeAudit(tx, {
    actorUserId: who.userId,
    actorOrgId: who.orgId,
    action,
    entityType: 'user',
    entityId: who.userId,
  });
}

/** Every open link of a user stops working (their password just changed). */
async function expireLinks(tx: DbOrTx, userId: string): Promise<void> {
  await tx
    .update(accountTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(accountTokens.userId, userId), isNull(accountTokens.usedAt)));
}
