import { sql, type SQL } from 'drizzle-orm';
import {
  anyOf,
  categoriesNamedBy,
  fuzzyQuery,
  normalize,
  pinyinKeys,
  queryWords,
  shortPlaceName,
  type Db,
  type DbOrTx,
} from '@shanhai/db';
import type { Category, SuggestQuery, Suggestions } from '@shanhai/domain';

/**
 * The search of the catalogue: what `q` matches and how matches rank. The index side
 * (products.search, products.search_fuzzy) is written by @shanhai/db refreshSearchIndex with the
 * same analyser, so a query is cut into words exactly as product names were.
 *
 * - Every word of the query must match (its synonyms count as the word); a word matches a product's
 *   name words, their pinyin and initials, its town, county and category words, its description.
 * - Relevance first (ts_rank, names weigh most, the query's own words count twice), then what a
 *   buyer trusts: a real (non-demo) listing, sales, a photo, stock.
 * - Nothing matched every word: typo tolerance compares the query (Chinese as pinyin) with the
 *   English and pinyin names by trigram word similarity (pg_trgm).
 */

/** ts_rank weights for D, C, B, A: description characters, description, town/category, names. */
const WEIGHTS = sql.raw(`'{0.1,0.2,0.4,1.0}'`);
/** How close a name must be to count as a typo of the query (pg_trgm word similarity, 0..1). */
const TYPO_THRESHOLD = 0.5;

export interface TextMatch {
  /** The condition on a product `p`: it has every word (or a synonym of it, or the code it names). */
  where: SQL;
  /** Relevance of a product `p` for this query. */
  rank: SQL;
}

/** A word that is a product code as people type it (sh1001, SH 1001 is two words): normalised, lower case. */
const PRODUCT_CODE = /^sh\d{1,12}$/;

const quote = (w: string) => `'${w.replace(/'/g, "''")}'`;
const isLatin = (w: string) => !/[\u3400-\u9fff\uf900-\ufaff]/.test(w);

/**
 * `q` as tsquery SQL. `prefixLast`: the last word may be the start of a word (typing in the search
 * box). Null when `q` has no word.
 */
export function textMatch(q: string, opts: { prefixLast?: boolean } = {}): TextMatch | null {
  const words = queryWords(q);
  if (words.length === 0) return null;
  const groups: SQL[] = [];
  const exact: SQL[] = [];
  // A word that reads as a product code (SH1001) also matches the product of that code (as a
  // prefix while typing), which then ranks first: codes are matched on products.code, not indexed.
  const codes: { at: number; cond: SQL }[] = [];
  for (const [i, w] of words.entries()) {
    if (w.kind === 'latin' && PRODUCT_CODE.test(w.word)) {
      const code = w.word.toUpperCase();
      const typing = opts.prefixLast && i === words.length - 1;
      codes.push({ at: i, cond: typing ? sql`p.code like ${`${code}%`}` : sql`p.code = ${code}` });
    }
    const prefix = (word: string) =>
      (w.kind === 'latin' && word === w.word && word.length >= 2) ||
      (opts.prefixLast && i === words.length - 1 && word === w.word);
    const simple = w.alternatives.map((a) => `${quote(a)}${prefix(a) ? ':*' : ''}`).join(' | ');
    const latin = w.alternatives.filter(isLatin);
    // Latin words also go through the English stemmer, to meet name_en and descriptions ("honeys").
    const group = latin.length
      ? sql`(to_tsquery('simple', ${simple}) || to_tsquery('english', ${latin.join(' | ')}))`
      : sql`to_tsquery('simple', ${simple})`;
    groups.push(group);
    const own = `${quote(w.word)}${prefix(w.word) ? ':*' : ''}`;
    exact.push(
      w.kind === 'latin'
        ? sql`(to_tsquery('simple', ${own}) || to_tsquery('english', ${w.word}))`
        : sql`to_tsquery('simple', ${own})`,
    );
  }
  const match = sql.join(groups, sql` && `);
  const exactQ = sql.join(exact, sql` && `);
  const rank = sql`(ts_rank(${WEIGHTS}, p.search, ${match}, 0) + ts_rank(${WEIGHTS}, p.search, ${exactQ}, 0))`;
  if (codes.length === 0) return { where: sql`p.search @@ (${match})`, rank };
  // Each word on its own: a code word is its words or its product code.
  const where = sql.join(
    groups.map((g, i) => {
      const code = codes.find((c) => c.at === i);
      return code ? sql`(p.search @@ ${g} or ${code.cond})` : sql`p.search @@ ${g}`;
    }),
    sql` and `,
  );
  const byCode = sql.join(
    codes.map((c) => sql`(case when ${c.cond} then 2 else 0 end)`),
    sql` + `,
  );
  return { where, rank: sql`(${rank} + ${byCode})` };
}

