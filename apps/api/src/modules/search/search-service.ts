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
export const TYPO_THRESHOLD = 0.5;

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
export const TRUST = sql.raw(`((case when p.is_demo then 0 else 4 end)
  + (case when cardinality(p.photos) > 0 then 2 else 0 end)
  + (case when p.stock > 0 then 2 else 0 end)
  + least(1, ln(1 + coalesce((select sum(s.row_count) from product_daily_sales s where s.product_id = p.id), 0)) / 5))`);

/**
 * The part of TRUST read from the product row alone (a real listing, a photo, stock): when a query
 * matches more than RANK_CAP products, the RANK_CAP that are ranked are the most trusted ones, not
 * the first ones the index yields, so a real listing is never crowded out by thousands of equally
 * relevant demo rows. It costs reading every match's row (no sales lookups), not ranking them.
 */
export const ROW_TRUST = sql.raw(`((case when p.is_demo then 0 else 4 end)
  + (case when cardinality(p.photos) > 0 then 2 else 0 end)
  + (case when p.stock > 0 then 2 else 0 end))`);

/** How the capped set of matches to rank is chosen: see ROW_TRUST. */
export const CANDIDATE_ORDER = sql`order by ${ROW_TRUST} desc, p.id desc`;

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

/** Runs `work` with the typo threshold set for its transaction (the `<%` operator reads it). */
export async function withTypoThreshold<T>(db: Db, work: (tx: DbOrTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('pg_trgm.word_similarity_threshold', ${String(TYPO_THRESHOLD)}, true)`);
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
  const productSql = (where: SQL, key: SQL) => sql`
    with m as materialized (select p.id from products p where ${LISTED} and ${where} ${CANDIDATE_ORDER} limit ${SUGGEST_CAP}),
    r as (select p.id, ${key} as k from m join products p on p.id = m.id order by k desc, p.id desc limit ${limit})
    select p.id, p.code, p.name_zh, p.name_en, p.category, t.name_zh as town_name_zh, t.name_en as town_name_en
    from r join products p on p.id = r.id join towns t on t.id = p.town_id order by r.k desc, p.id desc`;
  let products: SuggestProductRow[] = [];
  if (tm) products = (await db.execute<SuggestProductRow>(productSql(tm.where, relevanceKey(tm.rank)))).rows;
  const typo = products.length === 0 ? typoMatch(q) : null;
  if (typo)
    products = await withTypoThreshold(
      db,
      async (tx) => (await tx.execute<SuggestProductRow>(productSql(typo.match, typo.key))).rows,
    );

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
