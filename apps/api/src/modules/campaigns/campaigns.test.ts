import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { appendSales, foldAll, reattribute, schema } from '@shanhai/db';
import { cloneRow, createOrg, createProduct } from '@shanhai/db/testing';
import { businessDate, DEFAULT_PAGE, MAX_PAGE } from '@shanhai/domain';
import { salesWorld, tokenCalls } from '../../../test-support/sales';
import { bearer, type TestApp } from '../../../test-support/testing';

let t: TestApp;
let townId: string;
let buyerOrgId: string;
let office: string;
let buyerManager: string;
let coop: string;
let productId: string;
const { post, get } = tokenCalls(() => t);
const patch = (url: string, token: string | null, payload: object) =>
  t.app.inject({ method: 'PATCH', url, headers: token ? bearer(token) : {}, payload });
const del = (url: string, token: string | null) =>
  t.app.inject({ method: 'DELETE', url, headers: token ? bearer(token) : {} });

beforeAll(async () => {
  ({ t, townId, buyerOrgId, office, buyerManager, coop } = await salesWorld());
  const coopOrg = await createOrg(t.app.db, { kind: 'cooperative', townCode: 'sx-a' });
  productId = (await createProduct(t.app.db, { cooperativeId: coopOrg.id, nameZh: '英德红茶', category: 'tea' })).id;
});
afterAll(async () => t.close());

const june30 = {
  nameZh: '6·30 广东扶贫济困日',
  nameEn: 'Guangdong Poverty Relief Day (June 30)',
  startsOn: '2026-06-23',
  endsOn: '2026-06-30',
  bannerZh: '山海同心，消费帮扶',
  bannerEn: 'Buy from the hills',
  targetFen: 50_000_000,
};

const audits = (entityId: string) =>
  t.app.db
    .select()
    .from(schema.auditLog)
    .where(and(eq(schema.auditLog.entityType, 'campaign'), eq(schema.auditLog.entityId, entityId)));