/**
 * What a buyer trusts, 0..9, on a product `p`: a real listing (4), a photo (2), stock (2), sales
 * (up to 1). Added in thousandths to a relevance rounded to hundredths, so it only orders products
 * of the same relevance.
 */
const TRUST = sql.raw(`((case when p.is_demo then 0 else 4 end)
  + (case when cardinality(p.photos) > 0 then 2 else 0 end)
  + (case when p.stock > 0 then 2 else 0 end)
  + least(1, ln(1 + coalesce((select sum(s.row_count) from product_daily_sales s where s.product_id = p.id), 0)) / 5))`);

/**
 * The tiers of `products.row_trust` (what the row says a buyer trusts: real listing 4, photo 2,
 * stock 2, so 0, 2, 4, 6 or 8), most trusted first: the trusted rows (4 and up, few, ordered), then
 * 2, then 0. Each is a condition the GIN indexes on (row_trust, search) and (row_trust, search_fuzzy)
 * answer together with the words. Smallint literals: btree_gin (PostgreSQL 17) has no smallint to
 * integer operators, so `row_trust = 2` would leave row_trust out of the index scan.
 */
const TRUST_TIERS: { cond: SQL; order: SQL }[] = [
  { cond: sql.raw(`p.row_trust >= 4::smallint`), order: sql.raw(`order by p.row_trust desc, p.id desc`) },
  { cond: sql.raw(`p.row_trust = 2::smallint`), order: sql`` },
  { cond: sql.raw(`p.row_trust < 2::smallint`), order: sql`` },
];

/** A product kept for ranking, with what its facets count. */
export interface Candidate extends Record<string, unknown> {
  id: string;
  town_id: string;
  category: Category;
}

/**
 * At most `cap` products `p` matching `where` (a text or typo match), the most trusted by what the
 * row says first: when a query matches more than the cap, the ones kept are never thousands of
 * equally relevant demo rows ahead of a real listing. Read tier by tier (TRUST_TIERS), each tier
 * through the GIN index with a LIMIT of what the cap still lacks, stopping once the cap is reached:
 * a broad word (蜂蜜: 6,250 of 100,000 products) reads `cap` rows, not every match (the top-N sort
 * of every match this replaces was a parallel sequential scan testing all 100,000 rows). Among
 * equally trusted rows of tiers 2 and 0 the index's order decides. Run it in `withSearchSettings`.
 */
export async function trustedMatches(db: DbOrTx, where: SQL, cap: number): Promise<Candidate[]> {
  const kept: Candidate[] = [];
  for (const tier of TRUST_TIERS) {
    const rows = await db.execute<Candidate>(
      sql`select p.id, p.town_id, p.category from products p where ${where} and ${tier.cond} ${tier.order} limit ${cap - kept.length}`,
    );
    kept.push(...rows.rows);
    if (kept.length >= cap) break;
  }
  return kept;
}

/** The sort key of a relevance-ordered search: relevance, then trust. */
export function relevanceKey(rank: SQL): SQL {
  return sql`round(round((${rank})::numeric, 2) + (${TRUST})::numeric / 1000, 5)`;
}

/** The typo fallback on products `p`: the query compared with their English and pinyin names. */
export function typoMatch(q: string): { match: SQL; key: SQL } | null {
  const fq = fuzzyQuery(q);
  if (fq.length < 3) return null;
  return {
    match: sql`${fq} <% p.search_fuzzy`,
    key: sql`round(round(word_similarity(${fq}, p.search_fuzzy)::numeric, 2) + (${TRUST})::numeric / 1000, 5)`,
  };
}

/**
 * The planner's cost of a random page read in a search transaction: the catalogue is read from
 * memory, where a heap page fetched through an index costs about what a sequential one does. At the
 * default 4 the planner took a sequential scan testing every row's words (`p.search @@`) over the
 * GIN index for a broad word whose matches it overestimates (蜂蜜 at 100k: 18,000 estimated, 6,250
 * real), with a LIMIT it reached after ~16,000 rows instead of ~1,000 (bench:search in
 * docs/benchmarks.md).
 */
const SEARCH_RANDOM_PAGE_COST = '1.1';

/**
 * Runs `work` in a transaction with the search's settings: the typo threshold (the `<%` operator
 * reads it) and SEARCH_RANDOM_PAGE_COST.
 */
