import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, isNotNull, or } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { MAX_STOCK } from '@shanhai/domain';
import { createOrgWithUser } from '@shanhai/db/testing';
import {
  bearer,
  createTestApp,
  login,
  multipartBody,
  TINY_PNG,
  type Session,
  type TestApp,
} from '../../../test-support/testing';

let t: TestApp;
let coopA: Session;
let coopB: Session;
let buyer: Session;
let office: Session;

const valid = {
  category: 'honey',
  nameZh: '大坪百花蜜',
  nameEn: 'Daping wildflower honey',
  unitLabel: '瓶',
  unitSpec: '500 g/瓶',
  moq: 10,
  orderStep: 5,
  stock: 200,
  leadTimeDays: 3,
  certifications: ['地理标志'],
  priceTiers: [
    { minQty: 10, unitPriceFen: 6800 },
    { minQty: 50, unitPriceFen: 6200 },
  ],
};

async function sessionFor(kind: 'cooperative' | 'buyer' | 'office', townCode?: string) {
  const { user } = await createOrgWithUser(t.app.db, { kind, ...(townCode ? { townCode } : {}) });
  return login(t.app, user.email);
}

beforeAll(async () => {
  t = await createTestApp();
  coopA = await sessionFor('cooperative', 'daping');
  coopB = await sessionFor('cooperative', 'dakun');
  buyer = await sessionFor('buyer');
  office = await sessionFor('office');
});
afterAll(() => t.close());

