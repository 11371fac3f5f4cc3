import { z } from 'zod';
import { pgString } from '../storage';

/** The most rows one page of a list answers; a client walks on with the next cursor. */
export const MAX_PAGE = 500;
/** A page when the client names no limit: what a console table shows at once. */
export const DEFAULT_PAGE = 200;
/** The longest cursor a list hands out: base64url of its name and keys, text keys at most 1,000 characters. */
export const MAX_CURSOR_CHARS = 6000;

/**
 * `cursor` + `limit`, the paging of every list route (keyset: see the api's lib/cursor.ts). A route's
 * query is `SomeFilter.extend(PageQuery.shape)`; the next cursor comes back in the `x-next-cursor`
 * header (a plain-array list) or as `nextCursor` (a page object), absent or null on the last page.
 */
export const PageQuery = z.strictObject({
  /**
   * Opaque: the next cursor of the previous page of the same list. Room for a text key of up to
   * 1,000 characters (a name in UTF-8, a bank's transaction id) in base64url.
   */
  cursor: pgString().max(MAX_CURSOR_CHARS).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** A list answered as a page object: the rows and the next page's cursor (null on the last page). */
export const Page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
