import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { schema } from '@shanhai/db';
import { createOrg, createProduct } from '@shanhai/db/testing';
import { createTestApp, type TestApp } from '../../../test-support/testing';
import { queryWords } from '@shanhai/db';

let t: TestApp;
let dapingCoop: string;
let dakunCoop: string;
let honeyId: string;

const get = (url: string) => t.app.inject({ method: 'GET', url });
type Item = { id: string; nameZh: string; basePriceFen: number; townCode: string; category: string };

beforeAll(async () => {
  // The empty template has no towns; the demo one has the programme's towns.
  t = await createTestApp();
  // Start from a catalogue holding only this file's products.
  await t.app.db.update(schema.products).set({ status: 'delisted' });
  dapingCoop = (await createOrg(t.app.db, { kind: 'cooperative', townCode: 'daping', name: '大坪蜂业合作社' })).id;
  dakunCoop = (await createOrg(t.app.db, { kind: 'cooperative', townCode: 'dakun' })).id;
  const honey = await createProduct(t.app.db, {
    cooperativeId: dapingCoop,
    nameZh: '大坪百花蜂蜜',
    nameEn: 'Daping wildflower honey',
    category: 'honey',
    priceTiers: [{ minQty: 1, unitPriceFen: 6800 }],
  });
  honeyId = honey.id;
  await createProduct(t.app.db, {
    cooperativeId: dapingCoop,
    nameZh: '大坪猕猴桃',
    nameEn: 'Daping kiwi fruit',
    category: 'fruit',
    priceTiers: [{ minQty: 1, unitPriceFen: 4500 }],
  });
  await createProduct(t.app.db, {
    cooperativeId: dakunCoop,
    nameZh: '大崑肉鸽',
    nameEn: 'Dakun meat pigeon',
    category: 'poultry',
    stock: 0,
    priceTiers: [{ minQty: 1, unitPriceFen: 3800 }],
  });
  await createProduct(t.app.db, {
    cooperativeId: dakunCoop,
    nameZh: '蜂蜜柚子茶',
    nameEn: 'Honey pomelo tea',
    category: 'tea',
    priceTiers: [{ minQty: 1, unitPriceFen: 2900 }],
  });
  await createProduct(t.app.db, { cooperativeId: dakunCoop, nameZh: '草稿蜂蜜', category: 'honey', status: 'draft' });
  const suspended = await createOrg(t.app.db, { kind: 'cooperative', townCode: 'daping', status: 'suspended' });
  await createProduct(t.app.db, { cooperativeId: suspended.id, nameZh: '停业社蜂蜜', category: 'honey' });
});
afterAll(() => t.close());

describe('queryWords', () => {
  it('cuts Chinese into words (no space needed), keeps English words, adds synonyms', () => {
    expect(queryWords('大坪蜂蜜 Honey').map((w) => w.word)).toEqual(['大坪', '蜂蜜', 'honey']);
    expect(queryWords('奇异果')[0]!.alternatives).toContain('猕猴桃');
    expect(queryWords('蜜')).toEqual([{ word: '蜜', kind: 'cjk', alternatives: ['蜜'] }]);
  });
});

