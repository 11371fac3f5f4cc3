/**
 * `pnpm --filter @shanhai/tests bench:catalog`: catalogue search and product pages at 10,000 and
 * then 100,000 listed products. Prints req/s and p99 per request kind with the row count, and the
 * p99 ratio 100k/10k (the aim is ≤ 2×). Not a test: nothing here asserts on time.
 */
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { refreshSearchIndex, schema } from '@shanhai/db';
import { benchApp, benchStack, load, printTable, type LoadResult } from './support';

const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 10;

const WORDS: [string, string][] = [
  ['蜂蜜', 'honey'],
  ['猕猴桃', 'kiwi fruit'],
  ['肉鸽', 'meat pigeon'],
  ['乳鸽', 'squab'],
  ['竹签', 'bamboo skewers'],
  ['何首乌', 'fo-ti root'],
  ['刺绣', 'embroidery'],
  ['醒狮', 'lion dance'],
  ['茶油', 'camellia oil'],
  ['绿茶', 'green tea'],
  ['丝苗米', 'silk rice'],
  ['砂糖橘', 'mandarin'],
  ['灵芝', 'lingzhi'],
  ['笋干', 'bamboo shoots'],
  ['土鸡', 'free-range chicken'],
  ['腊肉', 'cured pork'],
];
const CATS = [
  'honey',
  'fruit',
  'poultry',
  'poultry',
  'crafts',
  'herbs',
  'crafts',
  'crafts',
  'grain_oil',
  'tea',
  'grain_oil',
  'fruit',
  'herbs',
  'other',
  'poultry',
  'prepared_food',
];
const ADJ: [string, string][] = [
  ['山花', 'mountain'],
  ['野生', 'wild'],
  ['高山', 'highland'],
  ['有机', 'organic'],
  ['农家', 'farmhouse'],
  ['精选', 'select'],
  ['特级', 'premium'],
  ['古法', 'traditional'],
];

/** Adds listed products up to `target` rows, spread over generated cooperatives in all towns. */
export async function fill(client: pg.Client, target: number) {
  const { rows } = await client.query<{ n: string }>(`select count(*) as n from products`);
  const have = Number(rows[0]!.n);
  if (have >= target) return;
  const coops = await client.query<{ id: string; town_id: string; town: string }>(
    `select o.id, o.town_id, t.name_zh as town from orgs o join towns t on t.id = o.town_id where o.kind = 'cooperative' and o.status = 'active'`,
  );
  const words = JSON.stringify(WORDS);
  const adj = JSON.stringify(ADJ);
  const cats = JSON.stringify(CATS);
  const coopJson = JSON.stringify(coops.rows);
  await client.query(
    `insert into products (cooperative_id, town_id, category, name_zh, name_en, description, unit_label, moq, stock, price_tiers, status, is_demo, created_at)
     select (c->>'id')::uuid, (c->>'town_id')::uuid, ($3::jsonb->>(i % 16))::category,
       (c->>'town') || (a->>0) || (w->>0) || ' ' || i, (a->>1) || ' ' || (w->>1) || ' ' || i,
       (c->>'town') || '合作社出品的' || (a->>0) || (w->>0) || '，产地直供。', '箱', 1, (i * 7) % 500,
       jsonb_build_array(jsonb_build_object('minQty', 1, 'unitPriceFen', 1000 + (i * 37) % 20000), jsonb_build_object('minQty', 10, 'unitPriceFen', 900 + (i * 37) % 18000)),
       'listed', true, now() - make_interval(secs => i)
     from generate_series($1::int, $2::int - 1) as i,
       lateral (select $4::jsonb -> (i % jsonb_array_length($4::jsonb)) as c) cc,
       lateral (select $5::jsonb -> (i % 16) as w) ww,
       lateral (select $6::jsonb -> ((i / 16) % 8) as a) aa`,
    [have, target, cats, coopJson, words, adj],
  );
  // The search words of the new rows (jieba, pinyin), as every writer of products does.
  await refreshSearchIndex(drizzle({ client, schema, casing: 'snake_case' }));
  await client.query('vacuum analyze products');
}

