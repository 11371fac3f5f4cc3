import { sql, type SQL } from 'drizzle-orm';
import { anyOf, type Db, type DbOrTx } from '@shanhai/db';
import type {
  CatalogItem,
  CatalogQuery,
  CatalogResponse,
  Category,
  ListingStatus,
  PriceTier,
  ProductDetail,
} from '@shanhai/domain';
import { ruleBroken } from '../../lib/problem';
import { productNames, type ProductNamesRow } from './product-names';
import {
  relevanceKey,
  textMatch,
  trustedMatches,
  typoMatch,
  withSearchSettings,
  type Candidate,
} from '../search/search-service';

/**
 * The public catalogue: listed products of active cooperatives only.
 *
 * Bounded work per request, whatever the table size:
 * - text search (the search module: words, synonyms, pinyin, English stems) goes through the GIN
 *   index on `products.search`; relevance is ranked over at most RANK_CAP matches, the most
 *   trusted ones (`trustedMatches`: real listing, photo, stock, read tier by tier from the index
 *   with a LIMIT), so a real listing is never crowded out by thousands of equally relevant demo
 *   rows, and a broad term ("蜂蜜" over 100k rows) reads about RANK_CAP rows, not every match;
 *   when nothing has every word, the closest names are offered instead (typo tolerance, GIN
 *   trigram index on `search_fuzzy`, the same tiers);
 * - price and newest orders walk a b-tree index with keyset cursors (no OFFSET);
 * - facet counts stop at FACET_CAP matching rows and say so (`capped`); those of a relevance
 *   search count the candidates read for ranking (no second pass over the matches).
 */
export const RANK_CAP = 1000;
const FACET_CAP = 1000;

