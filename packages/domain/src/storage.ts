import { z } from 'zod';

/**
 * What PostgreSQL can store, as zod building blocks (issue 13): a request field written to a
 * column takes its limits from the column's type, so that storing it can never fail with a 500.
 * `tests/integration/storage-limits.test.ts` walks every route's request schema against the
 * drizzle tables and fails on a field that is not bounded by its column.
 */

/** PostgreSQL `integer` (int4). */
export const INT4_MIN = -(2 ** 31);
export const INT4_MAX = 2 ** 31 - 1;

/**
 * PostgreSQL text (and jsonb) cannot hold U+0000 (`invalid byte sequence for encoding "UTF8":
 * 0x00`). The pattern is in the OpenAPI document too, where the storage-limits test reads it.
 */
// eslint-disable-next-line no-control-regex -- refusing that one control character is the point
export const NO_NUL = /^[^\u0000]*$/;

/** A request string that PostgreSQL can store; chain `.trim()`, `.min()`, `.max()` as usual. */
export function pgString() {
  return z.string().regex(NO_NUL);
}

/**
 * Request text for a `text` column: at most `max` characters (text has no limit of its own, so
 * every field names one) and never U+0000. Trimmed first, so the limit counts what is stored.
 */
export function pgText(max: number) {
  return pgString().trim().max(max);
}

/** A whole number for an `integer` column: within int4, narrowed further with `.min()`/`.max()`. */
export function pgInt() {
  return z.number().int().min(INT4_MIN).max(INT4_MAX);
}

/** Whether a zod issue (raised, or as sent in problem JSON) is the U+0000 refusal. */
export function isNulIssue(iss: { [key: string]: unknown }): boolean {
  return iss.format === 'regex' && String(iss.pattern ?? '').includes(NO_NUL.source);
}