/**
 * Two databases (10k and 100k listed products) behind two api instances, measured alternately
 * case by case, so that both sizes see the same machine load (the machine is shared and noisy).
 */
async function main() {
  const stack = await benchStack('catalog');
  const small = new pg.Client({ connectionString: stack.databaseUrl });
  await small.connect();
  // More cooperatives so that the data is spread like a real programme (≈ 10 per town).
  await small.query(
    `insert into orgs (kind, status, name, town_id, is_demo) select 'cooperative', 'active', t.name_zh || '合作社 ' || g, t.id, true from towns t, generate_series(1, 10) g`,
  );
  await small.end();
  const bigName = 'bench_catalog_100k';
  const admin = new pg.Client({ connectionString: stack.pgAdminUrl });
  await admin.connect();
  await admin.query(`create database ${bigName} template bench_catalog`);
  await admin.end();
  const bigUrl = new URL(stack.databaseUrl);
  bigUrl.pathname = `/${bigName}`;

  const sizes = [
    { size: 10_000, url: stack.databaseUrl },
    { size: 100_000, url: bigUrl.toString() },
  ];
  const targets = [];
  for (const s of sizes) {
    const client = new pg.Client({ connectionString: s.url });
    await client.connect();
    await fill(client, s.size);
    const { rows } = await client.query<{ id: string }>(
      `select id from products where status = 'listed' order by created_at desc offset 5000 limit 1`,
    );
    await client.end();
    targets.push({ ...s, productId: rows[0]!.id, ...(await benchApp(s.url, stack.redisUrl)) });
  }
  const cases = (productId: string) => [
    { label: `q=蜂蜜 (broad Chinese)`, path: `/api/v1/products?q=${encodeURIComponent('蜂蜜')}` },
    { label: `q=honey (broad English)`, path: '/api/v1/products?q=honey' },
    { label: `q=大坪野生蜂蜜 (narrow Chinese)`, path: `/api/v1/products?q=${encodeURIComponent('大坪野生蜂蜜')}` },
    { label: `q=蜂蜜 sort=price_asc`, path: `/api/v1/products?q=${encodeURIComponent('蜂蜜')}&sort=price_asc` },
    {
      label: 'filtered listing (county+category+price+inStock)',
      path: '/api/v1/products?county=lianshan&category=honey&minPrice=2000&maxPrice=15000&inStock=true&sort=price_asc',
    },
    { label: 'unfiltered newest', path: '/api/v1/products?sort=newest' },
    { label: 'product page', path: `/api/v1/products/${productId}` },
  ];
  const results: LoadResult[][] = [[], []];
  const n = cases('x').length;
  for (let i = 0; i < n; i++) {
    for (const [k, target] of targets.entries()) {
      const c = cases(target.productId)[i]!;
      // Warm up, then measure.
      await load({ url: `${target.base}${c.path}`, label: c.label, connections: 2, amount: 20 });
      results[k]!.push(
        await load({
          url: `${target.base}${c.path}`,
          label: c.label,
          connections: CONNECTIONS,
          durationSeconds: DURATION,
        }),
      );
    }
  }
  for (const [k, target] of targets.entries()) {
    printTable(
      `catalogue at ${target.size.toLocaleString('en')} listed products (${CONNECTIONS} connections, ${DURATION} s each)`,
      results[k]!,
    );
  }
  console.log('\np99 ratio 100k / 10k (aim ≤ 2×)');
  console.log('| what | p99 10k ms | p99 100k ms | ratio |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [i, r] of results[0]!.entries()) {
    const big = results[1]![i]!;
    console.log(`| ${r.label} | ${r.p99ms} | ${big.p99ms} | ${(big.p99ms / Math.max(r.p99ms, 1)).toFixed(2)}× |`);
  }
  for (const target of targets) await target.app.close();
  await stack.stop();
}

if (!process.env.BENCH_NO_MAIN) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
