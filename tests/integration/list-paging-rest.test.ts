/**
 * The office's and the cooperatives' working lists, paged (issue 13): orgs, products (own and the
 * review queue), offline sales, both kinds of frozen report, units and declarations. Each is walked
 * page by page and must give exactly the rows and order of one whole page, none twice, with its
 * filters kept across pages; a foreign or altered cursor and a limit past the cap are 400s naming
 * the field; and a cursor never widens what an org may see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { businessYear } from '@shanhai/domain';
import { createOrg, createOrgWithUser, createProduct } from '@shanhai/db/testing';
import { salesWorld, type SalesWorld } from '../../apps/api/test-support/sales';
import { bearer, login } from '../../apps/api/test-support/testing';

let w: SalesWorld;
let coopA: string;
let coopB: string;
let buyerManagerId: string;
let otherBuyerUserId: string;

/** A name at the longest a sign-up takes (100 characters), all CJK: the longest text cursor. */
const LONG_NAME = '山'.repeat(99) + '海';

beforeAll(async () => {
  w = await salesWorld();
  const db = w.t.app.db;
  const userOf = async (orgId: string) =>
    (await db.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.orgId, orgId)))[0]!.id;
  buyerManagerId = await userOf(w.buyerOrgId);
  otherBuyerUserId = await userOf(w.otherBuyerOrgId);

  // Two cooperatives with products; several rows share one created_at (one insert), so the id has
  // to break the tie.
  const a = await createOrgWithUser(db, { kind: 'cooperative', townCode: 'sx-a' });
  const b = await createOrgWithUser(db, { kind: 'cooperative', townCode: 'sx-a' });
  coopA = (await login(w.t.app, a.user.email)).token;
  coopB = (await login(w.t.app, b.user.email)).token;
  for (let i = 0; i < 7; i++) await createProduct(db, { cooperativeId: a.org.id });
  for (let i = 0; i < 3; i++) await createProduct(db, { cooperativeId: b.org.id });
  for (let i = 0; i < 5; i++) await createProduct(db, { cooperativeId: b.org.id, status: 'pending_review' });

  // Pending sign-ups and more buyer orgs, some with the same name, one with the longest name.
  for (let i = 0; i < 4; i++) await createOrg(db, { kind: 'buyer', status: 'pending', name: `待审单位 ${i}` });
  for (const name of ['同名单位', '同名单位', '同名单位', LONG_NAME, 'O\'Brien "quoted" \\ unit'])
    await createOrg(db, { kind: 'buyer', name });
  // Budget units of this year (the list's default year); the status is per year.
  await db.execute(sql`insert into budget_unit_years (year, buyer_org_id)
    select ${businessYear()}::int, id from orgs where kind = 'buyer' and name <> ${LONG_NAME}`);

  // Offline sales of two buyer orgs, in one insert each (one created_at).
  const sale = (buyerOrgId: string, recordedBy: string, status: 'pending' | 'approved') => ({
    townId: w.townId,
    buyerOrgId,
    category: 'honey' as const,
    amountFen: 10_000,
    businessDate: '2026-03-01',
    status,
    recordedBy,
    recordedByOrgId: buyerOrgId,
  });
  await db
    .insert(schema.offlineSales)
    .values([
      ...Array.from({ length: 5 }, () => sale(w.buyerOrgId, buyerManagerId, 'pending')),
      ...Array.from({ length: 3 }, () => sale(w.buyerOrgId, buyerManagerId, 'approved')),
    ]);
  await db
    .insert(schema.offlineSales)
    .values(Array.from({ length: 2 }, () => sale(w.otherBuyerOrgId, otherBuyerUserId, 'pending')));

  // Frozen reports: two rounds, the second all at one instant.
  for (const table of [schema.leaderboardSnapshots, schema.unitSnapshots]) {
    await db
      .insert(table)
      .values({ title: 'first', year: 2026, asOf: '2026-01-31', payload: {}, createdBy: buyerManagerId });
    await db.insert(table).values(
      Array.from({ length: 5 }, (_, i) => ({
        title: `report ${i}`,
        year: 2026,
        asOf: '2026-02-28',
        payload: {},
        createdBy: buyerManagerId,
      })),
    );
  }

  // Declarations of every buyer org for two years; the first org's 2026 one has a second version,
  // and only the latest version of a unit's year is listed.
  const buyers = await db.select({ id: schema.orgs.id }).from(schema.orgs).where(eq(schema.orgs.kind, 'buyer'));
  await db.insert(schema.unitDeclarations).values(
    buyers.flatMap((o) =>
      [2025, 2026].map((year) => ({
        buyerOrgId: o.id,
        year,
        version: 1,
        status: year === 2025 ? ('approved' as const) : ('submitted' as const),
        totalFen: 1_000_000,
        ratioBp: 1500,
        createdBy: buyerManagerId,
      })),
    ),
  );
  await db.insert(schema.unitDeclarations).values({
    buyerOrgId: w.buyerOrgId,
    year: 2026,
    version: 2,
    status: 'draft',
    totalFen: 2_000_000,
    ratioBp: 1500,
    createdBy: buyerManagerId,
  });
}, 120_000);
afterAll(() => w.t.close());