interface Cursor {
  k: string | number;
  id: string;
}
function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.k, c.id])).toString('base64url');
}
function decodeCursor(s: string): Cursor {
  try {
    const [k, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as [unknown, unknown];
    if ((typeof k === 'string' || typeof k === 'number') && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id))
      return { k, id };
  } catch {
    // fall through
  }
  throw ruleBroken('query.cursor', 'foreign_cursor');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The WHERE of the current filter (without the cursor), on `p` (products) alone: what is on sale
 * is `status = 'listed' and coop_active` (kept by a trigger), so indexes on products drive the plan.
 */
function filterSql(query: CatalogQuery, text: SQL | null): SQL {
  const where: SQL[] = [sql.raw(`p.status = 'listed'`), sql.raw(`p.coop_active`)];
  if (query.town)
    where.push(
      UUID.test(query.town)
        ? sql`p.town_id = ${query.town}`
        : sql`p.town_id = (select id from towns where code = ${query.town})`,
    );
  if (query.county) {
    where.push(
      UUID.test(query.county)
        ? sql`p.town_id in (select id from towns where county_id = ${query.county})`
        : sql`p.town_id in (select t.id from towns t join counties c on c.id = t.county_id where c.code = ${query.county})`,
    );
  }
  if (query.category) where.push(sql`p.category = ${query.category}`);
  if (query.cooperative) where.push(sql`p.cooperative_id = ${query.cooperative}`);
  if (query.minPrice !== undefined) where.push(sql`p.base_price_fen >= ${query.minPrice}`);
  if (query.maxPrice !== undefined) where.push(sql`p.base_price_fen <= ${query.maxPrice}`);
  if (query.inStock) where.push(sql`p.stock > 0`);
  if (text) where.push(text);
  return sql.join(where, sql` and `);
}

/** Display columns for the rows of one page, joined after the page is chosen. */
export const DETAIL_JOIN = sql.raw(`join orgs o on o.id = p.cooperative_id join towns t on t.id = p.town_id`);

export interface ItemRow extends ProductNamesRow, Record<string, unknown> {
  id: string;
  category: Category;
  moq: number;
  base_price_fen: string;
  lowest_price_fen: string;
  stock: number;
  photo: string | null;
  town_id: string;
  town_code: string;
  town_name_zh: string;
  town_name_en: string;
  cooperative_name: string;
  is_demo: boolean;
  created_at: Date | string;
  sort_key: string | number;
}

export const ITEM_COLUMNS =
  sql.raw(`p.id, p.category, p.name_zh, p.name_en, p.unit_label, p.unit_spec, p.unit_label_en, p.unit_spec_en, p.moq, p.base_price_fen, p.lowest_price_fen, p.stock,
  p.photos[1] as photo, p.town_id, t.code as town_code, t.name_zh as town_name_zh, t.name_en as town_name_en,
  o.name as cooperative_name, p.is_demo, p.created_at`);

export function toItem(r: ItemRow): CatalogItem {
  return {
    id: r.id,
    category: r.category,
    ...productNames(r),
    moq: r.moq,
    basePriceFen: Number(r.base_price_fen),
    lowestPriceFen: Number(r.lowest_price_fen),
    stock: r.stock,
    photo: r.photo,
    townId: r.town_id,
    townCode: r.town_code,
    townNameZh: r.town_name_zh,
    townNameEn: r.town_name_en,
    cooperativeName: r.cooperative_name,
    isDemo: r.is_demo,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

export async function searchCatalog(db: Db, query: CatalogQuery): Promise<CatalogResponse> {
  if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
    throw ruleBroken('query.maxPrice', 'min_above_max');
  }
  if (!query.q) return { ...(await pageAndFacets(db, query, null, null)), fuzzy: false, didYouMean: null };
  const q = query.q;
  return withSearchSettings(db, async (tx) => {
    const tm = textMatch(q);
    const words = await pageAndFacets(tx, query, tm ? tm.where : null, tm ? relevanceKey(tm.rank) : null);
    if (words.items.length > 0 || query.cursor) return { ...words, fuzzy: false, didYouMean: null };
    // Nothing has every word: offer the closest names (one page; a typo is not browsed further).
    const typo = typoMatch(q);
    if (!typo) return { ...words, fuzzy: false, didYouMean: null };
    const close = await pageAndFacets(tx, { ...query, sort: 'relevance' }, typo.match, typo.key);
    const best = close.items[0];
    const latin = !/[\u3400-\u9fff]/.test(q);
    return {
      ...close,
      nextCursor: null,
      fuzzy: close.items.length > 0,
      didYouMean: best ? (latin && best.nameEn ? best.nameEn : best.nameZh) : null,
    };
  });
}

async function pageAndFacets(
  db: DbOrTx,
  query: CatalogQuery,
  text: SQL | null,
  relevance: SQL | null,
): Promise<Omit<CatalogResponse, 'fuzzy' | 'didYouMean'>> {
  const where = filterSql(query, text);
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  const take = query.limit + 1;
  const sort = query.sort === 'relevance' && !relevance ? 'newest' : query.sort;

  // First choose the page's ids and sort keys from products alone, then join the display columns.
  let page: SQL;
  // A relevance search reads its candidates once: the RANK_CAP ranked, and the facets' sample.
  let candidates: Candidate[] | null = null;
  if (sort === 'relevance') {
    // Rank a bounded set of matches (through the GIN index, most trusted first), then page by (rank, id).
    candidates = await trustedMatches(db, where, Math.max(RANK_CAP, FACET_CAP + 1));
    const ranked = candidates.slice(0, RANK_CAP).map((c) => c.id);
    const after = cursor ? sql`where (m.sort_key, m.id) < (${String(cursor.k)}::numeric, ${cursor.id}::uuid)` : sql``;
    page = sql`with m as materialized (select p.id, ${relevance} as sort_key from products p where ${anyOf(sql`p.id`, ranked, 'uuid')})
      select m.id, m.sort_key from m ${after} order by m.sort_key desc, m.id desc limit ${take}`;
  } else if (sort === 'newest') {
    const after = cursor
      ? sql`and (p.created_at, p.id) < (${String(cursor.k)}::timestamptz, ${cursor.id}::uuid)`
      : sql``;
    page = sql`select p.id, p.created_at::text as sort_key from products p where ${where} ${after} order by p.created_at desc nulls last, p.id desc nulls last limit ${take}`;
  } else {
    const asc = sort === 'price_asc';
    const after = !cursor
      ? sql``
      : asc
        ? sql`and (p.base_price_fen, p.id) > (${Number(cursor.k)}::bigint, ${cursor.id}::uuid)`
        : sql`and (p.base_price_fen, p.id) < (${Number(cursor.k)}::bigint, ${cursor.id}::uuid)`;
    const order = sql.raw(asc ? `p.base_price_fen asc, p.id asc` : `p.base_price_fen desc, p.id desc`);
    page = sql`select p.id, p.base_price_fen as sort_key from products p where ${where} ${after} order by ${order} limit ${take}`;
  }
  const res = await db.execute<ItemRow>(sql`
    with pg as (${page})
    select ${ITEM_COLUMNS}, pg.sort_key from pg join products p on p.id = pg.id ${DETAIL_JOIN}
    order by ${sql.raw(sort === 'price_asc' ? 'p.base_price_fen asc, p.id asc' : sort === 'price_desc' ? 'p.base_price_fen desc, p.id desc' : sort === 'newest' ? 'p.created_at desc nulls last, p.id desc nulls last' : 'pg.sort_key desc, p.id desc')}`);
  const rows = res.rows;
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  const nextCursor =
    rows.length > query.limit && last
      ? encodeCursor({ k: typeof last.sort_key === 'number' ? last.sort_key : String(last.sort_key), id: last.id })
      : null;

  const facets = candidates ? await facetsOf(db, candidates) : await facetsOfFilter(db, where);
  return {
    items: items.map(toItem),
    nextCursor,
    facets,
  };
}

type Facets = CatalogResponse['facets'];

const byCount = (counts: Map<string, number>) =>
  [...counts].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));