describe('GET /api/v1/products', () => {
  it('finds the Daping honey by Chinese and by English, only listed products of active cooperatives', async () => {
    const zh = (await get(`/api/v1/products?q=${encodeURIComponent('蜂蜜')}`)).json();
    expect(zh.items.map((i: Item) => i.nameZh).sort()).toEqual(['大坪百花蜂蜜', '蜂蜜柚子茶']);
    const en = (await get('/api/v1/products?q=honey')).json();
    expect(en.items.map((i: Item) => i.id)).toContain(honeyId);
    expect((await get('/api/v1/products?q=honeys')).json().items.map((i: Item) => i.id)).toContain(honeyId);
    const one = (await get(`/api/v1/products?q=${encodeURIComponent('蜜')}`)).json();
    expect(one.items).toHaveLength(2);
    expect((await get(`/api/v1/products?q=${encodeURIComponent('鸽子蜂')}`)).json().items).toHaveLength(0);
  });

  it('combines filters with the search, and counts facets for the current filter', async () => {
    const r = (await get(`/api/v1/products?q=${encodeURIComponent('蜂蜜')}&town=daping`)).json();
    expect(r.items.map((i: Item) => i.id)).toEqual([honeyId]);
    const county = (await get('/api/v1/products?county=yangshan')).json();
    expect(county.items.every((i: Item) => i.townCode === 'dakun')).toBe(true);
    const cat = (await get('/api/v1/products?category=fruit&minPrice=4000&maxPrice=5000')).json();
    expect(cat.items.map((i: Item) => i.nameZh)).toEqual(['大坪猕猴桃']);
    const inStock = (await get('/api/v1/products?inStock=true&town=dakun')).json();
    expect(inStock.items.map((i: Item) => i.nameZh)).toEqual(['蜂蜜柚子茶']);
    const all = (await get('/api/v1/products')).json();
    expect(all.facets.town).toEqual([
      { key: 'dakun', count: 2 },
      { key: 'daping', count: 2 },
    ]);
    expect(all.facets.category).toHaveLength(4);
    expect(all.facets.capped).toBe(false);
    const honeyFacets = (await get(`/api/v1/products?q=${encodeURIComponent('蜂蜜')}`)).json().facets;
    expect(honeyFacets.category).toEqual([
      { key: 'honey', count: 1 },
      { key: 'tea', count: 1 },
    ]);
  });

  it('sorts by price both ways and by newest', async () => {
    const asc = (await get('/api/v1/products?sort=price_asc')).json().items.map((i: Item) => i.basePriceFen);
    expect(asc).toEqual([2900, 3800, 4500, 6800]);
    const desc = (await get('/api/v1/products?sort=price_desc')).json().items.map((i: Item) => i.basePriceFen);
    expect(desc).toEqual([6800, 4500, 3800, 2900]);
    const newest = (await get('/api/v1/products?sort=newest')).json().items.map((i: Item) => i.nameZh);
    expect(newest[0]).toBe('蜂蜜柚子茶');
  });

  it('answers 400 naming the parameter for bad input', async () => {
    for (const [qs, field] of [
      ['sort=cheapest', 'query.sort'],
      ['category=cars', 'query.category'],
      ['minPrice=-1', 'query.minPrice'],
      ['minPrice=500&maxPrice=100', 'query.maxPrice'],
      ['cursor=garbage', 'query.cursor'],
      ['limit=1000', 'query.limit'],
      ['status=draft', 'status'],
    ] as const) {
      const res = await get(`/api/v1/products?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(JSON.stringify(res.json().errors), qs).toContain(field);
    }
  });
});

describe('the search index', () => {
  it('a Chinese or English search can be answered from the GIN index on products.search', async () => {
    // Inside a transaction that is rolled back: 3,000 more rows with statistics, and sequential
    // scans off (a test-sized table is cheapest to scan), so the plan shows which index serves it.
    let plan = '';
    await t.app.db
      .transaction(async (tx) => {
        await tx.execute(sql`insert into products (cooperative_id, town_id, category, name_zh, name_en, unit_label, price_tiers, status)
          select ${dakunCoop}, (select town_id from orgs where id = ${dakunCoop}), 'other', '填充商品 ' || i, 'filler ' || i, '箱', '[{"minQty":1,"unitPriceFen":100}]', 'listed'
          from generate_series(1, 3000) i`);
        await tx.execute(sql`analyze products`);
        await tx.execute(sql`set local enable_seqscan = off`);
        const res = await tx.execute<{ 'QUERY PLAN': string }>(
          sql`explain select p.id from products p where p.status = 'listed' and p.coop_active and p.search @@ (to_tsquery('simple', '蜂蜜') && plainto_tsquery('english', 'honey'))`,
        );
        plan = res.rows.map((r) => r['QUERY PLAN']).join('\n');
        tx.rollback();
      })
      .catch(() => undefined);
    expect(plan, plan).toContain('products_search_idx');
  });
});

describe('cooperative status', () => {
  it('a suspended cooperative’s products leave the catalogue and return when it is reactivated', async () => {
    const url = `/api/v1/products?q=${encodeURIComponent('猕猴桃')}`;
    expect((await get(url)).json().items).toHaveLength(1);
    await t.app.db.update(schema.orgs).set({ status: 'suspended' }).where(eq(schema.orgs.id, dapingCoop));
    expect((await get(url)).json().items).toHaveLength(0);
    await t.app.db.update(schema.orgs).set({ status: 'active' }).where(eq(schema.orgs.id, dapingCoop));
    expect((await get(url)).json().items).toHaveLength(1);
  });
});

describe('keyset pagination', () => {
  it('neither repeats nor skips while products are added between pages, for every sort', async () => {
    const coop = (await createOrg(t.app.db, { kind: 'cooperative', townCode: 'yonghe' })).id;
    for (let i = 0; i < 25; i++) {
      await createProduct(t.app.db, {
        cooperativeId: coop,
        nameZh: `永和何首乌 ${i}`,
        nameEn: `Yonghe fleeceflower root ${i}`,
        category: 'herbs',
        priceTiers: [{ minQty: 1, unitPriceFen: 1000 + (i % 7) * 100 }],
      });
    }
    for (const sort of ['newest', 'price_asc', 'price_desc', 'relevance']) {
      const before = new Set(
        (
          await t.app.db
            .select({ id: schema.products.id })
            .from(schema.products)
            .where(
              and(
                eq(schema.products.status, 'listed'),
                eq(
                  schema.products.townId,
                  (await t.app.db.select().from(schema.towns).where(eq(schema.towns.code, 'yonghe')))[0]!.id,
                ),
              ),
            )
        ).map((r) => r.id),
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      let page = 0;
      do {
        const qs: string = `town=yonghe&limit=7&sort=${sort}&q=${encodeURIComponent('何首乌')}${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await get(`/api/v1/products?${qs}`);
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json();
        seen.push(...body.items.map((i: Item) => i.id));
        cursor = body.nextCursor;
        // Insert between pages: a new product must not push the walk into repeats or skips.
        await createProduct(t.app.db, {
          cooperativeId: coop,
          nameZh: `永和何首乌 新 ${sort} ${page++}`,
          category: 'herbs',
          priceTiers: [{ minQty: 1, unitPriceFen: 1300 }],
        });
      } while (cursor);
      expect(new Set(seen).size, sort).toBe(seen.length);
      for (const id of before) expect(seen, sort).toContain(id);
    }
  });
});

describe('GET /api/v1/products/:id', () => {
  it('has the tier table, town and county, cooperative, certifications and stock', async () => {
    const res = await get(`/api/v1/products/${honeyId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: honeyId,
      nameZh: '大坪百花蜂蜜',
      priceTiers: [{ minQty: 1, unitPriceFen: 6800 }],
      town: { code: 'daping' },
      county: { code: expect.any(String) },
      cooperative: { id: dapingCoop, name: '大坪蜂业合作社' },
      certifications: [],
      stock: 100,
    });
    expect((await get('/api/v1/products/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await get('/api/v1/products/not-a-uuid')).statusCode).toBe(400);
  });
});