const get = (token: string | null, url: string) =>
  w.t.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });

/** The rows of an answer and the next cursor, from a plain array + header or a page object. */
function pageOf(res: { json(): unknown; headers: Record<string, unknown> }) {
  const body = res.json() as { id: string }[] | { items: { id: string }[]; nextCursor: string | null };
  return Array.isArray(body)
    ? { ids: body.map((x) => x.id), rows: body, next: (res.headers['x-next-cursor'] as string | undefined) ?? null }
    : { ids: body.items.map((x) => x.id), rows: body.items, next: body.nextCursor };
}

const withQuery = (path: string, q: string) => `${path}${path.includes('?') ? '&' : '?'}${q}`;

/** Every row of a list, walked `limit` at a time. */
async function walk(token: string, path: string, limit: number) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  for (;;) {
    const res = await get(token, withQuery(path, `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`));
    expect(res.statusCode, `${path} ${res.body}`).toBe(200);
    const page = pageOf(res);
    ids.push(...page.ids);
    sizes.push(page.ids.length);
    cursor = page.next;
    if (!cursor) return { ids, sizes };
    expect(sizes.length, `${path} does not end`).toBeLessThan(100);
  }
}

/** The whole list in one page (every list here is far below the cap). */
async function whole(token: string, path: string) {
  const res = await get(token, withQuery(path, 'limit=500'));
  expect(res.statusCode, res.body).toBe(200);
  const page = pageOf(res);
  expect(page.next).toBeNull();
  return page;
}

const office = () => w.office;
const LISTS: {
  path: string;
  token: () => string;
  /** Someone who may not read it at all (403). */
  refused: () => string;
  /** The rows the seed guarantees at least. */
  atLeast: number;
}[] = [
  { path: '/api/v1/orgs', token: office, refused: () => w.buyerManager, atLeast: 14 },
  { path: '/api/v1/orgs?status=pending', token: office, refused: () => w.buyerManager, atLeast: 4 },
  { path: '/api/v1/orgs?kind=buyer&status=active', token: office, refused: () => w.coop, atLeast: 7 },
  { path: '/api/v1/products/mine', token: () => coopA, refused: office, atLeast: 7 },
  { path: '/api/v1/products/review-queue', token: office, refused: () => coopA, atLeast: 5 },
  { path: '/api/v1/sales/offline', token: office, refused: () => w.buyerMember, atLeast: 10 },
  { path: '/api/v1/sales/offline?status=pending', token: () => w.buyerManager, refused: () => w.coop, atLeast: 5 },
  { path: '/api/v1/snapshots', token: office, refused: () => w.buyerManager, atLeast: 6 },
  { path: '/api/v1/units/snapshots', token: office, refused: () => w.buyerManager, atLeast: 6 },
  { path: '/api/v1/units', token: office, refused: () => w.buyerManager, atLeast: 9 },
  { path: '/api/v1/units?budget=yes', token: office, refused: () => w.buyerManager, atLeast: 8 },
  { path: '/api/v1/declarations', token: office, refused: () => w.buyerManager, atLeast: 18 },
  { path: '/api/v1/declarations?year=2026', token: office, refused: () => w.buyerManager, atLeast: 9 },
];

