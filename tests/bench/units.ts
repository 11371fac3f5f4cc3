/**
 * `pnpm --filter @shanhai/tests bench:units`: budget units' reserved share at scale.
 *
 * 1. GET /api/v1/units/ranking (the office's ranking, through the real api over HTTP) p99, one
 *    request at a time, with 100 buyer orgs (all of them budget units, the demo ledger plus 10,000
 *    rows of their own: 100 each, their 1% share of the million) and again with 10,000 buyer orgs
 *    (the same 100 budget units among them) and ~1,000,000 ledger rows, the other ~990,000 bought
 *    by the 9,900 other orgs (aim: p99 ratio ≤ 1.5). The ranking lists the budget units, and they
 *    have the same purchases at both sizes: its answer and what it must read are the same, so what
 *    grows is only what it must not read.
 * 2. The tally fold over those ~1,000,000 untallied rows with three campaigns active over the
 *    year, each row in scope of at least one (aim ≥ 10,000 rows/s).
 *
 * Not a test: nothing here asserts. BENCH_ROUNDS sets the requests per size (default 200).
 */
import { sql } from 'drizzle-orm';
import { createDb, foldAll } from '@shanhai/db';
import { benchApp, benchLogin, benchStack } from './support';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const BUDGET_UNITS = 100;
const BUYER_ORGS = 10_000;
const LEDGER_ROWS = 1_000_000;
const YEAR = 2026;

const stack = await benchStack('units');
const h = createDb(stack.databaseUrl, { max: 4 });
const db = h.db;
const count = async (q: ReturnType<typeof sql>) => (await db.execute<{ n: number }>(q)).rows[0]!.n;

/** Buyer orgs, named in order, up to `total`; the first `budget` of them (by name) budget units with an approved declaration. */
async function fillOrgs(total: number, budget: number) {
  const have = await count(sql`select count(*)::int as n from orgs where kind = 'buyer'`);
  await db.execute(sql`
    insert into orgs (kind, status, name, address, contact_name, contact_phone, invoice_title, tax_id)
    select 'buyer', 'active', 'bench unit ' || lpad(g::text, 6, '0'), 'addr', 'c', '020-12345678', 't', '91440101MA5TESTX01'
    from generate_series(${have + 1}::int, ${total}::int) g`);
  // The year's budget units (the demo's two) topped up by name to `budget`: the same ones at every size.
  await db.execute(sql`
    insert into budget_unit_years (year, buyer_org_id)
    select ${YEAR}, o.id from orgs o
    where o.kind = 'buyer' and not exists (select 1 from budget_unit_years b where b.year = ${YEAR} and b.buyer_org_id = o.id)
    order by o.name
    limit greatest(0, ${budget}::int - (select count(*) from budget_unit_years where year = ${YEAR})::int)`);
  await db.execute(sql`
    update orgs set unit_kind = 'agency'
    where id in (select buyer_org_id from budget_unit_years where year = ${YEAR})`);
  // An approved declaration for every budget unit that has none: 1,000,000 元 × 10%.
  await db.execute(sql`
    insert into unit_declarations (buyer_org_id, year, version, status, total_fen, ratio_bp, created_by)
    select o.id, ${YEAR}, 1, 'approved', 100000000, 1000, (select id from users limit 1)
    from orgs o join budget_unit_years b on b.buyer_org_id = o.id and b.year = ${YEAR}
    where o.kind = 'buyer'
      and not exists (select 1 from unit_declarations d where d.buyer_org_id = o.id and d.year = ${YEAR})`);
}

const token = async (base: string) => (await benchLogin(base, 'office@demo.shanhai')).accessToken;

async function rankingP99(label: string) {
  await db.execute(sql`vacuum analyze`);
  const { app, base } = await benchApp(stack.databaseUrl, stack.redisUrl);
  const auth = { authorization: `Bearer ${await token(base)}` };
  const url = `${base}/api/v1/units/ranking?year=${YEAR}&asOf=${YEAR}-09-30`;
  let rows = 0;
  for (let i = 0; i < 20; i++)
    rows = ((await (await fetch(url, { headers: auth })).json()) as { rows: [] }).rows.length;
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers: auth });
    await res.arrayBuffer();
    times.push(performance.now() - t0);
  }
  await app.close();
  times.sort((a, b) => a - b);
  const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 10) / 10;
  const out = {
    label,
    buyerOrgs: await count(sql`select count(*)::int as n from orgs where kind = 'buyer'`),
    ledgerRows: await count(sql`select count(*)::int as n from sales`),
    rankedRows: rows,
    p50: at(0.5),
    p99: at(0.99),
  };
  console.log(JSON.stringify(out));
  return out;
}

