import { and, desc, eq, gte, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import { schema, type Db } from '@shanhai/db';
import { BUSINESS_TIME_ZONE, type AuditEntry, type AuditFilter, type AuditPage } from '@shanhai/domain';
import { ruleBroken } from '../../lib/problem';

const { auditLog, users, orgs } = schema;

/** The cursor is the last row's id, opaque to clients; anything else is a 400 naming it. */
const encodeCursor = (id: number) => Buffer.from(`a:${id}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const m = /^a:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw ruleBroken('query.cursor', 'foreign_cursor');
  return Number(m[1]);
}

/** A business day's first instant (Asia/Shanghai) as SQL. */
const dayStart = (day: string) => sql`(${day}::date::timestamp at time zone ${BUSINESS_TIME_ZONE})`;

function where(f: AuditFilter): SQL | undefined {
  if (f.from && f.to && f.from > f.to) throw ruleBroken('query.to', 'not_before_start');
  const escaped = f.actor?.replace(/[\\%_]/g, (c) => `\\${c}`);
  return and(
    f.action ? eq(auditLog.action, f.action) : undefined,
    f.entityType ? eq(auditLog.entityType, f.entityType) : undefined,
    f.entityId ? eq(auditLog.entityId, f.entityId) : undefined,
    escaped ? or(ilike(users.name, `%${escaped}%`), ilike(users.email, `%${escaped}%`)) : undefined,
    f.from ? gte(auditLog.at, dayStart(f.from)) : undefined,
    f.to ? lt(auditLog.at, sql`${dayStart(f.to)} + interval '1 day'`) : undefined,
  );
}

function select(db: Db) {
  return db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      action: auditLog.action,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      before: auditLog.before,
      after: auditLog.after,
      note: auditLog.note,
      userId: users.id,
      userName: users.name,
      userEmail: users.email,
      orgId: orgs.id,
      orgName: orgs.name,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .leftJoin(orgs, eq(orgs.id, auditLog.actorOrgId));
}
type Row = Awaited<ReturnType<ReturnType<typeof select>['execute']>>[number];

function toEntry(r: Row): AuditEntry {
  return {
    id: r.id,
    at: r.at.toISOString(),
    action: r.action,
    entityType: r.entityType,
    entityId: r.entityId,
    actor: r.userId ? { userId: r.userId, name: r.userName!, email: r.userEmail! } : null,
    actorOrg: r.orgId ? { id: r.orgId, name: r.orgName! } : null,
    before: r.before ?? null,
    after: r.after ?? null,
    note: r.note,
  };
}

/** One page of the log, newest first, walking the primary key (no OFFSET). */
export async function list(
  db: Db,
  f: AuditFilter & { cursor?: string | undefined; limit: number },
): Promise<AuditPage> {
  const after = f.cursor ? lt(auditLog.id, decodeCursor(f.cursor)) : undefined;
  const rows = await select(db)
    .where(and(where(f), after))
    .orderBy(desc(auditLog.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  return {
    items: page.map(toEntry),
    nextCursor: rows.length > f.limit ? encodeCursor(page[page.length - 1]!.id) : null,
  };
}

/**
 * Every matching entry, newest first, fetched in batches so an export never holds the whole log.
 * The filter is checked here, before the first byte of an export is sent.
 */
export function all(db: Db, f: AuditFilter, batch = 1000): AsyncGenerator<AuditEntry> {
  const w = where(f);
  return (async function* () {
    let last: number | null = null;
    for (;;) {
      const rows: Row[] = await select(db)
        .where(and(w, last === null ? undefined : lt(auditLog.id, last)))
        .orderBy(desc(auditLog.id))
        .limit(batch);
      for (const r of rows) yield toEntry(r);
      if (rows.length < batch) return;
      last = rows[rows.length - 1]!.id;
    }
  })();
}