describe('campaigns: office CRUD', () => {
  it('401 without a token, 403 for a buyer and a cooperative, 400 naming the field', async () => {
    expect((await post('/api/v1/campaigns', null, june30)).statusCode).toBe(401);
    expect((await post('/api/v1/campaigns', buyerManager, june30)).statusCode).toBe(403);
    expect((await post('/api/v1/campaigns', coop, june30)).statusCode).toBe(403);
    const backwards = await post('/api/v1/campaigns', office, { ...june30, endsOn: '2026-06-01' });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().errors[0].field).toBe('body.endsOn');
    const noName = await post('/api/v1/campaigns', office, { ...june30, nameZh: '' });
    expect(noName.json().errors[0].field).toBe('body.nameZh');
    const negative = await post('/api/v1/campaigns', office, { ...june30, targetFen: -1 });
    expect(negative.json().errors[0].field).toBe('body.targetFen');
    const setsId = await post('/api/v1/campaigns', office, { ...june30, id: crypto.randomUUID() });
    expect(setsId.statusCode).toBe(400);
    const noTown = await post('/api/v1/campaigns', office, { ...june30, townIds: [townId, crypto.randomUUID()] });
    expect(noTown.statusCode).toBe(400);
    expect(noTown.json().errors[0].field).toBe('body.townIds.1');
    const noProduct = await post('/api/v1/campaigns', office, { ...june30, productIds: [crypto.randomUUID()] });
    expect(noProduct.json().errors[0].field).toBe('body.productIds.0');
    const tooLong = await post('/api/v1/campaigns', office, { ...june30, endsOn: '2027-12-31' });
    expect(tooLong.json().errors[0].field).toBe('body.endsOn');
    expect(await t.app.db.select().from(schema.campaigns)).toEqual([]);
  });

  it('office staff create, read, edit and delete; each step is audit-logged; anyone reads', async () => {
    const created = await post('/api/v1/campaigns', office, { ...june30, townIds: [townId] });
    expect(created.statusCode).toBe(201);
    const c = created.json();
    expect(c).toEqual({
      id: expect.any(String),
      ...june30,
      townIds: [townId],
      categories: [],
      productIds: [],
      isDemo: false,
      phase: businessDate() > '2026-06-30' ? 'past' : businessDate() < '2026-06-23' ? 'upcoming' : 'active',
      salesFen: 0,
      // Begun when created: its earlier sales wait for the recorded re-attribution.
      reattributing: businessDate() >= '2026-06-23',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await get(`/api/v1/campaigns/${c.id}`, null)).json()).toEqual(c);
    expect((await get('/api/v1/campaigns', null)).json().items.map((x: { id: string }) => x.id)).toEqual([c.id]);
    expect((await get(`/api/v1/campaigns?phase=${c.phase}`, null)).json().items).toHaveLength(1);
    expect((await get('/api/v1/campaigns?phase=someday', null)).json().errors[0].field).toBe('query.phase');

    // Editing a name or banner is not a re-attribution.
    expect((await patch(`/api/v1/campaigns/${c.id}`, null, { bannerZh: '新' })).statusCode).toBe(401);
    expect((await patch(`/api/v1/campaigns/${c.id}`, buyerManager, { bannerZh: '新' })).statusCode).toBe(403);
    expect((await patch(`/api/v1/campaigns/${crypto.randomUUID()}`, office, { bannerZh: '新' })).statusCode).toBe(404);
    const badEdit = await patch(`/api/v1/campaigns/${c.id}`, office, { startsOn: '2026-07-05' });
    expect(badEdit.statusCode).toBe(400);
    expect(badEdit.json().errors[0].field).toBe('body.startsOn');
    const edited = await patch(`/api/v1/campaigns/${c.id}`, office, { bannerZh: '山海同心' });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ bannerZh: '山海同心' });
    // Begun (or past) when created: its earlier sales are counted in by a recorded re-attribution.
    const recorded = (await get(`/api/v1/campaigns/${c.id}/reattributions`, office)).json().items;
    expect(recorded).toHaveLength(businessDate() >= '2026-06-23' ? 1 : 0);
    if (recorded.length) expect(recorded[0]).toMatchObject({ status: 'pending', before: recorded[0].after });

    const log = await audits(c.id);
    expect(log.map((l) => l.action).sort()).toEqual(['campaign.create', 'campaign.update']);
    expect(log.find((l) => l.action === 'campaign.update')).toMatchObject({
      before: { bannerZh: '山海同心，消费帮扶' },
      after: { bannerZh: '山海同心' },
    });

    expect((await del(`/api/v1/campaigns/${c.id}`, null)).statusCode).toBe(401);
    expect((await del(`/api/v1/campaigns/${c.id}`, buyerManager)).statusCode).toBe(403);
    expect((await del(`/api/v1/campaigns/${c.id}`, office)).statusCode).toBe(204);
    expect((await del(`/api/v1/campaigns/${c.id}`, office)).statusCode).toBe(404);
    expect((await get(`/api/v1/campaigns/${c.id}`, null)).statusCode).toBe(404);
    expect((await audits(c.id)).map((l) => l.action).sort()).toEqual([
      'campaign.create',
      'campaign.delete',
      'campaign.update',
    ]);
  });

  it('404 for an unknown campaign on every read; reattributions are the office’s', async () => {
    const id = crypto.randomUUID();
    for (const url of [
      `/api/v1/campaigns/${id}`,
      `/api/v1/campaigns/${id}/leaderboard`,
      `/api/v1/campaigns/${id}/products`,
    ])
      expect((await get(url, null)).statusCode).toBe(404);
    expect((await get(`/api/v1/campaigns/${id}/reattributions`, null)).statusCode).toBe(401);
    expect((await get(`/api/v1/campaigns/${id}/reattributions`, buyerManager)).statusCode).toBe(403);
    expect((await get(`/api/v1/campaigns/${id}/reattributions`, office)).statusCode).toBe(404);
    expect((await get('/api/v1/campaigns/not-a-uuid', null)).json().errors[0].field).toBe('params.id');
  });

  it('the board and the shelf: attributed sales by town and unit, listed products in scope', async () => {
    const c = (await post('/api/v1/campaigns', office, { ...june30, categories: ['tea'] })).json();
    await appendSales(t.app.db, [
      {
        source: 'offline',
        sourceRef: 'b1',
        kind: 'sale',
        townId,
        buyerOrgId,
        category: 'tea',
        amountFen: 30_000,
        businessDate: '2026-06-25',
      },
      // Out of scope: another category; out of days.
      {
        source: 'offline',
        sourceRef: 'b2',
        kind: 'sale',
        townId,
        buyerOrgId,
        category: 'honey',
        amountFen: 1_000,
        businessDate: '2026-06-25',
      },
      {
        source: 'offline',
        sourceRef: 'b3',
        kind: 'sale',
        townId,
        buyerOrgId,
        category: 'tea',
        amountFen: 2_000,
        businessDate: '2026-07-01',
      },
    ]);
    await foldAll(t.app.db);
    const board = (await get(`/api/v1/campaigns/${c.id}/leaderboard`, null)).json();
    expect(board.campaign.salesFen).toBe(30_000);
    expect(board.progressPct).toBe(0.06);
    expect(board.towns).toEqual([
      {
        rank: 1,
        townId,
        nameZh: '甲镇',
        nameEn: 'Jia',
        countyNameZh: '测试县',
        countyNameEn: 'Test',
        salesFen: 30_000,
      },
    ]);
    expect(board.units).toEqual([{ rank: 1, buyerOrgId, name: expect.any(String), salesFen: 30_000 }]);
    const shelf = (await get(`/api/v1/campaigns/${c.id}/products`, null)).json();
    expect(shelf.items.map((p: { id: string }) => p.id)).toEqual([productId]);
    // A campaign sales have counted for is part of the record.
    const gone = await del(`/api/v1/campaigns/${c.id}`, office);
    expect(gone.statusCode).toBe(409);
    expect(gone.json().code).toBe('campaign_has_sales');
  });

  it('editing dates re-attributes through a recorded job: who, when, before, after, counts', async () => {
    const c = (
      await post('/api/v1/campaigns', office, {
        ...june30,
        nameZh: '丰收节',
        startsOn: '2026-09-20',
        endsOn: '2026-09-22',
      })
    ).json();
    await appendSales(t.app.db, [
      {
        source: 'offline',
        sourceRef: 'h1',
        kind: 'sale',
        townId,
        buyerOrgId,
        category: 'fruit',
        amountFen: 7_000,
        businessDate: '2026-09-21',
      },
      {
        source: 'offline',
        sourceRef: 'h2',
        kind: 'sale',
        townId,
        buyerOrgId,
        category: 'fruit',
        amountFen: 5_000,
        businessDate: '2026-09-24',
      },
    ]);
    // The worker's step for the creation's re-attribution: nothing tallied yet, nothing moves.
    for (const r of (await get(`/api/v1/campaigns/${c.id}/reattributions`, office)).json().items)
      expect(await reattribute(t.app.db, r.id)).toMatchObject({ addedRows: 0, removedRows: 0 });
    await foldAll(t.app.db);
    expect((await get(`/api/v1/campaigns/${c.id}`, null)).json().salesFen).toBe(7_000);
    const edited = await patch(`/api/v1/campaigns/${c.id}`, office, { startsOn: '2026-09-22', endsOn: '2026-09-25' });
    expect(edited.statusCode).toBe(200);
    // Recorded, not yet carried out: the figure stays until the job runs.
    expect(edited.json()).toMatchObject({ reattributing: true, salesFen: 7_000 });
    const [pending] = (await get(`/api/v1/campaigns/${c.id}/reattributions`, office)).json().items;
    expect(pending).toMatchObject({
      status: 'pending',
      requestedBy: { userId: expect.any(String), name: expect.any(String) },
      before: { startsOn: '2026-09-20', endsOn: '2026-09-22', townIds: [], categories: [], productIds: [] },
      after: { startsOn: '2026-09-22', endsOn: '2026-09-25', townIds: [], categories: [], productIds: [] },
      addedRows: null,
    });
    // The worker's step, twice: once has an effect.
    expect(await reattribute(t.app.db, pending.id)).toMatchObject({
      addedRows: 1,
      removedRows: 1,
      addedFen: 5_000,
      removedFen: 7_000,
    });
    expect(await reattribute(t.app.db, pending.id)).toBeNull();
    expect((await get(`/api/v1/campaigns/${c.id}`, null)).json()).toMatchObject({
      reattributing: false,
      salesFen: 5_000,
    });
    expect((await get(`/api/v1/campaigns/${c.id}/reattributions`, office)).json().items[0]).toMatchObject({
      status: 'done',
      addedRows: 1,
      removedRows: 1,
      addedFen: 5_000,
      removedFen: 7_000,
      finishedAt: expect.any(String),
    });
  });
});