describe('the rest of the lists walk by cursor', () => {
  it.each(LISTS)('$path: every row once, in the order of one whole page, filters kept', async (l) => {
    const all = await whole(l.token(), l.path);
    expect(all.ids.length).toBeGreaterThanOrEqual(l.atLeast);
    for (const limit of [1, 2, 3]) {
      const walked = await walk(l.token(), l.path, limit);
      expect(walked.ids).toEqual(all.ids);
      const full = Math.floor(all.ids.length / limit);
      const rest = all.ids.length % limit;
      expect(walked.sizes).toEqual([...Array<number>(full).fill(limit), ...(rest ? [rest] : [])]);
    }
  });

  it('each list keeps its order: newest first, the sign-up queue and the review queue oldest first, units by name', async () => {
    const times = (rows: { createdAt?: string; updatedAt?: string }[], k: 'createdAt' | 'updatedAt') =>
      rows.map((r) => Date.parse(r[k]!));
    const desc = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! >= x);
    const asc = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! <= x);
    const rows = async (token: string, path: string) =>
      (await whole(token, path)).rows as { createdAt?: string; updatedAt?: string; name?: string; status?: string }[];
    expect(desc(times(await rows(office(), '/api/v1/orgs'), 'createdAt'))).toBe(true);
    const pending = await rows(office(), '/api/v1/orgs?status=pending');
    expect(pending.map((o) => o.name)).toEqual(['待审单位 0', '待审单位 1', '待审单位 2', '待审单位 3']);
    expect(pending.every((o) => o.status === 'pending')).toBe(true);
    expect(desc(times(await rows(coopA, '/api/v1/products/mine'), 'createdAt'))).toBe(true);
    expect(asc(times(await rows(office(), '/api/v1/products/review-queue'), 'updatedAt'))).toBe(true);
    expect(desc(times(await rows(office(), '/api/v1/sales/offline'), 'createdAt'))).toBe(true);
    const snaps = await rows(office(), '/api/v1/snapshots');
    expect(desc(times(snaps, 'createdAt'))).toBe(true);
    expect((snaps.at(-1) as { title?: string }).title).toBe('first');
    const units = (await rows(office(), '/api/v1/units')).map((u) => u.name!);
    expect(units.filter((n) => n === '同名单位')).toHaveLength(3);
    expect(units).toContain(LONG_NAME);
    const [{ sorted }] = (
      await w.t.app.db.execute<{ sorted: string[] }>(
        sql`select array_agg(name order by name, id) as sorted from orgs where kind = 'buyer'`,
      )
    ).rows as [{ sorted: string[] }];
    expect(units).toEqual(sorted);
  });

  it('declarations: the latest version of each unit and year, by unit name, the newest year first', async () => {
    const rows = (await whole(office(), '/api/v1/declarations')).rows as unknown as {
      buyerOrgId: string;
      buyerOrgName: string;
      year: number;
      version: number;
      status: string;
    }[];
    const mine = rows.filter((d) => d.buyerOrgId === w.buyerOrgId);
    expect(mine.map((d) => [d.year, d.version, d.status])).toEqual([
      [2026, 2, 'draft'],
      [2025, 1, 'approved'],
    ]);
    const [{ buyers }] = (
      await w.t.app.db.execute<{ buyers: number }>(sql`select count(*)::int as buyers from orgs where kind = 'buyer'`)
    ).rows as [{ buyers: number }];
    expect(rows).toHaveLength(buyers * 2);
    const drafts = (await whole(office(), '/api/v1/declarations?year=2026&status=draft')).rows;
    expect(drafts).toHaveLength(1);
  });

  it('without a limit: the default page of 200', async () => {
    const res = await get(office(), '/api/v1/units');
    expect(res.statusCode).toBe(200);
    expect(res.json().nextCursor).toBeNull();
    expect(res.json().items.length).toBeGreaterThanOrEqual(9);
  });
});

