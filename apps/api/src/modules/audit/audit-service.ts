import { and, desc, eq, gte, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import { schema, type Db } from '@shanhai/db';
import { BUSINESS_TIME_ZONE, type AuditEntry, type AuditFilter, type AuditPage } from '@shanhai/domain';
import { ruleBroken } from '../../lib/problem';

const { auditLog, users, orgs } = schema;

/**
 * The log reads newest first by event time, then by id (rows can be dated earlier than their id
 * order: the demo seed writes past steps). The cursor is the last row's (at, id), opaque to
 * clients; `at` travels as epoch microseconds because PostgreSQL keeps microseconds and a JS Date
 * only milliseconds. Anything else is a 400 naming it.
 */
const encodeCursor = (r: Pick<Row, 'atMicros' | 'id'>) => Buffer.from(`t:${r.atMicros}:${r.id}`).toString('base64url');
function decodeCursor(cursor: string): { atMicros: number; id: number } {
  const m = /^t:(-?\d{1,16}):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw ruleBroken('query.cursor', 'foreign_cursor');
  return { atMicros: Number(m[1]), id: Number(m[2]) };
}
const atMicros = sql<number>`(extract(epoch from ${auditLog.at}) * 1000000)::bigint`.mapWith(Number);
/** Rows strictly after the cursor in (at desc, id desc) order: a row comparison the (at, id) index walks. */
const before = (c: { atMicros: number; id: number }) =>
  sql`(${auditLog.at}, ${auditLog.id}) < (timestamptz 'epoch' + ${c.atMicros}::bigint * interval '1 microsecond', ${c.id}::bigint)`;
const newestFirst = [desc(auditLog.at), desc(auditLog.id)] as const;

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
      atMicros,
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

/** One page of the log, newest first by event time, walking (at, id) (no OFFSET). */
export async function list(
  db: Db,
  f: AuditFilter & { cursor?: string | undefined; limit: number },
): Promise<AuditPage> {
  const after = f.cursor ? before(decodeCursor(f.cursor)) : undefined;
  const rows = await select(db)
    .where(and(where(f), after))
    .orderBy(...newestFirst)
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  return {
    items: page.map(toEntry),
    nextCursor: rows.length > f.limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}

/**
 * Every matching entry, newest first, fetched in batches so an export never holds the whole log.
 * The filter is checked here, before the first byte of an export is sent.
 */
export function all(db: Db, f: AuditFilter, batch = 1000): AsyncGenerator<AuditEntry> {
  const w = where(f);
  return (async function* () {
    let last: Row | null = null;
    for (;;) {
      const rows: Row[] = await select(db)
        .where(and(w, last === null ? undefined : before(last)))
        .orderBy(...newestFirst)
        .limit(batch);
      for (const r of rows) yield toEntry(r);
      if (rows.length < batch) return;
      last = rows[rows.length - 1]!;
    }
  })();
}