const post = (url: string, s: Session | null, payload?: unknown) =>
  t.app.inject({
    method: 'POST',
    url,
    ...(s ? { headers: bearer(s.token) } : {}),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
const patch = (url: string, s: Session, payload: unknown) =>
  t.app.inject({ method: 'PATCH', url, headers: bearer(s.token), payload: payload as object });

async function create(s: Session, body: object = valid) {
  const res = await post('/api/v1/products', s, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const multipart = (name: string, bytes: Buffer, type = 'image/jpeg') => multipartBody({}, { name, bytes, type });

describe('POST /api/v1/products', () => {
  it('creates a draft credited to the cooperative’s town, never set by the body', async () => {
    const p = await create(coopA);
    const [daping] = await t.app.db.select().from(schema.towns).where(eq(schema.towns.code, 'daping'));
    expect(p).toMatchObject({
      status: 'draft',
      townId: daping!.id,
      cooperativeId: coopA.orgId,
      nameZh: '大坪百花蜜',
      photos: [],
      pendingRevision: null,
    });
  });

  it('refuses status, town, cooperative or id in the body (mass assignment) with a 400 naming the key', async () => {
    for (const key of ['status', 'townId', 'cooperativeId', 'id']) {
      const res = await post('/api/v1/products', coopA, {
        ...valid,
        [key]: key === 'status' ? 'listed' : '00000000-0000-4000-8000-000000000000',
      });
      expect(res.statusCode, key).toBe(400);
      expect(JSON.stringify(res.json().errors)).toContain(key);
    }
    const p = await create(coopA);
    for (const key of ['status', 'townId', 'cooperativeId', 'id']) {
      const res = await patch(`/api/v1/products/${p.id}`, coopA, { [key]: 'listed' });
      expect(res.statusCode, key).toBe(400);
    }
  });

  it('checks each tier rule with a 400 naming the field', async () => {
    const cases: [object, string][] = [
      [{ priceTiers: [{ minQty: 5, unitPriceFen: 6800 }] }, 'body.priceTiers.0.minQty'],
      [
        {
          priceTiers: [
            { minQty: 10, unitPriceFen: 6800 },
            { minQty: 10, unitPriceFen: 6000 },
          ],
        },
        'body.priceTiers.1.minQty',
      ],
      [
        {
          priceTiers: [
            { minQty: 10, unitPriceFen: 6800 },
            { minQty: 20, unitPriceFen: 7000 },
          ],
        },
        'body.priceTiers.1.unitPriceFen',
      ],
      [{ priceTiers: [{ minQty: 10, unitPriceFen: 0 }] }, 'body.priceTiers.0.unitPriceFen'],
      [{ priceTiers: [{ minQty: 10, unitPriceFen: 12.5 }] }, 'body.priceTiers.0.unitPriceFen'],
      [{ priceTiers: [] }, 'body.priceTiers'],
    ];
    for (const [change, field] of cases) {
      const res = await post('/api/v1/products', coopA, { ...valid, ...change });
      expect(res.statusCode, field).toBe(400);
      expect(
        res.json().errors.map((e: { field: string }) => e.field),
        field,
      ).toContain(field);
    }
    const p = await create(coopA);
    const res = await patch(`/api/v1/products/${p.id}`, coopA, { moq: 20 });
    expect(res.statusCode).toBe(400);
    // The rule and its figure travel with the field, for clients that word it in Chinese.
    expect(res.json().errors).toEqual([
      {
        field: 'body.priceTiers.0.minQty',
        message: 'must equal the minimum order (20)',
        code: 'first_tier_moq',
        params: { moq: 20 },
      },
    ]);
  });

  it('answers 401 anonymous, 403 buyers and the office', async () => {
    expect((await post('/api/v1/products', null, valid)).statusCode).toBe(401);
    expect((await post('/api/v1/products', buyer, valid)).statusCode).toBe(403);
    expect((await post('/api/v1/products', office, valid)).statusCode).toBe(403);
    const p = await create(coopA);
    expect(
      (await t.app.inject({ method: 'PATCH', url: `/api/v1/products/${p.id}`, payload: { stock: 1 } })).statusCode,
    ).toBe(401);
    expect((await patch(`/api/v1/products/${p.id}`, buyer, { stock: 1 })).statusCode).toBe(403);
  });
});

describe('sale unit and English content', () => {
  it('keeps the unit name apart from its specification, with optional English shown on the product page', async () => {
    const p = await create(coopA, {
      ...valid,
      nameZh: '大坪土蜂蜜',
      unitLabelEn: 'jar',
      unitSpecEn: '500 g/jar',
      description: '山花蜜',
      descriptionEn: 'Mountain-flower honey',
      certifications: ['地理标志', '绿色食品'],
      certificationsEn: ['Geographical indication'],
    });
    expect(p).toMatchObject({
      unitLabel: '瓶',
      unitSpec: '500 g/瓶',
      unitLabelEn: 'jar',
      unitSpecEn: '500 g/jar',
      descriptionEn: 'Mountain-flower honey',
      certificationsEn: ['Geographical indication'],
    });
    // An empty English text clears it (the Chinese then shows, marked, in the English interface).
    const cleared = await patch(`/api/v1/products/${p.id}`, coopA, { descriptionEn: '', unitSpec: '约 480 g/瓶' });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json()).toMatchObject({ descriptionEn: null, unitSpec: '约 480 g/瓶', unitLabel: '瓶' });
    const preview = await t.app.inject({ url: `/api/v1/products/${p.id}`, headers: bearer(coopA.token) });
    expect(preview.json()).toMatchObject({
      unitLabel: '瓶',
      unitSpec: '约 480 g/瓶',
      unitLabelEn: 'jar',
      unitSpecEn: '500 g/jar',
      descriptionEn: null,
      certifications: ['地理标志', '绿色食品'],
      certificationsEn: ['Geographical indication'],
    });
  });

  it('refuses a weight run into the unit name, and more English certifications than Chinese, naming the field', async () => {
    const res = await post('/api/v1/products', coopA, { ...valid, unitLabel: '500 g 瓶' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      expect.objectContaining({
        field: 'body.unitLabel',
        code: 'custom',
        message: 'must be the unit alone (瓶, 箱, jar); write its weight or count in the specification',
        params: { params: { rule: 'unit_name' }, received: 'string' },
      }),
    ]);
    const tooMany = await post('/api/v1/products', coopA, {
      ...valid,
      certifications: ['地理标志'],
      certificationsEn: ['GI', 'Green Food'],
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors).toEqual([
      expect.objectContaining({ field: 'body.certificationsEn', code: 'more_than_zh', params: { max: 1 } }),
    ]);
    const p = await create(coopA);
    const bad = await patch(`/api/v1/products/${p.id}`, coopA, { certificationsEn: ['GI', 'Green Food'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'body.certificationsEn', code: 'more_than_zh' });
    const longSpec = await patch(`/api/v1/products/${p.id}`, coopA, { unitSpec: 'x'.repeat(41) });
    expect(longSpec.statusCode).toBe(400);
    expect(longSpec.json().errors[0]).toMatchObject({ field: 'body.unitSpec' });
    const other = await patch(`/api/v1/products/${p.id}`, coopB, { unitSpec: '1 kg/瓶' });
    expect(other.statusCode).toBe(404);
  });
});

describe('tenancy', () => {
  it('another cooperative cannot see or edit a draft (404), nor does the public', async () => {
    const p = await create(coopA);
    expect((await patch(`/api/v1/products/${p.id}`, coopB, { stock: 1 })).statusCode).toBe(404);
    expect((await post(`/api/v1/products/${p.id}/submit`, coopB)).statusCode).toBe(404);
    expect((await post(`/api/v1/products/${p.id}/stock`, coopB, { delta: 1 })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}/own`, headers: bearer(coopB.token) }))
        .statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}`, headers: bearer(coopB.token) })).statusCode,
    ).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}` })).statusCode).toBe(404);
    // Its own cooperative previews it.
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}`, headers: bearer(coopA.token) })).statusCode,
    ).toBe(200);
    const mineB = (
      await t.app.inject({ method: 'GET', url: '/api/v1/products/mine', headers: bearer(coopB.token) })
    ).json();
    expect(mineB.map((x: { id: string }) => x.id)).not.toContain(p.id);
    const mineA = (
      await t.app.inject({ method: 'GET', url: '/api/v1/products/mine', headers: bearer(coopA.token) })
    ).json();
    expect(mineA.map((x: { id: string }) => x.id)).toContain(p.id);
  });
});