/** Facet counts of the first FACET_CAP + 1 products of a filter. */
async function facetsOfFilter(db: DbOrTx, where: SQL): Promise<Facets> {
  const facets = await db.execute<{ dim: string; key: string; n: string; total: string }>(sql`
    with f as materialized (select p.town_id, p.category::text as category from products p where ${where} limit ${FACET_CAP + 1})
    select 'town' as dim, t.code as key, count(*) as n, (select count(*) from f) as total from f join towns t on t.id = f.town_id group by t.code
    union all
    select 'category', category, count(*), (select count(*) from f) from f group by category`);
  const total = Number(facets.rows[0]?.total ?? 0);
  const dim = (d: string) => new Map(facets.rows.filter((r) => r.dim === d).map((r) => [r.key, Number(r.n)]));
  return { town: byCount(dim('town')), category: byCount(dim('category')), capped: total > FACET_CAP };
}

/** Facet counts of a relevance search's candidates (at most FACET_CAP + 1 of its matches). */
async function facetsOf(db: DbOrTx, candidates: Candidate[]): Promise<Facets> {
  const sample = candidates.slice(0, FACET_CAP + 1);
  const towns = new Map<string, number>();
  const categories = new Map<string, number>();
  for (const c of sample) {
    towns.set(c.town_id, (towns.get(c.town_id) ?? 0) + 1);
    categories.set(c.category, (categories.get(c.category) ?? 0) + 1);
  }
  const codes = towns.size
    ? (
        await db.execute<{ id: string; code: string }>(
          sql`select id, code from towns where ${anyOf(sql`id`, [...towns.keys()], 'uuid')}`,
        )
      ).rows
    : [];
  const byCode = new Map(codes.map((t) => [t.code, towns.get(t.id) ?? 0]));
  return { town: byCount(byCode), category: byCount(categories), capped: sample.length > FACET_CAP };
}

interface DetailRow extends ProductNamesRow, Record<string, unknown> {
  id: string;
  code: string;
  category: Category;
  description: string | null;
  description_en: string | null;
  moq: number;
  order_step: number;
  stock: number;
  lead_time_days: number;
  certifications: string[];
  certifications_en: string[];
  photos: string[];
  price_tiers: PriceTier[];
  status: ListingStatus;
  is_demo: boolean;
  town_id: string;
  town_code: string;
  town_name_zh: string;
  town_name_en: string;
  county_id: string;
  county_code: string;
  county_name_zh: string;
  county_name_en: string;
  coop_id: string;
  coop_name: string;
  coop_status: string;
}

/**
 * A product page. The public sees listed products of active cooperatives; the owning cooperative
 * and the office see any of theirs (a preview). Everything else is "not found".
 */
export async function productDetail(
  db: Db,
  id: string,
  viewer: { orgId: string; orgKind: string } | null,
): Promise<ProductDetail | null> {
  const res = await db.execute<DetailRow>(sql`
    select p.id, p.code, p.category, p.name_zh, p.name_en, p.description, p.description_en, p.unit_label, p.unit_spec, p.unit_label_en, p.unit_spec_en,
      p.moq, p.order_step, p.stock, p.lead_time_days, p.certifications, p.certifications_en, p.photos, p.price_tiers, p.status, p.is_demo,
      t.id as town_id, t.code as town_code, t.name_zh as town_name_zh, t.name_en as town_name_en,
      c.id as county_id, c.code as county_code, c.name_zh as county_name_zh, c.name_en as county_name_en,
      o.id as coop_id, o.name as coop_name, o.status as coop_status
    from products p join orgs o on o.id = p.cooperative_id join towns t on t.id = p.town_id join counties c on c.id = t.county_id
    where p.id = ${id}`);
  const r = res.rows[0];
  if (!r) return null;
  const isPublic = r.status === 'listed' && r.coop_status === 'active';
  const mayPreview = viewer && (viewer.orgKind === 'office' || viewer.orgId === r.coop_id);
  if (!isPublic && !mayPreview) return null;
  return {
    id: r.id,
    code: r.code,
    category: r.category,
    ...productNames(r),
    description: r.description,
    descriptionEn: r.description_en,
    moq: r.moq,
    orderStep: r.order_step,
    stock: r.stock,
    leadTimeDays: r.lead_time_days,
    certifications: r.certifications,
    certificationsEn: r.certifications_en,
    photos: r.photos,
    priceTiers: r.price_tiers,
    status: r.status,
    isDemo: r.is_demo,
    town: { id: r.town_id, code: r.town_code, nameZh: r.town_name_zh, nameEn: r.town_name_en },
    county: { id: r.county_id, code: r.county_code, nameZh: r.county_name_zh, nameEn: r.county_name_en },
    cooperative: { id: r.coop_id, name: r.coop_name },
  };
}
