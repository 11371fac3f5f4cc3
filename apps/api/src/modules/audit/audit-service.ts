import { and, desc, eq, gte, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import { schema, type Db } from '@shanhai/db';
import { BUSINESS_TIME_ZONE, orderNo, type AuditEntry, type AuditFilter, type AuditPage } from '@shanhai/domain';
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

type EntityName = NonNullable<AuditEntry['entityName']>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Objects the log can name, by the entity type their entries are written with. */
const NAMED = [
  'product',
  'org',
  'user',
  'purchase',
  'order',
  'invoice',
  'campaign',
  'settlement',
  'payout',
  'payout_account',
  'pairing',
  'town_target',
  'declaration',
] as const;

/**
 * The objects of a batch of entries as people know them (a product's name, an order's number, a
 * town's target by town and year), in one statement: the log keeps only ids, which an auditor
 * cannot read. An object deleted since (a pairing) or of a type not named here has no name; a
 * product without an English name is named in Chinese in English too.
 */
async function entityNames(db: Db, rows: Row[]): Promise<Map<string, EntityName>> {
  const ids = new Map<string, Set<string>>(NAMED.map((t) => [t, new Set<string>()]));
  const years = new Set<string>();
  for (const r of rows) {
    const set = ids.get(r.entityType);
    if (!set) continue;
    if (r.entityType === 'town_target') {
      // `<town id>:<year>`, as regions-service writes it.
      const [townId, year] = r.entityId.split(':');
      if (townId && UUID.test(townId) && year && /^\d{4}$/.test(year)) {
        set.add(townId);
        years.add(year);
      }
    } else if (UUID.test(r.entityId)) set.add(r.entityId);
  }
  if ([...ids.values()].every((s) => s.size === 0)) return new Map();
  const of = (t: (typeof NAMED)[number]) => sql.param([...ids.get(t)!]);
  const res = await db.execute<{
    t: string;
    id: string;
    zh: string;
    en: string;
    at: Date | string | null;
    seq: number | null;
  }>(sql`
    select 'product' as t, id::text, name_zh as zh, coalesce(name_en, name_zh) as en, null::timestamptz as at,
        null::int as seq
      from products where id = any(${of('product')}::uuid[])
    union all select 'org', id::text, name, name, null, null from orgs where id = any(${of('org')}::uuid[])
    union all select 'user', id::text, name, name, null, null from users where id = any(${of('user')}::uuid[])
    union all select 'purchase', id::text, remittance_ref, remittance_ref, null, null
      from purchases where id = any(${of('purchase')}::uuid[])
    union all select 'order', id::text, null, null, created_at, seq from orders where id = any(${of('order')}::uuid[])
    union all select 'invoice', i.id::text, null, null, o.created_at, o.seq
      from invoices i join orders o on o.id = i.order_id where i.id = any(${of('invoice')}::uuid[])
    union all select 'campaign', id::text, name_zh, name_en, null, null from campaigns where id = any(${of('campaign')}::uuid[])
    union all select 'settlement', id::text, number, number, null, null
      from settlements where id = any(${of('settlement')}::uuid[])
    union all select 'payout', p.id::text, o.name || ' · ' || s.number, o.name || ' · ' || s.number, null, null
      from payouts p join orgs o on o.id = p.cooperative_id join settlements s on s.id = p.settlement_id
      where p.id = any(${of('payout')}::uuid[])
    union all select 'payout_account', a.id::text, o.name || ' · 尾号 ' || right(a.account_no, 4),
        o.name || ' · ending ' || right(a.account_no, 4), null, null
      from payout_accounts a join orgs o on o.id = a.cooperative_id where a.id = any(${of('payout_account')}::uuid[])
    union all select 'pairing', p.id::text, o.name || ' · ' || t.name_zh, o.name || ' · ' || t.name_en, null, null
      from pairings p join orgs o on o.id = p.buyer_org_id join towns t on t.id = p.town_id
      where p.id = any(${of('pairing')}::uuid[])
    union all select 'declaration', d.id::text, o.name || ' · ' || d.year || ' 年', o.name || ' · ' || d.year, null, null
      from unit_declarations d join orgs o on o.id = d.buyer_org_id where d.id = any(${of('declaration')}::uuid[])
    union all select 'town_target', t.id::text || ':' || y, t.name_zh || ' ' || y || ' 年', t.name_en || ' ' || y, null, null
      from towns t, unnest(${sql.param([...years])}::text[]) y where t.id = any(${of('town_target')}::uuid[])`);
  return new Map(
    res.rows.map((r) => {
      // An order reads by its number, and an invoice by its order's.
      const name = r.at !== null && r.seq !== null ? orderNo(r.at, Number(r.seq)) : null;
      return [`${r.t}:${r.id}`, { zh: name ?? r.zh, en: name ?? r.en }];
    }),
  );
}

function toEntry(r: Row, names: Map<string, EntityName>): AuditEntry {
  return {
    id: r.id,
    at: r.at.toISOString(),
    action: r.action,
    entityType: r.entityType,
    entityId: r.entityId,
    entityName: names.get(`${r.entityType}:${r.entityId}`) ?? null,
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
  const names = await entityNames(db, page);
  return {
    items: page.map((r) => toEntry(r, names)),
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
      const names = await entityNames(db, rows);
      for (const r of rows) yield toEntry(r, names);
      if (rows.length < batch) return;
      last = rows[rows.length - 1]!;
    }
  })();
}
