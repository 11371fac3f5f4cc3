import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { dummyPasswordHash, schema, verifyPassword, type Db, type DbOrTx } from '@shanhai/db';
import type { SessionUser } from '@shanhai/domain';

const { users, orgs, refreshTokens } = schema;

/** Refresh tokens live 30 days; every use rotates them. */
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;

/**
 * How long a just-rotated token is still answered (with the same successor) instead of being taken
 * for theft: two tabs of one browser refreshing at once send the same cookie.
 */
export const REFRESH_REUSE_GRACE_MS = 10_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A rotated token's successor is derived from it with the server's secret, so a replay inside the
 * grace interval can be answered with the very same successor although only hashes are stored.
 */
function successorOf(token: string, secret: string): string {
  return createHmac('sha256', secret).update(token).digest('base64url');
}

async function sessionUser(db: DbOrTx, userId: string) {
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      status: users.status,
      orgId: orgs.id,
      orgKind: orgs.kind,
      orgName: orgs.name,
      orgStatus: orgs.status,
    })
    .from(users)
    .innerJoin(orgs, eq(orgs.id, users.orgId))
    .where(eq(users.id, userId));
  return row ?? null;
}

function toSessionUser(row: NonNullable<Awaited<ReturnType<typeof sessionUser>>>): SessionUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    org: { id: row.orgId, kind: row.orgKind, name: row.orgName, status: row.orgStatus },
  };
}

export type LoginResult =
  | { ok: true; user: SessionUser; refreshToken: string }
  | { ok: false; reason: 'invalid_credentials' | 'account_deactivated' }
  | { ok: false; reason: 'org_not_active'; orgStatus: string };

async function issueRefreshToken(
  db: DbOrTx,
  userId: string,
  familyId: string,
  token: string = newRefreshToken(),
): Promise<string> {
  await db.insert(refreshTokens).values({
    userId,
    familyId,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_MS),
  });
  return token;
}

export async function login(db: Db, email: string, password: string): Promise<LoginResult> {
  const [user] = await db
    .select({ id: users.id, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email));
  // Verify against a dummy hash when there is no such user, so timing does not reveal accounts.
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!user || !ok) return { ok: false, reason: 'invalid_credentials' };
  const row = await sessionUser(db, user.id);
  if (!row) return { ok: false, reason: 'invalid_credentials' };
  if (row.status !== 'active') return { ok: false, reason: 'account_deactivated' };
  if (row.orgStatus !== 'active') return { ok: false, reason: 'org_not_active', orgStatus: row.orgStatus };
  const refreshToken = await db.transaction(async (tx) => {
    await tx.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id));
    return issueRefreshToken(tx, user.id, randomUUID());
  });
  return { ok: true, user: toSessionUser(row), refreshToken };
}

export type RefreshResult =
  | { ok: true; user: SessionUser; refreshToken: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' | 'inactive' };

async function revokeFamily(db: DbOrTx, familyId: string) {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

/**
 * Exchanges a refresh token for a new one in the same family. A token presented again within
 * REFRESH_REUSE_GRACE_MS of its rotation gets the same successor (two tabs at once); later, or when
 * the successor has moved on or was revoked, it means the token leaked (or a client replayed it):
 * the whole family is revoked.
 */
export async function refresh(
  db: Db,
  token: string,
  secret: string,
  reuseGraceMs = REFRESH_REUSE_GRACE_MS,
): Promise<RefreshResult> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashToken(token)))
      .for('update');
    if (!row) return { ok: false, reason: 'unknown' } as const;
    if (row.revokedAt) {
      await revokeFamily(tx, row.familyId);
      return { ok: false, reason: 'reused' } as const;
    }
    const next = successorOf(token, secret);
    if (row.rotatedAt) {
      const [successor] = await tx
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, hashToken(next)))
        .for('update');
      const withinGrace = Date.now() - row.rotatedAt.getTime() <= reuseGraceMs;
      if (!withinGrace || !successor || successor.rotatedAt || successor.revokedAt) {
        await revokeFamily(tx, row.familyId);
        return { ok: false, reason: 'reused' } as const;
      }
    }
    if (row.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' } as const;
    const user = await sessionUser(tx, row.userId);
    if (!user || user.status !== 'active' || user.orgStatus !== 'active') {
      await revokeFamily(tx, row.familyId);
      return { ok: false, reason: 'inactive' } as const;
    }
    if (!row.rotatedAt) {
      await tx.update(refreshTokens).set({ rotatedAt: new Date() }).where(eq(refreshTokens.id, row.id));
      await issueRefreshToken(tx, row.userId, row.familyId, next);
    }
    return { ok: true, user: toSessionUser(user), refreshToken: next } as const;
  });
}

/** Revokes the family of the presented token (logout on this device). */
export async function logout(db: Db, token: string): Promise<void> {
  const [row] = await db
    .select({ familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, hashToken(token)));
  if (row) await revokeFamily(db, row.familyId);
}

/** Revokes every session of a user (deactivation). */
export async function revokeUserSessions(db: DbOrTx, userId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

/** A new session (refresh token family) for a user who just proved who they are. */
export async function startSession(
  db: Db,
  userId: string,
): Promise<{ user: SessionUser; refreshToken: string } | null> {
  const row = await sessionUser(db, userId);
  if (!row || row.status !== 'active' || row.orgStatus !== 'active') return null;
  return { user: toSessionUser(row), refreshToken: await issueRefreshToken(db, userId, randomUUID()) };
}

export async function me(db: Db, userId: string): Promise<SessionUser | null> {
  const row = await sessionUser(db, userId);
  return row ? toSessionUser(row) : null;
}
