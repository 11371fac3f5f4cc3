import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { appendSales, foldAll, reattribute, schema } from '@shanhai/db';
import { createOrg, createProduct } from '@shanhai/db/testing';
import { businessDate } from '@shanhai/domain';
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
