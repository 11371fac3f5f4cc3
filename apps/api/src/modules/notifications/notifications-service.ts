import { and, desc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { schema, type Db } from '@shanhai/db';
import {
  isNotificationKind,
  isSecurityKind,
  kindsFor,
  type NotificationItem,
  type NotificationListQuery,
  type NotificationPage,
  type NotificationSettings,
  type PutNotificationSettings,
} from '@shanhai/domain';
import { ruleBroken } from '../../lib/problem';
import type { Principal } from '../../types';

const { notifications, notificationPreferences, users } = schema;

type Row = typeof notifications.$inferSelect;

function toItem(r: Row): NotificationItem | null {
  // A kind no longer known to this build (a newer replica wrote it) is left out, not a 500.
  if (!isNotificationKind(r.kind)) return null;
  return {
    id: r.id,
    kind: r.kind,
    params: r.params,
    link: r.link,
    readAt: r.readAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

/** The cursor names the last row of a page: its time (microseconds kept) and id. */
function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (typeof at === 'string' && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id) && !Number.isNaN(Date.parse(at)))
      return { at, id };
  } catch {
    // falls through to the 400 below
  }
  throw ruleBroken('query.cursor', 'foreign_cursor');
}

export async function unreadCount(db: Db, userId: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return r?.n ?? 0;
}

/** The caller's own notifications, newest first: nobody sees another user's. */
export async function listNotifications(db: Db, who: Principal, q: NotificationListQuery): Promise<NotificationPage> {
  const where: SQL[] = [eq(notifications.userId, who.userId)];
  if (q.unread === 'true') where.push(isNull(notifications.readAt));
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    // Compared at microsecond precision in SQL: a JavaScript Date would round to milliseconds.
    where.push(
      or(
        lt(notifications.createdAt, sql`${c.at}::timestamptz`),
        and(eq(notifications.createdAt, sql`${c.at}::timestamptz`), lt(notifications.id, c.id)),
      )!,
    );
  }
  const rows = await db
    .select({
      row: notifications,
      at: sql<string>`to_char(${notifications.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(notifications)
    .where(and(...where))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => toItem(r.row)).filter((x): x is NotificationItem => x !== null),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last.at, last.row.id) : null,
    unreadCount: await unreadCount(db, who.userId),
  };
}

/** Marks the caller's notifications read: the given ids (others' ids are silently not theirs), or all. */
export async function markRead(db: Db, who: Principal, ids: string[] | 'all'): Promise<number> {
  const where: SQL[] = [eq(notifications.userId, who.userId), isNull(notifications.readAt)];
  if (ids !== 'all') where.push(inArray(notifications.id, ids));
  const rows = await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(...where))
    .returning({ id: notifications.id });
  return rows.length;
}

/** One notification of the caller's, or null (another user's is "not found"). */
export async function markOneRead(db: Db, who: Principal, id: string): Promise<boolean> {
  const [row] = await db
    .select({ id: notifications.id, readAt: notifications.readAt })
    .from(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.userId, who.userId)));
  if (!row) return false;
  if (!row.readAt) await markRead(db, who, [id]);
  return true;
}

export async function getSettings(db: Db, who: Principal): Promise<NotificationSettings> {
  const [user] = await db.select({ locale: users.locale }).from(users).where(eq(users.id, who.userId));
  const prefs = await db
    .select({ kind: notificationPreferences.kind, email: notificationPreferences.email })
    .from(notificationPreferences)
    .where(eq(notificationPreferences.userId, who.userId));
  const chosen = new Map(prefs.map((p) => [p.kind, p.email]));
  return {
    locale: user?.locale ?? 'zh-CN',
    preferences: kindsFor(who.orgKind).map((kind) => {
      const locked = who.role === 'owner' && isSecurityKind(kind);
      return { kind, delivery: locked || (chosen.get(kind) ?? true) ? 'email' : 'in_app', locked };
    }),
  };
}

export async function putSettings(
  db: Db,
  who: Principal,
  body: PutNotificationSettings,
): Promise<NotificationSettings> {
  const allowed = new Set(kindsFor(who.orgKind));
  body.preferences?.forEach((p, i) => {
    if (!allowed.has(p.kind)) throw ruleBroken(`body.preferences.${i}.kind`, 'not_a_notification_kind');
    if (who.role === 'owner' && isSecurityKind(p.kind) && p.delivery !== 'email')
      throw ruleBroken(`body.preferences.${i}.delivery`, 'security_by_email');
  });
  await db.transaction(async (tx) => {
    if (body.locale) await tx.update(users).set({ locale: body.locale }).where(eq(users.id, who.userId));
    for (const p of body.preferences ?? []) {
      await tx
        .insert(notificationPreferences)
        .values({ userId: who.userId, kind: p.kind, email: p.delivery === 'email' })
        .onConflictDoUpdate({
          target: [notificationPreferences.userId, notificationPreferences.kind],
          set: { email: p.delivery === 'email', updatedAt: new Date() },
        });
    }
  });
  return getSettings(db, who);
}
