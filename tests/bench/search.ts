/**
 * `pnpm --filter @shanhai/tests bench:search`: search relevance and latency. 50 queries as buyers
 * type them (no-space compounds, synonyms, pinyin, initials, typos, English, town + product), each
 * with the product a buyer expects among the first three results. Run against the demo catalogue,
 * then the same catalogue filled to 10,000 and 100,000 listed products (tests/bench/catalog.ts's
 * filler). Prints the top-3 hit rate per kind and size, the misses, and p99 of the catalogue search
 * and of the suggestions at 10k and 100k with their ratio (aim: ≥ 90 % hits, ratio ≤ 2).
 * Not a test: nothing here asserts.
 */
import pg from 'pg';
import { benchApp, benchStack } from './support';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

type Kind = 'compound' | 'synonym' | 'pinyin' | 'initials' | 'typo' | 'english' | 'town+product';
/** [kind, query, expected: an exact Chinese name or a pattern one of the first three must have]. */
const QUERIES: [Kind, string, string | RegExp][] = [
  ['compound', '大坪蜂蜜', '大坪山花蜂蜜'],
  ['compound', '大坪猕猴桃', '大坪猕猴桃'],
  ['compound', '大崑乳鸽', '大崑乳鸽'],
  ['compound', '大洞肉鸽', '大洞肉鸽'],
  ['compound', '大洞竹签', '大洞烧烤竹签'],
  ['compound', '永和何首乌', '永和何首乌切片'],
  ['compound', '壮瑶香囊', '壮瑶刺绣香囊'],
  ['compound', '醒狮摆件', '醒狮文创摆件'],
  ['compound', '山花蜂蜜', /蜂蜜/],
  ['compound', '何首乌切片', '永和何首乌切片'],
  ['synonym', '鸽子', /鸽/],
  ['synonym', '奇异果', '大坪猕猴桃'],
  ['synonym', '土蜂蜜', /蜂蜜/],
  ['synonym', '竹串', '大洞烧烤竹签'],
  ['synonym', '首乌', '永和何首乌切片'],
  ['synonym', '沙糖桔', /砂糖橘/],
  ['synonym', '香包', '壮瑶刺绣香囊'],
  ['synonym', '舞狮', '醒狮文创摆件'],
  ['synonym', '山茶油', /茶油/],
  ['synonym', '走地鸡', /鸡/],
  ['pinyin', 'fengmi', /蜂蜜/],
  ['pinyin', 'mihoutao', '大坪猕猴桃'],
  ['pinyin', 'heshouwu', '永和何首乌切片'],
  ['pinyin', 'zhuqian', '大洞烧烤竹签'],
  ['pinyin', 'xingshi', '醒狮文创摆件'],
  ['pinyin', 'ruge', '大崑乳鸽'],
  ['initials', 'fm', /蜂蜜/],
  ['initials', 'mht', '大坪猕猴桃'],
  ['initials', 'hsw', '永和何首乌切片'],
  ['initials', 'zq', '大洞烧烤竹签'],
  ['typo', '猕候桃', '大坪猕猴桃'],
  ['typo', '何首鸟', '永和何首乌切片'],
  ['typo', 'hony', /蜂蜜/],
  ['typo', 'kiwii', '大坪猕猴桃'],
  ['typo', 'skewr', '大洞烧烤竹签'],
  ['typo', 'embroidary', '壮瑶刺绣香囊'],
  ['english', 'honey', /蜂蜜/],
  ['english', 'kiwi fruit', '大坪猕猴桃'],
  ['english', 'squab', '大崑乳鸽'],
  ['english', 'bamboo skewers', '大洞烧烤竹签'],
  ['english', 'lion dance', '醒狮文创摆件'],
  ['english', 'fo-ti', '永和何首乌切片'],
  ['town+product', '大坪 蜂蜜', '大坪山花蜂蜜'],
  ['town+product', '大洞 鸽子', '大洞肉鸽'],
  ['town+product', '连山何首乌', '永和何首乌切片'],
  ['town+product', '福堂刺绣', '壮瑶刺绣香囊'],
  ['town+product', '阳山乳鸽', '大崑乳鸽'],
  ['town+product', 'daping honey', '大坪山花蜂蜜'],
  ['town+product', 'yonghe heshouwu', '永和何首乌切片'],
  ['town+product', '太保醒狮', '醒狮文创摆件'],
];

interface Hits {
  byKind: Map<Kind, { hit: number; all: number }>;
  misses: string[];
  rate: number;
}

