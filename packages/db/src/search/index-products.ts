import { sql } from 'drizzle-orm';
import type { Category } from '@shanhai/domain';
import { anyOf, type DbOrTx } from '../client';
import { productSearchDocument } from './analyze';

/** Rows analysed per statement when catching up (a 100k catalogue: 50 statements). */
const BATCH = 2000;

interface SourceRow extends Record<string, unknown> {
  id: string;
  name_zh: string;
  name_en: string | null;
  description: string | null;
  category: Category;
  town_zh: string;
  town_en: string;
  county_zh: string;
  county_en: string;
}

/**
 * Writes products.search (the tsvector of the catalogue search) and products.search_fuzzy (what
 * typo tolerance compares) for the given products, or, without ids, for every product whose index
 * is missing (a trigger clears it when a name, the description, the category or the town changes).
 * Every writer of products calls it after its write; the api catches up at start-up.
 * Returns the number of products indexed.
 */
export async function refreshSearchIndex(db: DbOrTx, ids?: string[]): Promise<number> {
  let done = 0;
  for (let from = 0; ; from += BATCH) {
    const chunk = ids ? ids.slice(from, from + BATCH) : null;
    if (chunk && chunk.length === 0) break;
    const which = chunk ? anyOf(sql`p.id`, chunk, 'uuid') : sql`p.search is null`;
    const res = await db.execute<SourceRow>(sql`
      select p.id, p.name_zh, p.name_en, p.description, p.category,
        t.name_zh as town_zh, t.name_en as town_en, c.name_zh as county_zh, c.name_en as county_en
      from products p join towns t on t.id = p.town_id join counties c on c.id = t.county_id
      where ${which} limit ${BATCH}`);
    const rows = res.rows;
    if (rows.length === 0) {
      if (chunk) continue;
      break;
    }
    const cols = {
      id: [] as string[],
      a: [] as string[],
      b: [] as string[],
      c: [] as string[],
      d: [] as string[],
      f: [] as string[],
    };
    for (const r of rows) {
      const doc = productSearchDocument({
        nameZh: r.name_zh,
        nameEn: r.name_en,
        description: r.description,
        category: r.category,
        townZh: r.town_zh,
        townEn: r.town_en,
        countyZh: r.county_zh,
        countyEn: r.county_en,
      });
      cols.id.push(r.id);
      cols.a.push(doc.a);
      cols.b.push(doc.b);
      cols.c.push(doc.c);
      cols.d.push(doc.d);
      cols.f.push(doc.fuzzy);
    }
    await db.execute(sql`
      update products p set
        search = setweight(to_tsvector('simple', v.a), 'A')
          || setweight(to_tsvector('english', coalesce(p.name_en, '')), 'A')
          || setweight(to_tsvector('simple', v.b), 'B')
          || setweight(to_tsvector('simple', v.c), 'C')
          || setweight(to_tsvector('english', coalesce(p.description, '')), 'D')
          || setweight(to_tsvector('simple', v.d), 'D'),
        search_fuzzy = v.f
      from unnest(${pgArray(cols.id)}::uuid[], ${pgArray(cols.a)}::text[], ${pgArray(cols.b)}::text[],
        ${pgArray(cols.c)}::text[], ${pgArray(cols.d)}::text[], ${pgArray(cols.f)}::text[]) as v(id, a, b, c, d, f)
      where p.id = v.id`);
    done += rows.length;
    if (!chunk && rows.length < BATCH) break;
  }
  return done;
}

/** A text[] literal (each element quoted): the lexeme lists hold only letters, digits and spaces. */
function pgArray(xs: string[]): string {
  return `{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