describe('campaign lists, a page at a time (issue 13)', () => {
  type PageBody = { items: { id: string }[]; nextCursor: string | null };
  /** Every row of a page-object list, page after page. */
  async function walk(url: string, token: string | null, limit: number) {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const res = await get(`${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as PageBody;
      seen.push(...body.items.map((r) => r.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    return { seen, pages };
  }
  async function fieldOf(url: string, token: string | null) {
    const res = await get(url, token);
    expect(res.statusCode, res.body).toBe(400);
    return res.json().errors[0].field as string;
  }
  const cursorOf = async (url: string, token: string | null) => {
    const next = ((await get(url, token)).json() as PageBody).nextCursor;
    expect(next).toEqual(expect.any(String));
    return next!;
  };

  it('GET /campaigns walks every campaign once, the latest start first, by name, the id breaking ties; phase holds across pages', async () => {
    const seed = (
      await post('/api/v1/campaigns', office, {
        ...june30,
        nameZh: '往年集市',
        startsOn: '2021-03-01',
        endsOn: '2021-03-05',
      })
    ).json();
    // 150 past campaigns: four start on each day, three names among them (name and id order those).
    await cloneRow(t.app.db, 'campaigns', seed.id, 150, {
      name_zh: `'往年集市-' || (g % 3)`,
      starts_on: `src.starts_on - (g / 4)`,
      ends_on: `src.ends_on - (g / 4)`,
    });
    const expected = async (where: string) =>
      (
        await t.app.db.execute<{ id: string }>(
          sql.raw(`select id from campaigns ${where} order by starts_on desc, name_zh, id`),
        )
      ).rows.map((r) => r.id);
    const all = await expected('');
    expect(all.length).toBeGreaterThan(151);
    expect((await walk('/api/v1/campaigns', null, 40)).seen).toEqual(all);
    const past = await expected(`where ends_on < '${businessDate()}'`);
    const pastWalk = await walk('/api/v1/campaigns?phase=past', null, 40);
    expect(pastWalk.seen).toEqual(past);
    expect(pastWalk.pages).toBe(Math.ceil(past.length / 40));
    // Without a limit: the default page of 200.
    const first = (await get('/api/v1/campaigns', null)).json() as PageBody;
    expect(first.items).toHaveLength(Math.min(DEFAULT_PAGE, all.length));

    const url = '/api/v1/campaigns';
    expect(await fieldOf(`${url}?limit=${MAX_PAGE + 1}`, null)).toBe('query.limit');
    expect(await fieldOf(`${url}?limit=0`, null)).toBe('query.limit');
    expect(await fieldOf(`${url}?cursor=not-a-cursor`, null)).toBe('query.cursor');
    // A cursor of this list with a start that is no date.
    const altered = Buffer.from(JSON.stringify(['campaigns', '2021-02-30', 'x', seed.id])).toString('base64url');
    expect(await fieldOf(`${url}?cursor=${altered}`, null)).toBe('query.cursor');
  });

  it('a campaign’s shelf and its re-attributions walk each row once, newest first; each list refuses the other’s cursor; 401, 403, 404 hold', async () => {
    const coopOrg = await createOrg(t.app.db, { kind: 'cooperative', townCode: 'sx-a' });
    const herbs = await createProduct(t.app.db, { cooperativeId: coopOrg.id, nameZh: '化橘红', category: 'herbs' });
    // 130 more listed herbs, two listed in each instant (the id orders those).
    await cloneRow(t.app.db, 'products', herbs.id, 130, {
      name_zh: `'化橘红-' || g`,
      code: `src.code || '-' || g`,
      created_at: `src.created_at - (g / 2) * interval '1 second'`,
    });
    const c = (await post('/api/v1/campaigns', office, { ...june30, nameZh: '南药节', categories: ['herbs'] })).json();
    const shelf = (
      await t.app.db.execute<{ id: string }>(sql`
        select id from products where category = 'herbs' and status = 'listed' and coop_active
        order by created_at desc, id desc`)
    ).rows.map((r) => r.id);
    expect(shelf.length).toBeGreaterThan(130);
    const products = `/api/v1/campaigns/${c.id}/products`;
    const shelfWalk = await walk(products, null, 50);
    expect(shelfWalk.seen).toEqual(shelf);
    expect(shelfWalk.pages).toBe(Math.ceil(shelf.length / 50));

    // 60 re-attributions, two requested in each instant.
    const seed = (
      await post('/api/v1/campaigns', office, {
        ...june30,
        nameZh: '重算节',
        startsOn: '2021-09-01',
        endsOn: '2021-09-03',
      })
    ).json();
    const [first] = (await get(`/api/v1/campaigns/${seed.id}/reattributions`, office)).json().items;
    await cloneRow(t.app.db, 'campaign_reattributions', first.id, 60, {
      requested_at: `src.requested_at - (g / 2) * interval '1 minute'`,
    });
    const history = (
      await t.app.db.execute<{ id: string }>(sql`
        select id from campaign_reattributions where campaign_id = ${seed.id} order by requested_at desc, id desc`)
    ).rows.map((r) => r.id);
    expect(history).toHaveLength(61);
    const reattributions = `/api/v1/campaigns/${seed.id}/reattributions`;
    const historyWalk = await walk(reattributions, office, 25);
    expect(historyWalk.seen).toEqual(history);
    expect(historyWalk.pages).toBe(3);

    // Bad limits and cursors; each list's cursor (the same shape: a time, an id) is refused by the other.
    for (const [url, token] of [
      [products, null],
      [reattributions, office],
    ] as const) {
      expect(await fieldOf(`${url}?limit=${MAX_PAGE + 1}`, token)).toBe('query.limit');
      expect(await fieldOf(`${url}?limit=-1`, token)).toBe('query.limit');
      expect(await fieldOf(`${url}?cursor=not-a-cursor`, token)).toBe('query.cursor');
      expect(await fieldOf(`${url}?cursor=${await cursorOf('/api/v1/campaigns?limit=1', null)}`, token)).toBe(
        'query.cursor',
      );
    }
    const shelfCursor = await cursorOf(`${products}?limit=1`, null);
    const historyCursor = await cursorOf(`${reattributions}?limit=1`, office);
    expect(await fieldOf(`${reattributions}?cursor=${shelfCursor}`, office)).toBe('query.cursor');
    expect(await fieldOf(`${products}?cursor=${historyCursor}`, null)).toBe('query.cursor');
    expect(await fieldOf(`/api/v1/campaigns?cursor=${shelfCursor}`, null)).toBe('query.cursor');

    expect((await get(`${reattributions}?limit=5`, null)).statusCode).toBe(401);
    expect((await get(`${reattributions}?limit=5`, buyerManager)).statusCode).toBe(403);
    expect((await get(`${reattributions}?limit=5`, coop)).statusCode).toBe(403);
    const unknown = crypto.randomUUID();
    expect((await get(`/api/v1/campaigns/${unknown}/reattributions?limit=5`, office)).statusCode).toBe(404);
    expect((await get(`/api/v1/campaigns/${unknown}/products?limit=5`, null)).statusCode).toBe(404);
  });
});