async function relevance(base: string): Promise<Hits> {
  const byKind = new Map<Kind, { hit: number; all: number }>();
  const misses: string[] = [];
  let hit = 0;
  for (const [kind, q, expected] of QUERIES) {
    const res = await fetch(`${base}/api/v1/products?q=${encodeURIComponent(q)}&limit=3`);
    const body = (await res.json()) as { items: { nameZh: string }[] };
    const top = body.items.slice(0, 3).map((i) => i.nameZh);
    const ok = top.some((n) => (typeof expected === 'string' ? n === expected : expected.test(n)));
    const k = byKind.get(kind) ?? { hit: 0, all: 0 };
    k.all++;
    if (ok) {
      k.hit++;
      hit++;
    } else misses.push(`${kind} “${q}” → ${top.join(' / ') || '(nothing)'} (expected ${String(expected)})`);
    byKind.set(kind, k);
  }
  return { byKind, misses, rate: hit / QUERIES.length };
}

const p99 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]!;
};

/** Each query ROUNDS times, one at a time (latency, not throughput): p99 in ms. */
async function latency(base: string, path: (q: string) => string): Promise<number> {
  const times: number[] = [];
  for (const [, q] of QUERIES) await fetch(`${base}${path(q)}`).then((r) => r.arrayBuffer()); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [, q] of QUERIES) {
      const t0 = performance.now();
      const res = await fetch(`${base}${path(q)}`);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
  }
  return Math.round(p99(times) * 10) / 10;
}

const catalogPath = (q: string) => `/api/v1/products?q=${encodeURIComponent(q)}`;
const suggestPath = (q: string) => `/api/v1/search/suggest?q=${encodeURIComponent(q)}`;

async function main() {
  // The 100k filler of bench:catalog, without running that benchmark.
  process.env.BENCH_NO_MAIN = '1';
  const { fill } = await import('./catalog');
  const stack = await benchStack('search');
  const admin = new pg.Client({ connectionString: stack.pgAdminUrl });
  await admin.connect();
  // The demo catalogue as seeded, kept aside before the filler goes in.
  await admin.query(`create database bench_search_demo template bench_search`);
  const small = new pg.Client({ connectionString: stack.databaseUrl });
  await small.connect();
  await small.query(
    `insert into orgs (kind, status, name, town_id, is_demo) select 'cooperative', 'active', t.name_zh || '合作社 ' || g, t.id, true from towns t, generate_series(1, 10) g`,
  );
  await small.end();
  await admin.query(`create database bench_search_100k template bench_search`);
  await admin.end();
  const urlOf = (name: string) => {
    const u = new URL(stack.databaseUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const sizes = [
    { label: 'demo catalogue', size: 0, url: urlOf('bench_search_demo') },
    { label: '10,000 products', size: 10_000, url: stack.databaseUrl },
    { label: '100,000 products', size: 100_000, url: urlOf('bench_search_100k') },
  ];
  const rows: { label: string; hits: Hits; catalogP99?: number; suggestP99?: number }[] = [];
  for (const s of sizes) {
    if (s.size) {
      const c = new pg.Client({ connectionString: s.url });
      await c.connect();
      const t0 = performance.now();
      await fill(c, s.size);
      console.log(`filled and indexed ${s.label} in ${Math.round((performance.now() - t0) / 1000)} s`);
      await c.end();
    }
    const { app, base } = await benchApp(s.url, stack.redisUrl);
    const hits = await relevance(base);
    const row: (typeof rows)[number] = { label: s.label, hits };
    if (s.size) {
      row.catalogP99 = await latency(base, catalogPath);
      row.suggestP99 = await latency(base, suggestPath);
    }
    rows.push(row);
    await app.close();
  }
  const kinds = [...new Set(QUERIES.map((q) => q[0]))];
  console.log(`\ntop-3 hit rate, ${QUERIES.length} queries (aim ≥ 90 %)`);
  console.log(`| catalogue | all | ${kinds.join(' | ')} |`);
  console.log(`| --- | ---: |${kinds.map(() => ' ---: |').join('')}`);
  for (const r of rows) {
    const cells = kinds.map((k) => {
      const x = r.hits.byKind.get(k)!;
      return `${x.hit}/${x.all}`;
    });
    console.log(`| ${r.label} | ${(r.hits.rate * 100).toFixed(0)} % | ${cells.join(' | ')} |`);
  }
  for (const r of rows) for (const m of r.hits.misses) console.log(`miss at ${r.label}: ${m}`);
  const [, k10, k100] = rows;
  console.log(`\np99 latency, ${QUERIES.length} queries × ${ROUNDS} rounds one at a time (aim: 100k ≤ 2× 10k)`);
  console.log('| what | p99 10k ms | p99 100k ms | ratio |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [what, a, b] of [
    ['GET /products?q=', k10!.catalogP99!, k100!.catalogP99!],
    ['GET /search/suggest?q=', k10!.suggestP99!, k100!.suggestP99!],
  ] as const)
    console.log(`| ${what} | ${a} | ${b} | ${(b / Math.max(a, 0.1)).toFixed(2)}× |`);
  await stack.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
