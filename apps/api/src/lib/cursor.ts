import { and, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { PgSelect } from 'drizzle-orm/pg-core';
import type { FastifyReply } from 'fastify';
import { ruleBroken } from './problem';

/**
 * Keyset ("seek") pagination, the one way a list route pages: rows come in the order of a fixed
 * tuple of keys (the last one unique; newest first unless a key says `asc`), and a page's cursor is
 * the last row's keys, so the next page is `(k1, k2, …) < (cursor)`: no OFFSET, and rows added
 * meanwhile never shift a page.
 *
 * The cursor is opaque to clients: base64url JSON of the list's name and the key values as text.
 * One list's cursor given to another (a foreign cursor), or anything altered, is a 400 naming
 * `query.cursor`; every value is checked against its key's type before it reaches PostgreSQL.
 */
type KeyType = 'timestamptz' | 'date' | 'uuid' | 'bigint' | 'text' | 'boolean';

export interface Keyset {
  /** Names the list; a cursor carries it, so one list's cursor is refused by another. */
  name: string;
  /**
   * Sort keys, never null; the last must be unique (an id). Each descends unless it says `asc` (a
   * backlog read oldest first, payouts in their sequence within a settlement).
   */
  keys: readonly { expr: SQLWrapper; type: KeyType; order?: 'asc' | 'desc' }[];
}

/** The header carrying the next page's cursor on a list route whose body stays a plain array. */
const NEXT_CURSOR_HEADER = 'x-next-cursor';

/**
 * The longest text key a cursor carries (MAX_CURSOR_CHARS leaves room for it: up to 3 UTF-8 bytes a
 * character, 4/3 for base64): longer than any name the api accepts or a bank writes as an id.
 */
const MAX_TEXT_KEY = 1000;

/** A day that exists (Date.parse takes 2021-02-30 and rolls it over, and year 0; PostgreSQL refuses both). */
function calendarDay(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return !day.startsWith('0000') && !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

const VALID: Record<KeyType, (v: string) => boolean> = {
  // The exact text keyText writes (microseconds kept: a JavaScript Date would round to milliseconds).
  timestamptz: (v) =>
    /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/.test(v) &&
    calendarDay(v.slice(0, 10)),
  date: (v) => /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(v) && calendarDay(v),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v),
  bigint: (v) => /^-?\d{1,16}$/.test(v) && Number.isSafeInteger(Number(v)),
  text: (v) => v.length <= MAX_TEXT_KEY && !v.includes('\u0000'),
  // PostgreSQL's text of a boolean (false sorts before true).
  boolean: (v) => v === 'true' || v === 'false',
};

/** A key as the text a cursor stores. */
function keyText(k: Keyset['keys'][number]): SQL {
  return k.type === 'timestamptz'
    ? sql`to_char(${k.expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : sql`(${k.expr})::text`;
}

/** Select this as `cursorKey` beside each row: the row's keys as a JSON array of text. */
export function cursorKey(ks: Keyset): SQL<string[]> {
  return sql<string[]>`json_build_array(${sql.join(ks.keys.map(keyText), sql`, `)})`;
}

function encodeCursor(ks: Keyset, values: readonly string[]): string {
  return Buffer.from(JSON.stringify([ks.name, ...values])).toString('base64url');
}

const refused = () => ruleBroken('query.cursor', 'foreign_cursor');

/** The key values of a cursor of this list, checked; anything else is a 400 naming query.cursor. */
function decodeCursor(ks: Keyset, cursor: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  if (!Array.isArray(parsed) || parsed.length !== ks.keys.length + 1 || parsed[0] !== ks.name) throw refused();
  const values = parsed.slice(1);
  if (!values.every((v, i) => typeof v === 'string' && VALID[ks.keys[i]!.type](v))) throw refused();
  return values as string[];
}

/**
 * The condition "after the cursor" (undefined without one): one row comparison when the keys share
 * a direction (an index can serve it), else the lexicographic expansion, key by key.
 */
export function afterCursor(ks: Keyset, cursor: string | undefined): SQL | undefined {
  if (!cursor) return undefined;
  const values = decodeCursor(ks, cursor);
  const val = (i: number) => sql`${values[i]}::${sql.raw(ks.keys[i]!.type)}`;
  const asc = (k: Keyset['keys'][number]) => k.order === 'asc';
  if (ks.keys.every((k) => asc(k) === asc(ks.keys[0]!))) {
    const cols = sql.join(
      ks.keys.map((k) => sql`${k.expr}`),
      sql`, `,
    );
    const vals = sql.join(
      ks.keys.map((_, i) => val(i)),
      sql`, `,
    );
    return asc(ks.keys[0]!) ? sql`(${cols}) > (${vals})` : sql`(${cols}) < (${vals})`;
  }
  const branches = ks.keys.map((k, i) => {
    const equal = ks.keys.slice(0, i).map((e, j) => sql`${e.expr} = ${val(j)}`);
    const beyond = asc(k) ? sql`${k.expr} > ${val(i)}` : sql`${k.expr} < ${val(i)}`;
    return sql`(${sql.join([...equal, beyond], sql` and `)})`;
  });
  return sql`(${sql.join(branches, sql` or `)})`;
}

/** ORDER BY the keys, each in its direction (newest first unless `asc`). */
export function keysetOrder(ks: Keyset): SQL[] {
  return ks.keys.map((k) => (k.order === 'asc' ? sql`${k.expr} asc` : sql`${k.expr} desc`));
}

/**
 * A keyset list's page query: the rows matching `where` after the cursor, in the list's order, one
 * more than the limit (pageOf reads the extra row as "there is a next page").
 */
export function keysetPage<Q extends PgSelect>(
  query: Q,
  ks: Keyset,
  page: { cursor?: string | undefined; limit: number },
  ...where: (SQL | undefined)[]
) {
  return query
    .where(and(...where, afterCursor(ks, page.cursor)))
    .orderBy(...keysetOrder(ks))
    .limit(page.limit + 1);
}

/**
 * One page from rows fetched with `limit + 1`: the extra row only says there is a next page, whose
 * cursor is the last kept row's keys.
 */
export function pageOf<T extends { cursorKey: string[] }>(
  ks: Keyset,
  rows: T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(ks, last.cursorKey) : null };
}

/**
 * Answers one page of a plain-array list: its rows, and the next page's cursor in x-next-cursor
 * (absent on the last page).
 */
export function sendPage<T>(reply: FastifyReply, page: { items: T[]; nextCursor: string | null }): T[] {
  if (page.nextCursor) reply.header(NEXT_CURSOR_HEADER, page.nextCursor);
  return page.items;
}

/**
 * Every row of a keyset list, fetched page by page, for an export that streams all its rows (never
 * cut at a cap, never holding them all): `fetch` is the list's own query for one page.
 */
export async function* allPages<T extends { cursorKey: string[] }>(
  ks: Keyset,
  fetch: (cursor: string | undefined, limit: number) => Promise<T[]>,
  batch = 500,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  for (;;) {
    const rows = await fetch(cursor, batch);
    const page = pageOf(ks, rows, batch);
    yield* page.items;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}