describe('lifecycle and review', () => {
  it('draft → pending_review → rejected (reason) → pending_review → listed; only the office reviews; audited', async () => {
    const p = await create(coopA);
    expect((await post(`/api/v1/products/${p.id}/approve`, office)).statusCode).toBe(409);
    expect((await post(`/api/v1/products/${p.id}/submit`, coopA)).json().status).toBe('pending_review');
    expect((await post(`/api/v1/products/${p.id}/approve`, coopA)).statusCode).toBe(403);
    expect((await post(`/api/v1/products/${p.id}/approve`, buyer)).statusCode).toBe(403);
    const queue = (
      await t.app.inject({ method: 'GET', url: '/api/v1/products/review-queue', headers: bearer(office.token) })
    ).json();
    expect(queue.map((x: { id: string }) => x.id)).toContain(p.id);
    expect((await post(`/api/v1/products/${p.id}/reject`, office, {})).statusCode).toBe(400);
    const rejected = (await post(`/api/v1/products/${p.id}/reject`, office, { reason: '照片不清晰' })).json();
    expect(rejected).toMatchObject({ status: 'rejected', rejectionReason: '照片不清晰' });
    await post(`/api/v1/products/${p.id}/submit`, coopA);
    const listed = (await post(`/api/v1/products/${p.id}/approve`, office)).json();
    expect(listed).toMatchObject({ status: 'listed', rejectionReason: null });
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}` })).statusCode).toBe(200);
    const audits = await t.app.db
      .select()
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.entityId, p.id)));
    const actions = audits.map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['product.reject', 'product.approve']));
    expect(audits.find((a) => a.action === 'product.reject')!.note).toBe('照片不清晰');
    // delist ↔ relist
    expect((await post(`/api/v1/products/${p.id}/delist`, coopA)).json().status).toBe('delisted');
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}` })).statusCode).toBe(404);
    expect((await post(`/api/v1/products/${p.id}/relist`, coopA)).json().status).toBe('listed');
  });

  it('delist → edit → relist cannot skip review: a changed name, tiers, MOQ, category or photos make it a draft to submit', async () => {
    const listedProduct = async () => {
      const p = await create(coopA);
      await post(`/api/v1/products/${p.id}/submit`, coopA);
      expect((await post(`/api/v1/products/${p.id}/approve`, office)).json().status).toBe('listed');
      expect((await post(`/api/v1/products/${p.id}/delist`, coopA)).json().status).toBe('delisted');
      return p;
    };
    const edits: Record<string, unknown>[] = [
      { nameZh: '换了名字的蜂蜜' },
      { nameEn: 'Renamed honey' },
      { priceTiers: [{ minQty: 10, unitPriceFen: 5000 }] },
      // The first tier starts at the MOQ, so a new MOQ comes with its tiers.
      { moq: 20, priceTiers: [{ minQty: 20, unitPriceFen: 6800 }] },
      { orderStep: 10 },
      { category: 'tea' },
      { photos: [] },
    ];
    for (const edit of edits) {
      const p = await listedProduct();
      const res = await patch(`/api/v1/products/${p.id}`, coopA, edit);
      expect(res.statusCode, JSON.stringify(edit)).toBe(200);
      expect(res.json().status, JSON.stringify(edit)).toBe('draft');
      const relist = await post(`/api/v1/products/${p.id}/relist`, coopA);
      expect(relist.statusCode, JSON.stringify(edit)).toBe(409);
      expect((await t.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}` })).statusCode).toBe(404);
      expect((await post(`/api/v1/products/${p.id}/submit`, coopA)).json().status).toBe('pending_review');
      expect((await post(`/api/v1/products/${p.id}/approve`, office)).json().status).toBe('listed');
    }
    // Stock or lead time are not reviewed: relisting after such an edit is immediate.
    const p = await listedProduct();
    expect((await patch(`/api/v1/products/${p.id}`, coopA, { leadTimeDays: 5 })).json().status).toBe('delisted');
    expect((await post(`/api/v1/products/${p.id}/relist`, coopA)).json().status).toBe('listed');
  });

  it('an edit of a listed product’s name or tiers waits for review while the approved version stays on sale', async () => {
    const p = await create(coopA);
    await post(`/api/v1/products/${p.id}/submit`, coopA);
    await post(`/api/v1/products/${p.id}/approve`, office);
    const edited = (
      await patch(`/api/v1/products/${p.id}`, coopA, {
        nameZh: '大坪土蜂蜜',
        priceTiers: [{ minQty: 10, unitPriceFen: 5000 }],
        description: '新描述',
      })
    ).json();
    expect(edited).toMatchObject({
      status: 'listed',
      nameZh: '大坪百花蜜',
      description: '新描述',
      pendingRevision: { nameZh: '大坪土蜂蜜', priceTiers: [{ minQty: 10, unitPriceFen: 5000 }] },
    });
    const pub = (await t.app.inject({ method: 'GET', url: `/api/v1/products/${p.id}` })).json();
    expect(pub.nameZh).toBe('大坪百花蜜');
    expect(pub.priceTiers[0].unitPriceFen).toBe(6800);
    // Rejecting the edit keeps the approved version; approving another applies it.
    const kept = (await post(`/api/v1/products/${p.id}/reject`, office, { reason: '价格需说明' })).json();
    expect(kept).toMatchObject({
      status: 'listed',
      nameZh: '大坪百花蜜',
      pendingRevision: null,
      rejectionReason: '价格需说明',
    });
    await patch(`/api/v1/products/${p.id}`, coopA, { nameZh: '大坪土蜂蜜' });
    const applied = (await post(`/api/v1/products/${p.id}/approve`, office)).json();
    expect(applied).toMatchObject({ status: 'listed', nameZh: '大坪土蜂蜜', pendingRevision: null });
  });

  it('stock changes need no review and never go below zero', async () => {
    const p = await create(coopA);
    await post(`/api/v1/products/${p.id}/submit`, coopA);
    await post(`/api/v1/products/${p.id}/approve`, office);
    const r = (await post(`/api/v1/products/${p.id}/stock`, coopA, { delta: -50 })).json();
    expect(r).toMatchObject({ stock: 150, status: 'listed', pendingRevision: null });
    const bad = await post(`/api/v1/products/${p.id}/stock`, coopA, { delta: -151 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.delta');
    await Promise.all(Array.from({ length: 10 }, () => post(`/api/v1/products/${p.id}/stock`, coopA, { delta: -15 })));
    const [row] = await t.app.db.select().from(schema.products).where(eq(schema.products.id, p.id));
    expect(row!.stock).toBe(0);
  });

  it('stock after a delta stays within MAX_STOCK: past it is a 400 naming body.delta, stock unchanged (issue 13)', async () => {
    const p = await create(coopA);
    const up = await post(`/api/v1/products/${p.id}/stock`, coopA, { delta: MAX_STOCK - 200 });
    expect(up.json()).toMatchObject({ stock: MAX_STOCK });
    const bad = await post(`/api/v1/products/${p.id}/stock`, coopA, { delta: 1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      {
        field: 'body.delta',
        code: 'stock_too_large',
        message: 'would take stock above 100,000,000',
        params: { max: MAX_STOCK },
      },
    ]);
    // Repeated deltas would otherwise pass int4 (2,147,483,647) and come back as a 500.
    await Promise.all(
      Array.from({ length: 3 }, () => post(`/api/v1/products/${p.id}/stock`, coopA, { delta: MAX_STOCK })),
    );
    const [row] = await t.app.db.select().from(schema.products).where(eq(schema.products.id, p.id));
    expect(row!.stock).toBe(MAX_STOCK);
  });
});

describe('POST /api/v1/products/photos', () => {
  it('stores a PNG and returns its content-addressed URL; a product holds at most 8', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products/photos',
      ...(() => {
        const m = multipart('a.png', TINY_PNG, 'image/png');
        return { payload: m.payload, headers: { ...m.headers, ...bearer(coopA.token) } };
      })(),
    });
    expect(res.statusCode, res.body).toBe(201);
    const { url } = res.json();
    expect(url).toMatch(/^\/media\/[0-9a-f]{64}\.png$/);
    expect((await t.app.inject({ method: 'GET', url })).headers['cache-control']).toContain('immutable');
    const p = await create(coopA, { ...valid, photos: [url] });
    expect(p.photos).toEqual([url]);
    const tooMany = await post('/api/v1/products', coopA, { ...valid, photos: Array(9).fill(url) });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors[0].field).toBe('body.photos');
    const foreign = await post('/api/v1/products', coopA, { ...valid, photos: ['https://evil.example/x.jpg'] });
    expect(foreign.statusCode).toBe(400);
  });

  it('refuses text disguised as .jpg and oversize files with a 400 naming the problem; buyers get 403', async () => {
    const up = (s: Session, name: string, content: Buffer) => {
      const m = multipart(name, content);
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/products/photos',
        payload: m.payload,
        headers: { ...m.headers, ...bearer(s.token) },
      });
    };
    const disguised = await up(coopA, 'photo.jpg', Buffer.from('<html>not a jpeg</html>'.repeat(20)));
    expect(disguised.statusCode).toBe(400);
    expect(disguised.json().errors[0]).toMatchObject({
      field: 'body.file',
      message: expect.stringContaining('JPG, PNG, WEBP'),
    });
    const big = await up(coopA, 'big.png', Buffer.concat([TINY_PNG, Buffer.alloc(5 * 1024 * 1024 + 10)]));
    expect(big.statusCode).toBe(400);
    expect(big.json().errors[0].message).toContain('5 MB');
    expect((await up(buyer, 'a.png', TINY_PNG)).statusCode).toBe(403);
  });
});

describe('GET /api/v1/products/review-queue/count (issue 13)', () => {
  it('counts every product waiting for review, not a page; office only', async () => {
    const url = '/api/v1/products/review-queue/count';
    const get = (s: Session | null) => t.app.inject({ method: 'GET', url, headers: s ? bearer(s.token) : {} });
    const p = await create(coopA);
    expect((await post(`/api/v1/products/${p.id}/submit`, coopA)).statusCode).toBe(200);
    const waiting = await t.app.db.$count(
      schema.products,
      or(eq(schema.products.status, 'pending_review'), isNotNull(schema.products.pendingRevision)),
    );
    expect(waiting).toBeGreaterThan(0);
    expect((await get(office)).json()).toEqual({ count: waiting });
    expect((await get(null)).statusCode).toBe(401);
    expect((await get(coopA)).statusCode).toBe(403);
    expect((await get(buyer)).statusCode).toBe(403);
  });
});