describe('refusals', () => {
  it.each(LISTS)('$path: 401 without a token, 403 for the wrong kind or role', async (l) => {
    expect((await get(null, l.path)).statusCode).toBe(401);
    expect((await get(l.refused(), l.path)).statusCode).toBe(403);
  });

  it.each(LISTS)(
    '$path: a limit past the cap, a garbled, foreign or altered cursor: 400 naming the field',
    async (l) => {
      const fieldOf = async (url: string) => {
        const res = await get(l.token(), url);
        expect(res.statusCode, `${url} ${res.body}`).toBe(400);
        return res.json().errors[0].field as string;
      };
      expect(await fieldOf(withQuery(l.path, 'limit=501'))).toBe('query.limit');
      expect(await fieldOf(withQuery(l.path, 'limit=0'))).toBe('query.limit');
      expect(await fieldOf(withQuery(l.path, 'cursor=not-a-cursor'))).toBe('query.cursor');
      // Every other list's cursor is foreign here (the two views of one list share theirs).
      const base = l.path.split('?')[0]!;
      const foreign = LISTS.filter((x) => x.path.split('?')[0] !== base);
      for (const f of foreign) {
        const next = pageOf(await get(f.token(), withQuery(f.path, 'limit=1'))).next!;
        expect(next, f.path).toEqual(expect.any(String));
        // The pending queue pages the other way round: its cursor is not the whole list's.
        expect(await fieldOf(withQuery(l.path, `cursor=${next}`)), `${f.path} → ${l.path}`).toBe('query.cursor');
      }
      // An altered cursor of the list itself: a key swapped for SQL, or one key too few.
      const own = pageOf(await get(l.token(), withQuery(l.path, 'limit=1'))).next!;
      const [name, ...keys] = JSON.parse(Buffer.from(own, 'base64url').toString('utf8')) as string[];
      const forged = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
      expect(
        await fieldOf(withQuery(l.path, `cursor=${forged([name, ...keys.slice(0, -1), "x'; drop table orgs; --"])}`)),
      ).toBe('query.cursor');
      expect(await fieldOf(withQuery(l.path, `cursor=${forged([name, ...keys.slice(1)])}`))).toBe('query.cursor');
    },
  );

  it('the pending sign-up queue and the whole org list do not take each other’s cursors', async () => {
    const pending = pageOf(await get(office(), '/api/v1/orgs?status=pending&limit=1')).next!;
    const all = pageOf(await get(office(), '/api/v1/orgs?limit=1')).next!;
    expect((await get(office(), `/api/v1/orgs?cursor=${pending}`)).statusCode).toBe(400);
    expect((await get(office(), `/api/v1/orgs?status=pending&cursor=${all}`)).statusCode).toBe(400);
  });
});

describe('a cursor never widens what an org sees', () => {
  it("another cooperative walking with A's cursor of its own products sees only its own", async () => {
    const aCursor = pageOf(await get(coopA, '/api/v1/products/mine?limit=1')).next!;
    const bAll = (await whole(coopB, '/api/v1/products/mine')).ids;
    expect(bAll).toHaveLength(8);
    const res = await get(coopB, `/api/v1/products/mine?cursor=${aCursor}`);
    expect(res.statusCode).toBe(200);
    const aAll = (await whole(coopA, '/api/v1/products/mine')).ids;
    for (const id of pageOf(res).ids) {
      expect(bAll).toContain(id);
      expect(aAll).not.toContain(id);
    }
  });

  it("a buyer org's managers walk their own offline records only; the office walks everyone's", async () => {
    const own = await walk(w.buyerManager, '/api/v1/sales/offline', 2);
    expect(own.ids).toHaveLength(8);
    const rows = (await whole(w.buyerManager, '/api/v1/sales/offline')).rows as unknown as { buyerOrgId: string }[];
    expect(rows.every((r) => r.buyerOrgId === w.buyerOrgId)).toBe(true);
    const theirCursor = pageOf(await get(w.otherBuyer, '/api/v1/sales/offline?limit=1')).next!;
    const res = await get(w.buyerManager, `/api/v1/sales/offline?cursor=${theirCursor}`);
    expect(res.statusCode).toBe(200);
    expect((pageOf(res).rows as unknown as { buyerOrgId: string }[]).every((r) => r.buyerOrgId === w.buyerOrgId)).toBe(
      true,
    );
    expect((await walk(office(), '/api/v1/sales/offline', 3)).ids).toHaveLength(10);
  });
});
