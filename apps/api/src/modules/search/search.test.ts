import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { refreshSearchIndex, schema } from '@shanhai/db';
import { createOrg, createProduct } from '@shanhai/db/testing';
import { createTestApp, type TestApp } from '../../../test-support/testing';
import { RANK_CAP } from '../catalog/catalog-service';

/** Searches as a buyer types them, against the demo catalogue (qingyuan-facts.json). */
let t: TestApp;
const get = (url: string) => t.app.inject({ method: 'GET', url });
type Item = { id: string; nameZh: string; nameEn: string | null; isDemo: boolean };
type Result = { items: Item[]; fuzzy: boolean; didYouMean: string | null; nextCursor: string | null };
const search = async (q: string, extra = ''): Promise<Result> => {
  const res = await get(`/api/v1/products?q=${encodeURIComponent(q)}${extra}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const names = (r: Result) => r.items.map((i) => i.nameZh);

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('search that finds', () => {
  it('a compound typed without a space finds the product whose name has more words between', async () => {
    const r = await search('大坪蜂蜜');
    expect(names(r)[0]).toBe('大坪山花蜂蜜');
    expect(r.fuzzy).toBe(false);
  });

  it('synonyms: 鸽子 finds 肉鸽 and 乳鸽, 奇异果 finds 猕猴桃, 竹串 finds 竹签, 土蜂蜜 finds 蜂蜜', async () => {
    expect(
      names(await search('鸽子'))
        .slice(0, 2)
        .sort(),
    ).toEqual(['大崑乳鸽', '大洞肉鸽']);
    expect(names(await search('奇异果'))[0]).toBe('大坪猕猴桃');
    expect(names(await search('竹串'))[0]).toBe('大洞烧烤竹签');
    expect(names(await search('土蜂蜜'))[0]).toBe('大坪山花蜂蜜');
  });

  it('pinyin and initials', async () => {
    expect(names(await search('fengmi'))[0]).toBe('大坪山花蜂蜜');
    expect(names(await search('mihoutao'))[0]).toBe('大坪猕猴桃');
    expect(names(await search('heshouwu'))[0]).toBe('永和何首乌切片');
    expect(names(await search('fm'))[0]).toBe('大坪山花蜂蜜');
    expect(names(await search('mht'))[0]).toBe('大坪猕猴桃');
  });

  it('English names, stems and synonyms', async () => {
    expect(names(await search('kiwi'))[0]).toBe('大坪猕猴桃');
    expect(names(await search('skewers'))[0]).toBe('大洞烧烤竹签');
    expect(
      names(await search('pigeons'))
        .slice(0, 2)
        .sort(),
    ).toEqual(['大崑乳鸽', '大洞肉鸽']);
    expect(names(await search('embroidered sachet'))[0]).toBe('壮瑶刺绣香囊');
  });

  it('town or county + product', async () => {
    expect(names(await search('大洞 鸽子'))).toEqual(['大洞肉鸽']);
    expect(names(await search('大崑鸽子'))).toEqual(['大崑乳鸽']);
    expect(names(await search('连山何首乌'))[0]).toBe('永和何首乌切片');
    expect(names(await search('daping honey'))[0]).toBe('大坪山花蜂蜜');
  });

  it('a product code (SH1001) finds its product first, in any case, alone or with words', async () => {
    const [honey] = (
      await t.app.db.execute<{ id: string; code: string }>(
        sql`select id, code from products where name_zh = '大坪山花蜂蜜'`,
      )
    ).rows;
    expect(honey!.code).toMatch(/^SH\d+$/);
    const byCode = await search(honey!.code);
    expect(byCode.items.map((i) => i.id)).toEqual([honey!.id]);
    expect(byCode.fuzzy).toBe(false);
    expect((await search(honey!.code.toLowerCase())).items[0]?.id).toBe(honey!.id);
    expect((await search(` ${honey!.code}\u3000蜂蜜`)).items[0]?.id).toBe(honey!.id);
    // A code and a word that its product does not have: every word must match, so nothing does
    // (at most the typo fallback offers close names, and not the honey).
    const mixed = await search(`${honey!.code} 猕猴桃`);
    expect(mixed.items.length === 0 || mixed.fuzzy).toBe(true);
    expect(mixed.items.map((i) => i.id)).not.toContain(honey!.id);
    // A code nobody has matches no product.
    const nobody = await search('SH999999');
    expect(nobody.items.length === 0 || nobody.fuzzy).toBe(true);
  });

  it('typos fall back to the closest names and say what was meant', async () => {
    const zh = await search('猕候桃');
    expect(zh.fuzzy).toBe(true);
    expect(names(zh)[0]).toBe('大坪猕猴桃');
    expect(zh.didYouMean).toBe('大坪猕猴桃');
    expect(zh.nextCursor).toBeNull();
    const en = await search('kiwii');
    expect(en.fuzzy).toBe(true);
    expect(en.didYouMean).toBe('Daping kiwi fruit');
    expect(names(await search('hony')).slice(0, 3)).toContain('大坪山花蜂蜜');
    // Typo tolerance keeps the filters.
    expect((await search('猕候桃', '&category=honey')).items).toEqual([]);
    // Nothing close: no products, nothing to suggest.
    const none = await search('拖拉机配件');
    expect(none).toMatchObject({ items: [], fuzzy: false, didYouMean: null });
  });

  it('ranks relevance first, then real listings with photos, stock and sales', async () => {
    const coop = (await createOrg(t.app.db, { kind: 'cooperative', townCode: 'jiulong' })).id;
    const make = (nameZh: string) => createProduct(t.app.db, { cooperativeId: coop, nameZh, category: 'fruit' });
    const demo = await make('九龙沙田柚');
    const real = await make('九龙沙田柚 ');
    const withPhoto = await make('九龙沙田柚  ');
    const described = await createProduct(t.app.db, { cooperativeId: coop, nameZh: '九龙果园礼盒', category: 'fruit' });
    await t.app.db.update(schema.products).set({ isDemo: true }).where(eq(schema.products.id, demo.id));
    await t.app.db
      .update(schema.products)
      .set({ photos: [`/media/${'a'.repeat(64)}.jpg`] })
      .where(eq(schema.products.id, withPhoto.id));
    await t.app.db
      .update(schema.products)
      .set({ description: '九龙镇沙田柚的果园' })
      .where(eq(schema.products.id, described.id));
    await refreshSearchIndex(t.app.db, [described.id]);
    const ids = (await search('沙田柚')).items.map((i) => i.id);
    // Named 沙田柚 beats described as 沙田柚; among the named, photo > real > demo.
    expect(ids).toEqual([withPhoto.id, real.id, demo.id, described.id]);
  });

  it('a real listing is ranked even when a word matches more demo products than are ranked (RANK_CAP)', async () => {
    const coop = (await createOrg(t.app.db, { kind: 'cooperative', townCode: 'shitan' })).id;
    // The demo rows go in first, so the index meets them before the real one.
    const filler = await t.app.db.execute<{ id: string }>(sql`
      insert into products (cooperative_id, town_id, category, name_zh, unit_label, stock, price_tiers, status, is_demo)
      select ${coop}, (select town_id from orgs where id = ${coop}), 'fruit', '石潭火龙果 ' || i, '箱', 10,
        '[{"minQty":1,"unitPriceFen":100}]', 'listed', true
      from generate_series(1, ${RANK_CAP + 200}) i returning id`);
    await refreshSearchIndex(
      t.app.db,
      filler.rows.map((r) => r.id),
    );
    const real = await createProduct(t.app.db, { cooperativeId: coop, nameZh: '石潭火龙果', category: 'fruit' });
    const r = await search('火龙果');
    expect(r.items[0]?.id).toBe(real.id);
    const s = await get(`/api/v1/search/suggest?q=${encodeURIComponent('火龙果')}`);
    expect((s.json() as { products: { id: string }[] }).products[0]?.id).toBe(real.id);
  });

  it('a product renamed is found by its new name only (the index follows the write)', async () => {
    const coop = (await createOrg(t.app.db, { kind: 'cooperative', townCode: 'huanghua' })).id;
    const p = await createProduct(t.app.db, { cooperativeId: coop, nameZh: '黄花菜干', category: 'other' });
    expect(names(await search('黄花菜'))).toContain('黄花菜干');
    await t.app.db.update(schema.products).set({ nameZh: '黄花山茶油' }).where(eq(schema.products.id, p.id));
    // The trigger cleared the row's index; its writer (or the api's start-up) rewrites it.
    const [row] = (
      await t.app.db.execute<{ s: string | null }>(sql`select search::text as s from products where id = ${p.id}`)
    ).rows;
    expect(row!.s).toBeNull();
    expect(await refreshSearchIndex(t.app.db)).toBe(1);
    expect(names(await search('茶油'))).toContain('黄花山茶油');
    // The old name matches no product word any more: only typo tolerance answers it.
    expect((await search('黄花菜')).fuzzy).toBe(true);
  });
});

describe('GET /api/v1/search/suggest', () => {
  const suggest = async (q: string) => {
    const res = await get(`/api/v1/search/suggest?q=${encodeURIComponent(q)}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      products: { nameZh: string }[];
      towns: { code: string }[];
      cooperatives: { name: string }[];
      categories: string[];
    };
  };

  it('suggests products, towns, cooperatives and categories while typing', async () => {
    const daping = await suggest('大坪');
    expect(daping.towns.map((x) => x.code)).toEqual(['daping']);
    expect(daping.cooperatives.map((c) => c.name)).toContain('连山大坪镇蜂蜜猕猴桃专业合作社（演示）');
    expect(daping.products.map((p) => p.nameZh)).toEqual(expect.arrayContaining(['大坪山花蜂蜜', '大坪猕猴桃']));
    // A word half typed: 大坪蜂 → 大坪山花蜂蜜.
    expect((await suggest('大坪蜂')).products.map((p) => p.nameZh)[0]).toBe('大坪山花蜂蜜');
    expect((await suggest('dap')).towns.map((x) => x.code)).toEqual(['daping']);
    const fruit = await suggest('水果');
    expect(fruit.categories[0]).toBe('fruit');
    expect((await suggest('鸽子')).categories).toEqual(['poultry']);
    const none = await suggest('拖拉机配件');
    expect(none).toEqual({ products: [], towns: [], cooperatives: [], categories: [] });
  });

  it('suggests a product by its code while it is typed, with the code shown', async () => {
    const [honey] = (
      await t.app.db.execute<{ id: string; code: string }>(
        sql`select id, code from products where name_zh = '大坪山花蜂蜜'`,
      )
    ).rows;
    const full = (await get(`/api/v1/search/suggest?q=${honey!.code}`)).json() as {
      products: { id: string; code: string }[];
    };
    expect(full.products[0]).toMatchObject({ id: honey!.id, code: honey!.code });
    const typing = (await get(`/api/v1/search/suggest?q=${honey!.code.slice(0, -1).toLowerCase()}`)).json() as {
      products: { id: string; code: string }[];
    };
    expect(typing.products.map((p) => p.code)).toContain(honey!.code);
    expect(typing.products.every((p) => p.code.startsWith(honey!.code.slice(0, -1)))).toBe(true);
  });

  it('answers 400 naming the parameter', async () => {
    for (const [qs, field] of [
      ['', 'query.q'],
      ['q=', 'query.q'],
      [`q=${'蜂'.repeat(101)}`, 'query.q'],
      ['q=a&limit=50', 'query.limit'],
      ['q=a&extra=1', 'query'],
    ] as const) {
      const res = await get(`/api/v1/search/suggest?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(JSON.stringify(res.json().errors), qs).toContain(field);
    }
  });

  it('has the catalogue’s per-IP budget', async () => {
    const limited = await createTestApp({ config: { publicQueryLimit: { max: 2, windowMs: 60_000 } } });
    try {
      const ask = (ip: string) =>
        limited.app.inject({
          method: 'GET',
          url: `/api/v1/search/suggest?q=${encodeURIComponent('蜂')}`,
          remoteAddress: ip,
        });
      expect((await ask('203.0.113.8')).statusCode).toBe(200);
      expect((await ask('203.0.113.8')).statusCode).toBe(200);
      const refused = await ask('203.0.113.8');
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect((await ask('198.51.100.10')).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