await fillOrgs(BUDGET_UNITS, BUDGET_UNITS);
// The budget units' own purchases, the same at both sizes: 100 rows each, from 3 towns over both years.
await db.execute(sql`
  with u as (select array_agg(buyer_org_id order by buyer_org_id) as ids from budget_unit_years where year = ${YEAR}),
       t as (select array_agg(id order by code) as ids from towns)
  insert into sales (source, source_ref, kind, town_id, buyer_org_id, category, amount_fen, business_date)
  select 'import', 'bench-units-own-' || g, 'sale',
    t.ids[1 + (g % 100 + (g / 100) % 3) % array_length(t.ids, 1)], u.ids[1 + g % array_length(u.ids, 1)],
    (array['fruit','tea','honey','poultry'])[1 + g % 4]::category, 1000 + g % 997,
    (${`${YEAR - 1}-01-01`}::date + (g % 700))
  from generate_series(0, ${BUDGET_UNITS * 100 - 1}::int) g, u, t`);
await foldAll(db);
const small = await rankingP99('100 buyer orgs');

// ---- 10,000 orgs and ~1M untallied ledger rows, three campaigns active ------------------------
await fillOrgs(BUYER_ORGS, BUDGET_UNITS);
await db.execute(sql`
  insert into campaigns (name_zh, name_en, starts_on, ends_on, categories)
  values ('基准活动一', 'Bench one', ${`${YEAR}-01-01`}, ${`${YEAR}-12-31`}, '{}'),
         ('基准活动二', 'Bench two', ${`${YEAR}-03-01`}, ${`${YEAR}-09-30`}, '{fruit,tea}'),
         ('基准活动三', 'Bench three', ${`${YEAR}-06-01`}, ${`${YEAR}-12-31`}, '{}')`);
const have = await count(sql`select count(*)::int as n from sales`);
// In chunks: one statement stays within the pool's statement timeout.
const CHUNK = 50_000;
for (let from = 1; from <= LEDGER_ROWS - have; from += CHUNK)
  await db.execute(sql`
    with b as (select array_agg(id order by name) as ids from orgs o where kind = 'buyer'
                 and not exists (select 1 from budget_unit_years y where y.year = ${YEAR} and y.buyer_org_id = o.id)),
         t as (select array_agg(id order by code) as ids from towns)
    insert into sales (source, source_ref, kind, town_id, buyer_org_id, category, amount_fen, business_date)
    select 'import', 'bench-units-' || g, 'sale',
      t.ids[1 + g % array_length(t.ids, 1)], b.ids[1 + (g * 7) % array_length(b.ids, 1)],
      (array['fruit','tea','honey','poultry'])[1 + g % 4]::category, 1000 + g % 997,
      (${`${YEAR - 1}-01-01`}::date + (g % 700))
    from generate_series(${from}::int, ${Math.min(from + CHUNK - 1, LEDGER_ROWS - have)}::int) g, b, t`);
await db.execute(sql`vacuum analyze sales`);
const rows = await count(sql`select count(*)::int as n from sales where tallied_at is null`);
const t0 = performance.now();
await foldAll(db);
const seconds = (performance.now() - t0) / 1000;
const fold = { rows, seconds: Math.round(seconds * 10) / 10, rowsPerSecond: Math.round(rows / seconds) };
console.log(JSON.stringify({ fold }));
const big = await rankingP99('10,000 buyer orgs, ~1M ledger rows');

console.log('\n| what | buyer orgs | ledger rows | ranked | p50 ms | p99 ms |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of [small, big])
  console.log(`| ${r.label} | ${r.buyerOrgs} | ${r.ledgerRows} | ${r.rankedRows} | ${r.p50} | ${r.p99} |`);
console.log(`\nranking p99 ratio (10,000 / 100): ${Math.round((big.p99 / small.p99) * 100) / 100} (aim ≤ 1.5)`);
console.log(
  `tally fold with three campaigns active: ${fold.rowsPerSecond} rows/s over ${fold.rows} rows (aim ≥ 10,000)`,
);
await h.close();
await stack.stop();
process.exit(0);