export async function withSearchSettings<T>(db: Db, work: (tx: DbOrTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('pg_trgm.word_similarity_threshold', ${String(TYPO_THRESHOLD)}, true), set_config('random_page_cost', ${SEARCH_RANDOM_PAGE_COST}, true)`,
    );
    return work(tx);
  });
}

interface SuggestProductRow extends Record<string, unknown> {
  id: string;
  code: string;
  name_zh: string;
  name_en: string | null;
  category: Category;
  town_name_zh: string;
  town_name_en: string;
}

const LISTED = sql.raw(`p.status = 'listed' and p.coop_active`);
/** Matches ranked for suggestions at most (the most trusted ones, as in the catalogue). */
const SUGGEST_CAP = 1000;

/** Suggestions while typing: products, towns, cooperatives and categories that `q` names. */
export async function suggest(db: Db, query: SuggestQuery): Promise<Suggestions> {
  const { q, limit } = query;
  const tm = textMatch(q, { prefixLast: true });
  const productsOf = async (tx: DbOrTx, where: SQL, key: SQL) => {
    const ids = (await trustedMatches(tx, sql`${LISTED} and ${where}`, SUGGEST_CAP)).map((c) => c.id);
    if (ids.length === 0) return [];
    const res = await tx.execute<SuggestProductRow>(sql`
      with r as (select p.id, ${key} as k from products p where ${anyOf(sql`p.id`, ids, 'uuid')} order by k desc, p.id desc limit ${limit})
      select p.id, p.code, p.name_zh, p.name_en, p.category, t.name_zh as town_name_zh, t.name_en as town_name_en
      from r join products p on p.id = r.id join towns t on t.id = p.town_id order by r.k desc, p.id desc`);
    return res.rows;
  };
  const products = await withSearchSettings(db, async (tx) => {
    const found = tm ? await productsOf(tx, tm.where, relevanceKey(tm.rank)) : [];
    const typo = found.length === 0 ? typoMatch(q) : null;
    return typo ? productsOf(tx, typo.match, typo.key) : found;
  });

  // Towns and counties are few (tens): matched here by name, short name, English name or pinyin.
  const n = normalize(q).trim();
  const latin = n.replace(/[^a-z0-9]/g, '');
  const towns = (
    await db.execute<{
      id: string;
      code: string;
      name_zh: string;
      name_en: string;
      county_zh: string;
      county_en: string;
    }>(
      sql`select t.id, t.code, t.name_zh, t.name_en, c.name_zh as county_zh, c.name_en as county_en from towns t join counties c on c.id = t.county_id order by t.code`,
    )
  ).rows;
  const placeMatches = (zh: string, en: string) => {
    const short = shortPlaceName(zh);
    if (n.includes(short) || zh.includes(n)) return true;
    if (latin.length < 2) return false;
    const keys = pinyinKeys(short);
    return (
      en
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '')
        .startsWith(latin) ||
      keys.full.startsWith(latin) ||
      (latin.length >= 2 && keys.initials === latin)
    );
  };
  const townHits = towns.filter((t) => placeMatches(t.name_zh, t.name_en));
  const countyHits = towns.filter((t) => !townHits.includes(t) && placeMatches(t.county_zh, t.county_en));
  const townList = [...townHits, ...countyHits].slice(0, limit);

  const like = `%${n.replace(/[\\%_]/g, '\\$&')}%`;
  const townIds = townHits.map((t) => t.id);
  const coops = (
    await db.execute<{ id: string; name: string; town_name_zh: string; town_name_en: string }>(sql`
      select o.id, o.name, t.name_zh as town_name_zh, t.name_en as town_name_en
      from orgs o join towns t on t.id = o.town_id
      where o.kind = 'cooperative' and o.status = 'active'
        and (o.name ilike ${like}${townIds.length ? sql` or ${anyOf(sql`o.town_id`, townIds, 'uuid')}` : sql``})
      order by (o.name ilike ${like}) desc, o.is_demo asc, o.name limit ${limit}`)
  ).rows;

  const categories = [...new Set<Category>([...categoriesNamedBy(q), ...products.map((p) => p.category)])].slice(
    0,
    limit,
  );
  return {
    products: products.map((p) => ({
      id: p.id,
      code: p.code,
      nameZh: p.name_zh,
      nameEn: p.name_en,
      townNameZh: p.town_name_zh,
      townNameEn: p.town_name_en,
    })),
    towns: townList.map((t) => ({
      code: t.code,
      nameZh: t.name_zh,
      nameEn: t.name_en,
      countyNameZh: t.county_zh,
      countyNameEn: t.county_en,
    })),
    cooperatives: coops.map((c) => ({
      id: c.id,
      name: c.name,
      townNameZh: c.town_name_zh,
      townNameEn: c.town_name_en,
    })),
    categories,
  };
}
